//! The provable audit log over real SQLite files: the Merkle tree the store keeps,
//! inclusion and consistency proofs (checked by an independent Python verifier too),
//! signed checkpoints, and tampering that only a checkpoint can reveal.

#![allow(clippy::unwrap_used)]

use rampart_audit::checkpoint::{Checkpoint, CheckpointSigner, CheckpointVerifier};
use rampart_audit::proof::{self, ConsistencyProof, InclusionProof};
use rampart_audit::publish::{CheckpointPolicy, CheckpointingStore};
use rampart_audit::store::{self, AuditStore};
use rampart_audit::{AuditRecord, chain, merkle};
use sqlx::{Connection, Row};
use std::sync::Arc;

/// RFC 8032 §7.1 test 1's secret key, PKCS#8 v1 PEM (as `openssl genpkey` writes it).
const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
";

fn url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("audit.db").display())
}

fn record(i: usize) -> AuditRecord {
    let mut r = AuditRecord::new(
        1_795_314_025_000 + i as i64,
        format!("req-{i}"),
        "openai.chat_completions",
    );
    r.tenant = Some(format!("tenant-{}", i % 3));
    r.key_id = Some("key_abc".into());
    r
}

async fn append(store: &dyn AuditStore, range: std::ops::Range<usize>) {
    store
        .append(&range.map(record).collect::<Vec<_>>())
        .await
        .unwrap();
}

async fn raw(dir: &tempfile::TempDir) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&url(dir)).await.unwrap()
}

fn signer() -> CheckpointSigner {
    CheckpointSigner::from_pkcs8_pem("test.example/audit", TEST_KEY).unwrap()
}

/// A store of `n` records appended in uneven batches, and a checkpoint of it.
async fn log_with(n: usize) -> (tempfile::TempDir, Arc<dyn AuditStore>, Checkpoint) {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    let mut at = 0;
    for batch in [1usize, 2, 5, 64, 65, 200].iter().cycle() {
        let end = (at + batch).min(n);
        append(store.as_ref(), at..end).await;
        at = end;
        if at == n {
            break;
        }
    }
    let (size, root) = proof::tree_head(store.as_ref(), None).await.unwrap();
    assert_eq!(size, n as u64);
    let note = signer().sign(size, &root);
    let cp = CheckpointVerifier::parse(&signer().verifier_key())
        .unwrap()
        .verify(&note)
        .unwrap();
    (dir, store, cp)
}

#[tokio::test]
async fn the_stored_tree_has_the_root_of_rfc_9162_over_the_chain_hashes() {
    let (_dir, store, cp) = log_with(300).await;
    // Recompute from the listed records: leaf i = SHA-256(0x00 ‖ chain hash of seq i+1).
    let mut rows = store.list(1_000).await.unwrap();
    rows.reverse();
    let mut frontier = merkle::Frontier::default();
    for r in &rows {
        frontier.push(
            merkle::leaf_hash(&chain::from_hex(&r.hash).unwrap()),
            |_, _| {},
        );
    }
    assert_eq!(frontier.root(), cp.root);
    let check = proof::check_against(store.as_ref(), Some(&cp))
        .await
        .unwrap();
    assert!(check.is_ok(), "{check:?}");
    for size in [0u64, 1, 2, 3, 127, 128, 129, 299] {
        let (_, root) = proof::tree_head(store.as_ref(), Some(size)).await.unwrap();
        let mut f = merkle::Frontier::default();
        for r in &rows[..size as usize] {
            f.push(
                merkle::leaf_hash(&chain::from_hex(&r.hash).unwrap()),
                |_, _| {},
            );
        }
        assert_eq!(root, f.root(), "size {size}");
    }
    assert!(proof::tree_head(store.as_ref(), Some(301)).await.is_err());
}

