//! The dispatcher: [`Events`] takes events from the request path without blocking and
//! hands them to one worker per sink.
//!
//! ```text
//! publish ─► filter ─► bounded queue (memory) ─► worker: queue → spool (append, fsync)
//!                           │ full                       spool → sink.send (batch, timeout)
//!                           └──► spool at once            ok: commit · retryable: back-off
//! ```
//!
//! Every event of a sink passes through that sink's spool (rampart-audit's checksummed
//! [`Spool`], bounded by `spool_max_bytes`): the worker moves the queue into the spool
//! and delivers from the spool, oldest first, so the order a sink sees is the order of
//! publication, a crash or a restart loses nothing the spool took, and a sink that is
//! down only makes the spool grow. `publish` never waits for a sink: it pushes onto the
//! queue under a short lock; only when the queue is full does it write the queue and the
//! event to the spool itself (one buffered append, no fsync), under the same lock, so the
//! order holds. Past the spool bound events are dropped and counted.
//!
//! Delivery is at least once: a batch that fails is sent again after a back-off
//! (200 ms doubling to 30 s), and a crash between a delivery and the spool's commit sends
//! that batch again. Webhook ids and Elasticsearch `_id`s are the event ids, so receivers
//! can drop duplicates.
//!
//! Metrics per sink (label `sink`): `rampart_events_sent_total`,
//! `rampart_events_retried_total` (batches sent again), `rampart_events_spooled_total`
//! (events written to the spool while the sink was failing or because the queue was
//! full: the ones that could not go straight through),
//! `rampart_events_dropped_total{reason}` (`spool_full`, `rejected`, `corrupt`), and the
//! gauge `rampart_events_backlog`.

use crate::event::Event;
use crate::filter::Filter;
use crate::sinks::{self, BuildError, Sink, SinkError, SinkSettings};
use rampart_audit::{Spool, SpoolError};
use rampart_core::audit::AuditRecord;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

const BACKOFF_START: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Counters of one sink (also exported as metrics).
#[derive(Debug, Default)]
pub struct SinkStats {
    pub sent: AtomicU64,
    pub retried: AtomicU64,
    pub spooled: AtomicU64,
    pub dropped: AtomicU64,
}

/// A copy of a sink's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSnapshot {
    pub sent: u64,
    pub retried: u64,
    pub spooled: u64,
    pub dropped: u64,
    /// Events in the spool not yet delivered.
    pub backlog: u64,
}

#[derive(Debug)]
struct Lane {
    name: String,
    filter: Filter,
    capacity: usize,
    queue: Mutex<VecDeque<Event>>,
    wake: Notify,
    spool: Spool<Event>,
    stats: SinkStats,
    /// Set while deliveries fail: what arrives meanwhile counts as spooled.
    failing: AtomicBool,
}

impl Lane {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Event>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, event: Event) {
        let mut queue = self.lock();
        if queue.len() < self.capacity {
            queue.push_back(event);
            drop(queue);
            self.wake.notify_one();
            return;
        }
        // Full: the queue and this event go to the spool now, in order.
        let mut batch: Vec<Event> = queue.drain(..).collect();
        batch.push(event);
        self.append(&batch, true);
        drop(queue);
        self.wake.notify_one();
    }

    /// Appends to the spool (the queue lock held by the caller); counts what is lost.
    fn append(&self, batch: &[Event], overflow: bool) {
        if batch.is_empty() {
            return;
        }
        let n = batch.len() as u64;
        match self.spool.append(batch) {
            Ok(()) => {
                if overflow || self.failing.load(Ordering::Relaxed) {
                    self.stats.spooled.fetch_add(n, Ordering::Relaxed);
                    metrics::counter!("rampart_events_spooled_total", "sink" => self.name.clone())
                        .increment(n);
                }
            }
            Err(err) => {
                self.drop_events(n, drop_reason(&err));
                tracing::error!(sink = %self.name, events = n, error = %err, "events lost: the sink's spool cannot take them");
            }
        }
    }

    fn drop_events(&self, n: u64, reason: &'static str) {
        self.stats.dropped.fetch_add(n, Ordering::Relaxed);
        metrics::counter!("rampart_events_dropped_total", "sink" => self.name.clone(), "reason" => reason)
            .increment(n);
    }

    /// Moves the queue into the spool.
    fn intake(&self) {
        let mut queue = self.lock();
        if queue.is_empty() {
            return;
        }
        let batch: Vec<Event> = queue.drain(..).collect();
        self.append(&batch, false);
    }

    fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            sent: self.stats.sent.load(Ordering::Relaxed),
            retried: self.stats.retried.load(Ordering::Relaxed),
            spooled: self.stats.spooled.load(Ordering::Relaxed),
            dropped: self.stats.dropped.load(Ordering::Relaxed),
            backlog: self.spool.backlog() + self.lock().len() as u64,
        }
    }
}

fn drop_reason(err: &SpoolError) -> &'static str {
    match err {
        SpoolError::Full { .. } => "spool_full",
        _ => "spool_error",
    }
}

/// The events side of `rampart serve`: cheap to clone, `publish` never blocks on a sink.
#[derive(Debug, Clone, Default)]
pub struct Events {
    lanes: Arc<Vec<Arc<Lane>>>,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

/// Why the events could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("events sink `{sink}`: cannot open its spool: {source}")]
    Spool { sink: String, source: SpoolError },
}

impl Events {
    /// No sinks: every publish is a no-op.
    pub fn none() -> Events {
        Events::default()
    }

    /// Builds every sink, opens its spool (replaying what an earlier run left) and starts
    /// its worker on the current tokio runtime.
    pub fn start(settings: &[SinkSettings]) -> Result<Events, StartError> {
        let mut built = Vec::with_capacity(settings.len());
        for s in settings {
            built.push((s.clone(), sinks::build(s)?));
        }
        Events::start_with(built)
    }

