//! [`AuditWriter`]: how the request path hands records to the store without waiting for it.
//!
//! `record` is a `try_send` into a bounded channel: it never blocks on the store. A
//! background task drains the channel in batches (one transaction per batch, so the
//! store's fsync cost is shared; after the first record of a batch the task waits
//! `LINGER` for more to join, since a transaction's fixed cost dwarfs a row's).
//!
//! With a [`Spool`] (what `rampart serve` uses), nothing accepted is lost while the disk
//! holds: a record that finds the channel full is appended to the spool by the caller, a
//! batch the store refuses is appended by the task, and while the spool holds records every
//! new batch goes behind them, so the store receives records in the order they were
//! spooled. The task replays the spool (at start, and with backoff while the store is
//! down) and fsyncs it once per batch. Only a full spool (its `max_bytes`) or a failing
//! disk loses records; they are counted ([`WriterStats::failed`], [`WriterStats::dropped`],
//! metric `rampart_audit_lost_total{reason}`) and logged.
//!
//! Without a spool, a full channel drops the record and a batch the store keeps refusing
//! after a few retries is given up; both are counted and logged (first loss, then at
//! every power of two, so a storm does not flood the logs).

use crate::record::AuditRecord;
use crate::spool::{Spool, SpoolBatch};
use crate::store::AuditStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Records written in one transaction at most.
const MAX_BATCH: usize = 512;
/// How long the writer waits, after the first record of a batch, for more to join it. At
/// steady traffic this turns one transaction per request into one per interval; a record
/// reaches the store this much later (shutdown still drains everything).
const LINGER: Duration = Duration::from_millis(10);
/// Attempts per batch before it is counted as failed.
const ATTEMPTS: u32 = 4;

/// Lets a batch that has just started fill up for [`LINGER`] before it is written.
async fn linger(receiver: &mut mpsc::Receiver<AuditRecord>, batch: &mut Vec<AuditRecord>) {
    if batch.len() >= MAX_BATCH {
        return;
    }
    tokio::time::sleep(LINGER).await;
    while batch.len() < MAX_BATCH {
        match receiver.try_recv() {
            Ok(record) => batch.push(record),
            Err(_) => break,
        }
    }
}

/// Counters of the writer, shared with its handles.
#[derive(Debug, Default)]
pub struct WriterStats {
    accepted: AtomicU64,
    written: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    spooled: AtomicU64,
    replayed: AtomicU64,
    corrupt: AtomicU64,
    /// Accepted records that are written, spooled or given up: no longer in memory only.
    settled: AtomicU64,
}

impl WriterStats {
    /// Records taken into the buffer.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
    /// Records accepted but only in memory (neither stored, spooled nor given up): what a
    /// graceful shutdown waits for.
    pub fn pending(&self) -> u64 {
        self.accepted()
            .saturating_sub(self.settled.load(Ordering::Relaxed))
    }
    /// Records committed to the store (directly or replayed from the spool).
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
    /// Records refused at the door: the buffer was full and there was no room in a spool.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
    /// Accepted records lost because the store kept failing and no spool could keep them.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
    /// Records appended to the spool.
    pub fn spooled(&self) -> u64 {
        self.spooled.load(Ordering::Relaxed)
    }
    /// Records replayed from the spool into the store.
    pub fn replayed(&self) -> u64 {
        self.replayed.load(Ordering::Relaxed)
    }
    /// Spool lines that could not be read back (checksum or JSON wrong), skipped.
    pub fn corrupt(&self) -> u64 {
        self.corrupt.load(Ordering::Relaxed)
    }
}

/// Counts `n` lost records under `reason`, logging the first and every power of two.
fn lost(counter: &AtomicU64, n: u64, reason: &'static str, err: &dyn std::fmt::Display) {
    let before = counter.fetch_add(n, Ordering::Relaxed);
    metrics::counter!("rampart_audit_lost_total", "reason" => reason).increment(n);
    let after = before + n;
    // Log when the total crosses a power of two (and on the first loss).
    if before == 0 || (before + 1).next_power_of_two() <= after {
        tracing::error!(
            lost_total = after,
            reason,
            error = %err,
            "audit records lost"
        );
    }
}