#[tokio::test]
async fn proofs_verify_in_rust_and_in_an_independent_python_verifier() {
    let (dir, store, cp) = log_with(300).await;
    let s = store.as_ref();
    let mut inclusion: Vec<InclusionProof> = Vec::new();
    for (seq, size) in [
        (1, 300),
        (300, 300),
        (150, 300),
        (64, 64),
        (65, 129),
        (7, 7),
        (1, 1),
    ] {
        let p = proof::inclusion(s, seq, Some(size)).await.unwrap();
        assert!(proof::check_inclusion(&p), "{seq} in {size}");
        inclusion.push(p);
    }
    let mut consistency: Vec<ConsistencyProof> = Vec::new();
    for (old, new) in [
        (1, 300),
        (64, 300),
        (100, 300),
        (299, 300),
        (5, 7),
        (300, 300),
    ] {
        let p = proof::consistency(s, old, Some(new)).await.unwrap();
        let h = |x: &str| chain::from_hex(x).unwrap();
        let path: Vec<_> = p.path.iter().map(|x| h(x)).collect();
        assert!(
            merkle::verify_consistency(old, new, &h(&p.old_root), &h(&p.new_root), &path),
            "{old} -> {new}"
        );
        consistency.push(p);
    }
    assert!(proof::inclusion(s, 301, None).await.is_err());
    assert!(proof::inclusion(s, 0, None).await.is_err());
    assert!(proof::inclusion(s, 10, Some(9)).await.is_err());
    assert!(proof::consistency(s, 10, Some(9)).await.is_err());

    // Forgeries: an edited record, a path element changed, a proof for a wrong size.
    let mut edited = inclusion[2].clone();
    edited.record = edited.record.replace("req-149", "req-999");
    let mut bad_path = inclusion[0].clone();
    bad_path.path[3] = chain::to_hex(&merkle::leaf_hash(b"forged"));
    // The same record and path claimed for the next position.
    let mut bad_size = inclusion[2].clone();
    bad_size.seq += 1;
    bad_size.leaf_index += 1;
    let mut bad_consistency = consistency[2].clone();
    bad_consistency.old_root = chain::to_hex(&merkle::leaf_hash(b"fork"));
    for p in [&edited, &bad_path, &bad_size] {
        assert!(!proof::check_inclusion(p));
    }

    let Some(python) = python3() else {
        eprintln!("skipped: the Python proof verifier (no python3 on PATH)");
        return;
    };
    let bundle = serde_json::json!({
        "checkpoint": signer().sign(cp.size, &cp.root),
        "vkey": signer().verifier_key(),
        "inclusion": inclusion,
        "consistency": consistency,
        "expect_fail": {
            "inclusion": [edited, bad_path, bad_size],
            "consistency": [bad_consistency],
        },
    });
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, bundle.to_string()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/verify_proofs.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python verifier: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok: checkpoint of 300 records"), "{stdout}");
    assert_eq!(stdout.matches("ok: inclusion").count(), 7, "{stdout}");
    assert_eq!(stdout.matches("ok: consistency").count(), 6, "{stdout}");
    assert_eq!(stdout.matches("refused").count(), 4, "{stdout}");
}

fn python3() -> Option<&'static str> {
    std::process::Command::new("python3")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "python3")
}

