//! Secret and credential detection.
//!
//! Three families of rules, all linear-time (`regex` crate) and all behind one literal
//! prefilter, so that the cost on ordinary text does not grow with the number of rules:
//!
//! - **Provider keys** with a fixed shape (`AKIA…`, `ghp_…`, `xoxb-…`, `sk-ant-…`, PEM
//!   blocks, JWTs whose header decodes to JSON with `alg`). Each rule names the literals
//!   its matches must contain; one Aho-Corasick automaton over every literal tells which
//!   rules can match at all, and only those run.
//! - **Credentials in context**: passwords in URLs (`scheme://user:pass@host`), `curl -u`,
//!   `Authorization:` headers, and assignments whose key names a secret (`password = …`,
//!   `DB_PASSWORD=…`, `"api_key": …`, `contraseña: …`, `<apiToken>…</apiToken>`).
//!   Passwords may be plain words; other keys need a value that looks generated (length,
//!   character classes and Shannon entropy).
//! - **Placeholders are not secrets**: `your_api_key_here`, `xxxx`, `<TOKEN>`, `changeme`,
//!   `${VAR}`, `{{ var }}`, `$(cmd)`, `****` and values with almost no distinct characters.
//!
//! Overlapping candidates are resolved by score, so a key recognised by its provider rule
//! is reported once, under the provider's type.
//!
//! One concept per file: the detector (this file: the anchor walk, provider rules and
//! keyed assignments run, candidates resolved), [`rules`] (the provider rule table),
//! [`keyed`] (where keyed assignments are searched and what a key name says) and
//! [`value`] (placeholder, password, entropy and JWT checks of a candidate value).

mod keyed;
mod rules;
#[cfg(test)]
mod tests;
mod value;

use super::ascii_regex::ascii_word_boundaries;
use keyed::*;
use rules::*;
use value::*;

use super::anchors::AnchorHit;
use super::assignment::{Groups, groups_at, groups_by_regex};
use super::shared_anchors::SharedAnchors;
use super::{Detections, Detector};
use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::Normalized;
use aho_corasick::AhoCorasick;
use rampart_core::text::ceil_char_boundary;
use rampart_core::{Finding, FindingKind};
use regex::Regex;
use std::sync::{LazyLock, OnceLock};

/// One automaton for a list of words that are looked for anywhere in a short string:
/// `contains` in a loop set up a searcher per word, which made these checks the
/// largest cost of a text full of keyed assignments.
struct AnyWord(LazyLock<AhoCorasick>);

impl AnyWord {
    const fn new(build: fn() -> AhoCorasick) -> Self {
        AnyWord(LazyLock::new(build))
    }

    fn in_text(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

fn words(list: &[&str], ascii_case_insensitive: bool) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(ascii_case_insensitive)
        .build(list)
        .expect("static word list")
}

/// Extra validation a provider rule's match must pass.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Check {
    None,
    /// The header segment is base64url JSON with an `alg` member.
    Jwt,
    /// Not a placeholder and at least this much Shannon entropy (bits per character).
    Entropy(f32),
    /// A password: any non-placeholder value that is not a word such as `password`.
    Password,
    /// The text declares `kind: Secret` (before or after the data).
    KubernetesSecret,
}

/// One provider rule: its type, what literals it needs, its pattern and which capture
/// group is the secret (0 = the whole match).
struct RuleSpec {
    entity: &'static str,
    anchors: &'static [&'static str],
    pattern: &'static str,
    group: usize,
    score: f32,
    check: Check,
    /// How many ASCII digits every match has right before its anchor literal: a hit
    /// without them cannot be in a match and does not trigger the rule (the `|` of
    /// Facebook tokens is in every markdown table and closure, the `:A` of Telegram
    /// tokens in prose).
    digits_before: usize,
}

impl RuleSpec {
    const fn after_digits(mut self, digits: usize) -> Self {
        self.digits_before = digits;
        self
    }
}

#[derive(Debug)]
struct Rule {
    entity: &'static str,
    pattern: &'static str,
    /// Compiled the first time one of the rule's anchors is found: the whole table
    /// costs a tenth of a second to compile, and a text triggers few rules.
    regex: OnceLock<Regex>,
    group: usize,
    score: f32,
    check: Check,
    digits_before: usize,
}

#[derive(Debug)]
pub struct SecretDetector {
    rules: Vec<Rule>,
    /// The anchor literals of every rule, in one ASCII-case-insensitive automaton so that
    /// a text is walked once; pattern `i` belongs to rule `anchor_rule[i]`. A literal of a
    /// case-sensitive rule is kept in `anchor_exact[i]` and a hit must equal it byte for
    /// byte, so that `SK` (Twilio) does not fire on every "ask".
    anchor_rule: Vec<usize>,
    anchor_exact: Vec<Option<&'static str>>,
    /// `key = value` assignments, JSON/YAML members, XML elements. Their anchors (the
    /// words of [`SECRET_KEY_WORDS`]) share the automaton under the rule index
    /// [`ASSIGNMENT`]. Compiled on first use, like the rules'.
    assignment: OnceLock<Regex>,
}

