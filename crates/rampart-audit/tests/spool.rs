//! The writer with a durable spool: a store that is down, stalled or restarted loses no
//! record, and the chain it ends with verifies.

// Helpers outside `#[test]` functions unwrap too.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use rampart_audit::store::sqlite::SqliteAuditStore;
use rampart_audit::{AuditError, AuditRecord, AuditStore, AuditWriter, Spool, StoredRecord};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

fn record(i: usize) -> AuditRecord {
    let mut r = AuditRecord::new(1_795_314_025_000 + i as i64, format!("req-{i}"), "chat");
    r.tenant = Some("acme".into());
    r
}

/// A SQLite store that can be switched off (appends fail) or stalled (appends wait for a
/// permit).
#[derive(Debug)]
struct Flaky {
    inner: SqliteAuditStore,
    down: AtomicBool,
    stalled: AtomicBool,
    permits: Semaphore,
}

impl Flaky {
    async fn open(dir: &tempfile::TempDir) -> Arc<Flaky> {
        let url = format!("sqlite://{}", dir.path().join("audit.db").display());
        Arc::new(Flaky {
            inner: SqliteAuditStore::open(&url).await.unwrap(),
            down: AtomicBool::new(false),
            stalled: AtomicBool::new(false),
            permits: Semaphore::new(0),
        })
    }
}

#[async_trait]
impl AuditStore for Flaky {
    async fn append(&self, records: &[AuditRecord]) -> Result<(), AuditError> {
        if self.stalled.load(Ordering::SeqCst) {
            self.permits.acquire().await.unwrap().forget();
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(AuditError::UnsupportedStorage("store is down".into()));
        }
        self.inner.append(records).await
    }
    async fn list(&self, limit: u32) -> Result<Vec<StoredRecord>, AuditError> {
        self.inner.list(limit).await
    }
    async fn verify(&self) -> Result<rampart_audit::VerifyReport, AuditError> {
        self.inner.verify().await
    }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..2_000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

/// The request ids in the store, each once, and the chain intact.
async fn stored_ids(store: &Flaky) -> Vec<String> {
    let report = store.verify().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    let listed = store.list(100_000).await.unwrap();
    assert_eq!(report.records, listed.len() as u64);
    listed.into_iter().map(|r| r.record.request_id).collect()
}

fn ids(range: std::ops::Range<usize>) -> BTreeSet<String> {
    range.map(|i| format!("req-{i}")).collect()
}

#[tokio::test]
async fn records_written_while_the_store_is_down_are_replayed_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::open(&dir).await;
    store.down.store(true, Ordering::SeqCst);
    let spool = Arc::new(Spool::open(dir.path().join("audit.spool"), 1 << 20).unwrap());
    let (writer, task) = AuditWriter::spawn_with_spool(store.clone(), 8, spool.clone());
    for i in 0..300 {
        assert!(writer.record(record(i)), "record {i} refused");
        if i % 40 == 0 {
            tokio::task::yield_now().await;
        }
    }
    assert!(writer.drain(Duration::from_secs(10)).await);
    let stats = writer.stats().clone();
    assert_eq!((stats.written(), stats.spooled()), (0, 300));
    assert_eq!(spool.backlog(), 300);
    assert!(stored_ids(&store).await.is_empty());

    store.down.store(false, Ordering::SeqCst);
    wait_until("the spool is replayed", || stats.written() == 300).await;
    let got = stored_ids(&store).await;
    assert_eq!(got.len(), 300, "each record exactly once");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), ids(0..300));
    assert_eq!((spool.backlog(), spool.len()), (0, 0));
    // New records go straight to the store again.
    assert!(writer.record(record(300)));
    assert!(writer.drain(Duration::from_secs(10)).await);
    wait_until("the new record is stored", || stats.written() == 301).await;
    assert_eq!(stats.spooled(), 300);
    assert_eq!((stats.dropped(), stats.failed()), (0, 0));
    drop(writer);
    task.finish().await;
}

