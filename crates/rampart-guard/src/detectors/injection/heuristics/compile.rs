//! How a rule of the table becomes a compiled expression: anchored when it starts at its
//! anchor, ASCII word boundaries and word classes ([`ascii_word_classes`](crate::detectors::ascii_regex::ascii_word_classes)), and a literal
//! prefilter only when it pays.

use super::RuleSpec;
use regex_automata::meta::Regex;
use regex_automata::util::syntax;

/// `pattern` compiled as `regex::RegexBuilder` would with an 8 MiB lazy-DFA cache
/// (leftmost-first, UTF-8 empty matches, the same size limit), and with a literal
/// prefilter only when the pattern's literal prefixes are few ([`MAX_PREFILTER_PREFIXES`],
/// e.g. `![`). A rule runs only on a short window around its anchor, where the
/// prefilter of a case-insensitive word alternation (the case variants of `when`,
/// `while`, `before`, …) finds candidates in ordinary prose every few dozen bytes and
/// each restart costs more than the lazy DFA's walk over the whole window. Which matches
/// are found does not depend on the prefilter.
pub(super) fn compile(pattern: &str) -> Result<Regex, Box<dyn std::error::Error>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern)?;
    let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let few = prefixes
        .len()
        .is_some_and(|n| n > 0 && n <= MAX_PREFILTER_PREFIXES);
    Ok(Regex::builder()
        .configure(
            Regex::config()
                .match_kind(regex_automata::MatchKind::LeftmostFirst)
                .utf8_empty(true)
                .nfa_size_limit(Some(10 << 20))
                .hybrid_cache_capacity(8 << 20)
                .auto_prefilter(few),
        )
        .syntax(syntax::Config::new().utf8(true))
        .build(pattern)?)
}

/// See [`compile`].
pub(super) const MAX_PREFILTER_PREFIXES: usize = 4;

/// The expression a rule is compiled from, before [`ascii_word_classes`](crate::detectors::ascii_regex::ascii_word_classes).
pub(super) fn rule_pattern(spec: &RuleSpec) -> String {
    if spec.from_anchor {
        // `(?i)` must stay first; anchor the rest at the start of the slice.
        format!("(?i)^(?:{})", spec.pattern.trim_start_matches("(?i)"))
    } else {
        spec.pattern.to_owned()
    }
}
