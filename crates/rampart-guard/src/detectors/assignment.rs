//! The capture groups of a keyed-assignment match, read by hand.
//!
//! The secret detector finds `key = value` assignments with one regular expression
//! ([`PATTERN`]) and needs its groups (key, operator, value) for every match that holds
//! a key word. Asking the regex engine for them ran its bounded backtracker once per
//! match, about 12,000 instructions on a gitleaks sample: a third of the detector's
//! cost on text full of credentials. The pattern is simple enough to walk directly, in
//! the regex's own leftmost-first order (greedy repetitions longest first, alternatives
//! left to right), so [`groups_at`] gives the same groups as the regex's captures for
//! a match starting at `start`. A test compares the two on the corpora and on generated
//! strings; the caller still checks that the walk ends where the regex's match ends.

/// The assignment pattern (`(?i)`, Unicode): an identifier key, perhaps quoted or
/// typed, an assignment operator, a quoted or bare value; or `<name>value</`.
pub(crate) const PATTERN: &str = r#"(?i)([A-Za-z_$@][A-Za-z0-9_.\-ñ]*)["'`]?\]?(?:[ \t]+(?:string|str|const|char\*?))?[ \t]*(=|:=|::=|:::=|\?=|\.=|\+=|=>|:|,)[ \t]*@?(?:"([^"\n]+)"|'([^'\n]+)'|`([^`\n]+)`|([^\s"'`,;<>(){}\[\]]{3,}))|<([A-Za-z_][A-Za-z0-9_.\-]*)>\s*([^<\s]{6,})\s*</"#;

type Span = std::ops::Range<usize>;

/// The groups of one match: byte spans into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Groups {
    /// The whole match.
    pub whole: Span,
    /// Group 1 (`key = …`) or group 7 (`<key>…`).
    pub key: Span,
    /// Group 2, absent for the XML form.
    pub op: Option<Span>,
    /// Group 3, 4 or 5: the value between quotes.
    pub quoted: Option<Span>,
    /// The value: quoted, bare (group 6) or the XML element's (group 8).
    pub value: Span,
}

/// Kelvin sign and long s: under `(?i)`, `[A-Za-z]` matches them too (simple case
/// folding puts them with `k` and `s`).
const KELVIN: char = '\u{212A}';
const LONG_S: char = '\u{017F}';

fn key_start(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '_' | '$' | '@' | KELVIN | LONG_S)
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | 'ñ' | 'Ñ' | KELVIN | LONG_S)
}

fn name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '_' | KELVIN | LONG_S)
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | KELVIN | LONG_S)
}

fn bare_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '"' | '\'' | '`' | ',' | ';' | '<' | '>' | '(' | ')' | '{' | '}' | '[' | ']'
        )
}

/// Whether `c` matches the ASCII letter `lower` under Unicode simple case folding.
fn folds_to(c: char, lower: char) -> bool {
    c.eq_ignore_ascii_case(&lower) || (lower == 's' && c == LONG_S) || (lower == 'k' && c == KELVIN)
}

/// The end of `word` (ASCII, lower case) matched case-insensitively at `at`.
fn word_at(text: &str, at: usize, word: &str) -> Option<usize> {
    let mut chars = text[at..].char_indices();
    for w in word.chars() {
        let (_, c) = chars.next()?;
        if !folds_to(c, w) {
            return None;
        }
    }
    Some(chars.next().map_or(text.len(), |(i, _)| at + i))
}

fn skip_while(text: &str, at: usize, keep: impl Fn(char) -> bool) -> usize {
    text[at..]
        .char_indices()
        .find(|&(_, c)| !keep(c))
        .map_or(text.len(), |(i, _)| at + i)
}

fn byte_is(text: &str, at: usize, b: u8) -> bool {
    text.as_bytes().get(at) == Some(&b)
}

/// The groups of the leftmost-first match of [`PATTERN`] that starts at `start`, or
/// `None` when no match starts there.
pub(crate) fn groups_at(text: &str, start: usize) -> Option<Groups> {
    let first = text[start..].chars().next()?;
    if first == '<' {
        return xml_at(text, start);
    }
    if !key_start(first) {
        return None;
    }
    // Greedy key: every key end from the longest back to one character.
    let key_min = start + first.len_utf8();
    let key_max = skip_while(text, key_min, key_char);
    let mut key_end = key_max;
    loop {
        if let Some(g) = after_key(text, start, key_end) {
            return Some(g);
        }
        if key_end == key_min {
            return None;
        }
        key_end = text[..key_end].char_indices().next_back().map(|(i, _)| i)?;
        if key_end < key_min {
            return None;
        }
    }
}

