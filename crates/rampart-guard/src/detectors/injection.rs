//! Prompt-injection and jailbreak detection.
//!
//! First version: a small set of multilingual override phrases. The layered detector
//! (heuristics in seven languages plus the trained classifier) replaces it.

use super::{Detections, Detector};
use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::Normalized;
use rampart_core::{Finding, FindingKind};
use regex::Regex;

#[derive(Debug)]
pub struct InjectionDetector {
    threshold: f32,
    overrides: Regex,
}

impl InjectionDetector {
    pub fn new(threshold: f32) -> Self {
        let overrides = Regex::new(
            r"(?i)\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|directions|rules|prompts?)\b|\bignora\s+(?:todas\s+)?las\s+instrucciones\s+(?:anteriores|previas)\b",
        )
        .expect("static regex");
        InjectionDetector {
            threshold,
            overrides,
        }
    }
}

impl Detector for InjectionDetector {
    fn name(&self) -> &'static str {
        "prompt_injection"
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        _ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        for m in self.overrides.find_iter(text.text()) {
            let score = 0.95;
            out.injection_score = out.injection_score.max(score);
            if score >= self.threshold {
                let (s, e) = text.span_to_original(m.start(), m.end());
                out.findings.push(Finding::new(
                    FindingKind::PromptInjection,
                    "INSTRUCTION_OVERRIDE",
                    s,
                    e,
                    score,
                ));
            }
        }
        Ok(())
    }
}
