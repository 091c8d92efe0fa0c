//! The in-process limiter: GCRA buckets and budget counters in hash maps behind one
//! mutex. One lock keeps a check across key and tenant atomic (nothing is charged unless
//! everything passes); it is held for a few hash lookups, far below the cost of the
//! request around it. Idle buckets (full again) are forgotten periodically, so memory
//! follows the number of recently active keys, not the number ever seen.
//!
//! State lives in the process: budgets start from zero when the gateway restarts, and
//! replicas do not share counts. Both are what the Redis implementation is for.

use super::gcra::{self, Rate, Tat};
use super::{
    Denial, Dimension, LimitDecision, LimitError, Quota, RateLimitStatus, Scope, Subject, Window,
};
use crate::clock::{
    Clock, SystemClock, until_next_utc_day, until_next_utc_month, utc_day, utc_month,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Checks between two sweeps of idle state.
const PRUNE_EVERY: u32 = 4_096;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// The capacity the TAT is scaled by; a changed limit rescales it.
    capacity: u64,
    tat: Tat,
}

#[derive(Debug, Clone, Copy, Default)]
struct Budget {
    day: i64,
    day_used: u64,
    month: i64,
    month_used: u64,
}

impl Budget {
    /// The counters for the current periods, starting over when a period has passed.
    fn current(mut self, day: i64, month: i64) -> Self {
        if self.day != day {
            self.day = day;
            self.day_used = 0;
        }
        if self.month != month {
            self.month = month;
            self.month_used = 0;
        }
        self
    }
}

#[derive(Debug, Default)]
struct ScopeState {
    requests: HashMap<String, Bucket>,
    tokens: HashMap<String, Bucket>,
    budgets: HashMap<String, Budget>,
}

#[derive(Debug, Default)]
struct State {
    keys: ScopeState,
    tenants: ScopeState,
    checks_since_prune: u32,
}

impl State {
    fn scope(&mut self, scope: Scope) -> &mut ScopeState {
        match scope {
            Scope::Key => &mut self.keys,
            Scope::Tenant => &mut self.tenants,
        }
    }
}

/// In-memory GCRA limiter with daily/monthly token budgets.
#[derive(Debug, Clone)]
pub struct MemoryLimiter {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        Self::new()
    }
}

fn tat_of(map: &HashMap<String, Bucket>, id: &str, capacity: u64) -> Tat {
    match map.get(id) {
        None => Tat::default(),
        Some(b) if b.capacity == capacity => b.tat,
        // Same absolute time, rescaled to the new capacity.
        Some(b) => Tat(b.tat.0 / u128::from(b.capacity.max(1)) * u128::from(capacity)),
    }
}

fn store(map: &mut HashMap<String, Bucket>, id: &str, capacity: u64, tat: Tat) {
    let bucket = Bucket { capacity, tat };
    match map.get_mut(id) {
        Some(slot) => *slot = bucket,
        None => {
            map.insert(id.to_owned(), bucket);
        }
    }
}

/// Keeps the tighter of two windows: fewer remaining, then the later reset.
fn tighter(a: Option<Window>, b: Window) -> Option<Window> {
    match a {
        Some(a)
            if (a.remaining, std::cmp::Reverse(a.reset))
                <= (b.remaining, std::cmp::Reverse(b.reset)) =>
        {
            Some(a)
        }
        _ => Some(b),
    }
}

