//! Rules written by the operator in the policy file: regular-expression and keyword rules,
//! a deny-list of literal values, banned topics (kind `custom`), and the allow-list that
//! suppresses findings of every other detector.
//!
//! User regular expressions are compiled with size and nesting limits so that a policy
//! cannot make the guard use unbounded memory; the `regex` crate guarantees linear-time
//! matching. Keywords match whole words, ignore case unless told otherwise, and let one
//! space in a keyword stand for up to 16 white-space characters.

use super::{Detections, Detector};
use crate::engine::Context;
use crate::error::{GuardError, PolicyError};
use crate::normalize::Normalized;
use crate::policy::{AllowList, Policy};
use rampart_core::{Finding, FindingKind};
use regex::{Regex, RegexBuilder};

/// Compiled-size limit for one user regular expression.
const USER_REGEX_SIZE_LIMIT: usize = 2 << 20;
/// The bound assumed for a rule whose pattern has no maximum length (`.+`) and that does
/// not set `max_len`.
const UNBOUNDED_RULE_LEN: usize = 256;

/// Compile a regular expression from the policy, with limits. The error is the reason
/// only (the caller names the key).
pub(crate) fn compile_user_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(USER_REGEX_SIZE_LIMIT)
        .dfa_size_limit(USER_REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| match e {
            regex::Error::Syntax(msg) => format!("invalid regular expression:\n{msg}"),
            regex::Error::CompiledTooBig(limit) => {
                format!("regular expression too large (compiled size over {limit} bytes)")
            }
            other => format!("invalid regular expression: {other}"),
        })
}

/// The longest match of `pattern` in bytes, if it has one.
fn pattern_max_len(pattern: &str) -> Option<usize> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    hir.properties().maximum_len()
}

/// A regular expression matching any of `keywords` as whole words.
fn keyword_pattern(keywords: &[String], case_sensitive: bool) -> String {
    let mut alternatives: Vec<String> = keywords
        .iter()
        .map(|k| {
            let k = k.trim();
            let body = k
                .split_whitespace()
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s{1,16}");
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            let before = if word(k.chars().next()) { r"\b" } else { "" };
            let after = if word(k.chars().last()) { r"\b" } else { "" };
            format!("{before}{body}{after}")
        })
        .collect();
    // Longest first, so that `acme corp` wins over `acme` at the same position.
    alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
    let flags = if case_sensitive { "" } else { "(?i)" };
    format!("{flags}(?:{})", alternatives.join("|"))
}

#[derive(Debug)]
struct CompiledRule {
    name: String,
    regex: Regex,
    score: f32,
}

#[derive(Debug)]
struct CompiledTopic {
    name: String,
    regex: Regex,
    /// Lower-cased keywords with white space collapsed, to tell which keyword matched.
    keywords: Vec<String>,
    min_matches: usize,
    score: f32,
}

/// Regular-expression and keyword rules, the deny-list and banned topics.
#[derive(Debug)]
pub struct CustomDetector {
    rules: Vec<CompiledRule>,
    topics: Vec<CompiledTopic>,
    max_len: usize,
}

fn build_error(key: String, reason: String) -> GuardError {
    GuardError::Policy(PolicyError::Invalid {
        key,
        reason,
        line: None,
    })
}

