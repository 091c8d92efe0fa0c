//! The audit store and writer over real SQLite files.

use async_trait::async_trait;
use rampart_audit::store::{self, sqlite::SqliteAuditStore};
use rampart_audit::{
    AuditError, AuditRecord, AuditStore, AuditWriter, FindingSummary, StoredRecord,
};
use rampart_core::{Decision, FindingKind};
use sqlx::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Notify;

fn url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("audit.db").display())
}

fn record(i: usize) -> AuditRecord {
    let mut r = AuditRecord::new(
        1_795_314_025_000 + i as i64,
        format!("req-{i}"),
        "openai.chat_completions",
    );
    r.tenant = Some("acme".into());
    r.key_id = Some("key_abc".into());
    r.model = Some("gpt-4o-mini".into());
    r.provider = Some("openai".into());
    r.decision = if i.is_multiple_of(3) {
        Decision::Redact
    } else {
        Decision::Allow
    };
    r.findings = vec![FindingSummary {
        kind: FindingKind::Secret,
        entity: "AWS_ACCESS_KEY".into(),
        direction: None,
    }];
    r.tokens_in = Some(12);
    r.tokens_out = Some(34);
    r.upstream_latency_ms = Some(150);
    r.gateway_overhead_us = Some(420);
    r
}

#[tokio::test]
async fn appended_records_list_newest_first_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    assert!(store.verify().await.unwrap().is_intact());
    assert_eq!(store.verify().await.unwrap().head, None);
    store
        .append(&(0..5).map(record).collect::<Vec<_>>())
        .await
        .unwrap();
    store
        .append(&(5..8).map(record).collect::<Vec<_>>())
        .await
        .unwrap();

    let listed = store.list(3).await.unwrap();
    assert_eq!(
        listed.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![8, 7, 6]
    );
    assert_eq!(listed[0].record, record(7));
    assert_eq!(listed[0].prev_hash, listed[1].hash);
    let json = listed[0].to_listing_json();
    assert_eq!(json["request_id"], "req-7");
    assert_eq!(json["time"], "2026-11-22T02:20:25.007Z");
    assert_eq!(json["findings"][0]["type"], "AWS_ACCESS_KEY");

    let report = store.verify().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 8);
    assert_eq!(report.head.as_deref(), Some(listed[0].hash.as_str()));

    // Reopening continues the same chain.
    drop(store);
    let store = store::open(&url(&dir)).await.unwrap();
    store.append(&[record(8)]).await.unwrap();
    let report = store.verify().await.unwrap();
    assert!(report.is_intact());
    assert_eq!(report.records, 9);
}

async fn raw(dir: &tempfile::TempDir) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&url(dir))
        .await
        .expect("open the audit database directly")
}

#[tokio::test]
async fn sql_updates_and_deletes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    store.append(&[record(0), record(1)]).await.unwrap();
    let mut conn = raw(&dir).await;
    let err = sqlx::query("UPDATE audit_records SET tenant = 'x'")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM audit_records")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(store.list(10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn tampering_behind_the_triggers_is_detected_at_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    store
        .append(&(0..10).map(record).collect::<Vec<_>>())
        .await
        .unwrap();
    let mut conn = raw(&dir).await;
    sqlx::raw_sql("DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete;")
        .execute(&mut conn)
        .await
        .unwrap();

    // Rewriting a decision in the hashed JSON.
    sqlx::query("UPDATE audit_records SET record = replace(record, '\"decision\":\"allow\"', '\"decision\":\"block\"') WHERE seq = 5")
        .execute(&mut conn)
        .await
        .unwrap();
    let report = store.verify().await.unwrap();
    let broken = report.broken.expect("edit detected");
    assert_eq!(broken.seq, 5);
    assert!(report.head.is_none());

    // A fresh log where a middle record is deleted.
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    store
        .append(&(0..10).map(record).collect::<Vec<_>>())
        .await
        .unwrap();
    let mut conn = raw(&dir).await;
    sqlx::raw_sql("DROP TRIGGER audit_records_no_delete; DELETE FROM audit_records WHERE seq = 3;")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(store.verify().await.unwrap().broken.unwrap().seq, 4);

    // A copy column changed so that searches by tenant would mislead.
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    store
        .append(&(0..3).map(record).collect::<Vec<_>>())
        .await
        .unwrap();
    let mut conn = raw(&dir).await;
    sqlx::raw_sql("DROP TRIGGER audit_records_no_update; UPDATE audit_records SET tenant = 'other' WHERE seq = 2;")
        .execute(&mut conn)
        .await
        .unwrap();
    let broken = store.verify().await.unwrap().broken.unwrap();
    assert_eq!(broken.seq, 2);
    assert!(broken.reason.contains("columns"));
}