impl MemoryLimiter {
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        MemoryLimiter {
            state: Arc::new(Mutex::new(State::default())),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied charge (every write is
        // a single assignment), so the state is still consistent: keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The status headers for a subject without charging anything.
    pub fn status(&self, subject: Subject<'_>) -> RateLimitStatus {
        let now = self.clock.now();
        let mut state = self.lock();
        status_of(&mut state, subject, now)
    }

    /// Buckets and budget counters currently held (for tests and metrics).
    pub fn tracked_entries(&self) -> usize {
        let state = self.lock();
        [&state.keys, &state.tenants]
            .iter()
            .map(|s| s.requests.len() + s.tokens.len() + s.budgets.len())
            .sum()
    }

    fn prune(state: &mut State, now: Duration) {
        let (day, month) = (utc_day(now), utc_month(now));
        for scope in [&mut state.keys, &mut state.tenants] {
            for map in [&mut scope.requests, &mut scope.tokens] {
                map.retain(|_, b| !gcra::is_idle(Rate::per_minute(b.capacity), b.tat, now));
            }
            scope
                .budgets
                .retain(|_, b| b.day == day || b.month == month);
        }
    }
}

fn subjects<'a>(subject: &Subject<'a>) -> [(Scope, &'a str, &'a Quota); 2] {
    [
        (Scope::Key, subject.key_id, subject.key_quota),
        (Scope::Tenant, subject.tenant, subject.tenant_quota),
    ]
}

fn status_of(state: &mut State, subject: Subject<'_>, now: Duration) -> RateLimitStatus {
    let mut status = RateLimitStatus::default();
    for (scope, id, quota) in subjects(&subject) {
        let scope_state = state.scope(scope);
        if let Some(rpm) = quota.requests_per_minute {
            let rate = Rate::per_minute(rpm);
            let b =
                gcra::bucket_status(rate, tat_of(&scope_state.requests, id, rate.capacity), now);
            status.requests = tighter(
                status.requests,
                Window {
                    limit: b.limit,
                    remaining: b.remaining,
                    reset: b.reset,
                },
            );
        }
        if let Some(tpm) = quota.tokens_per_minute {
            let rate = Rate::per_minute(tpm);
            let b = gcra::bucket_status(rate, tat_of(&scope_state.tokens, id, rate.capacity), now);
            status.tokens = tighter(
                status.tokens,
                Window {
                    limit: b.limit,
                    remaining: b.remaining,
                    reset: b.reset,
                },
            );
        }
    }
    status
}

impl MemoryLimiter {
    /// Takes one request slot from every request limit of the subject if all limits,
    /// including `estimated_tokens` against the token limits and budgets, allow it.
    /// Charges nothing when refusing. Never fails (the `Result` is the one of
    /// [`super::Backend::check`]).
    pub async fn check(
        &self,
        subject: Subject<'_>,
        estimated_tokens: u64,
    ) -> Result<LimitDecision, LimitError> {
        if subject.key_quota.is_unlimited() && subject.tenant_quota.is_unlimited() {
            return Ok(LimitDecision::Allowed(RateLimitStatus::default()));
        }
        let now = self.clock.now();
        let (day, month) = (utc_day(now), utc_month(now));
        let mut state = self.lock();
        state.checks_since_prune += 1;
        if state.checks_since_prune >= PRUNE_EVERY {
            state.checks_since_prune = 0;
            Self::prune(&mut state, now);
        }

        let mut denial: Option<(Scope, Dimension, Duration)> = None;
        let mut deny = |scope, dimension, wait: Duration| {
            if denial.is_none_or(|(_, _, longest)| wait > longest) {
                denial = Some((scope, dimension, wait));
            }
        };
        let mut request_charges: [Option<(u64, Tat)>; 2] = [None, None];
        for (slot, (scope, id, quota)) in subjects(&subject).into_iter().enumerate() {
            let scope_state = state.scope(scope);
            if let Some(rpm) = quota.requests_per_minute {
                let rate = Rate::per_minute(rpm);
                match gcra::check(
                    rate,
                    tat_of(&scope_state.requests, id, rate.capacity),
                    now,
                    1,
                ) {
                    Ok(tat) => request_charges[slot] = Some((rate.capacity, tat)),
                    Err(wait) => deny(scope, Dimension::RequestsPerMinute, wait),
                }
            }
            if let Some(tpm) = quota.tokens_per_minute {
                let rate = Rate::per_minute(tpm);
                // At least one token must be left; an estimate larger than the whole bucket
                // is capped so a big request waits for a full bucket instead of forever.
                let cost = estimated_tokens.clamp(1, rate.capacity);
                if let Err(wait) = gcra::check(
                    rate,
                    tat_of(&scope_state.tokens, id, rate.capacity),
                    now,
                    cost,
                ) {
                    deny(scope, Dimension::TokensPerMinute, wait);
                }
            }
            let budget = scope_state
                .budgets
                .get(id)
                .copied()
                .unwrap_or_default()
                .current(day, month);
            if let Some(daily) = quota.daily_tokens
                && (budget.day_used >= daily
                    || budget.day_used.saturating_add(estimated_tokens) > daily)
            {
                deny(scope, Dimension::DailyTokens, until_next_utc_day(now));
            }
            if let Some(monthly) = quota.monthly_tokens
                && (budget.month_used >= monthly
                    || budget.month_used.saturating_add(estimated_tokens) > monthly)
            {
                deny(scope, Dimension::MonthlyTokens, until_next_utc_month(now));
            }
        }

        if let Some((scope, dimension, retry_after)) = denial {
            return Ok(LimitDecision::Denied(Denial {
                scope,
                dimension,
                retry_after,
                status: status_of(&mut state, subject, now),
            }));
        }
        for (slot, (scope, id, _)) in subjects(&subject).into_iter().enumerate() {
            if let Some((capacity, tat)) = request_charges[slot] {
                store(&mut state.scope(scope).requests, id, capacity, tat);
            }
        }
        Ok(LimitDecision::Allowed(status_of(&mut state, subject, now)))
    }