/// The sending side: cheap to clone, one per gateway (or per worker).
#[derive(Debug, Clone)]
pub struct AuditWriter {
    sender: mpsc::Sender<AuditRecord>,
    stats: Arc<WriterStats>,
    spool: Option<Arc<Spool>>,
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
    /// `capacity` records, without a spool (records are dropped when the store cannot
    /// keep up).
    pub fn spawn(store: Arc<dyn AuditStore>, capacity: usize) -> (AuditWriter, WriterTask) {
        Self::start(store, capacity, None)
    }

    /// Starts the background writer with a durable spool: records the buffer or the store
    /// cannot take wait in `spool` and are replayed in order (records already in it from
    /// an earlier run first).
    pub fn spawn_with_spool(
        store: Arc<dyn AuditStore>,
        capacity: usize,
        spool: Arc<Spool>,
    ) -> (AuditWriter, WriterTask) {
        Self::start(store, capacity, Some(spool))
    }

    fn start(
        store: Arc<dyn AuditStore>,
        capacity: usize,
        spool: Option<Arc<Spool>>,
    ) -> (AuditWriter, WriterTask) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let stats = Arc::new(WriterStats::default());
        let handle = match &spool {
            None => tokio::spawn(run(store, receiver, Arc::clone(&stats))),
            Some(spool) => tokio::spawn(run_with_spool(
                store,
                receiver,
                Arc::clone(&stats),
                Arc::clone(spool),
            )),
        };
        (
            AuditWriter {
                sender,
                stats,
                spool,
            },
            WriterTask { handle },
        )
    }

    /// Queues a record without waiting on the store. When the buffer is full, the record
    /// goes to the spool (a buffered file append); returns `false` when it was lost
    /// (buffer full and no spool or a full one, or the writer stopped), which is counted
    /// and logged.
    pub fn record(&self, record: AuditRecord) -> bool {
        let record = match self.sender.try_send(record) {
            Ok(()) => {
                self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                return true;
            }
            Err(mpsc::error::TrySendError::Full(r) | mpsc::error::TrySendError::Closed(r)) => r,
        };
        let Some(spool) = &self.spool else {
            lost(
                &self.stats.dropped,
                1,
                "buffer_full",
                &"audit buffer full and no spool",
            );
            return false;
        };
        match spool.append(std::slice::from_ref(&record)) {
            Ok(()) => {
                self.stats.spooled.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("rampart_audit_spooled_total").increment(1);
                true
            }
            Err(err) => {
                lost(&self.stats.dropped, 1, spool_reason(&err), &err);
                false
            }
        }
    }

    pub fn stats(&self) -> &Arc<WriterStats> {
        &self.stats
    }

    /// Waits until every accepted record is written or given up, at most `limit`. For
    /// graceful shutdown when other handles may still be alive. Returns whether it drained.
    /// With a spool, also makes what it holds durable.
    pub async fn drain(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while self.stats.pending() > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        match &self.spool {
            Some(spool) => spool.sync().is_ok(),
            None => true,
        }
    }
}

async fn run(
    store: Arc<dyn AuditStore>,
    mut receiver: mpsc::Receiver<AuditRecord>,
    stats: Arc<WriterStats>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        linger(&mut receiver, &mut batch).await;
        let mut delay = Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            match store.append(&batch).await {
                Ok(()) => {
                    stats
                        .written
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                    stats
                        .settled
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
                    lost(&stats.failed, batch.len() as u64, "store_failed", &err);
                    stats
                        .settled
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                    break;
                }
            }
        }
        batch.clear();
    }
}

/// The `reason` label of records the spool could not take.
fn spool_reason(err: &crate::spool::SpoolError) -> &'static str {
    match err {
        crate::spool::SpoolError::Full { .. } => "spool_full",
        _ => "spool_error",
    }
}

