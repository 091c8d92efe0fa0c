//! The `limit` seam: requests and tokens per minute.
//!
//! The pipeline calls [`Limiter::check`] after authorisation with an estimate of the
//! request's input tokens, and [`Limiter::record`] once the answer is complete with the
//! tokens actually used. A denial carries what the client needs to back off: the limit,
//! what remains and when it resets; the surface renders it as 429 with `Retry-After` and
//! `x-ratelimit-*` headers. The built-in [`InMemoryLimiter`] enforces the per-key `rpm` /
//! `tpm` of a [`Principal`] (and `[limits]` defaults) with fixed one-minute windows, on
//! one machine; `rampart-identity` provides GCRA limits per key and tenant.

use crate::BoxFuture;
use crate::auth::Principal;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Which limit a status or denial is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// Requests per minute (`x-ratelimit-*-requests`).
    Requests,
    /// Tokens per minute or a token budget (`x-ratelimit-*-tokens`).
    Tokens,
}

/// The state of one limit, for `x-ratelimit-limit-*`, `-remaining-*`, `-reset-*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitStatus {
    pub kind: LimitKind,
    pub limit: u64,
    pub remaining: u64,
    /// Time until the limit is fully available again.
    pub reset: Duration,
}

/// A refused request: answer 429 and ask the client to retry after `retry_after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryAfter {
    /// The limit that was hit (shown to the client, e.g. "key k1: 60 requests per minute").
    pub reason: String,
    pub status: LimitStatus,
    pub retry_after: Duration,
}

/// Limits checked before the upstream call and charged after it.
pub trait Limiter: Send + Sync + std::fmt::Debug {
    /// Admit or refuse a request of `principal` expected to use about `estimated_tokens`
    /// input tokens. On success, return the limits that apply (possibly none) for the
    /// response headers. Implementations must fail closed on a store error (deny).
    fn check<'a>(
        &'a self,
        principal: &'a Principal,
        model: &'a str,
        estimated_tokens: u64,
    ) -> BoxFuture<'a, Result<Vec<LimitStatus>, RetryAfter>>;

    /// Charge the tokens the request actually used (input + output).
    fn record<'a>(
        &'a self,
        principal: &'a Principal,
        model: &'a str,
        tokens: u64,
    ) -> BoxFuture<'a, ()>;

    /// Take the limits of a reloaded config (`[limits]`, `[[tenants]]`) without losing the
    /// counts. The default keeps the limits it was built with.
    fn reconfigure(&self, _config: &crate::config::Config) {}
}

/// Fixed one-minute windows per key, in memory. Allows everything unless a key (or
/// `[limits]`) sets `rpm` / `tpm`.
#[derive(Debug, Default)]
pub struct InMemoryLimiter {
    /// `[limits] default_rpm, default_tpm`; updated in place on reload so that counts
    /// survive it.
    defaults: Mutex<(Option<u32>, Option<u32>)>,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    requests: u64,
    tokens: u64,
}

const WINDOW: Duration = Duration::from_secs(60);
/// Bound on tracked keys; past it, expired windows are swept.
const MAX_TRACKED: usize = 100_000;

impl InMemoryLimiter {
    pub fn new(default_rpm: Option<u32>, default_tpm: Option<u32>) -> Self {
        InMemoryLimiter {
            defaults: Mutex::new((default_rpm, default_tpm)),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Apply new `[limits]` defaults (config reload) without resetting the counts.
    pub fn set_defaults(&self, default_rpm: Option<u32>, default_tpm: Option<u32>) {
        *self.defaults.lock().unwrap_or_else(|p| p.into_inner()) = (default_rpm, default_tpm);
    }

    fn defaults(&self) -> (Option<u32>, Option<u32>) {
        *self.defaults.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn current(windows: &mut HashMap<String, Window>, key: &str, now: Instant) -> Window {
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
        }
        let w = windows.entry(key.to_owned()).or_insert(Window {
            started: now,
            requests: 0,
            tokens: 0,
        });
        if now.duration_since(w.started) >= WINDOW {
            *w = Window {
                started: now,
                requests: 0,
                tokens: 0,
            };
        }
        *w
    }
}

impl Limiter for InMemoryLimiter {
    fn check<'a>(
        &'a self,
        principal: &'a Principal,
        _model: &'a str,
        estimated_tokens: u64,
    ) -> BoxFuture<'a, Result<Vec<LimitStatus>, RetryAfter>> {
        let (default_rpm, default_tpm) = self.defaults();
        let rpm = principal.rpm.or(default_rpm).map(u64::from);
        let tpm = principal.tpm.or(default_tpm).map(u64::from);
        let result = (|| {
            if rpm.is_none() && tpm.is_none() {
                return Ok(Vec::new());
            }
            let now = Instant::now();
            let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
            let w = Self::current(&mut windows, &principal.key_id, now);
            let reset = WINDOW.saturating_sub(now.duration_since(w.started));
            let mut statuses = Vec::new();
            if let Some(limit) = rpm {
                if w.requests >= limit {
                    return Err(RetryAfter {
                        reason: format!("key `{}`: {limit} requests per minute", principal.key_id),
                        status: LimitStatus {
                            kind: LimitKind::Requests,
                            limit,
                            remaining: 0,
                            reset,
                        },
                        retry_after: reset,
                    });
                }
                statuses.push(LimitStatus {
                    kind: LimitKind::Requests,
                    limit,
                    remaining: limit - w.requests - 1,
                    reset,
                });
            }
            if let Some(limit) = tpm {
                if w.tokens.saturating_add(estimated_tokens) > limit {
                    return Err(RetryAfter {
                        reason: format!("key `{}`: {limit} tokens per minute", principal.key_id),
                        status: LimitStatus {
                            kind: LimitKind::Tokens,
                            limit,
                            remaining: limit.saturating_sub(w.tokens),
                            reset,
                        },
                        retry_after: reset,
                    });
                }
                statuses.push(LimitStatus {
                    kind: LimitKind::Tokens,
                    limit,
                    remaining: limit.saturating_sub(w.tokens),
                    reset,
                });
            }
            if let Some(w) = windows.get_mut(&principal.key_id) {
                w.requests += 1;
            }
            Ok(statuses)
        })();
        Box::pin(async move { result })
    }

