//! The `route` phase's machinery: deployments, weights, retries, fallback, breakers.
//!
//! A client-facing model has one or more deployments (a provider and an upstream model,
//! with a weight). Each request picks a first deployment at random by weight and keeps the
//! others, heaviest first, as fallbacks. Each deployment is tried up to `1 + max_retries`
//! times on retryable failures (429, 5xx, connection errors, attempt timeouts) with
//! exponential backoff and jitter, honouring the provider's `Retry-After` up to a cap;
//! the whole call is bounded by the request timeout. A circuit breaker per deployment
//! skips a deployment after consecutive failures and lets one trial through after a
//! cool-down. Each attempt holds an [`Admission`] that settles the breaker however the
//! attempt ends, and only failures that say something about the deployment's health
//! count against it ([`Health`]).

use crate::providers::{ChatCall, ChatReply, Health, Provider, UpstreamError};
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

/// A client-facing model. Cloning shares the deployments (and their breakers): the
/// `policy` phase narrows a route to the deployments the policies allow.
#[derive(Debug, Clone)]
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
///
/// Calls go through an [`Admission`], which settles the breaker on every path out of the
/// call: a success, a failure, or, when it is dropped unsettled (the caller's deadline,
/// a client that disconnected, an error that says nothing about the deployment), by
/// releasing the trial it may hold. So an open breaker can never be left waiting for a
/// trial that nobody will report.
#[derive(Debug)]
pub struct Breaker {
    state: Mutex<BreakerState>,
    cool_down: Duration,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker::with_cool_down(BREAKER_COOL_DOWN)
    }
}

impl Breaker {
    /// A breaker that stays open for `cool_down` before letting a trial through.
    pub fn with_cool_down(cool_down: Duration) -> Self {
        Breaker {
            state: Mutex::new(BreakerState::default()),
            cool_down,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admit one call now, or `None` while the breaker is open (or its one trial is out).
    pub fn admit(&self) -> Option<Admission<'_>> {
        let mut s = self.lock();
        let trial = match s.open_until {
            None => false,
            Some(t) if Instant::now() < t => return None,
            Some(_) if s.trial_in_flight => return None,
            Some(_) => {
                s.trial_in_flight = true;
                true
            }
        };
        Some(Admission {
            breaker: self,
            trial,
            settled: false,
        })
    }

    pub fn is_open(&self) -> bool {
        self.lock().open_until.is_some_and(|t| Instant::now() < t)
    }

    fn success(&self) {
        *self.lock() = BreakerState::default();
    }

    fn failure(&self, trial: bool) {
        let mut s = self.lock();
        s.failures = s.failures.saturating_add(1);
        if trial {
            s.trial_in_flight = false;
        }
        if trial || s.failures >= BREAKER_THRESHOLD {
            s.open_until = Some(Instant::now() + self.cool_down);
        }
    }

    /// Nothing was learnt: a trial is handed back, so the next call may try again.
    fn release(&self, trial: bool) {
        if trial {
            self.lock().trial_in_flight = false;
        }
    }
}

/// One admitted call. Settle it with what the call said about the deployment; dropped
/// unsettled, it releases its trial (the call ended without a verdict).
#[derive(Debug)]
#[must_use = "an admission settles the breaker when dropped; settle it with the outcome"]
pub struct Admission<'a> {
    breaker: &'a Breaker,
    trial: bool,
    settled: bool,
}

impl Admission<'_> {
    /// Settle with what `health` says: alive closes the breaker, failing counts, unknown
    /// releases the trial.
    pub fn settle(mut self, health: Health) {
        self.settled = true;
        match health {
            Health::Answering => self.breaker.success(),
            Health::Failing => self.breaker.failure(self.trial),
            Health::Unknown => self.breaker.release(self.trial),
        }
    }

    /// Whether this call is the one trial of an open breaker.
    pub fn is_trial(&self) -> bool {
        self.trial
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.breaker.release(self.trial);
        }
    }
}

