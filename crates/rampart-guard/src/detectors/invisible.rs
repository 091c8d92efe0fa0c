//! Invisible-text detection.
//!
//! The normaliser removes invisible characters so that other detectors read through them;
//! this detector reports the runs that have no innocent explanation (zero-width characters
//! inside words, bidi overrides, tag characters that spell hidden ASCII, variation
//! selectors that carry bytes) as `invisible_text` findings, so the policy can redact or
//! block them. The classification lives in [`crate::normalize`].

use super::{Detections, Detector};
use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::{InvisibleKind, Normalized};
use rampart_core::{Finding, FindingKind};

#[derive(Debug, Default)]
pub struct InvisibleDetector;

impl InvisibleDetector {
    pub fn new() -> Self {
        InvisibleDetector
    }
}

impl Detector for InvisibleDetector {
    fn name(&self) -> &'static str {
        "invisible_text"
    }

    fn kinds(&self) -> &'static [FindingKind] {
        &[FindingKind::InvisibleText]
    }

    /// Invisible characters join what surrounds them: only the trailing word (which
    /// [`super::trailing_word_start`] does not end at an invisible space) can still grow
    /// into a run.
    fn pending_tail(&self, text: &str, _ctx: &Context) -> usize {
        text.len() - super::trailing_word_start(text, self.max_match_len())
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        _ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        for run in text.invisible_runs() {
            let score = match run.kind {
                InvisibleKind::TagCharacters | InvisibleKind::BidiControl => 0.99,
                InvisibleKind::VariationSelector if run.end - run.start > 3 => 0.95,
                _ => 0.8,
            };
            out.findings.push(Finding::new(
                FindingKind::InvisibleText,
                run.kind.as_str(),
                run.start,
                run.end,
                score,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Role;

    fn detect(s: &str) -> Vec<Finding> {
        let mut out = Detections::default();
        InvisibleDetector::new()
            .detect(&Normalized::new(s), &Context::input(Role::User), &mut out)
            .unwrap();
        out.findings
    }

    #[test]
    fn zero_width_in_word_is_reported_with_its_span() {
        let f = detect("pass\u{200B}\u{200B}word");
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].entity.as_str(), f[0].start, f[0].end),
            ("ZERO_WIDTH", 4, 6)
        );
    }

    #[test]
    fn tag_smuggling_is_reported() {
        let f = detect("ok\u{E0069}\u{E0067}\u{E006E}");
        assert_eq!(f[0].entity, "TAG_CHARACTERS");
        assert_eq!((f[0].start, f[0].end), (2, 5));
    }

    #[test]
    fn ordinary_text_and_emoji_report_nothing() {
        assert!(detect("Hola, ¿qué tal? 👍🏽 👩\u{200D}💻").is_empty());
    }
}
