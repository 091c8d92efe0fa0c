//! The Redis limiter against a real Redis. Runs when `RAMPART_TEST_REDIS_URL` is set
//! (e.g. `redis://127.0.0.1:6379`), and says it skipped otherwise.

use rampart_identity::clock::{ManualClock, days_from_civil};
use rampart_identity::key::new_id;
use rampart_identity::limits::redis::RedisLimiter;
use rampart_identity::limits::{Dimension, LimitDecision, Limiter, Quota, Scope, Subject};
use std::sync::Arc;
use std::time::Duration;

const NO_LIMIT: Quota = Quota {
    requests_per_minute: None,
    tokens_per_minute: None,
    daily_tokens: None,
    monthly_tokens: None,
};

/// Two replicas sharing one Redis and one (manual) clock, under a fresh key prefix.
async fn replicas() -> Option<(ManualClock, RedisLimiter, RedisLimiter)> {
    let Ok(url) = std::env::var("RAMPART_TEST_REDIS_URL") else {
        eprintln!(
            "skipped: set RAMPART_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run the Redis limiter tests"
        );
        return None;
    };
    let clock = ManualClock::new(Duration::from_secs(
        days_from_civil(2026, 11, 22) as u64 * 86_400 + 36_000,
    ));
    let prefix = new_id("rampart-test-").expect("random prefix");
    let a = RedisLimiter::connect_with_clock(&url, Some(&prefix), Arc::new(clock.clone()))
        .await
        .expect("connect to redis");
    let b = RedisLimiter::connect_with_clock(&url, Some(&prefix), Arc::new(clock.clone()))
        .await
        .expect("connect to redis");
    Some((clock, a, b))
}

fn subject<'a>(key: &'a str, key_quota: &'a Quota, tenant_quota: &'a Quota) -> Subject<'a> {
    Subject {
        key_id: key,
        key_quota,
        tenant: "acme",
        tenant_quota,
    }
}

#[tokio::test]
async fn replicas_share_one_request_bucket() {
    let Some((clock, a, b)) = replicas().await else {
        return;
    };
    let quota = Quota {
        requests_per_minute: Some(4),
        ..NO_LIMIT
    };
    let s = subject("key_1", &quota, &NO_LIMIT);
    for (i, replica) in [&a, &b, &a, &b].into_iter().enumerate() {
        match replica.check(s, 0).await.unwrap() {
            LimitDecision::Allowed(st) => assert_eq!(st.requests.unwrap().remaining, 3 - i as u64),
            other => panic!("request {i}: {other:?}"),
        }
    }
    let LimitDecision::Denied(d) = b.check(s, 0).await.unwrap() else {
        panic!("fifth admitted")
    };
    assert_eq!(
        (d.scope, d.dimension),
        (Scope::Key, Dimension::RequestsPerMinute)
    );
    assert_eq!(d.retry_after, Duration::from_secs(15));
    assert_eq!(d.status.requests.unwrap().remaining, 0);
    clock.advance(Duration::from_secs(15));
    assert!(matches!(
        a.check(s, 0).await.unwrap(),
        LimitDecision::Allowed(_)
    ));
    assert!(matches!(
        b.check(s, 0).await.unwrap(),
        LimitDecision::Denied(_)
    ));
}

#[tokio::test]
async fn a_tenant_refusal_charges_nothing_to_the_key() {
    let Some((_clock, a, b)) = replicas().await else {
        return;
    };
    let key_quota = Quota {
        requests_per_minute: Some(10),
        ..NO_LIMIT
    };
    let tenant_quota = Quota {
        requests_per_minute: Some(2),
        ..NO_LIMIT
    };
    assert!(matches!(
        a.check(subject("k1", &key_quota, &tenant_quota), 0)
            .await
            .unwrap(),
        LimitDecision::Allowed(_)
    ));
    assert!(matches!(
        b.check(subject("k2", &key_quota, &tenant_quota), 0)
            .await
            .unwrap(),
        LimitDecision::Allowed(_)
    ));
    let LimitDecision::Denied(d) = a
        .check(subject("k3", &key_quota, &tenant_quota), 0)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(d.scope, Scope::Tenant);
    let LimitDecision::Allowed(st) = a
        .check(subject("k3", &key_quota, &NO_LIMIT), 0)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        st.requests.unwrap().remaining,
        9,
        "the refused request was charged to k3"
    );
}

#[tokio::test]
async fn recorded_tokens_and_budgets_refuse_later_requests() {
    let Some((clock, a, b)) = replicas().await else {
        return;
    };
    let quota = Quota {
        tokens_per_minute: Some(1_000),
        daily_tokens: Some(5_000),
        ..NO_LIMIT
    };
    let s = subject("key_t", &quota, &NO_LIMIT);
    assert!(matches!(
        a.check(s, 100).await.unwrap(),
        LimitDecision::Allowed(_)
    ));
    b.record(s, 1_500).await.unwrap();
    let LimitDecision::Denied(d) = a.check(s, 10).await.unwrap() else {
        panic!()
    };
    assert_eq!(d.dimension, Dimension::TokensPerMinute);
    assert_eq!(d.retry_after, Duration::from_millis(30_600));
    assert_eq!(d.status.tokens.unwrap().reset, Duration::from_secs(90));
    clock.advance(Duration::from_secs(120));
    a.record(s, 3_500).await.unwrap();
    clock.advance(Duration::from_secs(600));
    // 5,000 of 5,000 spent today: refused until midnight (10:12 → 24:00).
    let LimitDecision::Denied(d) = b.check(s, 0).await.unwrap() else {
        panic!()
    };
    assert_eq!(d.dimension, Dimension::DailyTokens);
    assert_eq!(d.retry_after, Duration::from_secs(14 * 3600 - 720));
}
