//! The hook for an optional external injection classifier (e.g. a model server over HTTP).
//!
//! The guard does no I/O, so it only defines the contract; the gateway provides the client
//! (`rampart_gateway::external_classifier`: its own connection pool and deadline) and hands
//! it to the detector. The built-in heuristics and classifier always run; the external
//! opinion can only raise the score (`max`), never lower it, so a compromised or confused
//! model server cannot un-block what the built-in path blocks.
//!
//! Attach one or several with [`GuardBuilder::external_injection`] (the gateway's HTTP
//! classifier and its LLM judge can both be configured): they are asked in the order
//! attached, each with the score raised by the ones before it, and each names its own
//! finding ([`entity`]) so an audit log tells which one decided. [`inspects`] says which
//! texts one is asked about (e.g. only input, not every chunk of a streamed answer), so a
//! network round trip is paid only where it matters.
//!
//! The call is synchronous because detectors are. An implementation backed by an async
//! client must enforce its deadline itself (e.g. a blocking call with a short timeout on
//! a dedicated thread pool) and report [`ExternalError::Timeout`] when it passes.
//!
//! [`GuardBuilder::external_injection`]: crate::GuardBuilder::external_injection
//! [`inspects`]: ExternalInjectionClassifier::inspects
//! [`entity`]: ExternalInjectionClassifier::entity

use crate::engine::Context;
use crate::error::GuardError;

/// What the detector does when the external classifier fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnExternalError {
    /// Fail open to the built-in score (the built-in path stands on its own).
    #[default]
    UseBuiltIn,
    /// Fail closed: the inspection errors, and the caller treats the text as blocked.
    Fail,
}

/// Why an external classifier gave no opinion. Messages never quote the inspected text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExternalError {
    #[error("timed out")]
    Timeout,
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("invalid response: {0}")]
    InvalidResponse(String),
}

/// A prompt-injection / jailbreak model served outside the guard.
pub trait ExternalInjectionClassifier: Send + Sync + std::fmt::Debug {
    /// Short, stable name for metrics and error messages (e.g. `http:prompt-guard`).
    fn name(&self) -> &str;

    /// The probability in `[0, 1]` that `text` (the normalised text) is a prompt injection
    /// or jailbreak, given where it comes from (`ctx.role`: untrusted content is indirect).
    fn classify(&self, text: &str, ctx: &Context) -> Result<f32, ExternalError>;

    /// Whether to ask about a text from `ctx` at all (default: every text). Texts it is
    /// not asked about get the built-in score alone.
    fn inspects(&self, ctx: &Context) -> bool {
        let _ = ctx;
        true
    }

    /// The entity name of the finding when this classifier's opinion raised the score to
    /// the threshold: `INJECTION_EXTERNAL` by default (a model server); the gateway's LLM
    /// judge reports `INJECTION_JUDGE`.
    fn entity(&self) -> &'static str {
        "INJECTION_EXTERNAL"
    }

    /// What to do when [`classify`](Self::classify) fails.
    fn on_error(&self) -> OnExternalError {
        OnExternalError::UseBuiltIn
    }

    /// Whether to ask about a text the other tiers scored `built_in` (default: every
    /// text). A costly classifier (an LLM judge) asks only inside an uncertain band; a
    /// text outside it gets the other tiers' score alone and no external score.
    fn consults(&self, built_in: f32) -> bool {
        let _ = built_in;
        true
    }
}

