//! Secret and credential detection.
//!
//! First version: a few fixed-shape provider keys. The full rule set (cloud and SaaS
//! credentials, JWTs, PEM keys, passwords, entropy with keyword context) joins here.

use super::{Detections, Detector};
use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::Normalized;
use rampart_core::{Finding, FindingKind};
use regex::Regex;

#[derive(Debug)]
pub struct SecretDetector {
    rules: Vec<(&'static str, Regex)>,
}

impl SecretDetector {
    pub fn new() -> Self {
        let rules = [
            ("AWS_ACCESS_KEY", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
            ("GITHUB_TOKEN", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
            ("ANTHROPIC_API_KEY", r"\bsk-ant-[A-Za-z0-9_-]{32,}"),
            (
                "OPENAI_API_KEY",
                r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}",
            ),
        ];
        let rules = rules
            .into_iter()
            .map(|(name, re)| (name, Regex::new(re).expect("static regex")))
            .collect();
        SecretDetector { rules }
    }
}

impl Detector for SecretDetector {
    fn name(&self) -> &'static str {
        "secret"
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        _ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        for (name, re) in &self.rules {
            for m in re.find_iter(text.text()) {
                let (s, e) = text.span_to_original(m.start(), m.end());
                out.findings
                    .push(Finding::new(FindingKind::Secret, *name, s, e, 0.99));
            }
        }
        Ok(())
    }
}
