//! The `route` phase's machinery: deployments, weights, retries, fallback, breakers.
//!
//! A client-facing model has one or more deployments (a provider and an upstream model,
//! with a weight). Each request picks a first deployment at random by weight and keeps the
//! others, heaviest first, as fallbacks. Each deployment is tried up to `1 + max_retries`
//! times on retryable failures (429, 5xx, connection errors, attempt timeouts) with
//! exponential backoff and jitter, honouring the provider's `Retry-After` up to a cap;
//! the whole call is bounded by the request timeout. A circuit breaker per deployment
//! skips a deployment after consecutive failures and lets one trial through after a
//! cool-down.

use crate::providers::{ChatCall, ChatReply, Provider, UpstreamError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Consecutive failures that open a breaker.
const BREAKER_THRESHOLD: u32 = 5;
/// How long an open breaker refuses before letting one trial through.
const BREAKER_COOL_DOWN: Duration = Duration::from_secs(30);
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// One place a model is served.
#[derive(Debug)]
pub struct Deployment {
    pub provider_name: String,
    pub provider: Arc<dyn Provider>,
    pub upstream_model: String,
    pub weight: u32,
    pub max_retries: u32,
    pub attempt_timeout: Duration,
    pub breaker: Breaker,
}

/// A client-facing model.
#[derive(Debug)]
pub struct ModelRoute {
    pub name: String,
    pub deployments: Vec<Arc<Deployment>>,
}

impl ModelRoute {
    /// Deployments in the order to try them: one picked by weight, then the rest by weight.
    pub fn order(&self) -> Vec<Arc<Deployment>> {
        let mut rest: Vec<Arc<Deployment>> = self.deployments.clone();
        let total: u64 = rest.iter().map(|d| u64::from(d.weight)).sum();
        let mut ordered = Vec::with_capacity(rest.len());
        if total > 0 {
            let mut pick = fastrand::u64(..total);
            let mut idx = 0;
            for (i, d) in rest.iter().enumerate() {
                if pick < u64::from(d.weight) {
                    idx = i;
                    break;
                }
                pick -= u64::from(d.weight);
            }
            ordered.push(rest.remove(idx));
        }
        rest.sort_by_key(|d| std::cmp::Reverse(d.weight));
        ordered.extend(rest.into_iter().filter(|d| d.weight > 0));
        ordered
    }
}

#[derive(Debug, Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<Instant>,
    trial_in_flight: bool,
}

/// Per-deployment circuit breaker.
#[derive(Debug, Default)]
pub struct Breaker {
    state: Mutex<BreakerState>,
}

impl Breaker {
    /// Whether a call may go to this deployment now.
    pub fn allow(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match s.open_until {
            None => true,
            Some(t) if Instant::now() < t => false,
            Some(_) if s.trial_in_flight => false,
            Some(_) => {
                s.trial_in_flight = true;
                true
            }
        }
    }

    pub fn success(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *s = BreakerState::default();
    }

    pub fn failure(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.failures += 1;
        s.trial_in_flight = false;
        if s.failures >= BREAKER_THRESHOLD {
            s.open_until = Some(Instant::now() + BREAKER_COOL_DOWN);
        }
    }

    pub fn is_open(&self) -> bool {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.open_until.is_some_and(|t| Instant::now() < t)
    }
}

/// What a routed call produced.
#[derive(Debug)]
pub struct Routed {
    pub deployment: Arc<Deployment>,
    pub reply: ChatReply,
    pub attempts: u32,
}

fn backoff(attempt: u32, hint: Option<Duration>) -> Duration {
    let exp = BACKOFF_BASE
        .saturating_mul(1 << attempt.min(10))
        .min(BACKOFF_CAP);
    let jitter = Duration::from_millis(fastrand::u64(..=exp.as_millis() as u64 / 2 + 1));
    hint.map_or(exp + jitter, |h| h.min(BACKOFF_CAP))
}

