//! [`AuditWriter`]: how the request path hands records to the store without waiting for it.
//!
//! `record` is a `try_send` into a bounded channel: it never blocks and never allocates
//! beyond the record itself. A background task drains the channel in batches (one
//! transaction per batch, so the store's fsync cost is shared; after the first record of a
//! batch it waits 10 ms for more to join) and retries a failed batch
//! with backoff before giving it up. When the channel is full (the store is slower than the
//! traffic for longer than the buffer lasts), the record is dropped, counted in
//! [`WriterStats::dropped`] and logged (first drop, then at every power of two, so a storm
//! does not flood the logs). Dropped and failed counts are what the gateway exports as
//! metrics; an operator who needs zero loss sizes the buffer, and the durable spool (a
//! local append-only file replayed on start) is the planned next step.

use crate::record::AuditRecord;
use crate::store::AuditStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Records written in one transaction at most.
const MAX_BATCH: usize = 512;
/// How long the writer waits, after the first record of a batch, for more to join it. At
/// steady traffic this turns one transaction per request into one per interval (a
/// transaction's fixed cost dwarfs a row's); a record reaches the store this much later.
const LINGER: Duration = Duration::from_millis(10);
/// Attempts per batch before it is counted as failed.
const ATTEMPTS: u32 = 4;

/// Counters of the writer, shared with its handles.
#[derive(Debug, Default)]
pub struct WriterStats {
    accepted: AtomicU64,
    written: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
}

impl WriterStats {
    /// Records taken into the buffer.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
    /// Records accepted but neither written nor given up yet: what a graceful shutdown
    /// waits for.
    pub fn pending(&self) -> u64 {
        self.accepted()
            .saturating_sub(self.written())
            .saturating_sub(self.failed())
    }
    /// Records committed to the store.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
    /// Records refused because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
    /// Records lost because the store kept failing.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}

/// The sending side: cheap to clone, one per gateway (or per worker).
#[derive(Debug, Clone)]
pub struct AuditWriter {
    sender: mpsc::Sender<AuditRecord>,
    stats: Arc<WriterStats>,
}

/// The background task; await [`WriterTask::finish`] after dropping every
/// [`AuditWriter`] to flush what is buffered (graceful shutdown).
#[derive(Debug)]
pub struct WriterTask {
    handle: JoinHandle<()>,
}

impl WriterTask {
    pub async fn finish(self) {
        // The task only ends by draining a closed channel; a panic inside it has already
        // been reported by the runtime.
        let _ = self.handle.await;
    }
}

impl AuditWriter {
    /// Starts the background writer on the current Tokio runtime with a buffer of
    /// `capacity` records.
    pub fn spawn(store: Arc<dyn AuditStore>, capacity: usize) -> (AuditWriter, WriterTask) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let stats = Arc::new(WriterStats::default());
        let handle = tokio::spawn(run(store, receiver, Arc::clone(&stats)));
        (AuditWriter { sender, stats }, WriterTask { handle })
    }

    /// Queues a record without waiting. Returns `false` when it was dropped (buffer full
    /// or writer stopped); the drop is counted and logged.
    pub fn record(&self, record: AuditRecord) -> bool {
        match self.sender.try_send(record) {
            Ok(()) => {
                self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => {
                let dropped = self.stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(
                        dropped_total = dropped,
                        "audit buffer full: audit records are being dropped"
                    );
                }
                false
            }
        }
    }

    pub fn stats(&self) -> &Arc<WriterStats> {
        &self.stats
    }

    /// Waits until every accepted record is written or given up, at most `limit`. For
    /// graceful shutdown when other handles may still be alive. Returns whether it drained.
    pub async fn drain(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while self.stats.pending() > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }
}

async fn run(
    store: Arc<dyn AuditStore>,
    mut receiver: mpsc::Receiver<AuditRecord>,
    stats: Arc<WriterStats>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if batch.len() < MAX_BATCH {
            tokio::time::sleep(LINGER).await;
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(record) => batch.push(record),
                    Err(_) => break,
                }
            }
        }
        let mut delay = Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            match store.append(&batch).await {
                Ok(()) => {
                    stats
                        .written
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                    break;
                }
                Err(err) if attempt < ATTEMPTS => {
                    tracing::warn!(error = %err, attempt, "audit write failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                    attempt += 1;
                }
                Err(err) => {
                    stats
                        .failed
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                    tracing::error!(
                        error = %err,
                        records = batch.len(),
                        "audit write failed; records lost"
                    );
                    break;
                }
            }
        }
        batch.clear();
    }
}
