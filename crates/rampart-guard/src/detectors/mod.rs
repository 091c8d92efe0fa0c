//! Detectors and their registry.
//!
//! A detector is one file implementing [`Detector`] plus one line in [`registry`]. Each
//! reads the normalised text and appends findings with code-point offsets into the
//! original text; the engine, not the detector, decides what to do with them.
//!
//! The streaming inspector asks every detector how much of the end of a text could still
//! become part of a match once more text arrives ([`Detector::pending_tail`]); it never
//! holds back more than [`Detector::max_match_len`] bytes for a detector. A detector
//! whose matches can be longer than the default bound of [`DEFAULT_MAX_MATCH_LEN`] bytes
//! must say so, or a match split across stream chunks may be reported in two pieces.

pub(crate) mod anchors;
mod ascii_regex;
mod assignment;
pub(crate) mod custom;
pub(crate) mod injection;
mod invisible;
pub(crate) mod output;
mod overlong;
mod pii;
pub(crate) mod rendered_urls;
mod secrets;
pub(crate) mod shared_anchors;

use crate::engine::{Context, InjectionExtras};
use crate::error::GuardError;
use crate::normalize::Normalized;
use crate::policy::Policy;
use rampart_core::{Finding, FindingKind};

/// The longest match, in bytes of original text, assumed for a detector that does not
/// declare its own bound: longer than any key, card, IBAN, phone number or e-mail address
/// the built-in rules look for.
pub const DEFAULT_MAX_MATCH_LEN: usize = 256;

/// What detectors report for one text.
#[derive(Debug, Default)]
pub struct Detections {
    pub findings: Vec<Finding>,
    /// The highest prompt-injection / jailbreak score seen, in `[0, 1]`, whether or not it
    /// crossed the policy threshold.
    pub injection_score: f32,
    /// Each injection tier's own score behind `injection_score` (`None` when the injection
    /// detector did not run).
    pub injection_tiers: Option<InjectionTiers>,
}

/// What each injection tier said about one text; `injection_score` combines them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct InjectionTiers {
    /// The rules (`heuristics.rs`), in `[0, 1]`.
    pub heuristic: f32,
    /// The linear classifier's probability (its best window).
    pub classifier: f32,
    /// The semantic tier's probability, when one is attached and inspects the text.
    pub semantic: Option<f32>,
    /// The highest probability of the external classifiers attached that were asked
    /// about the text (0 for one that failed when the guard fell back).
    pub external: Option<f32>,
}

/// One kind of inspection over normalised text.
pub trait Detector: Send + Sync + std::fmt::Debug {
    /// A stable, lower-case name used in metrics and error messages.
    fn name(&self) -> &'static str;

    /// Every kind of finding this detector can report. The registry leaves out a
    /// detector when the policy drops all of them (`allow` in both directions).
    fn kinds(&self) -> &'static [FindingKind];

    /// Inspect `text` and append what was found to `out`.
    fn detect(
        &self,
        text: &Normalized<'_>,
        ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError>;

    /// An upper bound on the length of one match, in bytes of the original text. The
    /// streaming inspector relies on it: a match can only straddle the point where it
    /// emits text if it is longer than this.
    fn max_match_len(&self) -> usize {
        DEFAULT_MAX_MATCH_LEN
    }

    /// How many bytes at the end of `text` (a stream's pending text, in `ctx`'s
    /// direction) could still become part of a match when more text is appended. Must
    /// be sound (never too short) and at most [`Detector::max_match_len`]; the default
    /// holds back the whole bound. Detectors that know their syntax can do much better,
    /// e.g. "only the trailing word".
    fn pending_tail(&self, text: &str, ctx: &Context) -> usize {
        let _ = ctx;
        self.max_match_len().min(text.len())
    }
}

/// Every detector the policy asks for, compiled once. A detector none of whose kinds
/// the policy reports is not run at all: a secrets-only policy costs only the secret
/// detector (and the injection score stays 0 when both injection kinds are allowed).
pub(crate) fn registry(
    policy: &Policy,
    injection: &InjectionExtras,
) -> Result<Vec<Box<dyn Detector>>, GuardError> {
    let mut detectors: Vec<Box<dyn Detector>> = vec![
        Box::new(injection.detector(policy.injection_threshold)),
        Box::new(invisible::InvisibleDetector::new()),
        Box::new(pii::PiiDetector::new()),
        Box::new(secrets::SecretDetector::new()),
        Box::new(output::ExfiltrationDetector::new(&policy.exfiltration)?),
    ];
    if let Some(custom) = custom::CustomDetector::new(policy)? {
        detectors.push(Box::new(custom));
    }
    detectors.retain(|d| d.kinds().iter().any(|&kind| policy.reports(kind)));
    Ok(detectors)
}

/// The byte offset where the trailing run of non-white-space characters of `text`
/// starts, looking back at most `limit` bytes (then `text.len() - limit`, moved to a
/// character boundary).
pub(crate) fn trailing_word_start(text: &str, limit: usize) -> usize {
    let floor = text.len().saturating_sub(limit);
    let mut start = text.len();
    for (i, c) in text[..].char_indices().rev() {
        if i < floor {
            break;
        }
        if crate::normalize::separates_words(c) {
            break;
        }
        start = i;
    }
    start
}