/// Call `op` on the deployments of `route` with retries, fallback and breakers, within
/// `deadline`.
pub async fn call_with_fallback<F>(
    route: &ModelRoute,
    deadline: Instant,
    mut op: F,
) -> Result<(Arc<Deployment>, ChatReply, u32), UpstreamError>
where
    F: FnMut(&Deployment) -> Option<ChatCall>,
{
    let mut last_error = UpstreamError {
        status: Some(503),
        message: "every deployment of this model is unavailable (circuit open)".into(),
        retryable: true,
        retry_after: None,
    };
    let mut attempts = 0;
    for dep in route.order() {
        if !dep.breaker.allow() {
            continue;
        }
        for attempt in 0..=dep.max_retries {
            let Some(call) = op(&dep) else { break };
            let now = Instant::now();
            if now >= deadline {
                return Err(timeout_error());
            }
            attempts += 1;
            let budget = dep.attempt_timeout.min(deadline - now);
            let started = Instant::now();
            let result = tokio::time::timeout(budget, dep.provider.chat(call)).await;
            crate::metrics::upstream_latency(&dep.provider_name, started.elapsed());
            let err = match result {
                Ok(Ok(reply)) => {
                    dep.breaker.success();
                    return Ok((dep, reply, attempts));
                }
                Ok(Err(e)) => e,
                Err(_) => UpstreamError {
                    status: Some(504),
                    message: "provider did not answer within the attempt timeout".into(),
                    retryable: true,
                    retry_after: None,
                },
            };
            if !err.retryable {
                dep.breaker.success();
                return Err(err);
            }
            dep.breaker.failure();
            tracing::warn!(provider = %dep.provider_name, model = %dep.upstream_model,
                attempt, status = ?err.status, "upstream attempt failed");
            last_error = err;
            if attempt < dep.max_retries {
                let wait = backoff(attempt, last_error.retry_after);
                if Instant::now() + wait >= deadline {
                    return Err(last_error);
                }
                tokio::time::sleep(wait).await;
                if !dep.breaker.allow() {
                    break;
                }
            }
        }
    }
    Err(last_error)
}

/// Embeddings: the same fallback over deployments, without streaming.
pub async fn embeddings_with_fallback(
    route: &ModelRoute,
    deadline: Instant,
    body: &serde_json::Value,
) -> Result<(Arc<Deployment>, serde_json::Value), UpstreamError> {
    let mut last_error = UpstreamError::connect("no deployment available");
    for dep in route.order() {
        if !dep.breaker.allow() {
            continue;
        }
        for attempt in 0..=dep.max_retries {
            let now = Instant::now();
            if now >= deadline {
                return Err(timeout_error());
            }
            let mut b = body.clone();
            b["model"] = serde_json::Value::String(dep.upstream_model.clone());
            let budget = dep.attempt_timeout.min(deadline - now);
            match tokio::time::timeout(budget, dep.provider.embeddings(b)).await {
                Ok(Ok(v)) => {
                    dep.breaker.success();
                    return Ok((dep, v));
                }
                Ok(Err(e)) if !e.retryable => return Err(e),
                Ok(Err(e)) => last_error = e,
                Err(_) => last_error = timeout_error(),
            }
            dep.breaker.failure();
            if attempt < dep.max_retries {
                tokio::time::sleep(backoff(attempt, last_error.retry_after)).await;
            }
        }
    }
    Err(last_error)
}

fn timeout_error() -> UpstreamError {
    UpstreamError {
        status: Some(504),
        message: "the request timed out before any provider answered".into(),
        retryable: false,
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_after_consecutive_failures_and_success_closes_it() {
        let b = Breaker::default();
        for _ in 0..BREAKER_THRESHOLD - 1 {
            b.failure();
        }
        assert!(b.allow());
        b.failure();
        assert!(!b.allow() && b.is_open());
        b.success();
        assert!(b.allow());
    }

    #[test]
    fn backoff_grows_and_honours_retry_after_up_to_the_cap() {
        assert!(backoff(0, None) >= BACKOFF_BASE);
        assert!(backoff(3, None) >= Duration::from_millis(800));
        assert_eq!(
            backoff(0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(backoff(0, Some(Duration::from_secs(600))), BACKOFF_CAP);
    }
}
