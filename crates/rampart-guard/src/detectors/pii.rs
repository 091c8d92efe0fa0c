//! Personal-data detection.
//!
//! First version: e-mail addresses. Validated detectors for phones, cards, IBANs, national
//! identifiers and addresses join here.

use super::{Detections, Detector};
use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::Normalized;
use rampart_core::{Finding, FindingKind};
use regex::Regex;

#[derive(Debug)]
pub struct PiiDetector {
    email: Regex,
}

impl PiiDetector {
    pub fn new() -> Self {
        let email =
            Regex::new(r"\b[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b")
                .expect("static regex");
        PiiDetector { email }
    }
}

impl Detector for PiiDetector {
    fn name(&self) -> &'static str {
        "pii"
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        _ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        for m in self.email.find_iter(text.text()) {
            let (s, e) = text.span_to_original(m.start(), m.end());
            out.findings
                .push(Finding::new(FindingKind::Pii, "EMAIL_ADDRESS", s, e, 0.95));
        }
        Ok(())
    }
}
