//! Static analysis of Jinja chat templates for server-side template injection.
//!
//! Chat templates ship inside model files (GGUF `tokenizer.chat_template`, Hugging Face
//! `tokenizer_config.json`) and are rendered by the loader. A template that reaches Python
//! objects (`cycler.__init__.__globals__.os.popen(...)`) runs code on whoever renders it
//! outside a strict sandbox (CVE-2024-34359, llama-cpp-python). The template is never
//! rendered here: it is tokenised (tags `{{ }}`, `{% %}`, comments and `raw` blocks, string
//! literals with their escapes decoded) and the token stream is checked for the ways a
//! template reaches Python internals: dunder and private names however they are spelled
//! (attribute, subscript, `attr` filter, escaped or formatted strings), the globals that
//! open gadget chains, and module and function names of code execution. Standard templates
//! (ChatML, Llama 3, Mistral, Gemma and their tool-calling variants) use none of these.

use crate::report::Finding;
use rampart_core::Severity;
use rampart_core::text::truncate_to_char_boundary;

/// The longest template analysed; real ones are a few KB.
pub const MAX_TEMPLATE_LEN: usize = 1024 * 1024;
const MAX_FINDINGS: usize = 20;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    /// A string literal, decoded, and whether escapes produced any of its characters.
    Str(String, bool),
    Punct(char),
}

/// Names that, reached as an attribute, subscript or `attr` argument, lead to code
/// execution or interpreter internals. Each is one step of a known sandbox escape.
const DANGEROUS_ATTRIBUTES: &[(&str, &str)] = &[
    ("os", "the os module: process and file access"),
    ("popen", "runs a shell command (os.popen)"),
    ("subprocess", "the subprocess module: runs programs"),
    (
        "sys",
        "the sys module: interpreter internals and loaded modules",
    ),
    ("modules", "sys.modules: every loaded module"),
    ("eval", "evaluates Python code"),
    ("exec", "executes Python code"),
    ("getattr", "reaches any attribute by name"),
    ("builtins", "the builtins module: open, eval, __import__"),
    ("globals", "a function's global namespace"),
    ("import_module", "imports any module"),
    ("mro", "walks the class hierarchy to object"),
    (
        "subclasses",
        "lists every class: the start of most sandbox escapes",
    ),
    ("func_globals", "Python 2 spelling of __globals__"),
    ("f_globals", "a frame's globals"),
    ("f_back", "walks up the interpreter's frames"),
    ("gi_frame", "a generator's frame: interpreter internals"),
    ("tb_frame", "a traceback's frame: interpreter internals"),
    ("check_output", "subprocess.check_output runs a program"),
    ("spawn", "spawns a process"),
    ("load_module", "loads a module through the import machinery"),
];

/// Calls that run a command when reached on the os or subprocess modules.
const DANGEROUS_CALLS: &[&str] = &["system", "popen", "Popen", "run", "call", "spawnv"];

/// Globals that a Jinja environment (or a Flask one) provides and whose Python internals
/// are one attribute away (`cycler.__init__.__globals__`). Chat templates have no use for
/// them: `namespace` and `range` are left out because standard templates use them.
const GADGET_GLOBALS: &[(&str, &str)] = &[
    (
        "cycler",
        "Jinja global whose __init__.__globals__ reaches os",
    ),
    (
        "joiner",
        "Jinja global whose __init__.__globals__ reaches os",
    ),
    ("lipsum", "Jinja global whose __globals__ reaches os"),
    (
        "request",
        "Flask request object, a common template-injection foothold",
    ),
    (
        "config",
        "Flask config object, a common template-injection foothold",
    ),
    ("url_for", "Flask global whose __globals__ reaches os"),
    (
        "get_flashed_messages",
        "Flask global whose __globals__ reaches os",
    ),
    (
        "self",
        "the template reference, whose private context leaks globals",
    ),
];