impl CustomDetector {
    /// The detector for `policy`'s rules, or `None` when it has none.
    pub fn new(policy: &Policy) -> Result<Option<Self>, GuardError> {
        let mut rules = Vec::new();
        let mut max_len = 0;
        for (i, rule) in policy.rules.iter().enumerate() {
            let pattern = match &rule.pattern {
                Some(p) => p.clone(),
                None => keyword_pattern(&rule.keywords, rule.case_sensitive),
            };
            let regex = compile_user_regex(&pattern).map_err(|reason| {
                build_error(
                    format!("rules[{i}].pattern"),
                    format!("rule {}: {reason}", rule.name),
                )
            })?;
            let bound = pattern_max_len(&pattern)
                .or(rule.max_len)
                .unwrap_or(UNBOUNDED_RULE_LEN);
            max_len = max_len.max(rule.max_len.map_or(bound, |m| m.min(bound)));
            rules.push(CompiledRule {
                name: rule.name.clone(),
                regex,
                score: rule.score,
            });
        }
        if !policy.deny.values.is_empty() {
            let pattern = keyword_pattern(&policy.deny.values, policy.deny.case_sensitive);
            let regex = compile_user_regex(&pattern)
                .map_err(|reason| build_error("deny.values".into(), reason))?;
            max_len = max_len.max(pattern_max_len(&pattern).unwrap_or(UNBOUNDED_RULE_LEN));
            rules.push(CompiledRule {
                name: "DENY_LIST".into(),
                regex,
                score: 1.0,
            });
        }
        let mut topics = Vec::new();
        for (i, topic) in policy.topics.iter().enumerate() {
            let pattern = keyword_pattern(&topic.keywords, false);
            let regex = compile_user_regex(&pattern).map_err(|reason| {
                build_error(
                    format!("topics[{i}].keywords"),
                    format!("topic {}: {reason}", topic.name),
                )
            })?;
            max_len = max_len.max(pattern_max_len(&pattern).unwrap_or(UNBOUNDED_RULE_LEN));
            topics.push(CompiledTopic {
                name: topic.name.clone(),
                regex,
                keywords: topic.keywords.iter().map(|k| fold_keyword(k)).collect(),
                min_matches: topic.min_matches,
                score: topic.score,
            });
        }
        if rules.is_empty() && topics.is_empty() {
            return Ok(None);
        }
        Ok(Some(CustomDetector {
            rules,
            topics,
            max_len: max_len.max(1),
        }))
    }
}

/// Lower case with runs of white space collapsed to one space.
fn fold_keyword(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Detector for CustomDetector {
    fn name(&self) -> &'static str {
        "custom"
    }

    fn kinds(&self) -> &'static [FindingKind] {
        &[FindingKind::Custom]
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        _ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        let haystack = text.text();
        for rule in &self.rules {
            for m in rule.regex.find_iter(haystack) {
                if m.is_empty() {
                    continue;
                }
                let (s, e) = text.span_to_original(m.start(), m.end());
                out.findings.push(Finding::new(
                    FindingKind::Custom,
                    rule.name.as_str(),
                    s,
                    e,
                    rule.score,
                ));
            }
        }
        for topic in &self.topics {
            let mut seen = vec![false; topic.keywords.len()];
            let mut spans = Vec::new();
            for m in topic.regex.find_iter(haystack) {
                let folded = fold_keyword(m.as_str());
                if let Some(k) = topic.keywords.iter().position(|k| *k == folded) {
                    seen[k] = true;
                }
                spans.push((m.start(), m.end()));
            }
            if seen.iter().filter(|s| **s).count() >= topic.min_matches {
                for (start, end) in spans {
                    let (s, e) = text.span_to_original(start, end);
                    out.findings.push(Finding::new(
                        FindingKind::Custom,
                        topic.name.as_str(),
                        s,
                        e,
                        topic.score,
                    ));
                }
            }
        }
        Ok(())
    }

    fn max_match_len(&self) -> usize {
        self.max_len
    }

    fn pending_tail(&self, text: &str, _ctx: &Context) -> usize {
        // Topics with `min_matches > 1` depend on the whole text; in a stream they are
        // judged per window (see `stream.rs`). Rules are bounded by `max_len`.
        self.max_len.min(text.len())
    }
}

/// The compiled allow-list: values that are never reported, by any detector.
#[derive(Debug, Default)]
pub(crate) struct CompiledAllowList {
    /// Folded values (see [`fold_value`]), sorted for binary search.
    values: Vec<String>,
    patterns: Vec<Regex>,
}

