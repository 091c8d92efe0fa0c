//! Errors of the audit crate. They never carry record contents.

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    #[error(
        "unsupported storage url `{0}`: expected sqlite://PATH, sqlite::memory: or postgres://"
    )]
    UnsupportedStorage(String),
    #[error("audit store: {0}")]
    Store(#[from] sqlx::Error),
    /// A stored record cannot be read back (corruption or a newer format).
    #[error("audit record {seq} is unreadable: {reason}")]
    Corrupt { seq: i64, reason: String },
    /// This store cannot answer searches (a test double, for instance).
    #[error("this audit store cannot search records")]
    SearchUnsupported,
    /// This store keeps no Merkle tree (a test double, for instance).
    #[error("this audit store keeps no Merkle tree")]
    TreeUnsupported,
    /// A proof or checkpoint was asked for a tree size or record the log does not have.
    #[error("{0}")]
    OutOfRange(String),
    /// A checkpoint could not be published (the message names the config key).
    #[error("{0}")]
    Publish(String),
}