/// `["'`]?\]?` and the optional type, each taken first, then skipped.
fn after_key(text: &str, start: usize, key_end: usize) -> Option<Groups> {
    let quote = matches!(text.as_bytes().get(key_end), Some(b'"' | b'\'' | b'`'));
    let quote_ends: &[usize] = if quote {
        &[key_end + 1, key_end]
    } else {
        &[key_end]
    };
    for &q in quote_ends {
        let bracket_ends: &[usize] = if byte_is(text, q, b']') {
            &[q + 1, q]
        } else {
            &[q]
        };
        for &b in bracket_ends {
            if let Some(typed) = type_end(text, b)
                && let Some(g) = after_type(text, start, key_end, typed)
            {
                return Some(g);
            }
            if let Some(g) = after_type(text, start, key_end, b) {
                return Some(g);
            }
        }
    }
    None
}

/// The end of `[ \t]+(?:string|str|const|char\*?)` at `at`. Only the longest run of
/// blanks can be followed by a letter, and only the first alternative that matches can
/// lead anywhere: after `str` in `string`, or `char` in `char*`, comes a character that
/// neither a blank nor an operator can start with.
fn type_end(text: &str, at: usize) -> Option<usize> {
    let blanks = skip_while(text, at, |c| c == ' ' || c == '\t');
    if blanks == at {
        return None;
    }
    word_at(text, blanks, "string")
        .or_else(|| word_at(text, blanks, "str"))
        .or_else(|| word_at(text, blanks, "const"))
        .or_else(|| {
            let end = word_at(text, blanks, "char")?;
            Some(if byte_is(text, end, b'*') {
                end + 1
            } else {
                end
            })
        })
}

/// `[ \t]*` (op) `[ \t]*@?` (value) after the key's decorations end at `at`.
fn after_type(text: &str, start: usize, key_end: usize, at: usize) -> Option<Groups> {
    let at = skip_while(text, at, |c| c == ' ' || c == '\t');
    const OPS: &[&str] = &["=", ":=", "::=", ":::=", "?=", ".=", "+=", "=>", ":", ","];
    for op in OPS {
        if !text[at..].starts_with(op) {
            continue;
        }
        let op_end = at + op.len();
        let v = skip_while(text, op_end, |c| c == ' ' || c == '\t');
        let value_starts: &[usize] = if byte_is(text, v, b'@') {
            &[v + 1, v]
        } else {
            &[v]
        };
        for &vs in value_starts {
            if let Some((quoted, value, end)) = value_at(text, vs) {
                return Some(Groups {
                    whole: start..end,
                    key: start..key_end,
                    op: Some(at..op_end),
                    quoted,
                    value,
                });
            }
        }
    }
    None
}

/// A quoted value (`"…"`, `'…'`, `` `…` ``: one character or more, no line break) or a
/// bare one (three characters or more): (quoted span, value span, match end).
fn value_at(text: &str, at: usize) -> Option<(Option<Span>, Span, usize)> {
    let rest = text.get(at..)?;
    if let Some(q @ (b'"' | b'\'' | b'`')) = rest.bytes().next() {
        let inner = at + 1;
        let close = text[inner..]
            .bytes()
            .position(|b| b == q || b == b'\n')
            .map(|i| inner + i);
        if let Some(close) = close
            && close > inner
            && text.as_bytes()[close] == q
        {
            return Some((Some(inner..close), inner..close, close + 1));
        }
        // A quote cannot start a bare value.
        return None;
    }
    let end = skip_while(text, at, bare_char);
    (text[at..end].chars().count() >= 3).then_some((None, at..end, end))
}

/// `<name>\s*value\s*</`: every repetition has a single way to match.
fn xml_at(text: &str, start: usize) -> Option<Groups> {
    let name_start_at = start + 1;
    let first = text[name_start_at..].chars().next()?;
    if !name_start(first) {
        return None;
    }
    let name_end = skip_while(text, name_start_at + first.len_utf8(), name_char);
    if !byte_is(text, name_end, b'>') {
        return None;
    }
    let value_start = skip_while(text, name_end + 1, char::is_whitespace);
    let value_end = skip_while(text, value_start, |c| c != '<' && !c.is_whitespace());
    if text[value_start..value_end].chars().count() < 6 {
        return None;
    }
    let close = skip_while(text, value_end, char::is_whitespace);
    if !text[close..].starts_with("</") {
        return None;
    }
    Some(Groups {
        whole: start..close + 2,
        key: name_start_at..name_end,
        op: None,
        quoted: None,
        value: value_start..value_end,
    })
}

