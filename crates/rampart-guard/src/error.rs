//! Errors of the guard engine.

/// A policy file that cannot be used. The message names the offending key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    #[error("invalid guard policy: {0}")]
    Parse(String),
    #[error("invalid guard policy: `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

/// Inspection could not be completed. Callers must fail closed on it: treat the text as
/// blocked, never as allowed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("detector `{detector}` failed: {reason}")]
    Detector {
        detector: &'static str,
        reason: String,
    },
}