    /// Starts workers for sinks built elsewhere (tests, or a sink outside the registry).
    pub fn start_with(sinks: Vec<(SinkSettings, Arc<dyn Sink>)>) -> Result<Events, StartError> {
        let mut lanes = Vec::with_capacity(sinks.len());
        let mut workers = Vec::with_capacity(sinks.len());
        for (settings, sink) in sinks {
            let spool =
                Spool::open(&settings.spool_path, settings.spool_max_bytes).map_err(|source| {
                    StartError::Spool {
                        sink: settings.name.clone(),
                        source,
                    }
                })?;
            let lane = Arc::new(Lane {
                name: settings.name.clone(),
                filter: settings.filter.clone(),
                capacity: settings.queue.max(1),
                queue: Mutex::new(VecDeque::new()),
                wake: Notify::new(),
                spool,
                stats: SinkStats::default(),
                failing: AtomicBool::new(false),
            });
            lanes.push(lane.clone());
            workers.push((lane, sink, settings));
        }
        let tasks = workers
            .into_iter()
            .map(|(lane, sink, settings)| {
                tokio::spawn(work(
                    lane,
                    sink,
                    settings.batch_size.max(1),
                    settings.timeout,
                ))
            })
            .collect();
        Ok(Events {
            lanes: Arc::new(lanes),
            tasks: Arc::new(Mutex::new(tasks)),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }

    /// Offers `event` to every sink whose filter takes it.
    pub fn publish(&self, event: Event) {
        let takers: Vec<&Arc<Lane>> = self
            .lanes
            .iter()
            .filter(|l| l.filter.accepts(&event))
            .collect();
        if let Some((last, rest)) = takers.split_last() {
            for lane in rest {
                lane.push(event.clone());
            }
            last.push(event);
        }
    }

    /// The events of one audited request ([`Event::from_audit`]).
    pub fn publish_audit(&self, record: &AuditRecord) {
        if self.lanes.is_empty() {
            return;
        }
        for event in Event::from_audit(record) {
            self.publish(event);
        }
    }

    /// Each sink's name and counters.
    pub fn stats(&self) -> Vec<(String, StatsSnapshot)> {
        self.lanes
            .iter()
            .map(|l| (l.name.clone(), l.snapshot()))
            .collect()
    }

    /// Waits up to `timeout` for every sink to deliver what it holds; in any case moves
    /// what is still queued into the spools and makes them durable (replayed at the next
    /// start). True when everything was delivered.
    pub async fn drain(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let pending: u64 = self.lanes.iter().map(|l| l.snapshot().backlog).sum();
            if pending == 0 {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.shutdown();
        false
    }

    /// Stops the workers and moves what is queued into the spools (durably).
    pub fn shutdown(&self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            task.abort();
        }
        for lane in self.lanes.iter() {
            lane.intake();
            if let Err(err) = lane.spool.sync() {
                tracing::error!(sink = %lane.name, error = %err, "events spool fsync failed at shutdown");
            }
        }
    }
}

/// One sink's worker: queue → spool → sink, forever.
async fn work(lane: Arc<Lane>, sink: Arc<dyn Sink>, batch_size: usize, timeout: Duration) {
    let mut backoff = BACKOFF_START;
    loop {
        let notified = lane.wake.notified();
        lane.intake();
        if lane.spool.backlog() == 0 {
            notified.await;
            continue;
        }
        let io_lane = lane.clone();
        let read = tokio::task::spawn_blocking(move || {
            io_lane.spool.sync()?;
            io_lane.spool.read_batch(batch_size)
        })
        .await;
        let batch = match read {
            Ok(Ok(batch)) => batch,
            Ok(Err(err)) => {
                tracing::error!(sink = %lane.name, error = %err, "events spool unreadable; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
            Err(_) => return,
        };
        if batch.corrupt > 0 {
            lane.drop_events(batch.corrupt, "corrupt");
        }
        if batch.records.is_empty() {
            commit(&lane, &batch);
            continue;
        }
        let n = batch.records.len() as u64;
        let outcome = match tokio::time::timeout(timeout, sink.send(&batch.records)).await {
            Ok(result) => result,
            Err(_) => Err(SinkError::Retryable(format!(
                "no answer within {} ms",
                timeout.as_millis()
            ))),
        };
        match outcome {
            Ok(()) => {
                commit(&lane, &batch);
                lane.stats.sent.fetch_add(n, Ordering::Relaxed);
                metrics::counter!("rampart_events_sent_total", "sink" => lane.name.clone())
                    .increment(n);
                if lane.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!(sink = %lane.name, "events sink delivers again");
                }
                backoff = BACKOFF_START;
            }
            Err(SinkError::Permanent(message)) => {
                commit(&lane, &batch);
                lane.drop_events(n, "rejected");
                tracing::error!(sink = %lane.name, events = n, error = %message, "events sink refused a batch; dropped");
            }
            Err(SinkError::Retryable(message)) => {
                lane.failing.store(true, Ordering::Relaxed);
                lane.stats.retried.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("rampart_events_retried_total", "sink" => lane.name.clone())
                    .increment(1);
                tracing::warn!(sink = %lane.name, error = %message, retry_in_ms = backoff.as_millis() as u64, "events sink failed; the batch stays in the spool");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
        metrics::gauge!("rampart_events_backlog", "sink" => lane.name.clone())
            .set(lane.spool.backlog() as f64);
    }
}

fn commit(lane: &Lane, batch: &rampart_audit::spool::SpoolBatch<Event>) {
    if let Err(err) = lane.spool.commit(batch) {
        tracing::error!(sink = %lane.name, error = %err, "events spool commit failed; the batch may be sent again");
    }
}