/// The same groups from the regex's own captures: the fallback should the walk ever
/// disagree with the regex's match, and the reference the tests compare it with.
pub(crate) fn groups_by_regex(re: &regex::Regex, text: &str, start: usize) -> Option<Groups> {
    let caps = re.captures_at(text, start)?;
    let whole = caps.get(0)?;
    if whole.start() != start {
        return None;
    }
    let key = caps.get(1).or_else(|| caps.get(7))?;
    let quoted = caps.get(3).or_else(|| caps.get(4)).or_else(|| caps.get(5));
    let value = quoted.or_else(|| caps.get(6)).or_else(|| caps.get(8))?;
    Some(Groups {
        whole: whole.range(),
        key: key.range(),
        op: caps.get(2).map(|m| m.range()),
        quoted: quoted.map(|m| m.range()),
        value: value.range(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    /// Every match the regex finds in `text` gets the same groups from the walk.
    fn check(re: &Regex, text: &str) -> usize {
        let mut n = 0;
        for m in re.find_iter(text) {
            assert_eq!(
                groups_at(text, m.start()),
                groups_by_regex(re, text, m.start()),
                "{text:?} at {}",
                m.start()
            );
            n += 1;
        }
        n
    }

    #[test]
    fn same_groups_as_the_regex_on_tricky_shapes() {
        let re = Regex::new(PATTERN).unwrap();
        let cases = [
            "password = hunter2hunter",
            "a.=bcd",
            "a.=b",
            "x ?= abc",
            "key => value1",
            "key=>value1",
            "k = @abc",
            "k = @ab",
            "k=@\"quoted\"",
            "token string = \"abcdef\"",
            "token strong = abcdef",
            "api_key str = xyz",
            "secret char* = abcd",
            "secret char = abcd",
            "secret CHAR* = abcd",
            "secret ſtring = abcd",
            "\u{212A}ey: value",
            "contraseña: ñandú123",
            "CONTRASEÑA: ÑANDÚ123",
            "\"api_key\": \"sk-123\"",
            "'api_key': 'sk-123'",
            "`k`: `v1`",
            "['token'] = 'abc'",
            "$password := \"x\"",
            "@secret:::= abc",
            "a::= abc",
            "a: \"\"",
            "a: \"unterminated\nx\"",
            "a, \"b\"",
            "f(\"KEY\", \"value\")",
            "<password>hunter22</password>",
            "<password> hunter22 \n </password>",
            "<password>short</password>",
            "<pass word>x</pass>",
            "<token>abc<def>ghi</token>",
            "key = a\u{a0}b",
            "key: ab",
            "key:\tabc;def",
            "key.-=abc",
            "k]=abc",
            "k\"]  string  = 'v'",
            "no assignment here",
            "x = y = zzz",
            "===",
            ": abc",
        ];
        for c in cases {
            check(&re, c);
        }
    }

    #[test]
    fn same_groups_as_the_regex_on_generated_strings() {
        let re = Regex::new(PATTERN).unwrap();
        // Concatenations of the pieces the pattern is made of, from a fixed generator,
        // so that most strings hold a match and many need the walk to backtrack.
        let pieces = [
            "password",
            "k",
            "ñ",
            "Ñ",
            "\u{212A}",
            "\u{17F}",
            " ",
            "\t",
            "\"",
            "'",
            "`",
            "]",
            "=",
            ":=",
            "::=",
            ":::=",
            "?=",
            ".=",
            "+=",
            "=>",
            ":",
            ",",
            "@",
            "string",
            "STR",
            "\u{17F}tr",
            "char",
            "*",
            "const",
            "ab",
            "c",
            "<",
            ">",
            "</",
            "\n",
            "hunter22",
            ".",
            "-",
            "\u{a0}",
            ";",
            "(",
            "x_1",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut matches = 0;
        for _ in 0..50_000 {
            let len = 1 + (next() % 10) as usize;
            let s: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            matches += check(&re, &s);
        }
        assert!(
            matches > 5_000,
            "too few matches to mean anything: {matches}"
        );
    }
}