/// Analyse one template; `location` says where it came from (a metadata key).
pub fn analyze_template(template: &str, location: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let template = truncate_to_char_boundary(template, MAX_TEMPLATE_LEN);
    let code = match code_tokens(template) {
        Ok(t) => t,
        Err(why) => {
            findings.push(
                Finding::new(
                    Severity::Medium,
                    "template.unparseable",
                    format!(
                        "chat template cannot be tokenised ({why}); an engine that accepts it may render something this analysis did not see"
                    ),
                )
                .at(location.to_owned()),
            );
            return findings;
        }
    };
    let mut push = |severity, rule: &str, message: String| {
        if findings.len() < MAX_FINDINGS
            && !findings
                .iter()
                .any(|f: &Finding| f.rule == rule && f.message == message)
        {
            findings.push(Finding::new(severity, rule, message).at(location.to_owned()));
        }
    };

    for (i, tok) in code.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| code.get(j));
        let next = code.get(i + 1);
        match tok {
            Tok::Name(name) => {
                if name.contains("__") {
                    push(
                        Severity::Critical,
                        "template.dunder-access",
                        format!(
                            "chat template uses the Python internal name `{}`: {}",
                            short(name),
                            dunder_reason(name)
                        ),
                    );
                    continue;
                }
                let is_attribute = matches!(prev, Some(Tok::Punct('.')));
                if is_attribute {
                    check_attribute_name(name, next, &mut push);
                } else if let Some((_, why)) = GADGET_GLOBALS.iter().find(|(g, _)| g == name) {
                    let reached = matches!(next, Some(Tok::Punct('.' | '[')));
                    if reached {
                        push(
                            Severity::High,
                            "template.gadget-global",
                            format!("chat template reaches into `{name}` ({why})"),
                        );
                    } else if *name != "self" {
                        push(
                            Severity::Medium,
                            "template.gadget-global",
                            format!("chat template refers to `{name}` ({why})"),
                        );
                    }
                } else if is_filter(prev) && name == "attr" {
                    push(
                        Severity::High,
                        "template.attr-filter",
                        "chat template uses the `attr` filter, the usual way around attribute-access restrictions".into(),
                    );
                } else if is_filter(prev) && name == "format" && any_str_with(&code, "%c") {
                    push(
                        Severity::High,
                        "template.obfuscated-name",
                        "chat template builds characters with `%c` formatting, a way to spell blocked names".into(),
                    );
                } else if let Some((_, why)) = DANGEROUS_ATTRIBUTES.iter().find(|(d, _)| d == name)
                {
                    push(
                        Severity::High,
                        "template.dangerous-name",
                        format!("chat template uses the name `{name}`: {why}"),
                    );
                }
            }
            Tok::Str(value, escaped) => {
                if value.contains("__") {
                    push(
                        Severity::Critical,
                        "template.dunder-access",
                        format!(
                            "chat template spells the Python internal name `{}` in a string: {}",
                            short(value),
                            dunder_reason(value)
                        ),
                    );
                } else if !value.is_empty() && value.chars().all(|c| c == '_') {
                    push(
                        Severity::High,
                        "template.obfuscated-name",
                        "chat template has a string of only underscores, a way to assemble dunder names piece by piece".into(),
                    );
                } else if *escaped && value.chars().any(|c| c == '_' || c == '.') {
                    push(
                        Severity::High,
                        "template.obfuscated-name",
                        "chat template spells `_` or `.` with escape sequences, a way to hide attribute names".into(),
                    );
                }
                // `x['name']` and `x|attr('name')` reach attributes like `x.name` does.
                let subscript = matches!(prev, Some(Tok::Punct('[')));
                let attr_arg = i >= 2
                    && matches!(prev, Some(Tok::Punct('(')))
                    && code.get(i - 2) == Some(&Tok::Name("attr".into()));
                if subscript || attr_arg {
                    check_attribute_name(value, code.get(i + 2), &mut push);
                }
            }
            Tok::Punct(_) => {}
        }
    }
    findings
}

fn check_attribute_name(
    name: &str,
    after: Option<&Tok>,
    push: &mut impl FnMut(Severity, &str, String),
) {
    if name.contains("__") {
        // Reported by the caller's dunder rule.
    } else if name.starts_with('_') {
        push(
            Severity::Critical,
            "template.private-attribute",
            format!(
                "chat template reads the private attribute `{}` (e.g. `self._TemplateReference__context` leaks the render globals)",
                short(name)
            ),
        );
    } else if let Some((_, why)) = DANGEROUS_ATTRIBUTES.iter().find(|(d, _)| *d == name) {
        push(
            Severity::Critical,
            "template.dangerous-attribute",
            format!("chat template reaches `{name}`: {why}"),
        );
    } else if DANGEROUS_CALLS.contains(&name) && matches!(after, Some(Tok::Punct('('))) {
        push(
            Severity::Critical,
            "template.dangerous-attribute",
            format!(
                "chat template calls `.{name}(...)`, which runs a command when reached on os or subprocess"
            ),
        );
    }
}

fn dunder_reason(name: &str) -> &'static str {
    const KNOWN: &[(&str, &str)] = &[
        (
            "__globals__",
            "a function's globals, the step to os and builtins",
        ),
        (
            "__subclasses__",
            "lists every loaded class, the start of sandbox escapes",
        ),
        ("__builtins__", "the builtins: open, eval, __import__"),
        ("__import__", "imports any module"),
        (
            "__class__",
            "the object's class, the first step of sandbox escapes",
        ),
        ("__mro__", "the class hierarchy up to object"),
        ("__base__", "the base class, a step up to object"),
        ("__bases__", "the base classes, a step up to object"),
        ("__init__", "the constructor, whose __globals__ reach os"),
        ("__dict__", "an object's attributes"),
        ("__getattribute__", "reaches any attribute by name"),
        ("__reduce", "pickle hooks that return callables"),
        (
            "_TemplateReference__context",
            "the render context with every global",
        ),
    ];
    KNOWN
        .iter()
        .find(|(k, _)| name.contains(k))
        .map_or("no chat template needs Python internals", |(_, why)| why)
}