#[tokio::test]
async fn a_stalled_store_overflows_into_the_spool_instead_of_dropping() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::open(&dir).await;
    store.stalled.store(true, Ordering::SeqCst);
    let spool = Arc::new(Spool::open(dir.path().join("audit.spool"), 1 << 20).unwrap());
    let (writer, task) = AuditWriter::spawn_with_spool(store.clone(), 4, spool.clone());
    let accepted = (0..200).filter(|&i| writer.record(record(i))).count();
    assert_eq!(accepted, 200);
    assert_eq!(writer.stats().dropped(), 0);
    assert!(
        spool.backlog() > 0,
        "the buffer of 4 overflowed into the spool"
    );

    store.stalled.store(false, Ordering::SeqCst);
    store.permits.add_permits(1_000);
    let stats = writer.stats().clone();
    wait_until("everything is stored", || stats.written() == 200).await;
    let got = stored_ids(&store).await;
    assert_eq!(got.len(), 200);
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), ids(0..200));
    drop(writer);
    task.finish().await;
}

#[tokio::test]
async fn a_gateway_stopped_with_the_store_down_replays_its_spool_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let spool_path = dir.path().join("audit.spool");
    // First run: 10 records reach the store, then it goes down for the next 50.
    {
        let store = Flaky::open(&dir).await;
        let spool = Arc::new(Spool::open(&spool_path, 1 << 20).unwrap());
        let (writer, task) = AuditWriter::spawn_with_spool(store.clone(), 16, spool);
        for i in 0..10 {
            assert!(writer.record(record(i)));
        }
        assert!(writer.drain(Duration::from_secs(10)).await);
        let stats = writer.stats().clone();
        wait_until("the first ten are stored", || stats.written() == 10).await;
        store.down.store(true, Ordering::SeqCst);
        for i in 10..60 {
            assert!(writer.record(record(i)));
        }
        assert!(writer.drain(Duration::from_secs(10)).await);
        drop(writer);
        task.finish().await;
        assert_eq!(stored_ids(&store).await.len(), 10);
    }
    // Second run on the same database and spool, store healthy: the backlog is replayed
    // before anything new.
    let store = Flaky::open(&dir).await;
    let spool = Arc::new(Spool::open(&spool_path, 1 << 20).unwrap());
    assert_eq!(spool.backlog(), 50);
    let (writer, task) = AuditWriter::spawn_with_spool(store.clone(), 16, spool.clone());
    let stats = writer.stats().clone();
    wait_until("the backlog is replayed", || stats.replayed() == 50).await;
    let got = stored_ids(&store).await;
    assert_eq!(got.len(), 60);
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), ids(0..60));
    assert_eq!(spool.len(), 0);
    drop(writer);
    task.finish().await;
}

#[tokio::test]
async fn a_full_spool_counts_what_it_could_not_keep_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = Flaky::open(&dir).await;
    store.down.store(true, Ordering::SeqCst);
    // Room for a handful of records only.
    let spool = Arc::new(Spool::open(dir.path().join("audit.spool"), 1_500).unwrap());
    let (writer, task) = AuditWriter::spawn_with_spool(store.clone(), 1, spool.clone());
    let mut refused = 0;
    for i in 0..40 {
        if !writer.record(record(i)) {
            refused += 1;
        }
        tokio::task::yield_now().await;
    }
    assert!(writer.drain(Duration::from_secs(10)).await);
    let stats = writer.stats().clone();
    let kept = spool.backlog();
    assert!(kept > 0 && kept < 40, "kept {kept}");
    assert_eq!(stats.dropped(), refused);
    assert_eq!(kept + stats.dropped() + stats.failed(), 40);

    store.down.store(false, Ordering::SeqCst);
    wait_until("the kept records are stored", || stats.written() == kept).await;
    assert_eq!(stored_ids(&store).await.len() as u64, kept);
    drop(writer);
    task.finish().await;
}
