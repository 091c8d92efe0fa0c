//! The PostgreSQL audit store against a real server. Runs when `RAMPART_TEST_POSTGRES_URL`
//! is set (e.g. `postgres://postgres@127.0.0.1:5432/test`), `#[ignore]`d otherwise
//! (`cargo test -- --ignored` runs it and fails without the URL).
//! Each test works in a schema of its own, dropped at the end.

#![allow(clippy::unwrap_used)]

use rampart_audit::store::{self, AuditStore};
use rampart_audit::{AuditRecord, AuditWriter};
use sqlx::Connection;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// A fresh schema on the test server: (URL whose connections use it, admin connection).
async fn schema() -> (String, String, sqlx::PgConnection) {
    let base = std::env::var("RAMPART_TEST_POSTGRES_URL").expect("RAMPART_TEST_POSTGRES_URL must name a test server: this test is #[ignore]d so that a missing service is reported as skipped, never as passed");
    let name = format!("rampart_audit_test_{:016x}", fastrand_u64());
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{name}");
    (url, name, admin)
}

/// Random enough for a schema name, without another dependency.
fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

async fn drop_schema(mut admin: sqlx::PgConnection, name: &str) {
    sqlx::query(&format!("DROP SCHEMA {name} CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
}

fn record(replica: &str, i: usize) -> AuditRecord {
    let mut r = AuditRecord::new(
        1_795_314_025_000 + i as i64,
        format!("{replica}-{i}"),
        "openai.chat_completions",
    );
    r.tenant = Some("acme".into());
    r.key_id = Some(format!("key_{replica}"));
    r
}

#[tokio::test]
#[ignore = "needs RAMPART_TEST_POSTGRES_URL (scripts/test runs it with --ignored when set)"]
async fn two_replicas_writing_at_once_extend_one_chain() {
    let (url, name, admin) = schema().await;
    // Both replicas start together: the migrations must not race.
    let (a, b) = tokio::join!(store::open(&url), store::open(&url));
    let (a, b) = (a.unwrap(), b.unwrap());

    let writers = [("a", a.clone()), ("b", b.clone())].map(|(replica, store)| {
        tokio::spawn(async move {
            for batch in 0..40 {
                let records: Vec<_> = (0..10).map(|i| record(replica, batch * 10 + i)).collect();
                store.append(&records).await.unwrap();
            }
        })
    });
    // And the background writers the gateway uses, on both replicas, at the same time.
    let (wa, ta) = AuditWriter::spawn(a.clone(), 64);
    let (wb, tb) = AuditWriter::spawn(b.clone(), 64);
    for i in 0..100 {
        while !wa.record(record("wa", i)) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        while !wb.record(record("wb", i)) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    assert!(wa.drain(Duration::from_secs(30)).await);
    assert!(wb.drain(Duration::from_secs(30)).await);
    assert_eq!((wa.stats().failed(), wb.stats().failed()), (0, 0));
    drop((wa, wb));
    ta.finish().await;
    tb.finish().await;

    for replica in [&a, &b] {
        let report = replica.verify().await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.records, 1_000);
    }
    let listed = b.list(100_000).await.unwrap();
    let seqs: Vec<i64> = listed.iter().map(|r| r.seq).rev().collect();
    assert_eq!(seqs, (1..=1_000).collect::<Vec<_>>(), "no gaps, no forks");
    let ids: BTreeSet<_> = listed.iter().map(|r| r.record.request_id.clone()).collect();
    assert_eq!(ids.len(), 1_000, "every record exactly once");
    // Each replica's records keep their order within the chain.
    let of_a: Vec<_> = listed
        .iter()
        .rev()
        .filter(|r| r.record.key_id.as_deref() == Some("key_a"))
        .map(|r| r.record.time_ms)
        .collect();
    assert!(of_a.windows(2).all(|w| w[0] < w[1]));
    // One Merkle tree over all of it, built by both replicas under the append lock.
    assert_eq!(a.tree_size().await.unwrap(), 1_000);
    let check = rampart_audit::proof::check_against(b.as_ref(), None)
        .await
        .unwrap();
    assert!(check.is_ok(), "{check:?}");
    for seq in [1, 500, 1_000] {
        let p = rampart_audit::proof::inclusion(a.as_ref(), seq, None)
            .await
            .unwrap();
        assert!(rampart_audit::proof::check_inclusion(&p), "{seq}");
    }
    drop_schema(admin, &name).await;
}

#[tokio::test]
#[ignore = "needs RAMPART_TEST_POSTGRES_URL (scripts/test runs it with --ignored when set)"]
async fn a_checkpoint_finds_a_truncated_tail_and_proofs_verify() {
    use rampart_audit::{chain, checkpoint::Checkpoint, merkle, proof};
    let (url, name, mut admin) = schema().await;
    let store = store::open(&url).await.unwrap();
    for batch in 0..5 {
        store
            .append(
                &(batch * 9..batch * 9 + 9)
                    .map(|i| record("x", i))
                    .collect::<Vec<_>>(),
            )
            .await
            .unwrap();
    }
    let (size, root) = proof::tree_head(store.as_ref(), None).await.unwrap();
    assert_eq!(size, 45);
    let cp = Checkpoint {
        origin: "pg".into(),
        size,
        root,
    };
    assert!(
        proof::check_against(store.as_ref(), Some(&cp))
            .await
            .unwrap()
            .is_ok()
    );
    let c = proof::consistency(store.as_ref(), 20, None).await.unwrap();
    let h = |x: &str| chain::from_hex(x).unwrap();
    let path: Vec<_> = c.path.iter().map(|x| h(x)).collect();
    assert!(merkle::verify_consistency(
        20,
        45,
        &h(&c.old_root),
        &root,
        &path
    ));
    sqlx::raw_sql(&format!(
        "ALTER TABLE {name}.audit_records DISABLE TRIGGER USER;          DELETE FROM {name}.audit_records WHERE seq > 40;          ALTER TABLE {name}.audit_records ENABLE TRIGGER USER;"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let check = proof::check_against(store.as_ref(), Some(&cp))
        .await
        .unwrap();
    assert!(check.chain.is_intact(), "{check:?}");
    assert!(
        check
            .mismatch
            .as_deref()
            .is_some_and(|m| m.contains("fewer than")),
        "{check:?}"
    );
    drop_schema(admin, &name).await;
}

#[tokio::test]
#[ignore = "needs RAMPART_TEST_POSTGRES_URL (scripts/test runs it with --ignored when set)"]
async fn changes_are_refused_and_tampering_is_found_at_its_record() {
    let (url, name, mut admin) = schema().await;
    let store = store::open(&url).await.unwrap();
    store
        .append(&(0..5).map(|i| record("x", i)).collect::<Vec<_>>())
        .await
        .unwrap();
    for sql in [
        "UPDATE {s}.audit_records SET tenant = 'evil' WHERE seq = 2",
        "DELETE FROM {s}.audit_records WHERE seq = 5",
        "TRUNCATE {s}.audit_records",
    ] {
        let err = sqlx::query(&sql.replace("{s}", &name))
            .execute(&mut admin)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // Someone who can disable the triggers edits a record: verify names it.
    sqlx::raw_sql(&format!(
        "ALTER TABLE {name}.audit_records DISABLE TRIGGER USER; \
         UPDATE {name}.audit_records SET record = replace(record, 'x-2', 'x-9') WHERE seq = 3; \
         ALTER TABLE {name}.audit_records ENABLE TRIGGER USER;"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let report = store.verify().await.unwrap();
    assert!(!report.is_intact());
    assert_eq!(report.broken.as_ref().map(|b| b.seq), Some(3), "{report:?}");
    drop_schema(admin, &name).await;
}

#[tokio::test]
#[ignore = "needs RAMPART_TEST_POSTGRES_URL (scripts/test runs it with --ignored when set)"]
async fn the_writer_spools_while_postgres_is_unreachable_and_replays_into_it() {
    let (url, name, admin) = schema().await;
    let dir = tempfile::tempdir().unwrap();
    let spool_path = dir.path().join("audit.spool");
    // A replica whose database went away (the store fails every append).
    let spool = Arc::new(rampart_audit::Spool::open(&spool_path, 1 << 20).unwrap());
    let (writer, task) =
        AuditWriter::spawn_with_spool(Arc::new(Unreachable), 8, Arc::clone(&spool));
    for i in 0..50 {
        assert!(writer.record(record("down", i)));
    }
    assert!(writer.drain(Duration::from_secs(10)).await);
    drop(writer);
    task.finish().await;
    assert_eq!(spool.backlog(), 50);
    drop(spool);

    // The next start, database back: the spool goes into PostgreSQL.
    let store = store::open(&url).await.unwrap();
    let spool = Arc::new(rampart_audit::Spool::open(&spool_path, 1 << 20).unwrap());
    let (writer, task) = AuditWriter::spawn_with_spool(store.clone(), 8, spool);
    let stats = writer.stats().clone();
    for _ in 0..1_000 {
        if stats.replayed() == 50 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stats.replayed(), 50);
    let report = store.verify().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 50);
    drop(writer);
    task.finish().await;
    drop_schema(admin, &name).await;
}

/// A store whose database cannot be reached.
#[derive(Debug)]
struct Unreachable;

#[async_trait::async_trait]
impl AuditStore for Unreachable {
    async fn append(&self, _: &[AuditRecord]) -> Result<(), rampart_audit::AuditError> {
        Err(rampart_audit::AuditError::Store(sqlx::Error::PoolTimedOut))
    }
    async fn list(
        &self,
        _: u32,
    ) -> Result<Vec<rampart_audit::StoredRecord>, rampart_audit::AuditError> {
        Err(rampart_audit::AuditError::Store(sqlx::Error::PoolTimedOut))
    }
    async fn verify(&self) -> Result<rampart_audit::VerifyReport, rampart_audit::AuditError> {
        Err(rampart_audit::AuditError::Store(sqlx::Error::PoolTimedOut))
    }
}