/// First wait before replaying the spool again after the store failed; doubles up to
/// [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The writer loop with a spool: replay what waits in the spool while the store takes it,
/// and send new batches to the store only when nothing older waits; everything else goes
/// to the spool.
async fn run_with_spool(
    store: Arc<dyn AuditStore>,
    mut receiver: mpsc::Receiver<AuditRecord>,
    stats: Arc<WriterStats>,
    spool: Arc<Spool>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut backoff = MIN_BACKOFF;
    let mut next_replay = tokio::time::Instant::now();
    loop {
        // 1. Replay, oldest first, until the spool is empty or the store fails.
        while spool.backlog() > 0 && tokio::time::Instant::now() >= next_replay {
            match replay(&*store, &spool, &stats).await {
                Ok(()) => backoff = MIN_BACKOFF,
                Err(err) => {
                    tracing::warn!(
                        error = %err,
                        backlog = spool.backlog(),
                        retry_in_ms = backoff.as_millis() as u64,
                        "audit store unavailable; records wait in the spool"
                    );
                    next_replay = tokio::time::Instant::now() + backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        metrics::gauge!("rampart_audit_spool_backlog").set(spool.backlog() as f64);
        // 2. Wait for new records; with a backlog, only until the next replay attempt.
        let received = if spool.backlog() > 0 {
            match tokio::time::timeout_at(next_replay, receiver.recv_many(&mut batch, MAX_BATCH))
                .await
            {
                Ok(n) => n,
                Err(_) => {
                    // Records spooled by callers are made durable at least this often.
                    sync(&spool).await;
                    continue;
                }
            }
        } else {
            receiver.recv_many(&mut batch, MAX_BATCH).await
        };
        if received == 0 {
            // Closed: every handle is gone. One last replay attempt, then make the spool
            // durable; what remains is replayed at the next start.
            if spool.backlog() > 0 {
                let _ = replay(&*store, &spool, &stats).await;
            }
            sync(&spool).await;
            return;
        }
        linger(&mut receiver, &mut batch).await;
        // 3. New records go behind anything older that waits in the spool.
        let n = batch.len() as u64;
        let stored = if spool.backlog() == 0 {
            match store.append(&batch).await {
                Ok(()) => true,
                Err(err) => {
                    tracing::warn!(error = %err, records = n, "audit write failed; spooling");
                    next_replay = tokio::time::Instant::now() + backoff;
                    false
                }
            }
        } else {
            false
        };
        if stored {
            stats.written.fetch_add(n, Ordering::Relaxed);
        } else {
            match spool.append(&batch) {
                Ok(()) => {
                    stats.spooled.fetch_add(n, Ordering::Relaxed);
                    metrics::counter!("rampart_audit_spooled_total").increment(n);
                    sync(&spool).await;
                }
                Err(err) => lost(&stats.failed, n, spool_reason(&err), &err),
            }
        }
        stats.settled.fetch_add(n, Ordering::Relaxed);
        batch.clear();
    }
}

/// One fsync of the spool off the async threads; a failure is logged (the data is still
/// in the page cache, and the next sync retries).
async fn sync(spool: &Arc<Spool>) {
    let s = Arc::clone(spool);
    match tokio::task::spawn_blocking(move || s.sync()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::error!(error = %err, "audit spool fsync failed"),
        Err(err) => tracing::error!(error = %err, "audit spool fsync task failed"),
    }
}

/// Moves one batch from the spool into the store.
async fn replay(
    store: &dyn AuditStore,
    spool: &Arc<Spool>,
    stats: &WriterStats,
) -> Result<(), ReplayError> {
    let s = Arc::clone(spool);
    let batch: SpoolBatch = tokio::task::spawn_blocking(move || {
        // Durable before it can be stored, so the store never holds what the disk lost.
        s.sync()?;
        s.read_batch(MAX_BATCH)
    })
    .await
    .map_err(|e| ReplayError::Task(e.to_string()))??;
    if batch.corrupt > 0 {
        lost(
            &stats.corrupt,
            batch.corrupt,
            "spool_corrupt",
            &"unreadable spool lines skipped",
        );
    }
    store.append(&batch.records).await?;
    let n = batch.records.len() as u64;
    // The offset update fsyncs: off the async threads too.
    let s = Arc::clone(spool);
    tokio::task::spawn_blocking(move || s.commit(&batch))
        .await
        .map_err(|e| ReplayError::Task(e.to_string()))??;
    stats.written.fetch_add(n, Ordering::Relaxed);
    stats.replayed.fetch_add(n, Ordering::Relaxed);
    metrics::counter!("rampart_audit_replayed_total").increment(n);
    Ok(())
}

#[derive(Debug, thiserror::Error)]
enum ReplayError {
    #[error(transparent)]
    Store(#[from] crate::error::AuditError),
    #[error(transparent)]
    Spool(#[from] crate::spool::SpoolError),
    #[error("spool task: {0}")]
    Task(String),
}
