//! The seam for the semantic tier: a local model that reads meaning, not words.
//!
//! The guard stays light (no model weights, no linear algebra): it defines the contract,
//! and `rampart-semantic` implements it over its sentence encoder and trained head. The
//! cheap tiers (heuristics, linear classifier) always run first; the scorer is then given
//! the text, its context and their combined score, and answers a probability. Like the
//! external classifier, that probability can only raise the injection score (`max`), so a
//! model that misreads a text cannot un-block what the rules block.
//!
//! Unlike [`ExternalInjectionClassifier`](super::external::ExternalInjectionClassifier)
//! the scorer cannot fail: it runs in-process on a bounded input (a model that could not
//! be loaded is a start-up error of the caller, never a silent fallback here).
//! [`inspects`](SemanticInjectionScorer::inspects) says which texts it is asked about
//! (configured roles; not every chunk of a streamed answer), so its cost (milliseconds,
//! against microseconds for the cheap tiers) is paid only where it matters.

use crate::engine::Context;

/// An in-process model scoring prompt injection / jailbreak by meaning.
pub trait SemanticInjectionScorer: Send + Sync + std::fmt::Debug {
    /// Short, stable name for reports (e.g. `use-m3`).
    fn name(&self) -> &str;

    /// The probability in `[0, 1]` that `text` (the normalised text) is an injection or
    /// jailbreak, given where it comes from and the cheap tiers' combined score
    /// (`built_in`, which a stacked head may use as a feature). Values outside `[0, 1]`
    /// and NaN are treated as 0 by the guard.
    fn score(&self, text: &str, ctx: &Context, built_in: f32) -> f32;

    /// Whether to score texts from `ctx` at all (default: input texts only). Texts it is
    /// not asked about get the cheap tiers' score alone.
    fn inspects(&self, ctx: &Context) -> bool {
        ctx.direction == rampart_core::Direction::Input
    }

    /// Whether to score a text the cheap tiers gave `built_in` (default: every text). A
    /// cascade that asks only about texts the cheap tiers leave uncertain answers `false`
    /// outside its band; such a text gets the cheap tiers' score alone, and no semantic
    /// score is reported for it.
    fn consults(&self, built_in: f32) -> bool {
        let _ = built_in;
        true
    }
}

/// The scorer's opinion, or `None` when it does not inspect texts from `ctx`. Garbage
/// answers (NaN, out of range) count as no evidence.
pub(crate) fn consult(
    scorer: &dyn SemanticInjectionScorer,
    text: &str,
    ctx: &Context,
    built_in: f32,
) -> Option<f32> {
    if !scorer.inspects(ctx) || !scorer.consults(built_in) {
        return None;
    }
    let p = scorer.score(text, ctx, built_in);
    Some(if (0.0..=1.0).contains(&p) { p } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Role;

    /// Answers 0.9 for texts whose cheap score lies in `[0.2, 0.6)`.
    #[derive(Debug)]
    struct Band;
    impl SemanticInjectionScorer for Band {
        fn name(&self) -> &str {
            "band"
        }
        fn score(&self, _: &str, _: &Context, _: f32) -> f32 {
            0.9
        }
        fn consults(&self, built_in: f32) -> bool {
            (0.2..0.6).contains(&built_in)
        }
    }

    #[test]
    fn a_cascade_is_asked_only_inside_its_band() {
        let ctx = Context::input(Role::User);
        assert_eq!(consult(&Band, "x", &ctx, 0.1), None);
        assert_eq!(consult(&Band, "x", &ctx, 0.3), Some(0.9));
        assert_eq!(consult(&Band, "x", &ctx, 0.6), None);
        // The band does not widen what the scorer inspects.
        assert_eq!(consult(&Band, "x", &Context::output(), 0.3), None);
    }
}