/// The external score for `text`, or 0 when it failed and the policy is to fall back
/// (or when it does not inspect texts from `ctx`); `None` when it does not consult texts
/// the other tiers scored `built_in`. Out-of-range or NaN answers count as invalid
/// responses.
pub(crate) fn consult(
    external: &dyn ExternalInjectionClassifier,
    text: &str,
    ctx: &Context,
    built_in: f32,
) -> Result<Option<f32>, GuardError> {
    if !external.consults(built_in) {
        return Ok(None);
    }
    if !external.inspects(ctx) {
        return Ok(Some(0.0));
    }
    let answer = external.classify(text, ctx).and_then(|p| {
        if (0.0..=1.0).contains(&p) {
            Ok(p)
        } else {
            Err(ExternalError::InvalidResponse(format!(
                "score {p} is outside [0, 1]"
            )))
        }
    });
    match (answer, external.on_error()) {
        (Ok(p), _) => Ok(Some(p)),
        (Err(_), OnExternalError::UseBuiltIn) => Ok(Some(0.0)),
        (Err(e), OnExternalError::Fail) => Err(GuardError::External {
            classifier: external.name().to_owned(),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Role;

    #[derive(Debug)]
    struct Fixed(Result<f32, ExternalError>, OnExternalError);
    impl ExternalInjectionClassifier for Fixed {
        fn name(&self) -> &str {
            "fixed"
        }
        fn classify(&self, _: &str, _: &Context) -> Result<f32, ExternalError> {
            self.0.clone()
        }
        fn on_error(&self) -> OnExternalError {
            self.1
        }
    }

    fn ctx() -> Context {
        Context::input(Role::Tool)
    }

    #[test]
    fn valid_scores_pass_through() {
        let c = Fixed(Ok(0.7), OnExternalError::UseBuiltIn);
        assert_eq!(consult(&c, "x", &ctx(), 0.0).unwrap(), Some(0.7));
    }

    #[test]
    fn failures_fall_back_or_fail_closed_as_configured() {
        let open = Fixed(Err(ExternalError::Timeout), OnExternalError::UseBuiltIn);
        assert_eq!(consult(&open, "x", &ctx(), 0.0).unwrap(), Some(0.0));
        let closed = Fixed(Err(ExternalError::Timeout), OnExternalError::Fail);
        let err = consult(&closed, "secret text", &ctx(), 0.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("fixed") && err.contains("timed out"), "{err}");
        assert!(!err.contains("secret text"));
    }

    #[derive(Debug)]
    struct InputOnly;
    impl ExternalInjectionClassifier for InputOnly {
        fn name(&self) -> &str {
            "input-only"
        }
        fn classify(&self, _: &str, _: &Context) -> Result<f32, ExternalError> {
            Ok(1.0)
        }
        fn inspects(&self, ctx: &Context) -> bool {
            ctx.direction == rampart_core::Direction::Input
        }
    }

    #[test]
    fn texts_it_does_not_inspect_get_no_opinion() {
        assert_eq!(consult(&InputOnly, "x", &ctx(), 0.0).unwrap(), Some(1.0));
        assert_eq!(
            consult(&InputOnly, "x", &Context::output(), 0.0).unwrap(),
            Some(0.0)
        );
    }

    #[test]
    fn nan_and_out_of_range_answers_are_invalid() {
        for bad in [f32::NAN, -0.1, 1.5] {
            let c = Fixed(Ok(bad), OnExternalError::Fail);
            assert!(consult(&c, "x", &ctx(), 0.0).is_err(), "{bad}");
        }
    }

    /// Fails closed, and consults only texts scored in `[0.2, 0.5)`.
    #[derive(Debug)]
    struct Banded;
    impl ExternalInjectionClassifier for Banded {
        fn name(&self) -> &str {
            "banded"
        }
        fn classify(&self, _: &str, _: &Context) -> Result<f32, ExternalError> {
            Err(ExternalError::Timeout)
        }
        fn on_error(&self) -> OnExternalError {
            OnExternalError::Fail
        }
        fn consults(&self, built_in: f32) -> bool {
            (0.2..0.5).contains(&built_in)
        }
    }

    #[test]
    fn outside_its_band_it_is_not_asked_and_cannot_fail() {
        assert_eq!(consult(&Banded, "x", &ctx(), 0.1).unwrap(), None);
        assert_eq!(consult(&Banded, "x", &ctx(), 0.9).unwrap(), None);
        assert!(consult(&Banded, "x", &ctx(), 0.3).is_err());
    }
}
