//! Errors of the guard engine.

/// A policy file that cannot be used. The message names the offending key and, when the
/// policy was read from text, its line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The text is not TOML of the policy's shape (the message has the line and column).
    #[error("invalid guard policy: {0}")]
    Parse(String),
    /// A value the shape allows but the guard cannot use.
    #[error("invalid guard policy{}: `{key}`: {reason}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Invalid {
        key: String,
        reason: String,
        line: Option<usize>,
    },
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
    /// An external classifier configured to fail closed gave no answer (it timed out,
    /// could not be reached or answered nonsense). Retrying later may help.
    #[error("external injection classifier `{classifier}` failed: {reason}")]
    External { classifier: String, reason: String },
}
