//! What the control plane adds to every gateway request: authenticating a key against the
//! SQLite store (a file in WAL mode, as `rampart serve` uses it) and one limiter check.
//!
//! `cargo bench -p rampart-identity --bench per_request`

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_identity::limits::memory::MemoryLimiter;
use rampart_identity::limits::{Quota, Subject};
use rampart_identity::{Keyring, NewKey};

fn per_request(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (keyring, key) = runtime.block_on(async {
        let keyring = Keyring::open(&url).await.expect("open");
        // A store with some keys in it, not just the one looked up.
        for i in 0..1_000 {
            keyring
                .create(NewKey {
                    tenant: format!("t{}", i % 20),
                    name: format!("k{i}"),
                    ..NewKey::default()
                })
                .await
                .expect("create");
        }
        let key = keyring
            .create(NewKey {
                tenant: "acme".into(),
                name: "bench".into(),
                rpm: Some(60),
                ..NewKey::default()
            })
            .await
            .expect("create")
            .key;
        (keyring, key)
    });
    c.bench_function("authenticate (sqlite, 1001 keys)", |b| {
        b.to_async(&runtime).iter(|| async {
            keyring
                .authenticate(key.expose())
                .await
                .expect("lookup")
                .expect("known key")
        })
    });
    c.bench_function("authenticate unknown key (sqlite)", |b| {
        b.to_async(&runtime).iter(|| async {
            assert!(
                keyring
                    .authenticate("rk-unknownunknownunknown")
                    .await
                    .expect("lookup")
                    .is_none()
            )
        })
    });

    let limiter = MemoryLimiter::new();
    // Generous limits so the check admits, with every dimension configured.
    let key_quota = Quota {
        requests_per_minute: Some(u32::MAX.into()),
        tokens_per_minute: Some(u64::from(u32::MAX)),
        daily_tokens: Some(u64::MAX / 2),
        monthly_tokens: Some(u64::MAX / 2),
    };
    let tenant_quota = key_quota;
    let ids: Vec<String> = (0..10_000).map(|i| format!("key_{i}")).collect();
    let mut next = 0usize;
    c.bench_function(
        "memory limiter check (key + tenant, all dimensions, 10k keys)",
        |b| {
            b.to_async(&runtime).iter(|| {
                next = (next + 1) % ids.len();
                let subject = Subject {
                    key_id: &ids[next],
                    key_quota: &key_quota,
                    tenant: "acme",
                    tenant_quota: &tenant_quota,
                };
                let limiter = &limiter;
                async move { limiter.check(subject, 100).await.expect("check") }
            })
        },
    );
}

criterion_group!(benches, per_request);
criterion_main!(benches);
