//! [`CheckpointingStore`]: a store that signs a checkpoint of its tree as records are
//! appended, every `every` records or `interval`, whichever comes first, keeps it in the
//! store (`rampart audit checkpoint` prints the latest) and publishes it to a file,
//! replaced atomically.
//!
//! A checkpoint that cannot be signed, saved or written is logged and counted
//! (`rampart_audit_checkpoint_errors_total`), never reported as a failed append: the
//! records are committed by then, and the writer would append them again.

use crate::chain::VerifyReport;
use crate::checkpoint::CheckpointSigner;
use crate::error::AuditError;
use crate::merkle::{Hash, NodeId};
use crate::record::AuditRecord;
use crate::store::{AuditQuery, AuditStore, StoredRecord};
use async_trait::async_trait;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// When to sign and where to publish.
#[derive(Debug, Clone, Default)]
pub struct CheckpointPolicy {
    /// Sign after this many new records (0: not by count).
    pub every: u64,
    /// Sign when this long has passed since the last checkpoint and records were added.
    pub interval: Option<Duration>,
    /// Write each checkpoint to this file (atomically: a temporary file, then rename).
    pub path: Option<PathBuf>,
}

#[derive(Debug)]
struct State {
    last_size: u64,
    last_at: Instant,
}

/// Wraps a store; see the module documentation.
#[derive(Debug)]
pub struct CheckpointingStore {
    inner: Arc<dyn AuditStore>,
    signer: CheckpointSigner,
    policy: CheckpointPolicy,
    state: tokio::sync::Mutex<State>,
}

impl CheckpointingStore {
    /// Starts counting from the tree as it is now.
    pub async fn new(
        inner: Arc<dyn AuditStore>,
        signer: CheckpointSigner,
        policy: CheckpointPolicy,
    ) -> Result<Self, AuditError> {
        let last_size = inner.tree_size().await?;
        Ok(CheckpointingStore {
            inner,
            signer,
            policy,
            state: tokio::sync::Mutex::new(State {
                last_size,
                last_at: Instant::now(),
            }),
        })
    }

    /// Signs, saves and publishes a checkpoint of the whole tree now; returns the note.
    pub async fn checkpoint_now(&self) -> Result<String, AuditError> {
        let mut state = self.state.lock().await;
        self.sign_and_publish(&mut state).await
    }

    async fn sign_and_publish(&self, state: &mut State) -> Result<String, AuditError> {
        let (size, root) = crate::proof::tree_head(self.inner.as_ref(), None).await?;
        let note = self.signer.sign(size, &root);
        self.inner.save_checkpoint(size, &note).await?;
        if let Some(path) = &self.policy.path {
            write_atomically(path, note.as_bytes()).map_err(|e| {
                AuditError::Publish(format!(
                    "writing [audit] checkpoint_path {}: {e}",
                    path.display()
                ))
            })?;
        }
        state.last_size = size;
        state.last_at = Instant::now();
        Ok(note)
    }

    /// Signs a checkpoint if one is due (by count or by time). [`Self::append`] calls it;
    /// call it on a timer too (as [`Self::spawn_ticker`] does), so records appended
    /// after a burst do not wait for the next request to be covered.
    pub async fn tick(&self) {
        let mut state = self.state.lock().await;
        let due = match self.inner.tree_size().await {
            Ok(size) if size > state.last_size => {
                (self.policy.every > 0 && size - state.last_size >= self.policy.every)
                    || self
                        .policy
                        .interval
                        .is_some_and(|i| state.last_at.elapsed() >= i)
            }
            Ok(_) => false,
            Err(e) => {
                checkpoint_error(&e);
                false
            }
        };
        if due && let Err(e) = self.sign_and_publish(&mut state).await {
            checkpoint_error(&e);
        }
    }
}

impl CheckpointingStore {
    /// Calls [`Self::tick`] every `interval` of the policy, if it has one, until the
    /// store is dropped.
    pub fn spawn_ticker(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        let every = self.policy.interval?;
        let weak = Arc::downgrade(self);
        Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(store) = weak.upgrade() else { break };
                store.tick().await;
            }
        }))
    }
}

fn checkpoint_error(e: &AuditError) {
    metrics::counter!("rampart_audit_checkpoint_errors_total").increment(1);
    tracing::error!(error = %e, "audit checkpoint not published");
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over
/// `path`: readers see the old checkpoint or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[async_trait]
impl AuditStore for CheckpointingStore {
    async fn append(&self, records: &[AuditRecord]) -> Result<(), AuditError> {
        self.inner.append(records).await?;
        self.tick().await;
        Ok(())
    }
    async fn list(&self, limit: u32) -> Result<Vec<StoredRecord>, AuditError> {
        self.inner.list(limit).await
    }
    async fn verify(&self) -> Result<VerifyReport, AuditError> {
        self.inner.verify().await
    }
    async fn verify_with(
        &self,
        verifier: crate::chain::Verifier,
    ) -> Result<VerifyReport, AuditError> {
        self.inner.verify_with(verifier).await
    }
    async fn query(&self, query: &AuditQuery) -> Result<Vec<StoredRecord>, AuditError> {
        self.inner.query(query).await
    }
    async fn tree_size(&self) -> Result<u64, AuditError> {
        self.inner.tree_size().await
    }
    async fn tree_nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, AuditError> {
        self.inner.tree_nodes(ids).await
    }
    async fn record(&self, seq: i64) -> Result<Option<StoredRecord>, AuditError> {
        self.inner.record(seq).await
    }
    async fn save_checkpoint(&self, size: u64, note: &str) -> Result<(), AuditError> {
        self.inner.save_checkpoint(size, note).await
    }
    async fn latest_checkpoint(&self) -> Result<Option<String>, AuditError> {
        self.inner.latest_checkpoint().await
    }
}
