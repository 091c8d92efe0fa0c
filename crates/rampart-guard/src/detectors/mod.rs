//! Detectors and their registry.
//!
//! A detector is one file implementing [`Detector`] plus one line in [`registry`]. Each
//! reads the normalised text and appends findings with code-point offsets into the
//! original text; the engine, not the detector, decides what to do with them.

pub(crate) mod injection;
mod pii;
mod secrets;

use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::Normalized;
use crate::policy::Policy;
use rampart_core::Finding;

/// What detectors report for one text.
#[derive(Debug, Default)]
pub struct Detections {
    pub findings: Vec<Finding>,
    /// The highest prompt-injection / jailbreak score seen, in `[0, 1]`, whether or not it
    /// crossed the policy threshold.
    pub injection_score: f32,
}

/// One kind of inspection over normalised text.
pub trait Detector: Send + Sync + std::fmt::Debug {
    /// A stable, lower-case name used in metrics and error messages.
    fn name(&self) -> &'static str;

    /// Inspect `text` and append what was found to `out`.
    fn detect(
        &self,
        text: &Normalized<'_>,
        ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError>;
}

/// Every detector the policy asks for, compiled once.
pub(crate) fn registry(policy: &Policy) -> Result<Vec<Box<dyn Detector>>, GuardError> {
    Ok(vec![
        Box::new(injection::InjectionDetector::new(
            policy.injection_threshold,
        )),
        Box::new(pii::PiiDetector::new()),
        Box::new(secrets::SecretDetector::new()),
    ])
}