fn is_filter(prev: Option<&Tok>) -> bool {
    matches!(prev, Some(Tok::Punct('|')))
}

fn any_str_with(code: &[Tok], needle: &str) -> bool {
    code.iter()
        .any(|t| matches!(t, Tok::Str(s, _) if s.contains(needle)))
}

fn short(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(60)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// The tokens of every expression and statement tag, in order; text, comments and `raw`
/// blocks are skipped because the engine prints them without evaluating them.
fn code_tokens(template: &str) -> Result<Vec<Tok>, String> {
    let bytes = template.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(rel) = template[i..].find('{') {
        let start = i + rel;
        match bytes.get(start + 1) {
            Some(b'#') => {
                let end = template[start + 2..]
                    .find("#}")
                    .ok_or("unterminated comment")?;
                i = start + 2 + end + 2;
            }
            Some(&open @ (b'{' | b'%')) => {
                let close = if open == b'{' { '}' } else { '%' };
                let (mut toks, end) = lex_tag(template, start + 2, close)?;
                if open == b'%' && is_raw_start(&toks) {
                    let body = start + 2 + (end - start - 2);
                    let endraw = find_endraw(template, body).ok_or("unterminated raw block")?;
                    i = endraw;
                    continue;
                }
                out.append(&mut toks);
                // Statement boundaries matter for `prev`/`next` lookups.
                out.push(Tok::Punct(';'));
                i = end;
            }
            _ => i = start + 1,
        }
    }
    Ok(out)
}

fn is_raw_start(toks: &[Tok]) -> bool {
    matches!(toks.first(), Some(Tok::Name(n)) if n == "raw")
}

/// The byte after the `{% endraw %}` tag that closes a raw block starting at `from`.
fn find_endraw(template: &str, from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(rel) = template[i..].find("{%") {
        let start = i + rel;
        let after = template[start + 2..].trim_start_matches(['-', '+', ' ', '\t', '\n', '\r']);
        if after.starts_with("endraw") {
            let close = template[start..].find("%}")?;
            return Some(start + close + 2);
        }
        i = start + 2;
    }
    None
}

/// Lex one tag body starting at `from` until `}}` / `%}` (outside strings). Returns the
/// tokens and the byte after the closing delimiter.
fn lex_tag(t: &str, from: usize, close: char) -> Result<(Vec<Tok>, usize), String> {
    let chars: Vec<(usize, char)> = t[from..]
        .char_indices()
        .map(|(o, c)| (from + o, c))
        .collect();
    let mut toks = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (off, c) = chars[k];
        if c == close && chars.get(k + 1).map(|x| x.1) == Some('}') {
            return Ok((toks, off + 2));
        }
        if c.is_whitespace() || ((c == '-' || c == '+') && k == 0) {
            k += 1;
        } else if c.is_alphabetic() || c == '_' {
            let mut name = String::new();
            while let Some(&(_, ch)) = chars.get(k) {
                if ch.is_alphanumeric() || ch == '_' {
                    name.push(ch);
                    k += 1;
                } else {
                    break;
                }
            }
            toks.push(Tok::Name(name));
        } else if c == '\'' || c == '"' {
            let (value, escaped, next) = lex_string(&chars, k)?;
            toks.push(Tok::Str(value, escaped));
            k = next;
        } else if c.is_ascii_digit() {
            while chars
                .get(k)
                .is_some_and(|x| x.1.is_alphanumeric() || x.1 == '.')
            {
                k += 1;
            }
        } else {
            toks.push(Tok::Punct(c));
            k += 1;
        }
    }
    Err(format!(
        "unterminated tag at byte {}",
        from.saturating_sub(2)
    ))
}