/// Drops the append-only triggers, as someone with the database file could.
async fn unlock(conn: &mut sqlx::SqliteConnection) {
    sqlx::raw_sql(
        "DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete; \
         DROP TRIGGER audit_tree_no_update; DROP TRIGGER audit_tree_no_delete;",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
}

/// Recomputes every chain hash from `from_seq` on, as a careful forger would, so the
/// chain alone verifies again.
async fn rechain(conn: &mut sqlx::SqliteConnection) {
    let rows = sqlx::query("SELECT seq, record FROM audit_records ORDER BY seq")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let mut prev = chain::GENESIS;
    for (i, row) in rows.iter().enumerate() {
        let old_seq: i64 = row.get("seq");
        let json: String = row.get("record");
        let hash = chain::link(&prev, json.as_bytes());
        sqlx::query("UPDATE audit_records SET seq = ?, prev_hash = ?, hash = ? WHERE seq = ?")
            .bind(-(i as i64) - 1)
            .bind(chain::to_hex(&prev))
            .bind(chain::to_hex(&hash))
            .bind(old_seq)
            .execute(&mut *conn)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_records SET seq = -seq")
        .execute(&mut *conn)
        .await
        .unwrap();
}

async fn check(store: &dyn AuditStore, cp: &Checkpoint) -> proof::CheckpointCheck {
    proof::check_against(store, Some(cp)).await.unwrap()
}

#[tokio::test]
async fn an_edited_record_is_found_even_with_the_chain_recomputed() {
    let (dir, store, cp) = log_with(40).await;
    let mut conn = raw(&dir).await;
    unlock(&mut conn).await;
    sqlx::query("UPDATE audit_records SET record = replace(record, 'chat_completions', 'embeddings') WHERE seq = 10")
        .execute(&mut conn)
        .await
        .unwrap();
    let c = check(store.as_ref(), &cp).await;
    assert_eq!(c.chain.broken.as_ref().map(|b| b.seq), Some(10), "{c:?}");
    rechain(&mut conn).await;
    let c = check(store.as_ref(), &cp).await;
    assert!(c.chain.is_intact(), "{c:?}");
    assert!(
        c.mismatch
            .as_deref()
            .is_some_and(|m| m.contains("checkpoint's root")),
        "{c:?}"
    );
}

#[tokio::test]
async fn a_deleted_record_is_found_even_with_the_chain_recomputed() {
    let (dir, store, cp) = log_with(40).await;
    let mut conn = raw(&dir).await;
    unlock(&mut conn).await;
    sqlx::query("DELETE FROM audit_records WHERE seq = 17")
        .execute(&mut conn)
        .await
        .unwrap();
    let c = check(store.as_ref(), &cp).await;
    assert_eq!(c.chain.broken.as_ref().map(|b| b.seq), Some(18), "{c:?}");
    rechain(&mut conn).await;
    let c = check(store.as_ref(), &cp).await;
    assert!(c.chain.is_intact() && !c.is_ok(), "{c:?}");
}

#[tokio::test]
async fn reordered_records_are_found_even_with_the_chain_recomputed() {
    let (dir, store, cp) = log_with(40).await;
    let mut conn = raw(&dir).await;
    unlock(&mut conn).await;
    sqlx::raw_sql(
        "UPDATE audit_records SET seq = -1 WHERE seq = 5; \
         UPDATE audit_records SET seq = 5 WHERE seq = 6; \
         UPDATE audit_records SET seq = 6 WHERE seq = -1;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let c = check(store.as_ref(), &cp).await;
    assert_eq!(c.chain.broken.as_ref().map(|b| b.seq), Some(5), "{c:?}");
    rechain(&mut conn).await;
    let c = check(store.as_ref(), &cp).await;
    assert!(c.chain.is_intact() && !c.is_ok(), "{c:?}");
}

#[tokio::test]
async fn a_truncated_tail_is_found_only_with_a_checkpoint() {
    let (dir, store, cp) = log_with(40).await;
    let mut conn = raw(&dir).await;
    unlock(&mut conn).await;
    sqlx::raw_sql("DELETE FROM audit_records WHERE seq > 35; DELETE FROM audit_tree;")
        .execute(&mut conn)
        .await
        .unwrap();
    // Reopening rebuilds the tree over what is left: a consistent, shorter log.
    drop(store);
    let store = store::open(&url(&dir)).await.unwrap();
    let plain = proof::check_against(store.as_ref(), None).await.unwrap();
    assert!(plain.is_ok(), "{plain:?}");
    let c = check(store.as_ref(), &cp).await;
    assert!(
        c.mismatch
            .as_deref()
            .is_some_and(|m| m.contains("fewer than the checkpoint's 40")),
        "{c:?}"
    );
}

#[tokio::test]
async fn a_tampered_tree_node_is_reported() {
    let (dir, store, _) = log_with(40).await;
    let mut conn = raw(&dir).await;
    unlock(&mut conn).await;
    // Leaves 32..40: a node of the tree's right edge, so the stored root changes.
    sqlx::query("UPDATE audit_tree SET hash = zeroblob(32) WHERE level = 3 AND idx = 4")
        .execute(&mut conn)
        .await
        .unwrap();
    let c = proof::check_against(store.as_ref(), None).await.unwrap();
    assert!(
        c.mismatch
            .as_deref()
            .is_some_and(|m| m.contains("stored Merkle tree")),
        "{c:?}"
    );
    // A proof through the node no longer reaches the root the records give.
    let p = proof::inclusion(store.as_ref(), 1, None).await.unwrap();
    let real = c.chain.root.clone().unwrap();
    assert_ne!(p.root, real);
}

#[tokio::test]
async fn a_log_written_before_the_tree_gets_its_leaves_when_opened() {
    let (dir, store, cp) = log_with(100).await;
    drop(store);
    let mut conn = raw(&dir).await;
    sqlx::raw_sql("DROP TRIGGER audit_tree_no_delete; DELETE FROM audit_tree WHERE idx >= 0;")
        .execute(&mut conn)
        .await
        .unwrap();
    let store = store::open(&url(&dir)).await.unwrap();
    assert_eq!(store.tree_size().await.unwrap(), 100);
    assert!(check(store.as_ref(), &cp).await.is_ok());
    append(store.as_ref(), 100..110).await;
    let p = proof::consistency(store.as_ref(), 100, None).await.unwrap();
    assert_eq!(p.old_root, chain::to_hex(&cp.root));
}

#[tokio::test]
async fn two_stores_on_one_file_build_one_tree() {
    let dir = tempfile::tempdir().unwrap();
    let a = store::open(&url(&dir)).await.unwrap();
    let b = store::open(&url(&dir)).await.unwrap();
    let (ra, rb) = tokio::join!(
        async {
            for i in 0..20 {
                append(a.as_ref(), i * 10..i * 10 + 10).await;
            }
        },
        async {
            for i in 20..40 {
                append(b.as_ref(), i * 10..i * 10 + 7).await;
            }
        }
    );
    let _ = (ra, rb);
    assert_eq!(a.tree_size().await.unwrap(), 340);
    let c = proof::check_against(b.as_ref(), None).await.unwrap();
    assert!(c.is_ok(), "{c:?}");
    let p = proof::inclusion(a.as_ref(), 200, None).await.unwrap();
    assert!(proof::check_inclusion(&p));
}

#[tokio::test]
async fn the_checkpointing_store_signs_every_n_records_and_publishes_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let inner = store::open(&url(&dir)).await.unwrap();
    let path = dir.path().join("checkpoint.txt");
    let store = CheckpointingStore::new(
        inner.clone(),
        signer(),
        CheckpointPolicy {
            every: 10,
            interval: None,
            path: Some(path.clone()),
        },
    )
    .await
    .unwrap();
    append(&store, 0..4).await;
    assert!(!path.exists());
    assert_eq!(store.latest_checkpoint().await.unwrap(), None);
    append(&store, 4..12).await;
    let verifier = CheckpointVerifier::parse(&signer().verifier_key()).unwrap();
    let published = std::fs::read_to_string(&path).unwrap();
    let cp = verifier.verify(&published).unwrap();
    assert_eq!(cp.size, 12);
    assert_eq!(
        inner.latest_checkpoint().await.unwrap().as_deref(),
        Some(published.as_str())
    );
    append(&store, 12..15).await;
    assert_eq!(
        verifier
            .verify(&std::fs::read_to_string(&path).unwrap())
            .unwrap()
            .size,
        12
    );
    append(&store, 15..30).await;
    let cp2 = verifier
        .verify(&std::fs::read_to_string(&path).unwrap())
        .unwrap();
    assert_eq!(cp2.size, 30);
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("checkpoint"))
        .collect();
    assert_eq!(names, vec!["checkpoint.txt".to_owned()]);
    // The log only grew between the two checkpoints.
    let p = proof::consistency(&store, cp.size, Some(cp2.size))
        .await
        .unwrap();
    assert_eq!(p.old_root, chain::to_hex(&cp.root));
    assert_eq!(p.new_root, chain::to_hex(&cp2.root));
    assert!(check(&store, &cp2).await.is_ok());

    // A publish path that cannot be written does not fail the append.
    let broken = CheckpointingStore::new(
        inner,
        signer(),
        CheckpointPolicy {
            every: 1,
            interval: None,
            path: Some(dir.path().join("missing-dir/cp.txt")),
        },
    )
    .await
    .unwrap();
    append(&broken, 30..31).await;
    assert!(broken.checkpoint_now().await.is_err());
    let _ = Checkpoint::parse_unverified(&published).unwrap();
}

#[tokio::test]
async fn records_after_a_burst_are_signed_within_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let inner = store::open(&url(&dir)).await.unwrap();
    let store = Arc::new(
        CheckpointingStore::new(
            inner.clone(),
            signer(),
            CheckpointPolicy {
                every: 1_000,
                interval: Some(std::time::Duration::from_millis(100)),
                path: None,
            },
        )
        .await
        .unwrap(),
    );
    let ticker = store.spawn_ticker().unwrap();
    append(store.as_ref(), 0..3).await;
    assert_eq!(
        inner.latest_checkpoint().await.unwrap(),
        None,
        "not due yet"
    );
    let mut signed = None;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        signed = inner.latest_checkpoint().await.unwrap();
        if signed.is_some() {
            break;
        }
    }
    let cp = Checkpoint::parse_unverified(&signed.expect("a checkpoint within 1 s"))
        .unwrap()
        .0;
    assert_eq!(cp.size, 3);
    // The ticker stops with the store.
    drop(store);
    tokio::time::timeout(std::time::Duration::from_secs(2), ticker)
        .await
        .unwrap()
        .unwrap();
}