impl Rule {
    /// The rule's expression, compiled on first use.
    fn regex(&self) -> &Regex {
        self.regex
            .get_or_init(|| Regex::new(&ascii_word_boundaries(self.pattern)).expect("static regex"))
    }
}

/// The anchor literals of the rules, in rule order, then the key words of keyed
/// assignments: the patterns `anchor_rule` and `anchor_exact` are indexed by.
pub(crate) fn anchor_literals() -> Vec<&'static str> {
    let rules = RULES.iter().flat_map(|spec| spec.anchors.iter().copied());
    rules.chain(SECRET_KEY_WORDS.iter().copied()).collect()
}

/// The pseudo-rule index of keyed assignments in `anchor_rule`.
const ASSIGNMENT: usize = usize::MAX;

impl Default for SecretDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretDetector {
    pub fn new() -> Self {
        let mut rules = Vec::with_capacity(RULES.len());
        let (mut anchor_rule, mut anchor_exact) = (Vec::new(), Vec::new());
        for (i, spec) in RULES.iter().enumerate() {
            rules.push(Rule {
                entity: spec.entity,
                pattern: spec.pattern,
                regex: OnceLock::new(),
                group: spec.group,
                score: spec.score,
                check: spec.check,
                digits_before: spec.digits_before,
            });
            let nocase = spec.pattern.starts_with("(?i)");
            for a in spec.anchors {
                anchor_rule.push(i);
                anchor_exact.push((!nocase).then_some(*a));
            }
        }
        for _ in SECRET_KEY_WORDS {
            anchor_rule.push(ASSIGNMENT);
            anchor_exact.push(None);
        }
        SecretDetector {
            rules,
            anchor_rule,
            anchor_exact,
            assignment: OnceLock::new(),
        }
    }

    /// The keyed-assignment expression.
    fn assignment(&self) -> &Regex {
        self.assignment.get_or_init(|| {
            // The key: an identifier (possibly quoted, possibly `$`/`@`-prefixed); the
            // operator: any of the assignment spellings of config files and languages;
            // the value: quoted or bare. Unicode mode for `contraseña`, so no `\b` here.
            Regex::new(&ascii_word_boundaries(super::assignment::PATTERN)).expect("static regex")
        })
    }

    /// The hits of [`anchor_literals`] in `text`, for a text not inspected through
    /// [`Normalized`] (tests).
    #[cfg(test)]
    fn anchor_hits(text: &str) -> Vec<AnchorHit> {
        let shared = SharedAnchors::get();
        shared.secret_hits(&shared.hits(text)).collect()
    }

