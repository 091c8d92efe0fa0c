//! One Cedar decision as the gateway asks it: a token principal in two groups and its
//! tenant, `invoke_model` on a model of a provider, a context with data classes, address
//! and time, against the example policy set (`examples/policies/`). Criterion reports the
//! mean; the p50/p99 line after it comes from 20,000 timed calls. The budget is
//! 50 µs p99 for a cached JWT check and this decision together (the JWT check alone:
//! `cargo bench -p rampart-identity --bench oidc`).
//!
//! `cargo bench -p rampart-authz --bench decide`
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_authz::{Action, Context, PolicyEngine, PrincipalKind, Request, Resource, Subject};
use std::path::Path;
use std::time::Instant;

fn request(data_classes: &[&str]) -> Request {
    Request {
        principal: Subject {
            kind: PrincipalKind::User,
            id: "00u1abcd".into(),
            tenant: Some("acme".into()),
            groups: vec!["engineering".into(), "all-staff".into()],
            roles: vec!["developer".into()],
            label: "corp".into(),
        },
        action: Action::InvokeModel,
        resource: Resource::Model {
            name: "gpt-4o".into(),
            provider: "openai".into(),
            provider_kind: "openai".into(),
        },
        context: Context {
            data_classes: data_classes.iter().map(|s| s.to_string()).collect(),
            source_ip: Some("10.20.30.40".parse().unwrap()),
            hour: 14,
            weekday: 2,
            guard_findings: data_classes.iter().map(|_| "pii".to_string()).collect(),
            tokens: 812,
        },
    }
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies");
    let engine = PolicyEngine::load(&dir).unwrap();
    let allow = request(&[]);
    let deny = request(&["confidential"]);
    assert!(engine.decide(&allow).allowed());
    assert!(!engine.decide(&deny).allowed());
    c.bench_function("decide/allow", |b| b.iter(|| engine.decide(&allow)));
    c.bench_function("decide/forbid", |b| b.iter(|| engine.decide(&deny)));
    for (name, req) in [("allow", &allow), ("forbid", &deny)] {
        let mut times: Vec<u128> = (0..20_000)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(engine.decide(req));
                t.elapsed().as_nanos()
            })
            .collect();
        times.sort_unstable();
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize] as f64 / 1000.0;
        println!(
            "decide/{name}: p50 {:.1} µs, p99 {:.1} µs (20,000 calls)",
            at(0.5),
            at(0.99)
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