    /// Charges the tokens a request actually used (input + output) to the token limits and
    /// budgets of the subject. May drive them below zero; later checks wait it out.
    pub async fn record(&self, subject: Subject<'_>, tokens: u64) -> Result<(), LimitError> {
        if tokens == 0 {
            return Ok(());
        }
        let now = self.clock.now();
        let (day, month) = (utc_day(now), utc_month(now));
        let mut state = self.lock();
        for (scope, id, quota) in subjects(&subject) {
            let scope_state = state.scope(scope);
            if let Some(tpm) = quota.tokens_per_minute {
                let rate = Rate::per_minute(tpm);
                let tat = gcra::charge(
                    rate,
                    tat_of(&scope_state.tokens, id, rate.capacity),
                    now,
                    tokens,
                );
                store(&mut scope_state.tokens, id, rate.capacity, tat);
            }
            if quota.daily_tokens.is_some() || quota.monthly_tokens.is_some() {
                let mut budget = scope_state
                    .budgets
                    .get(id)
                    .copied()
                    .unwrap_or_default()
                    .current(day, month);
                budget.day_used = budget.day_used.saturating_add(tokens);
                budget.month_used = budget.month_used.saturating_add(tokens);
                match scope_state.budgets.get_mut(id) {
                    Some(slot) => *slot = budget,
                    None => {
                        scope_state.budgets.insert(id.to_owned(), budget);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ManualClock, days_from_civil};

    const NO_LIMIT: Quota = Quota {
        requests_per_minute: None,
        tokens_per_minute: None,
        daily_tokens: None,
        monthly_tokens: None,
    };

    fn setup() -> (ManualClock, MemoryLimiter) {
        // 2026-11-22T10:00:00Z
        let clock = ManualClock::new(Duration::from_secs(
            days_from_civil(2026, 11, 22) as u64 * 86_400 + 36_000,
        ));
        let limiter = MemoryLimiter::with_clock(Arc::new(clock.clone()));
        (clock, limiter)
    }

    fn subject<'a>(key: &'a str, key_quota: &'a Quota, tenant_quota: &'a Quota) -> Subject<'a> {
        Subject {
            key_id: key,
            key_quota,
            tenant: "acme",
            tenant_quota,
        }
    }

    async fn allowed(limiter: &MemoryLimiter, s: Subject<'_>, est: u64) -> bool {
        matches!(
            limiter.check(s, est).await.unwrap(),
            LimitDecision::Allowed(_)
        )
    }

    #[tokio::test]
    async fn key_rpm_refuses_the_request_over_the_limit_with_headers() {
        let (clock, limiter) = setup();
        let quota = Quota {
            requests_per_minute: Some(3),
            ..NO_LIMIT
        };
        let s = subject("key_a", &quota, &NO_LIMIT);
        for expected_remaining in [2, 1, 0] {
            match limiter.check(s, 0).await.unwrap() {
                LimitDecision::Allowed(st) => {
                    let w = st.requests.unwrap();
                    assert_eq!((w.limit, w.remaining), (3, expected_remaining));
                }
                other => panic!("{other:?}"),
            }
        }
        let LimitDecision::Denied(denial) = limiter.check(s, 0).await.unwrap() else {
            panic!()
        };
        assert_eq!(
            (denial.scope, denial.dimension),
            (Scope::Key, Dimension::RequestsPerMinute)
        );
        assert_eq!(denial.retry_after, Duration::from_secs(20));
        assert_eq!(denial.retry_after_secs(), 20);
        let headers = denial.status.headers();
        assert!(headers.contains(&("x-ratelimit-limit-requests", "3".into())));
        assert!(headers.contains(&("x-ratelimit-remaining-requests", "0".into())));
        assert!(headers.contains(&("x-ratelimit-reset-requests", "1m0s".into())));
        clock.advance(Duration::from_secs(20));
        assert!(allowed(&limiter, s, 0).await);
        assert!(!allowed(&limiter, s, 0).await);
    }

    #[tokio::test]
    async fn keys_have_separate_buckets_but_share_the_tenant_bucket() {
        let (_clock, limiter) = setup();
        let key_quota = Quota {
            requests_per_minute: Some(10),
            ..NO_LIMIT
        };
        let tenant_quota = Quota {
            requests_per_minute: Some(3),
            ..NO_LIMIT
        };
        assert!(allowed(&limiter, subject("a", &key_quota, &tenant_quota), 0).await);
        assert!(allowed(&limiter, subject("b", &key_quota, &tenant_quota), 0).await);
        assert!(allowed(&limiter, subject("c", &key_quota, &tenant_quota), 0).await);
        let LimitDecision::Denied(d) = limiter
            .check(subject("d", &key_quota, &tenant_quota), 0)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(d.scope, Scope::Tenant);
        // The tenant refusal charged nothing to key `d`.
        let st = limiter.status(subject("d", &key_quota, &NO_LIMIT));
        assert_eq!(st.requests.unwrap().remaining, 10);
    }

    #[tokio::test]
    async fn tokens_are_charged_after_the_call_and_block_until_paid_down() {
        let (clock, limiter) = setup();
        let quota = Quota {
            tokens_per_minute: Some(1_000),
            ..NO_LIMIT
        };
        let s = subject("k", &quota, &NO_LIMIT);
        assert!(allowed(&limiter, s, 200).await);
        limiter.record(s, 1_500).await.unwrap();
        let LimitDecision::Denied(d) = limiter.check(s, 10).await.unwrap() else {
            panic!()
        };
        assert_eq!(d.dimension, Dimension::TokensPerMinute);
        // 1,500 spent of 1,000/min: 10 tokens fit again after 30.6 s.
        assert_eq!(d.retry_after, Duration::from_millis(30_600));
        let st = d.status.tokens.unwrap();
        assert_eq!(
            (st.limit, st.remaining, st.reset),
            (1_000, 0, Duration::from_secs(90))
        );
        clock.advance(Duration::from_millis(30_600));
        assert!(allowed(&limiter, s, 10).await);
    }

    #[tokio::test]
    async fn a_huge_estimate_waits_for_a_full_bucket_not_forever() {
        let (clock, limiter) = setup();
        let quota = Quota {
            tokens_per_minute: Some(100),
            ..NO_LIMIT
        };
        let s = subject("k", &quota, &NO_LIMIT);
        assert!(allowed(&limiter, s, 1_000_000).await);
        limiter.record(s, 50).await.unwrap();
        assert!(!allowed(&limiter, s, 1_000_000).await);
        clock.advance(Duration::from_secs(30));
        assert!(allowed(&limiter, s, 1_000_000).await);
    }

    #[tokio::test]
    async fn daily_budget_refuses_until_utc_midnight() {
        let (clock, limiter) = setup();
        let quota = Quota {
            daily_tokens: Some(1_000),
            monthly_tokens: Some(5_000),
            ..NO_LIMIT
        };
        let s = subject("k", &quota, &NO_LIMIT);
        limiter.record(s, 990).await.unwrap();
        assert!(allowed(&limiter, s, 10).await);
        let LimitDecision::Denied(d) = limiter.check(s, 11).await.unwrap() else {
            panic!()
        };
        assert_eq!(d.dimension, Dimension::DailyTokens);
        assert_eq!(d.retry_after, Duration::from_secs(14 * 3600)); // 10:00 → midnight
        limiter.record(s, 10).await.unwrap();
        assert!(
            !allowed(&limiter, s, 0).await,
            "spent budget refuses even a zero estimate"
        );
        clock.advance(Duration::from_secs(14 * 3600));
        assert!(allowed(&limiter, s, 500).await);
    }

    #[tokio::test]
    async fn monthly_budget_spans_days_and_resets_on_the_first() {
        let (clock, limiter) = setup();
        let quota = Quota {
            monthly_tokens: Some(1_000),
            ..NO_LIMIT
        };
        let s = subject("k", &quota, &NO_LIMIT);
        for _ in 0..5 {
            limiter.record(s, 200).await.unwrap();
            clock.advance(Duration::from_secs(86_400));
        }
        // Now 2026-11-27: 1,000 spent this month.
        let LimitDecision::Denied(d) = limiter.check(s, 0).await.unwrap() else {
            panic!()
        };
        assert_eq!(d.dimension, Dimension::MonthlyTokens);
        assert_eq!(d.retry_after, Duration::from_secs(3 * 86_400 + 14 * 3600));
        clock.advance(d.retry_after);
        assert!(allowed(&limiter, s, 0).await);
    }

    #[tokio::test]
    async fn the_longest_wait_is_reported_when_several_limits_refuse() {
        let (_clock, limiter) = setup();
        let key_quota = Quota {
            requests_per_minute: Some(1),
            daily_tokens: Some(10),
            ..NO_LIMIT
        };
        let s = subject("k", &key_quota, &NO_LIMIT);
        assert!(allowed(&limiter, s, 0).await);
        limiter.record(s, 10).await.unwrap();
        let LimitDecision::Denied(d) = limiter.check(s, 0).await.unwrap() else {
            panic!()
        };
        assert_eq!(d.dimension, Dimension::DailyTokens);
    }

    #[tokio::test]
    async fn idle_state_is_forgotten() {
        let (clock, limiter) = setup();
        let quota = Quota {
            requests_per_minute: Some(600),
            ..NO_LIMIT
        };
        for i in 0..100 {
            let id = format!("key_{i}");
            assert!(allowed(&limiter, subject(&id, &quota, &NO_LIMIT), 0).await);
        }
        assert_eq!(limiter.tracked_entries(), 100);
        clock.advance(Duration::from_secs(1));
        let other = Quota {
            requests_per_minute: Some(1),
            ..NO_LIMIT
        };
        for _ in 0..PRUNE_EVERY {
            let _ = limiter
                .check(subject("busy", &other, &NO_LIMIT), 0)
                .await
                .unwrap();
        }
        assert_eq!(limiter.tracked_entries(), 1);
    }

    #[tokio::test]
    async fn unlimited_subjects_are_not_tracked() {
        let (_clock, limiter) = setup();
        for _ in 0..10 {
            assert!(allowed(&limiter, subject("k", &NO_LIMIT, &NO_LIMIT), 1_000_000).await);
        }
        limiter
            .record(subject("k", &NO_LIMIT, &NO_LIMIT), 5)
            .await
            .unwrap();
        assert_eq!(limiter.tracked_entries(), 0);
    }
}
