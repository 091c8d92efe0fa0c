//! Why a model file could not be loaded. Every variant names the file, so a start-up error
//! tells the operator which path to fix (the caller adds the config key).

use std::path::PathBuf;

/// A model file that cannot be used. Loading never falls back to anything: the caller
/// decides whether a missing model is an error (the config asked for the tier) or a
/// notice (the tier is on only when a model is installed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// No file at the path: the model is not installed there.
    #[error(
        "{path}: no semantic model installed here (install it with scripts/install-semantic-model)"
    )]
    NotInstalled { path: PathBuf },
    /// The file exists but could not be read.
    #[error("{path}: cannot read the semantic model: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with Rampart's model magic: some other file.
    #[error("{path}: not a Rampart semantic model file (wrong magic bytes)")]
    Foreign { path: PathBuf },
    /// A model file written by a newer (or older) converter.
    #[error(
        "{path}: semantic model format version {found}, this build reads version {expected}; reinstall with scripts/install-semantic-model --force"
    )]
    Version {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    /// A model of another architecture.
    #[error("{path}: semantic model architecture {found:?}, expected {expected:?}")]
    Architecture {
        path: PathBuf,
        found: String,
        expected: &'static str,
    },
    /// The file ends before its declared content does.
    #[error("{path}: semantic model file is truncated ({what})")]
    Truncated { path: PathBuf, what: String },
    /// The content does not match the SHA-256 stored at its end.
    #[error(
        "{path}: semantic model file is corrupt (SHA-256 mismatch); reinstall with scripts/install-semantic-model --force"
    )]
    Checksum { path: PathBuf },
    /// The file is well formed but its content is not what the encoder needs.
    #[error("{path}: invalid semantic model: {reason}")]
    Invalid { path: PathBuf, reason: String },
}
