//! Errors of the scanner.

/// Why a file or target could not be scanned. Reported per file with its reason; it never
/// aborts a scan of other files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Malformed(String),
    #[error("limit exceeded: {0}")]
    Limit(String),
    #[error("unsupported target `{0}`")]
    UnsupportedTarget(String),
}