/// What a failed attempt says about the deployment (issue: one caller must not open the
/// breaker for all). A 429 on a caller's own upstream key is that caller's quota; an
/// attempt timeout on a complete (non-streamed) answer is one caller's long generation,
/// while a stream that sent no headers within the attempt timeout is a deployment that
/// does not answer.
fn health_of(err: &UpstreamError, client_key: bool) -> Health {
    match err.status {
        Some(429) if client_key => Health::Unknown,
        Some(401 | 403) if client_key => Health::Unknown,
        _ => err.health,
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
/// `deadline`. Every attempt holds an [`Admission`] of its deployment's breaker, settled
/// by the attempt's outcome or, if this future is dropped (client gone), by its drop.
pub async fn call_with_fallback<F>(
    route: &ModelRoute,
    deadline: Instant,
    mut op: F,
) -> Result<(Arc<Deployment>, ChatReply, u32), UpstreamError>
where
    F: FnMut(&Deployment) -> Option<ChatCall>,
{
    let mut last_error = circuit_open_error();
    let mut attempts = 0;
    for dep in route.order() {
        for attempt in 0..=dep.max_retries {
            let Some(admission) = dep.breaker.admit() else {
                break;
            };
            let Some(call) = op(&dep) else { break };
            let now = Instant::now();
            if now >= deadline {
                return Err(timeout_error());
            }
            attempts += 1;
            let client_key = call.client_key.is_some();
            let streamed = call.stream;
            let budget = dep.attempt_timeout.min(deadline - now);
            let started = Instant::now();
            let result = tokio::time::timeout(budget, dep.provider.chat(call)).await;
            crate::metrics::upstream_latency(&dep.provider_name, started.elapsed());
            let err = match result {
                Ok(Ok(reply)) => {
                    admission.settle(Health::Answering);
                    return Ok((dep, reply, attempts));
                }
                Ok(Err(e)) => e,
                Err(_) => attempt_timeout_error(streamed),
            };
            admission.settle(health_of(&err, client_key));
            if !err.retryable {
                return Err(err);
            }
            tracing::warn!(provider = %dep.provider_name, model = %dep.upstream_model,
                attempt, status = ?err.status, "upstream attempt failed");
            last_error = err;
            if attempt < dep.max_retries {
                let wait = backoff(attempt, last_error.retry_after);
                if Instant::now() + wait >= deadline {
                    return Err(last_error);
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
    Err(last_error)
}

/// Embeddings: the same fallback over deployments, without streaming, with the same
/// admissions.
pub async fn embeddings_with_fallback(
    route: &ModelRoute,
    deadline: Instant,
    body: &serde_json::Value,
) -> Result<(Arc<Deployment>, serde_json::Value), UpstreamError> {
    let mut last_error = circuit_open_error();
    for dep in route.order() {
        for attempt in 0..=dep.max_retries {
            let Some(admission) = dep.breaker.admit() else {
                break;
            };
            let now = Instant::now();
            if now >= deadline {
                return Err(timeout_error());
            }
            let mut b = body.clone();
            if let Some(obj) = b.as_object_mut() {
                obj.insert(
                    "model".into(),
                    serde_json::Value::String(dep.upstream_model.clone()),
                );
            }
            let budget = dep.attempt_timeout.min(deadline - now);
            let err = match tokio::time::timeout(budget, dep.provider.embeddings(b)).await {
                Ok(Ok(v)) => {
                    admission.settle(Health::Answering);
                    return Ok((dep, v));
                }
                Ok(Err(e)) => e,
                Err(_) => attempt_timeout_error(false),
            };
            admission.settle(health_of(&err, false));
            if !err.retryable {
                return Err(err);
            }
            last_error = err;
            if attempt < dep.max_retries {
                let wait = backoff(attempt, last_error.retry_after);
                if Instant::now() + wait >= deadline {
                    return Err(last_error);
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
    Err(last_error)
}

fn circuit_open_error() -> UpstreamError {
    UpstreamError {
        status: Some(503),
        message: "every deployment of this model is unavailable (circuit open)".into(),
        retryable: true,
        retry_after: None,
        health: Health::Unknown,
        request_id: None,
        client_message: Some(
            "Every deployment of this model is unavailable right now (circuit open); try again shortly."
                .into(),
        ),
    }
}

/// One attempt ran out of time. A stream that has not even begun (the call returns once
/// the headers arrive) says the deployment does not answer; a complete answer may just be
/// long.
fn attempt_timeout_error(streamed: bool) -> UpstreamError {
    UpstreamError {
        status: Some(504),
        message: "provider did not answer within the attempt timeout".into(),
        retryable: true,
        retry_after: None,
        health: if streamed {
            Health::Failing
        } else {
            Health::Unknown
        },
        request_id: None,
        client_message: None,
    }
}

fn timeout_error() -> UpstreamError {
    UpstreamError {
        status: Some(504),
        message: "the request timed out before any provider answered".into(),
        retryable: false,
        retry_after: None,
        health: Health::Unknown,
        request_id: None,
        client_message: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(b: &Breaker) {
        b.admit().unwrap().settle(Health::Failing);
    }

    #[test]
    fn breaker_opens_after_consecutive_failures_and_success_closes_it() {
        let b = Breaker::default();
        for _ in 0..BREAKER_THRESHOLD - 1 {
            fail(&b);
        }
        assert!(!b.is_open());
        fail(&b);
        assert!(b.admit().is_none() && b.is_open());
        b.success();
        assert!(b.admit().is_some());
    }

    /// A provider that answers every call the same way.
    #[derive(Debug, Clone, Copy)]
    enum Behaviour {
        /// HTTP `status` from the provider.
        Status(u16),
        /// Never answers.
        Hang,
    }

    #[derive(Debug)]
    struct Fake(Behaviour);

    impl Provider for Fake {
        fn kind(&self) -> crate::config::ProviderKind {
            crate::config::ProviderKind::Mock
        }
        fn chat(&self, _call: ChatCall) -> crate::BoxFuture<'_, Result<ChatReply, UpstreamError>> {
            let b = self.0;
            Box::pin(async move {
                match b {
                    Behaviour::Status(s) => Err(UpstreamError::from_status(s, b"{}", None)),
                    Behaviour::Hang => std::future::pending().await,
                }
            })
        }
    }

    const COOL_DOWN: Duration = Duration::from_millis(20);

    fn route(b: Behaviour, attempt_timeout: Duration) -> ModelRoute {
        ModelRoute {
            name: "m".into(),
            deployments: vec![Arc::new(Deployment {
                provider_name: "p".into(),
                provider: Arc::new(Fake(b)),
                upstream_model: "u".into(),
                weight: 1,
                max_retries: 0,
                attempt_timeout,
                breaker: Breaker::with_cool_down(COOL_DOWN),
            })],
        }
    }

    fn breaker(r: &ModelRoute) -> &Breaker {
        &r.deployments[0].breaker
    }

    /// Opens the breaker and waits out its cool-down: the next admission is the trial.
    async fn open_and_cool(r: &ModelRoute) {
        for _ in 0..BREAKER_THRESHOLD {
            fail(breaker(r));
        }
        assert!(breaker(r).is_open());
        tokio::time::sleep(COOL_DOWN * 2).await;
    }

    fn call(client_key: bool, stream: bool) -> impl FnMut(&Deployment) -> Option<ChatCall> {
        move |_| {
            Some(ChatCall {
                body: serde_json::json!({}),
                stream,
                client_key: client_key.then(|| "sk-own".to_owned()),
            })
        }
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[tokio::test]
    async fn a_trial_ended_by_a_non_retryable_local_error_is_released() {
        // The mock's default `embeddings` refuses locally (400), as Anthropic's does.
        let r = route(Behaviour::Status(200), Duration::from_secs(1));
        open_and_cool(&r).await;
        let e = embeddings_with_fallback(&r, soon(), &serde_json::json!({"input": "x"}))
            .await
            .unwrap_err();
        assert_eq!(e.status, Some(400));
        let next = breaker(&r).admit();
        assert!(
            next.is_some_and(|a| a.is_trial()),
            "the trial was never handed back"
        );
    }

    #[tokio::test]
    async fn a_trial_past_the_deadline_is_released() {
        let r = route(Behaviour::Status(200), Duration::from_secs(1));
        open_and_cool(&r).await;
        let e = call_with_fallback(&r, Instant::now(), call(false, false))
            .await
            .unwrap_err();
        assert_eq!(e.status, Some(504));
        assert!(breaker(&r).admit().is_some());
    }

    #[tokio::test]
    async fn a_trial_whose_client_disconnected_is_released() {
        let r = route(Behaviour::Hang, Duration::from_secs(30));
        open_and_cool(&r).await;
        // The client leaving drops the pipeline's future mid-call.
        let dropped = tokio::time::timeout(
            Duration::from_millis(20),
            call_with_fallback(&r, soon(), call(false, true)),
        )
        .await;
        assert!(dropped.is_err());
        assert!(breaker(&r).admit().is_some());
    }

    #[tokio::test]
    async fn a_failed_trial_reopens_and_an_answering_one_closes() {
        let r = route(Behaviour::Status(503), Duration::from_secs(1));
        open_and_cool(&r).await;
        assert!(
            call_with_fallback(&r, soon(), call(false, false))
                .await
                .is_err()
        );
        assert!(
            breaker(&r).is_open(),
            "a failed trial must reopen the breaker"
        );
        let r = route(Behaviour::Status(400), Duration::from_secs(1));
        open_and_cool(&r).await;
        assert!(
            call_with_fallback(&r, soon(), call(false, false))
                .await
                .is_err()
        );
        assert!(!breaker(&r).is_open() && breaker(&r).admit().is_some_and(|a| !a.is_trial()));
    }

    /// Calls `n` times and says whether the breaker opened.
    async fn opens_after(r: &ModelRoute, n: u32, client_key: bool, stream: bool) -> bool {
        for _ in 0..n {
            let _ = call_with_fallback(r, soon(), call(client_key, stream)).await;
        }
        breaker(r).is_open()
    }

    #[tokio::test]
    async fn only_failures_of_the_deployment_open_the_breaker() {
        let n = BREAKER_THRESHOLD * 2;
        // A caller's own key out of quota: that caller's problem.
        let r = route(Behaviour::Status(429), Duration::from_secs(1));
        assert!(!opens_after(&r, n, true, false).await);
        // The gateway's key out of quota, or a 5xx: the deployment's.
        assert!(opens_after(&r, BREAKER_THRESHOLD, false, false).await);
        let r = route(Behaviour::Status(500), Duration::from_secs(1));
        assert!(opens_after(&r, BREAKER_THRESHOLD, false, false).await);
        // One caller's long complete answer times out: says nothing about the deployment.
        let r = route(Behaviour::Hang, Duration::from_millis(5));
        assert!(!opens_after(&r, n, false, false).await);
        // A stream that never even begins does.
        assert!(opens_after(&r, BREAKER_THRESHOLD, false, true).await);
        // Client errors prove the deployment answers.
        let r = route(Behaviour::Status(400), Duration::from_secs(1));
        assert!(!opens_after(&r, n, false, false).await);
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