    fn record<'a>(
        &'a self,
        principal: &'a Principal,
        _model: &'a str,
        tokens: u64,
    ) -> BoxFuture<'a, ()> {
        if principal.tpm.or(self.defaults().1).is_some() {
            let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(w) = windows.get_mut(&principal.key_id) {
                w.tokens = w.tokens.saturating_add(tokens);
            }
        }
        Box::pin(async {})
    }
}

/// Write `x-ratelimit-limit-*`, `x-ratelimit-remaining-*` and `x-ratelimit-reset-*`
/// (OpenAI's header names) for each status.
pub fn insert_headers(headers: &mut http::HeaderMap, statuses: &[LimitStatus]) {
    for s in statuses {
        let unit = match s.kind {
            LimitKind::Requests => "requests",
            LimitKind::Tokens => "tokens",
        };
        let pairs = [
            ("limit", s.limit.to_string()),
            ("remaining", s.remaining.to_string()),
            ("reset", format!("{}s", s.reset.as_secs().max(1))),
        ];
        for (what, value) in pairs {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::try_from(format!("x-ratelimit-{what}-{unit}")),
                http::HeaderValue::try_from(value),
            ) {
                headers.insert(name, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(rpm: Option<u32>, tpm: Option<u32>) -> Principal {
        Principal {
            key_id: "k".into(),
            tenant: "t".into(),
            name: "k".into(),
            models: None,
            rpm,
            tpm,
        }
    }

    #[tokio::test]
    async fn unlimited_key_is_always_admitted() {
        let l = InMemoryLimiter::default();
        for _ in 0..1000 {
            assert!(
                l.check(&principal(None, None), "m", 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }

    #[tokio::test]
    async fn rpm_refuses_the_request_past_the_limit_with_a_reset() {
        let l = InMemoryLimiter::default();
        let p = principal(Some(2), None);
        assert_eq!(l.check(&p, "m", 1).await.unwrap()[0].remaining, 1);
        assert_eq!(l.check(&p, "m", 1).await.unwrap()[0].remaining, 0);
        let denied = l.check(&p, "m", 1).await.unwrap_err();
        assert_eq!(denied.status.limit, 2);
        assert!(denied.retry_after > Duration::from_secs(50));
    }

    #[tokio::test]
    async fn tpm_counts_recorded_tokens() {
        let l = InMemoryLimiter::default();
        let p = principal(None, Some(100));
        l.check(&p, "m", 10).await.unwrap();
        l.record(&p, "m", 95).await;
        let denied = l.check(&p, "m", 10).await.unwrap_err();
        assert_eq!(denied.status.kind, LimitKind::Tokens);
        assert_eq!(denied.status.remaining, 5);
    }

    #[tokio::test]
    async fn new_defaults_apply_without_resetting_counts() {
        let l = InMemoryLimiter::new(Some(5), None);
        let p = principal(None, None);
        for _ in 0..3 {
            l.check(&p, "m", 1).await.unwrap();
        }
        l.set_defaults(Some(3), None);
        assert!(
            l.check(&p, "m", 1).await.is_err(),
            "the three earlier requests still count"
        );
    }
}