/// Lower case without white space and hyphens, so `4111 1111-1111 1111` equals
/// `4111111111111111`.
fn fold_value(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl CompiledAllowList {
    pub(crate) fn new(list: &AllowList) -> Result<Self, GuardError> {
        let mut values: Vec<String> = list.values.iter().map(|v| fold_value(v)).collect();
        values.sort();
        values.dedup();
        let patterns = list
            .patterns
            .iter()
            .enumerate()
            .map(|(i, p)| {
                compile_user_regex(&format!("^(?:{p})$"))
                    .map_err(|reason| build_error(format!("allow.patterns[{i}]"), reason))
            })
            .collect::<Result<_, _>>()?;
        Ok(CompiledAllowList { values, patterns })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty() && self.patterns.is_empty()
    }

    /// Whether the matched `value` is allow-listed.
    pub(crate) fn allows(&self, value: &str) -> bool {
        (!self.values.is_empty() && self.values.binary_search(&fold_value(value)).is_ok())
            || self.patterns.iter().any(|p| p.is_match(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Role;

    fn detect(policy: &str, text: &str) -> Vec<Finding> {
        let policy = Policy::from_toml_str(policy).unwrap();
        let d = CustomDetector::new(&policy).unwrap().unwrap();
        let mut out = Detections::default();
        d.detect(
            &Normalized::new(text),
            &Context::input(Role::User),
            &mut out,
        )
        .unwrap();
        out.findings
    }

    #[test]
    fn regex_rule_reports_its_name_with_code_point_offsets() {
        let f = detect(
            "[[rules]]\nname = \"EMPLOYEE_ID\"\npattern = '\\bEMP-[0-9]{6}\\b'\n",
            "número EMP-123456 y EMP-12",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].kind, f[0].entity.as_str(), f[0].start, f[0].end),
            (FindingKind::Custom, "EMPLOYEE_ID", 7, 17)
        );
    }

    #[test]
    fn keywords_match_whole_words_ignoring_case_and_spacing() {
        let f = detect(
            "[[rules]]\nname = \"CODENAME\"\nkeywords = [\"project falcon\", \"osprey\"]\n",
            "PROJECT   Falcon and ospreys but Osprey.",
        );
        let spans: Vec<_> = f.iter().map(|f| (f.start, f.end)).collect();
        assert_eq!(spans, vec![(0, 16), (33, 39)]);
    }

    #[test]
    fn deny_list_is_case_sensitive_when_asked() {
        let policy = "[deny]\nvalues = [\"Acme Secret\"]\ncase_sensitive = true\n";
        assert_eq!(
            detect(policy, "the Acme Secret recipe")[0].entity,
            "DENY_LIST"
        );
        assert!(detect(policy, "the acme secret recipe").is_empty());
    }

    #[test]
    fn topic_needs_min_distinct_keywords() {
        let policy = "[[topics]]\nname = \"COMPETITORS\"\nkeywords = [\"globex\", \"initech\"]\nmin_matches = 2\n";
        assert!(detect(policy, "Globex is great, globex!").is_empty());
        let f = detect(policy, "Globex or Initech?");
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.entity == "COMPETITORS"));
    }

    #[test]
    fn rule_bound_comes_from_the_pattern_or_max_len() {
        let p = Policy::from_toml_str(
            "[[rules]]\nname = \"A\"\npattern = 'x{3,40}'\n[[rules]]\nname = \"B\"\npattern = 'y+'\nmax_len = 90\n",
        )
        .unwrap();
        assert_eq!(
            CustomDetector::new(&p).unwrap().unwrap().max_match_len(),
            90
        );
        let p = Policy::from_toml_str("[[rules]]\nname = \"A\"\npattern = 'x{3,40}'\n").unwrap();
        assert_eq!(
            CustomDetector::new(&p).unwrap().unwrap().max_match_len(),
            40
        );
    }

    #[test]
    fn allow_list_folds_spacing_case_and_hyphens() {
        let list = CompiledAllowList::new(&AllowList {
            values: vec!["4111 1111 1111 1111".into(), "Support@Acme.example".into()],
            patterns: vec![r"[a-z]+@test\.example".into()],
        })
        .unwrap();
        assert!(list.allows("4111-1111-1111-1111"));
        assert!(list.allows("support@acme.example"));
        assert!(list.allows("qa@test.example"));
        assert!(!list.allows("qa@test.example.evil"));
        assert!(!list.allows("4111111111111112"));
    }

    #[test]
    fn huge_user_regex_is_refused_with_the_rule_name() {
        let err =
            Policy::from_toml_str("[[rules]]\nname = \"HUGE\"\npattern = '(\\w{1,100}){1,100}'\n")
                .unwrap_err();
        assert!(err.to_string().contains("HUGE"), "{err}");
        assert!(err.to_string().contains("too large"), "{err}");
    }
}
