//! The provable audit log's costs on a SQLite file (WAL, as `rampart serve` uses it):
//! appending a batch of 512 records (chain + Merkle tree nodes, one transaction), and
//! building an inclusion proof and a consistency proof from the stored tree. The peer in
//! the same run is the tree's in-memory share of an append (hashing the leaves and
//! nodes), so the database share can be read off.
//!
//! `cargo bench -p rampart-audit --bench tlog` (`RAMPART_BENCH_RECORDS`, default
//! 200000: the size of the log the proofs are taken from).

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_audit::store::{self, AuditStore};
use rampart_audit::{AuditRecord, merkle, proof};
use std::sync::Arc;

fn record(i: usize) -> AuditRecord {
    let mut r = AuditRecord::new(
        1_795_314_025_000 + i as i64,
        format!("req-{i}"),
        "openai.chat_completions",
    );
    r.tenant = Some("acme".into());
    r.key_id = Some("key_abc".into());
    r.model = Some("gpt-4o-mini".into());
    r.tokens_in = Some(12);
    r.tokens_out = Some(34);
    r
}

fn tlog(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let records: usize = std::env::var("RAMPART_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store: Arc<dyn AuditStore> = runtime.block_on(async {
        let store = store::open(&url).await.expect("open");
        let started = std::time::Instant::now();
        for start in (0..records).step_by(512) {
            let batch: Vec<_> = (start..(start + 512).min(records)).map(record).collect();
            store.append(&batch).await.expect("append");
        }
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "filled {records} records in {secs:.1} s: {:.0} records/s",
            records as f64 / secs
        );
        store
    });

    let batch_template: Vec<AuditRecord> = (0..512).map(record).collect();
    c.bench_function("append 512 records (chain + tree)", |b| {
        b.to_async(&runtime).iter(|| {
            let batch = batch_template.clone();
            let store = store.clone();
            async move { store.append(&batch).await.expect("append") }
        })
    });
    c.bench_function("tree share of 512 appends (in memory)", |b| {
        let mut frontier = merkle::Frontier::default();
        let leaves: Vec<_> = (0..512u64)
            .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
            .collect();
        b.iter(|| {
            let mut nodes = Vec::with_capacity(1024);
            for leaf in &leaves {
                frontier.push(*leaf, |id, h| nodes.push((id, h)));
            }
            nodes.len()
        })
    });
    let seq = (records / 3) as i64;
    c.bench_function("inclusion proof", |b| {
        b.to_async(&runtime).iter(|| {
            let store = store.clone();
            async move {
                proof::inclusion(store.as_ref(), seq, None)
                    .await
                    .expect("proof")
            }
        })
    });
    c.bench_function("consistency proof", |b| {
        b.to_async(&runtime).iter(|| {
            let store = store.clone();
            async move {
                proof::consistency(store.as_ref(), (records / 2) as u64, None)
                    .await
                    .expect("proof")
            }
        })
    });
    let p = runtime
        .block_on(proof::inclusion(store.as_ref(), seq, None))
        .expect("proof");
    eprintln!(
        "inclusion proof at {} leaves: {} hashes",
        p.tree_size,
        p.path.len()
    );
}

criterion_group!(benches, tlog);
criterion_main!(benches);