/// A batch longer than one multi-row `INSERT` (64 rows) is split across statements; the
/// chain must run through the seams in order.
#[tokio::test]
async fn a_batch_spanning_several_insert_statements_is_one_ordered_chain() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    store
        .append(&(0..150).map(record).collect::<Vec<_>>())
        .await
        .unwrap();
    store
        .append(&(150..215).map(record).collect::<Vec<_>>())
        .await
        .unwrap();
    let listed = store.list(1_000).await.unwrap();
    assert_eq!(
        listed.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=215).rev().collect::<Vec<i64>>()
    );
    for (stored, i) in listed.iter().rev().zip(0..) {
        assert_eq!(stored.record, record(i), "seq {}", stored.seq);
    }
    for pair in listed.windows(2) {
        assert_eq!(pair[0].prev_hash, pair[1].hash, "seq {}", pair[0].seq);
    }
    let report = store.verify().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 215);
}

#[tokio::test]
async fn two_writers_on_one_file_extend_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(SqliteAuditStore::open(&url(&dir)).await.unwrap());
    let b = Arc::new(SqliteAuditStore::open(&url(&dir)).await.unwrap());
    let mut tasks = Vec::new();
    for (n, store) in [a.clone(), b.clone()].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                store
                    .append(&[record(n * 100 + i), record(n * 100 + i + 50)])
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let report = a.verify().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 100);
}

#[tokio::test]
async fn the_writer_persists_every_record_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    let (writer, task) = AuditWriter::spawn(store.clone(), 64);
    let mut accepted = 0;
    for i in 0..1_000 {
        if writer.record(record(i)) {
            accepted += 1;
        }
        if i % 50 == 0 {
            tokio::task::yield_now().await;
        }
    }
    assert!(writer.drain(std::time::Duration::from_secs(10)).await);
    assert_eq!(writer.stats().pending(), 0);
    assert_eq!(writer.stats().written(), accepted);
    let stats = writer.stats().clone();
    drop(writer);
    task.finish().await;
    assert_eq!(stats.accepted(), accepted);
    assert_eq!(stats.written(), accepted);
    assert_eq!(stats.written() + stats.dropped(), 1_000);
    let report = store.verify().await.unwrap();
    assert!(report.is_intact());
    assert_eq!(report.records, accepted);
}

/// A store that blocks until released, to fill the writer's buffer.
#[derive(Debug, Default)]
struct StalledStore {
    release: Notify,
    /// Signalled when `append` is entered (a permit is kept if nobody waits yet).
    entered: Notify,
    appended: AtomicUsize,
}

#[async_trait]
impl AuditStore for StalledStore {
    async fn append(&self, records: &[AuditRecord]) -> Result<(), AuditError> {
        self.entered.notify_one();
        self.release.notified().await;
        self.appended.fetch_add(records.len(), Ordering::SeqCst);
        Ok(())
    }
    async fn list(&self, _: u32) -> Result<Vec<StoredRecord>, AuditError> {
        Ok(Vec::new())
    }
    async fn verify(&self) -> Result<rampart_audit::VerifyReport, AuditError> {
        unimplemented!("not used")
    }
}

