//! The seam for the semantic injection tier (`[guard.semantic]`): the gateway reads and
//! checks the section, and a [`SemanticLoader`] supplied by whoever assembles the server
//! turns it into a scorer.
//!
//! The encoder (`rampart-semantic`: a 128k-piece vocabulary, an 80 MB model file, matrix
//! code) is not a dependency of this crate: `rampart-server` implements the loader over
//! it, and `rampart serve` passes it in [`Seams::semantic`](crate::Seams::semantic), as it
//! does the key store and the limiter. The loader is asked again on every reload, so the
//! section can change without a restart (a loader may keep a model it already read).
//!
//! What never happens is a silent fallback: `enabled = "on"` with a model that is missing,
//! truncated, corrupt or foreign, or with no loader at all, is a start-up (or reload)
//! error naming the key and its line. `auto` (the default) is on when the model is
//! installed; when it is not, the loader says so in one log line naming the install
//! command and the guard runs the cheap tiers alone.

use rampart_guard::{Role, SemanticInjectionScorer};
use std::path::PathBuf;
use std::sync::Arc;

/// `[guard.semantic] enabled`: whether the tier must, may or must not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SemanticMode {
    /// On when the model is installed; one notice line when it is not.
    Auto,
    /// Required: a model that cannot be loaded is an error.
    On,
}

/// `[guard.semantic] cascade`: which texts are scored, given the cheap tiers' score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SemanticCascade {
    /// Every text of a scored role, up to `max_chars`.
    All,
    /// Only texts whose cheap score is in `[low, high)`.
    Uncertain { low: f32, high: f32 },
}

/// `[guard.semantic]`, checked and resolved (paths relative to the config file).
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticSettings {
    pub mode: SemanticMode,
    /// The model file; `None`: the installer's location (the loader knows it).
    pub model: Option<PathBuf>,
    /// Roles of the input texts scored.
    pub roles: Vec<Role>,
    /// Characters of a text read at most.
    pub max_chars: usize,
    /// Characters per window of a long text.
    pub window_chars: usize,
    /// Characters between window starts.
    pub stride_chars: usize,
    pub cascade: SemanticCascade,
}

/// Builds the semantic scorer of a config. Implemented by `rampart-server` over
/// `rampart-semantic`.
pub trait SemanticLoader: Send + Sync + std::fmt::Debug {
    /// The scorer for `settings`. `Ok(None)`: the model is not installed and
    /// `settings.mode` is [`SemanticMode::Auto`] (the loader has said so in one line).
    /// `Err(reason)`: the tier cannot run as configured; the reason names the file, and
    /// the caller adds the key and its line.
    fn load(
        &self,
        settings: &SemanticSettings,
    ) -> Result<Option<Arc<dyn SemanticInjectionScorer>>, String>;
}
