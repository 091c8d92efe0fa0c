//! Limits: how much a key and its tenant may do.
//!
//! [`Backend`] is what the gateway's limiter (`rampart-server`'s `GcraLimiter`, behind
//! the gateway's one `Limiter` seam) calls twice per request: [`Backend::check`] before
//! the upstream call (one request slot, plus a token estimate that must fit), and
//! [`Backend::record`] after it with the tokens actually used. Four dimensions per
//! subject, each optional: requests per minute and tokens per minute (GCRA, see
//! [`gcra`]), daily and monthly token budgets (UTC calendar periods). Subjects are the key
//! and its tenant; a request passes only if every configured dimension of both passes, and
//! nothing is charged when one refuses.
//!
//! Two places hold the state, as two concrete types and no trait between them:
//! [`memory::MemoryLimiter`] in the process (one gateway) and [`redis::RedisLimiter`] in
//! Redis (many replicas, one atomic script per check).

pub mod gcra;
pub mod memory;
pub mod redis;

use std::time::Duration;

/// The limits of one subject (a key or a tenant). `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quota {
    pub requests_per_minute: Option<u64>,
    pub tokens_per_minute: Option<u64>,
    pub daily_tokens: Option<u64>,
    pub monthly_tokens: Option<u64>,
}

impl Quota {
    pub fn is_unlimited(&self) -> bool {
        *self == Quota::default()
    }
}

impl From<&crate::record::KeyRecord> for Quota {
    fn from(record: &crate::record::KeyRecord) -> Self {
        Quota {
            requests_per_minute: record.rpm.map(u64::from),
            tokens_per_minute: record.tpm,
            daily_tokens: record.daily_token_budget,
            monthly_tokens: record.monthly_token_budget,
        }
    }
}

/// Who a request is charged to.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub key_id: &'a str,
    pub key_quota: &'a Quota,
    pub tenant: &'a str,
    pub tenant_quota: &'a Quota,
}

/// Which subject a limit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Key,
    Tenant,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Key => "key",
            Scope::Tenant => "tenant",
        }
    }
}

/// Which limit refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    RequestsPerMinute,
    TokensPerMinute,
    DailyTokens,
    MonthlyTokens,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::RequestsPerMinute => "requests_per_minute",
            Dimension::TokensPerMinute => "tokens_per_minute",
            Dimension::DailyTokens => "daily_tokens",
            Dimension::MonthlyTokens => "monthly_tokens",
        }
    }
}

/// The numbers of one `x-ratelimit-*` header family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: u64,
    pub remaining: u64,
    /// Time until the limit is back to its full value.
    pub reset: Duration,
}

/// What the caller may still do: the tighter of key and tenant for each family, `None`
/// when neither has that limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimitStatus {
    pub requests: Option<Window>,
    pub tokens: Option<Window>,
}

impl RateLimitStatus {
    /// The OpenAI-style headers: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`,
    /// with resets written as OpenAI writes them (`1s`, `6m0s`, `250ms`).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::with_capacity(6);
        if let Some(w) = self.requests {
            headers.push(("x-ratelimit-limit-requests", w.limit.to_string()));
            headers.push(("x-ratelimit-remaining-requests", w.remaining.to_string()));
            headers.push(("x-ratelimit-reset-requests", format_reset(w.reset)));
        }
        if let Some(w) = self.tokens {
            headers.push(("x-ratelimit-limit-tokens", w.limit.to_string()));
            headers.push(("x-ratelimit-remaining-tokens", w.remaining.to_string()));
            headers.push(("x-ratelimit-reset-tokens", format_reset(w.reset)));
        }
        headers
    }
}

/// A refusal: which limit, when to retry, and the header numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub scope: Scope,
    pub dimension: Dimension,
    pub retry_after: Duration,
    pub status: RateLimitStatus,
}

impl Denial {
    /// The `Retry-After` header value: whole seconds, rounded up, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after
            .as_secs()
            .saturating_add(u64::from(self.retry_after.subsec_nanos() > 0))
            .max(1)
    }

    /// A message for the client naming the limit, never the key.
    pub fn message(&self) -> String {
        format!(
            "rate limit exceeded: {} {} limit reached; retry after {} s",
            self.scope.as_str(),
            self.dimension.as_str().replace('_', " "),
            self.retry_after_secs()
        )
    }
}

/// The answer of [`Backend::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitDecision {
    Allowed(RateLimitStatus),
    Denied(Denial),
}

/// The limiter could not answer (a remote store down). The gateway fails closed on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    #[error("limiter unavailable: {0}")]
    Unavailable(String),
}

/// Where the buckets and budgets live: the one limiter type the gateway's seam wraps.
#[derive(Debug, Clone)]
pub enum Backend {
    /// In this process.
    Memory(memory::MemoryLimiter),
    /// In Redis, shared by every replica with the same URL and prefix.
    Redis(redis::RedisLimiter),
}

impl Backend {
    /// Takes one request slot from every request limit of the subject if all limits,
    /// including `estimated_tokens` against the token limits and budgets, allow it.
    /// Charges nothing when refusing. Fails only when the state cannot be read (Redis
    /// down); the gateway then refuses the request (fail closed).
    pub async fn check(
        &self,
        subject: Subject<'_>,
        estimated_tokens: u64,
    ) -> Result<LimitDecision, LimitError> {
        match self {
            Backend::Memory(limiter) => limiter.check(subject, estimated_tokens).await,
            Backend::Redis(limiter) => limiter.check(subject, estimated_tokens).await,
        }
    }

    /// Charges the tokens a request actually used (input + output) to the token limits and
    /// budgets of the subject. May drive them below zero; later checks wait it out.
    pub async fn record(&self, subject: Subject<'_>, tokens: u64) -> Result<(), LimitError> {
        match self {
            Backend::Memory(limiter) => limiter.record(subject, tokens).await,
            Backend::Redis(limiter) => limiter.record(subject, tokens).await,
        }
    }
}

/// Formats a reset duration the way OpenAI's `x-ratelimit-reset-*` headers do: `20ms`,
/// `1.5s`, `6m0s`, `1h2m3s`.
pub fn format_reset(reset: Duration) -> String {
    let ms = reset.as_millis();
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    let secs = reset.as_secs();
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let frac = reset.subsec_millis();
    let seconds = if frac == 0 {
        format!("{s}s")
    } else {
        let text = format!("{s}.{frac:03}");
        format!("{}s", text.trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_look_like_openai_headers() {
        assert_eq!(format_reset(Duration::from_millis(20)), "20ms");
        assert_eq!(format_reset(Duration::from_millis(1_500)), "1.5s");
        assert_eq!(format_reset(Duration::from_secs(360)), "6m0s");
        assert_eq!(format_reset(Duration::from_millis(3_723_250)), "1h2m3.25s");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let denial = |retry_after| Denial {
            scope: Scope::Key,
            dimension: Dimension::RequestsPerMinute,
            retry_after,
            status: RateLimitStatus::default(),
        };
        assert_eq!(denial(Duration::from_millis(1)).retry_after_secs(), 1);
        assert_eq!(denial(Duration::from_millis(2_001)).retry_after_secs(), 3);
        assert_eq!(denial(Duration::ZERO).retry_after_secs(), 1);
        assert!(
            denial(Duration::from_secs(2))
                .message()
                .contains("key requests per minute")
        );
    }
}
