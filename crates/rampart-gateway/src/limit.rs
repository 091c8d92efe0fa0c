//! The `limit` seam: requests and tokens per minute.
//!
//! The pipeline calls [`Limiter::check`] after authorisation with an estimate of the
//! request's input tokens, and [`Limiter::record`] once the answer is complete with the
//! tokens actually used. A denial carries what the client needs to back off: the limit,
//! what remains and when it resets; the surface renders it as 429 with `Retry-After` and
//! `x-ratelimit-*` headers. The gateway holds no limiter of its own: `rampart-server`'s
//! `GcraLimiter` (over `rampart-identity`'s GCRA buckets and budgets, in memory or in
//! Redis) is the one `rampart serve` and the gateway's tests run. A server given none gets
//! [`NoLimits`], and only for a config that sets no limit.

use crate::BoxFuture;
use crate::auth::Principal;
use std::time::Duration;

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

/// Why [`Limiter::check`] refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitRefusal {
    /// A limit was reached: 429 with `Retry-After` and the limit's numbers.
    Limited(RetryAfter),
    /// The limiter could not answer (its store is down): the request is refused, never
    /// let through unlimited (503, retryable). The text is for the log, not the client.
    Unavailable(String),
}

/// Limits checked before the upstream call and charged after it.
pub trait Limiter: Send + Sync + std::fmt::Debug {
    /// Admit or refuse a request of `principal` expected to use about `estimated_tokens`
    /// input tokens. On success, return the limits that apply (possibly none) for the
    /// response headers. Implementations must fail closed on a store error
    /// ([`LimitRefusal::Unavailable`]).
    fn check<'a>(
        &'a self,
        principal: &'a Principal,
        model: &'a str,
        estimated_tokens: u64,
    ) -> BoxFuture<'a, Result<Vec<LimitStatus>, LimitRefusal>>;

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

    /// The brute-force and suspension counters that come with this limiter (its store),
    /// if it has them; `None` refuses configs with `[auth.brute_force]` or
    /// `[auth.suspend]`.
    fn abuse(&self) -> Option<&dyn crate::abuse::AbuseTracker> {
        None
    }
}

/// Admits every request and charges nothing: the limiter of a server that was given none,
/// which [`crate::Server::new`] allows only for a config that sets no limit
/// ([`configured_limit`]), so that a configured limit is never silently not enforced.
#[derive(Debug, Default)]
pub struct NoLimits;

impl Limiter for NoLimits {
    fn check<'a>(
        &'a self,
        _principal: &'a Principal,
        _model: &'a str,
        _estimated_tokens: u64,
    ) -> BoxFuture<'a, Result<Vec<LimitStatus>, LimitRefusal>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn record<'a>(
        &'a self,
        _principal: &'a Principal,
        _model: &'a str,
        _tokens: u64,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// The config key of the first limit `config` sets (`[limits]` defaults, a key's `rpm` /
/// `tpm`, a `[[tenants]]` quota), if any.
pub fn configured_limit(config: &crate::config::Config) -> Option<String> {
    if config.limits.default_rpm().is_some() || config.limits.default_tpm().is_some() {
        return Some("limits".to_owned());
    }
    if let Some(k) = config
        .auth
        .keys
        .iter()
        .map(|k| k.get_ref())
        .find(|k| k.rpm.is_some() || k.tpm.is_some())
    {
        return Some(format!("auth.keys `{}`", k.id));
    }
    config
        .tenants
        .iter()
        .map(|t| t.get_ref())
        .find(|t| {
            t.rpm.is_some()
                || t.tpm.is_some()
                || t.daily_token_budget.is_some()
                || t.monthly_token_budget.is_some()
        })
        .map(|t| format!("tenants `{}`", t.name.get_ref()))
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

    fn config(text: &str) -> crate::config::Config {
        crate::config::Config::from_toml(text, "c.toml").unwrap()
    }

    #[test]
    fn every_kind_of_limit_is_found() {
        assert_eq!(configured_limit(&config("")), None);
        assert_eq!(
            configured_limit(&config("[limits]\ndefault_tpm = 5\n")).as_deref(),
            Some("limits")
        );
        let key = "[[auth.keys]]\nid = \"k1\"\ntenant = \"t\"\nsha256 = \"00\"\nrpm = 1\n";
        assert_eq!(
            configured_limit(&config(key)).as_deref(),
            Some("auth.keys `k1`")
        );
        let tenant = "[[tenants]]\nname = \"acme\"\nmonthly_token_budget = 9\n";
        assert_eq!(
            configured_limit(&config(tenant)).as_deref(),
            Some("tenants `acme`")
        );
        assert_eq!(
            configured_limit(&config("[[tenants]]\nname = \"acme\"\n")),
            None
        );
    }
}
