//! Errors of the identity crate. None of them carries a key, in clear or hashed.

/// What went wrong while managing or checking keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The storage URL names a database this build cannot use.
    #[error(
        "unsupported storage url `{0}`: expected sqlite://PATH, sqlite::memory: or postgres://…"
    )]
    UnsupportedStorage(String),
    /// The database could not be reached or a query failed.
    #[error("key store: {0}")]
    Store(#[from] sqlx::Error),
    /// A stored row does not have the shape this version writes (corruption or a newer
    /// schema).
    #[error("key store holds a malformed record for key `{id}`: {reason}")]
    Corrupt { id: String, reason: String },
    /// The operating system's random source failed; no key was created.
    #[error("no randomness available to create a key: {0}")]
    Random(getrandom::Error),
    /// A field of a new key is not acceptable.
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// No key has this id.
    #[error("no key with id `{0}`")]
    NotFound(String),
}

impl From<getrandom::Error> for IdentityError {
    fn from(err: getrandom::Error) -> Self {
        IdentityError::Random(err)
    }
}