#[tokio::test]
async fn a_stalled_store_makes_the_writer_drop_and_count_never_block() {
    let store = Arc::new(StalledStore::default());
    let (writer, task) = AuditWriter::spawn(store.clone(), 8);
    // The background task takes the first batch and stalls in `append`.
    assert!(writer.record(record(0)));
    // Wait until the task is inside `append` (not a sleep that a loaded machine outlasts).
    store.entered.notified().await;
    let started = std::time::Instant::now();
    let accepted = (1..=100).filter(|&i| writer.record(record(i))).count();
    // Blocking would hang here forever (the store never finishes); the bound only turns
    // a hang into a failure, so it is far above any scheduling delay on shared cores.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "record() blocked"
    );
    assert_eq!(accepted, 8);
    assert_eq!(writer.stats().dropped(), 92);
    let stats = writer.stats().clone();
    drop(writer);
    store.release.notify_waiters();
    // Wake every later append too.
    let releaser = {
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                store.release.notify_one();
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        })
    };
    task.finish().await;
    releaser.abort();
    assert_eq!(store.appended.load(Ordering::SeqCst), 9);
    assert_eq!(stats.written(), 9);
}

/// A store that always fails.
#[derive(Debug)]
struct BrokenStore;

#[async_trait]
impl AuditStore for BrokenStore {
    async fn append(&self, _: &[AuditRecord]) -> Result<(), AuditError> {
        Err(AuditError::UnsupportedStorage("broken".into()))
    }
    async fn list(&self, _: u32) -> Result<Vec<StoredRecord>, AuditError> {
        Ok(Vec::new())
    }
    async fn verify(&self) -> Result<rampart_audit::VerifyReport, AuditError> {
        unimplemented!("not used")
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_store_is_retried_then_counted_as_failed() {
    let (writer, task) = AuditWriter::spawn(Arc::new(BrokenStore), 8);
    assert!(writer.record(record(0)));
    let stats = writer.stats().clone();
    drop(writer);
    task.finish().await;
    assert_eq!(
        (stats.written(), stats.failed(), stats.dropped()),
        (0, 1, 0)
    );
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    let err = store::open("mysql://localhost/db").await.unwrap_err();
    assert!(err.to_string().contains("unsupported storage url"));
}

#[tokio::test]
async fn searches_filter_by_tenant_key_time_and_decision_and_page_by_cursor() {
    use rampart_audit::AuditQuery;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteAuditStore::open(&url(&dir)).await.unwrap();
    let records: Vec<AuditRecord> = (0..30)
        .map(|i| {
            let mut r = record(i);
            if i % 2 == 1 {
                r.tenant = Some("globex".into());
                r.key_id = Some("key_globex".into());
            }
            r
        })
        .collect();
    store.append(&records).await.unwrap();
    let search = |q: AuditQuery| {
        let store = store.clone();
        async move { store.query(&q).await.unwrap() }
    };
    let acme = search(AuditQuery {
        tenant: Some("acme".into()),
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(acme.len(), 15);
    assert!(
        acme.iter()
            .all(|r| r.record.tenant.as_deref() == Some("acme"))
    );
    assert!(acme.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let by_key = search(AuditQuery {
        key_id: Some("key_globex".into()),
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(by_key.len(), 15);
    // i = 0, 3, 6, … are redacted: 10 records, 5 of them of acme (even i).
    let redacted = search(AuditQuery {
        tenant: Some("acme".into()),
        decision: Some("redact".into()),
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(redacted.len(), 5);
    let window = search(AuditQuery {
        from_ms: Some(1_795_314_025_010),
        to_ms: Some(1_795_314_025_020),
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(window.len(), 10);
    // Pages of 4 walk every record once, in order, even with appends between pages.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = search(AuditQuery {
            tenant: Some("acme".into()),
            before_seq: cursor,
            limit: 4,
            ..AuditQuery::default()
        })
        .await;
        if page.is_empty() {
            break;
        }
        store.append(&[record(99)]).await.unwrap();
        cursor = page.last().map(|r| r.seq);
        seen.extend(page.into_iter().map(|r| r.seq));
    }
    let expected: Vec<i64> = acme.iter().map(|r| r.seq).collect();
    assert_eq!(seen, expected);
}
