//! Where keys live. [`KeyStore`] is the seam: SQLite ([`sqlite::SqliteKeyStore`]) for one
//! machine, PostgreSQL ([`postgres::PgKeyStore`]) for many replicas, behind the same five
//! operations.

pub mod postgres;
pub mod sqlite;

use crate::error::IdentityError;
use crate::key::KeyHash;
use crate::record::KeyRecord;
use async_trait::async_trait;
use std::sync::Arc;

/// Persistent storage of key records, looked up by the SHA-256 of the key.
#[async_trait]
pub trait KeyStore: Send + Sync + std::fmt::Debug {
    /// Stores a new record with the hash of its key. Fails if the id or hash exists.
    async fn insert(&self, record: &KeyRecord, hash: &KeyHash) -> Result<(), IdentityError>;
    /// Every key, newest first.
    async fn list(&self) -> Result<Vec<KeyRecord>, IdentityError>;
    async fn get(&self, id: &str) -> Result<Option<KeyRecord>, IdentityError>;
    /// Marks a key revoked at `at` (Unix seconds; later than now for a rotation's
    /// overlap). Returns the record; a revocation never moves later: revoking again keeps
    /// the earlier time. `NotFound` when no key has this id.
    async fn revoke(&self, id: &str, at: i64) -> Result<KeyRecord, IdentityError>;
    /// Suspends a key at `at` (Unix seconds; suspending twice keeps the first time), or
    /// lifts its suspension (`None`). Returns the record; `NotFound` when no key has this
    /// id.
    async fn set_suspended(&self, id: &str, at: Option<i64>) -> Result<KeyRecord, IdentityError>;
    /// The record whose key hashes to `hash`, revoked and expired ones included (the
    /// caller decides).
    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<KeyRecord>, IdentityError>;
}

/// Opens the key store named by a storage URL (`[storage] url` of the gateway config),
/// creating the database and its tables when missing.
pub async fn open(url: &str) -> Result<Arc<dyn KeyStore>, IdentityError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteKeyStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgKeyStore::open(url).await?))
    } else {
        // The URL is echoed to say what was given: without its credentials.
        Err(IdentityError::UnsupportedStorage(
            rampart_core::redact::redact_url(url).into_owned(),
        ))
    }
}
