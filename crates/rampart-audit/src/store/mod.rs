//! Where audit records live. [`AuditStore`] is the seam: SQLite for one gateway
//! ([`sqlite::SqliteAuditStore`]), PostgreSQL for many replicas
//! ([`postgres::PgAuditStore`]). A store appends records with their chain hashes, lists
//! the newest, and walks the chain to verify it.

pub mod postgres;
pub mod sqlite;
mod tree;

use crate::chain::{Verifier, VerifyReport};
use crate::error::AuditError;
use crate::merkle::{Hash, NodeId};
use crate::record::{AuditRecord, format_time_ms};
use async_trait::async_trait;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// A record as stored: its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredRecord {
    /// The record as JSON for `rampart audit list`, with an RFC 3339 `time` beside
    /// `time_ms`.
    pub fn to_listing_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert(
                "time".to_owned(),
                serde_json::Value::String(format_time_ms(self.record.time_ms)),
            );
        }
        value
    }
}

/// One row of the chain as `verify` reads it, from either database. The query columns
/// (`time_ms` … `key_id`) are copies of fields of the hashed `record`, kept for searches;
/// `None` where the column could not be decoded.
pub(crate) struct ChainRow {
    pub seq: i64,
    pub record: String,
    pub prev_hash: String,
    pub hash: String,
    pub time_ms: Option<i64>,
    pub request_id: Option<String>,
    pub tenant: Option<Option<String>>,
    pub key_id: Option<Option<String>>,
}

/// Feeds one page of rows, in chain order, to the verifier; `false` once the chain is
/// found broken (the report then says where).
pub(crate) fn verify_page(verifier: &mut Verifier, rows: &[ChainRow]) -> bool {
    for row in rows {
        if !verifier.push(row.seq, &row.prev_hash, &row.hash, row.record.as_bytes()) {
            return false;
        }
        // The query columns are copies; a copy that disagrees misleads searches.
        let consistent = serde_json::from_str::<AuditRecord>(&row.record).is_ok_and(|r| {
            row.time_ms == Some(r.time_ms)
                && row.request_id.as_ref() == Some(&r.request_id)
                && row.tenant.as_ref() == Some(&r.tenant)
                && row.key_id.as_ref() == Some(&r.key_id)
        });
        if !consistent {
            verifier.fail(row.seq, "query columns disagree with the hashed record");
            return false;
        }
    }
    true
}

/// Most records one search returns.
pub const MAX_PAGE: u32 = 1_000;

/// An audit search: filters, all optional and combined with AND, and a page. Records come
/// newest first (by `seq`); the next page asks for records older than the last one
/// returned (`before_seq`), so appends between two pages neither repeat nor skip records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub tenant: Option<String>,
    pub key_id: Option<String>,
    /// Records at or after this time (milliseconds since the epoch).
    pub from_ms: Option<i64>,
    /// Records before this time (milliseconds since the epoch).
    pub to_ms: Option<i64>,
    /// The guard's decision for the request (`allow`, `redact`, `block`).
    pub decision: Option<String>,
    /// Records with a smaller `seq` only (the cursor of the previous page).
    pub before_seq: Option<i64>,
    /// At most this many records (capped at [`MAX_PAGE`]).
    pub limit: u32,
}

impl AuditQuery {
    /// The page size actually used: 1 to [`MAX_PAGE`].
    pub fn page_size(&self) -> i64 {
        i64::from(self.limit.clamp(1, MAX_PAGE))
    }
}

/// An append-only, hash-chained store of audit records.
#[async_trait]
pub trait AuditStore: Send + Sync + std::fmt::Debug {
    /// Appends records in order, in one transaction, extending the chain.
    async fn append(&self, records: &[AuditRecord]) -> Result<(), AuditError>;
    /// The newest `limit` records, newest first.
    async fn list(&self, limit: u32) -> Result<Vec<StoredRecord>, AuditError>;
    /// Walks the whole chain from the first record.
    async fn verify(&self) -> Result<VerifyReport, AuditError>;
    /// Walks the whole chain from the first record, feeding `verifier` (which may also
    /// compute the tree root at a checkpoint's size). Stores without a tree verify the
    /// chain only.
    async fn verify_with(&self, verifier: Verifier) -> Result<VerifyReport, AuditError> {
        let _ = verifier;
        self.verify().await
    }
    /// The records that match `query`, newest first, at most its page size.
    async fn query(&self, query: &AuditQuery) -> Result<Vec<StoredRecord>, AuditError> {
        let _ = query;
        Err(AuditError::SearchUnsupported)
    }
    /// How many leaves the Merkle tree has (records appended so far).
    async fn tree_size(&self) -> Result<u64, AuditError> {
        Err(AuditError::TreeUnsupported)
    }
    /// The stored hashes of perfect subtrees; missing ones are absent from the map.
    async fn tree_nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, AuditError> {
        let _ = ids;
        Err(AuditError::TreeUnsupported)
    }
    /// One record by its sequence number.
    async fn record(&self, seq: i64) -> Result<Option<StoredRecord>, AuditError> {
        let _ = seq;
        Err(AuditError::TreeUnsupported)
    }
    /// Keeps a signed checkpoint note of a tree of `size` leaves.
    async fn save_checkpoint(&self, size: u64, note: &str) -> Result<(), AuditError> {
        let _ = (size, note);
        Err(AuditError::TreeUnsupported)
    }
    /// The checkpoint note of the largest tree saved, if any.
    async fn latest_checkpoint(&self) -> Result<Option<String>, AuditError> {
        Err(AuditError::TreeUnsupported)
    }
}

/// Nodes per `SELECT` when fetching tree nodes (2 bound values each).
pub(crate) const NODES_PER_QUERY: usize = 200;
/// Rows per `INSERT` of tree nodes (3 bound values each).
pub(crate) const NODES_PER_INSERT: usize = 200;
/// Records whose hashes are read per round trip when the tree catches up with them.
pub(crate) const TREE_CATCH_UP_PAGE: i64 = 10_000;

/// Decodes a stored 32-byte hash.
pub(crate) fn hash_from_blob(what: i64, blob: &[u8]) -> Result<Hash, AuditError> {
    Hash::try_from(blob).map_err(|_| AuditError::Corrupt {
        seq: what,
        reason: "stored tree node is not 32 bytes".to_owned(),
    })
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Converts a leaf count or index to the database's signed integers.
pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Opens the audit store named by a storage URL (`[storage] url` of the gateway config),
/// creating the database and its table when missing.
pub async fn open(url: &str) -> Result<Arc<dyn AuditStore>, AuditError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteAuditStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgAuditStore::open(url).await?))
    } else {
        // The URL is echoed to say what was given: without its credentials.
        Err(AuditError::UnsupportedStorage(
            rampart_core::redact::redact_url(url).into_owned(),
        ))
    }
}