/// The child of `appends_killed_mid_batch_leave_a_provable_log`: appends until killed.
#[tokio::test]
#[ignore = "run by appends_killed_mid_batch_leave_a_provable_log as a child process"]
async fn child_appends_forever() {
    let Ok(url) = std::env::var("RAMPART_TLOG_CHILD_URL") else {
        return;
    };
    let store = store::open(&url).await.unwrap();
    let mut i = 0;
    loop {
        append(store.as_ref(), i..i + 500).await;
        i += 500;
    }
}

#[cfg(unix)]
#[tokio::test]
async fn appends_killed_mid_batch_leave_a_provable_log() {
    let dir = tempfile::tempdir().unwrap();
    let _ = store::open(&url(&dir)).await.unwrap();
    for round in 0..3 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "child_appends_forever",
                "--nocapture",
            ])
            .env("RAMPART_TLOG_CHILD_URL", url(&dir))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(700 + round * 250)).await;
        // SIGKILL: no chance to finish the batch or the transaction.
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let store = store::open(&url(&dir)).await.unwrap();
    let records = store.verify().await.unwrap().records;
    assert!(records > 0, "the child appended nothing");
    assert_eq!(store.tree_size().await.unwrap(), records);
    let c = proof::check_against(store.as_ref(), None).await.unwrap();
    assert!(c.is_ok(), "{c:?}");
    let p = proof::inclusion(store.as_ref(), records as i64, None)
        .await
        .unwrap();
    assert!(proof::check_inclusion(&p));
}