/// Decode a Python-style string literal as Jinja does (escapes included).
fn lex_string(chars: &[(usize, char)], start: usize) -> Result<(String, bool, usize), String> {
    let quote = chars[start].1;
    let mut out = String::new();
    let mut escaped = false;
    let mut k = start + 1;
    while let Some(&(_, c)) = chars.get(k) {
        if c == quote {
            return Ok((out, escaped, k + 1));
        }
        if c == '\\' {
            let Some(&(_, e)) = chars.get(k + 1) else {
                break;
            };
            k += 2;
            let hex = |n: usize, k: &mut usize| -> Option<char> {
                let s: String = chars.get(*k..*k + n)?.iter().map(|x| x.1).collect();
                *k += n;
                u32::from_str_radix(&s, 16).ok().and_then(char::from_u32)
            };
            let decoded = match e {
                'n' => Some('\n'),
                't' => Some('\t'),
                'r' => Some('\r'),
                '\\' | '\'' | '"' => Some(e),
                'x' => {
                    escaped = true;
                    hex(2, &mut k)
                }
                'u' => {
                    escaped = true;
                    hex(4, &mut k)
                }
                'U' => {
                    escaped = true;
                    hex(8, &mut k)
                }
                '0'..='7' => {
                    escaped = true;
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.get(k).and_then(|x| x.1.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d;
                                k += 1;
                            }
                            None => break,
                        }
                    }
                    char::from_u32(v)
                }
                'N' => {
                    escaped = true;
                    // `\N{LOW LINE}`: record the name; any named escape is obfuscation.
                    while chars.get(k).is_some_and(|x| x.1 != '}') {
                        k += 1;
                    }
                    k += 1;
                    Some('_')
                }
                other => {
                    out.push('\\');
                    Some(other)
                }
            };
            if let Some(d) = decoded {
                out.push(d);
            }
            continue;
        }
        out.push(c);
        k += 1;
    }
    Err("unterminated string literal".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(t: &str) -> Vec<(String, Severity)> {
        analyze_template(t, "t")
            .into_iter()
            .map(|f| (f.rule, f.severity))
            .collect()
    }

    fn worst(t: &str) -> Option<Severity> {
        analyze_template(t, "t").iter().map(|f| f.severity).max()
    }

    #[test]
    fn standard_templates_are_clean() {
        for (name, t) in STANDARD_TEMPLATES {
            assert_eq!(analyze_template(t, name), vec![], "{name}");
        }
    }

    pub(crate) const STANDARD_TEMPLATES: &[(&str, &str)] = &[
        (
            "chatml",
            include_str!("../../tests/data/templates/chatml.jinja"),
        ),
        (
            "llama3",
            include_str!("../../tests/data/templates/llama3.jinja"),
        ),
        (
            "llama3.1-tools",
            include_str!("../../tests/data/templates/llama3_1_tools.jinja"),
        ),
        (
            "mistral",
            include_str!("../../tests/data/templates/mistral.jinja"),
        ),
        (
            "gemma",
            include_str!("../../tests/data/templates/gemma.jinja"),
        ),
        (
            "qwen2.5-tools",
            include_str!("../../tests/data/templates/qwen2_5_tools.jinja"),
        ),
    ];

    #[test]
    fn known_sandbox_escapes_are_critical() {
        let payloads = [
            "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
            "{{ joiner.__init__.__globals__['os'].popen('id') }}",
            "{{ namespace.__init__.__globals__.os.system('id') }}",
            "{{ lipsum.__globals__['os'].popen('id').read() }}",
            "{{ ''.__class__.__mro__[1].__subclasses__() }}",
            "{{ self._TemplateReference__context.cycler }}",
            "{% for c in [].__class__.__base__.__subclasses__() %}{% endfor %}",
            "{{ ()|attr('__class__') }}",
            "{{ x['__globals__']['__builtins__']['__import__']('os') }}",
            "{{ request.application.__globals__.__builtins__.__import__('os') }}",
            "{{ config.items() }}",
        ];
        for p in payloads {
            assert!(worst(p) >= Some(Severity::High), "{p}: {:?}", rules(p));
        }
        assert!(worst(payloads[0]) == Some(Severity::Critical));
    }

    #[test]
    fn obfuscated_names_are_caught() {
        for p in [
            r"{{ ()|attr('\x5f\x5fclass\x5f\x5f') }}",
            r"{{ ()|attr('\u005f\u005fclass\u005f\u005f') }}",
            r#"{{ ()|attr("%c%cclass%c%c"|format(95,95,95,95)) }}"#,
            "{{ ()|attr(['_','_','class','_','_']|join) }}",
            "{{ foo['_private'] }}",
            "{{ x.os.popen('id') }}",
            "{{ x|attr('popen') }}",
        ] {
            assert!(worst(p) >= Some(Severity::High), "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn comments_raw_and_text_are_not_code() {
        assert_eq!(rules("__globals__ in text {# __class__ #}"), vec![]);
        assert_eq!(rules("{% raw %}{{ x.__class__ }}{% endraw %}ok"), vec![]);
        // Strings may contain the closing delimiter.
        assert_eq!(rules("{{ '}}' + message['content'] }}"), vec![]);
    }

    #[test]
    fn broken_templates_are_findings_not_panics() {
        for t in [
            "{{ x",
            "{% if",
            "{{ 'abc }}",
            "{# x",
            "{{ '\\x",
            "{{ '\\N{",
            "{{ 'é\\u12",
        ] {
            let r = rules(t);
            assert_eq!(r.len(), 1, "{t}");
            assert_eq!(r[0].0, "template.unparseable");
        }
    }
}