    /// `anchor_hits` are the hits of [`anchor_literals`] in `text`, in the automaton's
    /// order.
    fn candidates(
        &self,
        text: &str,
        anchor_hits: impl IntoIterator<Item = AnchorHit>,
        out: &mut Vec<(usize, usize, &'static str, f32)>,
    ) {
        // Allocated at the first triggered rule: most texts trigger none.
        let mut triggered: Vec<bool> = Vec::new();
        let mut any = false;
        // Where the key words are: an assignment can only name a secret if its match
        // contains one (see `assignments`).
        let mut key_words: Vec<(usize, usize)> = Vec::new();
        let bytes = text.as_bytes();
        for m in anchor_hits {
            let p = m.pattern;
            if let Some(exact) = self.anchor_exact[p]
                && &bytes[m.start..m.end] != exact.as_bytes()
            {
                continue;
            }
            match self.anchor_rule[p] {
                ASSIGNMENT => key_words.push((m.start, m.end)),
                rule => {
                    let digits = self.rules[rule].digits_before;
                    if digits > 0
                        && !(m.start >= digits
                            && bytes[m.start - digits..m.start]
                                .iter()
                                .all(u8::is_ascii_digit))
                    {
                        continue;
                    }
                    if triggered.is_empty() {
                        triggered = vec![false; self.rules.len()];
                    }
                    triggered[rule] = true;
                    any = true;
                }
            }
        }
        if any {
            for (rule, _) in self.rules.iter().zip(&triggered).filter(|(_, t)| **t) {
                for caps in rule.regex().captures_iter(text) {
                    let Some(m) = caps.get(rule.group).or_else(|| caps.get(0)) else {
                        continue;
                    };
                    let ok = match rule.check {
                        Check::None => !is_placeholder(m.as_str()),
                        Check::Jwt => jwt_header_ok(m.as_str()),
                        Check::Entropy(min) => {
                            !is_placeholder(m.as_str()) && shannon(m.as_str()) >= min
                        }
                        Check::Password => password_value_ok(m.as_str()),
                        Check::KubernetesSecret => {
                            !is_placeholder(m.as_str()) && kubernetes_secret_kind(text)
                        }
                    };
                    if ok {
                        out.push((m.start(), m.end(), rule.entity, rule.score));
                    }
                }
            }
        }
        if !key_words.is_empty() {
            key_words.sort_unstable();
            let windows = assignment_windows(text, &key_words);
            self.assignments(text, &windows, Some(&key_words), out);
        }
    }

    /// Keyed assignments in `text`, searched for in `windows` only (sorted, disjoint
    /// spans of `text` that no match of the assignment regex can straddle, see
    /// [`assignment_windows`]; the matches found in them are the whole-text search's).
    /// With `key_words` (the spans of the key-word anchor hits in `text`, sorted), this
    /// is the top-level scan: a match that is ASCII and contains no key word cannot
    /// yield anything (its key, and the key of an assignment nested in its quoted value,
    /// would need one for [`key_kind`] to accept it), so only the cheap match search runs
    /// on it, not the capture groups nor `key_kind`. Without, `text` is a quoted value
    /// being searched for a nested assignment.
    fn assignments(
        &self,
        text: &str,
        windows: &[(usize, usize)],
        key_words: Option<&[(usize, usize)]>,
        out: &mut Vec<Candidate>,
    ) {
        let nested = key_words.is_none();
        let mut next_word = 0;
        for &(window_start, window_end) in windows {
            self.assignments_in(
                text,
                window_start..window_end,
                key_words,
                &mut next_word,
                nested,
                out,
            );
        }
    }

    /// The assignments of [`Self::assignments`] that lie in `window`; `next_word` is the
    /// first key word not before the previous match.
    fn assignments_in(
        &self,
        text: &str,
        window: std::ops::Range<usize>,
        key_words: Option<&[(usize, usize)]>,
        next_word: &mut usize,
        nested: bool,
        out: &mut Vec<Candidate>,
    ) {
        // No match straddles `window.end`, so cutting the haystack there changes none.
        let hay = &text[..window.end];
        let mut at = window.start;
        let assignment = self.assignment();
        while let Some(m) = assignment.find_at(hay, at) {
            at = m.end();
            if let Some(words) = key_words {
                while *next_word < words.len() && words[*next_word].0 < m.start() {
                    *next_word += 1;
                }
                let has_key_word = words[*next_word..]
                    .iter()
                    .take_while(|w| w.0 < m.end())
                    .any(|w| w.1 <= m.end());
                if !has_key_word && m.as_str().is_ascii() {
                    continue;
                }
            }
            #[cfg(test)]
            tests::detector::ASSIGNMENT_CAPTURES.with(|c| c.set(c.get() + 1));
            // The same match, now with its groups: the leftmost-first match starting at
            // `m.start()` is `m` whatever came before it. Read by hand; the regex's
            // captures only if the walk disagrees with the match (it never should).
            let groups = match groups_at(text, m.start()) {
                Some(g) if g.whole.end == m.end() => Some(g),
                _ => groups_by_regex(assignment, text, m.start()),
            };
            let Some(Groups {
                key,
                op,
                quoted,
                value,
                ..
            }) = groups
            else {
                continue;
            };
            let key_text = &text[key.clone()];
            let op = op.map_or("", |o| &text[o]);
            let prose_colon = quoted.is_none() && op == ":";
            // Bounds kept out of the pattern: large counted repetitions make the regex
            // engine leave its DFA.
            if key.len() > 64 || value.len() > 512 {
                continue;
            }
            let Some(kind) = key_kind(key_text) else {
                // `"config.ini": "API_TOKEN=…\nDEBUG=1"`: look inside the quoted value.
                if let Some(q) = quoted
                    && !nested
                {
                    let mut inner = Vec::new();
                    self.assignments(&text[q.clone()], &[(0, q.len())], None, &mut inner);
                    out.extend(
                        inner
                            .into_iter()
                            .map(|(s, e, t, sc)| (q.start + s, q.start + e, t, sc)),
                    );
                }
                continue;
            };
            // `setProperty("ETSY_TOKEN", "…")`: a comma only separates a quoted pair.
            if op == "," && (quoted.is_none() || !key_quoted(text, key.end)) {
                continue;
            }
            // `<add key="Password" value="…"/>`: the attribute named `key` is a name.
            if key_text.eq_ignore_ascii_case("key") && quoted.is_some() {
                if let Some(v) = self.xml_pair(text, key.start) {
                    out.push(v);
                }
                continue;
            }
            // A literal `\n` inside a JSON string ends the value of a nested `KEY=value`.
            let raw = &text[value.clone()];
            let raw = raw.find("\\n").map_or(raw, |p| &raw[..p]);
            let v = raw.trim_end_matches(['.', '\\']);
            let end = value.start + v.len();
            // `Password: Remember to…` is prose; `password: hunter2` is not.
            let prose = prose_colon && v.chars().all(char::is_alphabetic);
            let score = match kind {
                KeyKind::Password if !prose && password_value_ok(v) => 0.85,
                KeyKind::Secret if generated_value_ok(v) => 0.8,
                _ => continue,
            };
            let entity = match kind {
                KeyKind::Password => "PASSWORD",
                KeyKind::Secret => "GENERIC_SECRET",
            };
            out.push((value.start, end, entity, score));
        }
    }
}

/// One finding: byte span in the normalised text, type, score.
type Candidate = (usize, usize, &'static str, f32);

impl SecretDetector {
    /// `key="NAME" value="VALUE"` (NuGet, .NET and Java XML configuration) at `at`.
    fn xml_pair(&self, text: &str, at: usize) -> Option<Candidate> {
        static PAIR: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        let re = PAIR.get_or_init(|| {
            Regex::new(r#"^(?i)key\s*=\s*"([^"\n]+)"\s+value\s*=\s*"([^"\n]+)""#)
                .expect("static regex")
        });
        let caps = re.captures(&text[at..])?;
        let (key, value) = (caps.get(1)?, caps.get(2)?);
        let v = value.as_str();
        let (entity, score) = match key_kind(key.as_str())? {
            KeyKind::Password if password_value_ok(v) => ("PASSWORD", 0.85),
            KeyKind::Secret if generated_value_ok(v) => ("GENERIC_SECRET", 0.8),
            _ => return None,
        };
        Some((at + value.start(), at + value.end(), entity, score))
    }
}

/// The longest secret a match can cover: a PEM private key block (a 4096-bit RSA key in
/// PEM is about 3.3 KB; 8 KB leaves room for encrypted keys and escaped newlines).
const MAX_SECRET_LEN: usize = 8192;
/// The longest single token worth holding back in a stream (long provider tokens such as
/// 1Password service-account tokens run to about a kilobyte).
const MAX_TOKEN_LEN: usize = 2048;

impl Detector for SecretDetector {
    fn name(&self) -> &'static str {
        "secret"
    }

    fn kinds(&self) -> &'static [FindingKind] {
        &[FindingKind::Secret]
    }

    fn max_match_len(&self) -> usize {
        MAX_SECRET_LEN
    }

    /// Hold back an unterminated PEM block from its `-----BEGIN`, the trailing token
    /// (up to [`MAX_TOKEN_LEN`]) and a keyed assignment that is still open at the end
    /// ([`open_assignment`]). Completed words of prose are not held: every other rule
    /// reports a span without white space, and its evidence before the span (a key, an
    /// `Authorization:` header) is in the stream's look-behind context.
    fn pending_tail(&self, text: &str, _ctx: &Context) -> usize {
        let mut hold = text.len() - super::trailing_word_start(text, MAX_TOKEN_LEN);
        let floor = ceil_char_boundary(text, text.len().saturating_sub(MAX_SECRET_LEN));
        let window = &text[floor..];
        if let Some(begin) = window.rfind("-----BEGIN")
            && !window[begin..].contains("-----END")
        {
            hold = hold.max(window.len() - begin);
        }
        let floor = ceil_char_boundary(
            text,
            text.len().saturating_sub(super::DEFAULT_MAX_MATCH_LEN),
        );
        if let Some(start) = open_assignment(&text[floor..]) {
            hold = hold.max(text.len() - (floor + start));
        }
        hold.min(MAX_SECRET_LEN)
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        _ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        let mut found = Vec::new();
        let shared = SharedAnchors::get();
        let anchor_hits = shared.secret_hits(text.anchor_hits());
        self.candidates(text.text(), anchor_hits, &mut found);
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut kept: Vec<(usize, usize, &'static str, f32)> = Vec::with_capacity(found.len());
        for c in found {
            match kept.last_mut() {
                Some(last) if c.0 < last.1 => {
                    if c.3 > last.3 || (c.3 == last.3 && c.1 - c.0 > last.1 - last.0) {
                        *last = c;
                    }
                }
                _ => kept.push(c),
            }
        }
        for (start, end, entity, score) in kept {
            let (s, e) = text.span_to_original(start, end);
            out.findings
                .push(Finding::new(FindingKind::Secret, entity, s, e, score));
        }
        Ok(())
    }
}
