//! The control plane behind the pipeline's seams: `rampart-identity` keys and limits and
//! the `rampart-audit` log, adapted to [`Authenticator`], [`Limiter`] and [`AuditSink`].
//!
//! - [`KeyringAuthenticator`]: keys created with `rampart keys create`, looked up by
//!   SHA-256 in the store on every request (revocation is immediate).
//! - [`GcraLimiter`]: GCRA requests/tokens per minute per key and per tenant, plus the
//!   key's daily/monthly token budgets, which the [`Principal`] carries.
//! - [`AuditLogSink`]: one hash-chained record per request through the non-blocking
//!   [`AuditWriter`].
//!
//! The gateway only sees the seam traits; this crate depends on it, never the reverse.

use crate::abuse::CounterTracker;
use crate::limit_backend::LimitSettings;
use rampart_audit::AuditWriter;
use rampart_gateway::BoxFuture;
use rampart_gateway::audit::{AuditError, AuditRecord, AuditSink};
use rampart_gateway::auth::{AuthError, Authenticator, Principal};
use rampart_gateway::limit::{LimitKind, LimitRefusal, LimitStatus, Limiter, RetryAfter};
use rampart_identity::Keyring;
use rampart_identity::limits::{
    self as id_limits, Backend, Dimension, LimitDecision, Quota, Subject,
};
use std::sync::Arc;

/// Authenticates keys from a `rampart-identity` [`Keyring`], after an optional
/// authenticator asked first (the config's static `[[auth.keys]]`).
#[derive(Debug, Clone)]
pub struct KeyringAuthenticator {
    keyring: Keyring,
    first: Option<Arc<dyn Authenticator>>,
}

impl KeyringAuthenticator {
    pub fn new(keyring: Keyring) -> Self {
        KeyringAuthenticator {
            keyring,
            first: None,
        }
    }

    /// Asks `first` before the store (e.g. [`rampart_gateway::StaticKeys`] from the config).
    pub fn after(mut self, first: Arc<dyn Authenticator>) -> Self {
        self.first = Some(first);
        self
    }
}

impl Authenticator for KeyringAuthenticator {
    fn authenticate<'a>(
        &'a self,
        presented_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        Box::pin(async move {
            if let Some(first) = &self.first
                && let Some(principal) = first.authenticate(presented_key).await?
            {
                return Ok(Some(principal));
            }
            let record = self
                .keyring
                .authenticate(presented_key)
                .await
                // The error names the store problem, never the key.
                .map_err(|e| AuthError::Unavailable(e.to_string()))?;
            if record.as_ref().is_some_and(|r| r.suspended_at.is_some()) {
                return Err(AuthError::Suspended);
            }
            Ok(record.map(|r| Principal {
                tpm: r.tpm.map(|t| u32::try_from(t).unwrap_or(u32::MAX)),
                rpm: r.rpm,
                daily_token_budget: r.daily_token_budget,
                monthly_token_budget: r.monthly_token_budget,
                key_id: r.id,
                tenant: r.tenant,
                name: r.name,
                models: r.models,
                token: None,
            }))
        })
    }

    /// The store needs nothing from the config; the authenticator asked first (the
    /// config's static keys) takes the reloaded `[[auth.keys]]`.
    fn reconfigure(&self, config: &rampart_gateway::config::Config) {
        if let Some(first) = &self.first {
            first.reconfigure(config);
        }
    }
}

/// Per-key and per-tenant GCRA limits with token budgets, on a `rampart-identity`
/// [`Backend`] (in memory, or Redis for many replicas): the one implementation of the
/// gateway's [`Limiter`] seam.
#[derive(Debug, Clone)]
pub struct GcraLimiter {
    inner: Backend,
    /// Defaults for keys without their own limits, and tenant quotas (reloadable).
    settings: Arc<LimitSettings>,
    /// Brute-force counters and key suspension, on the same backend.
    abuse: Option<Arc<CounterTracker>>,
}

impl GcraLimiter {
    /// `settings` holds the `[limits]` defaults and the `[[tenants]]` quotas; see
    /// [`crate::limit_backend::build`] for the limiter of a config.
    pub fn new(inner: Backend, settings: Arc<LimitSettings>) -> Self {
        GcraLimiter {
            inner,
            settings,
            abuse: None,
        }
    }

    /// Adds the brute-force and suspension counters (`[auth.brute_force]`,
    /// `[auth.suspend]`).
    pub fn with_abuse(mut self, tracker: CounterTracker) -> Self {
        self.abuse = Some(Arc::new(tracker));
        self
    }

    /// Lets `[auth.suspend]` suspend keys of this key store.
    pub fn with_keyring(mut self, keyring: Keyring) -> Self {
        if let Some(tracker) = self.abuse.take() {
            self.abuse = Some(Arc::new((*tracker).clone().with_keyring(keyring)));
        }
        self
    }

    /// The quotas of the key (its own, else the `[limits]` defaults, with its budgets)
    /// and of its tenant.
    fn quotas(&self, principal: &Principal) -> (Quota, Quota) {
        let (default_rpm, default_tpm) = self.settings.defaults();
        let key = Quota {
            requests_per_minute: principal.rpm.or(default_rpm).map(u64::from),
            tokens_per_minute: principal.tpm.or(default_tpm).map(u64::from),
            daily_tokens: principal.daily_token_budget,
            monthly_tokens: principal.monthly_token_budget,
        };
        (key, self.settings.tenant_quota(&principal.tenant))
    }
}

fn subject<'a>(principal: &'a Principal, key: &'a Quota, tenant: &'a Quota) -> Subject<'a> {
    Subject {
        key_id: &principal.key_id,
        key_quota: key,
        tenant: &principal.tenant,
        tenant_quota: tenant,
    }
}

fn statuses(status: &id_limits::RateLimitStatus) -> Vec<LimitStatus> {
    let mut out = Vec::with_capacity(2);
    for (kind, window) in [
        (LimitKind::Requests, status.requests),
        (LimitKind::Tokens, status.tokens),
    ] {
        if let Some(w) = window {
            out.push(LimitStatus {
                kind,
                limit: w.limit,
                remaining: w.remaining,
                reset: w.reset,
            });
        }
    }
    out
}

impl Limiter for GcraLimiter {
    fn check<'a>(
        &'a self,
        principal: &'a Principal,
        _model: &'a str,
        estimated_tokens: u64,
    ) -> BoxFuture<'a, Result<Vec<LimitStatus>, LimitRefusal>> {
        Box::pin(async move {
            let (key_quota, tenant_quota) = self.quotas(principal);
            let subject = subject(principal, &key_quota, &tenant_quota);
            match self.inner.check(subject, estimated_tokens).await {
                Ok(LimitDecision::Allowed(status)) => Ok(statuses(&status)),
                Ok(LimitDecision::Denied(denial)) => {
                    let kind = match denial.dimension {
                        Dimension::RequestsPerMinute => LimitKind::Requests,
                        _ => LimitKind::Tokens,
                    };
                    let window = match kind {
                        LimitKind::Requests => denial.status.requests,
                        _ => denial.status.tokens,
                    };
                    let status = match (denial.dimension, window) {
                        (Dimension::RequestsPerMinute | Dimension::TokensPerMinute, Some(w)) => {
                            LimitStatus {
                                kind,
                                limit: w.limit,
                                remaining: w.remaining,
                                reset: w.reset,
                            }
                        }
                        // A budget: its size, nothing left, back at the next period.
                        (dimension, _) => LimitStatus {
                            kind,
                            limit: budget_of(&denial, dimension, &key_quota, &tenant_quota),
                            remaining: 0,
                            reset: denial.retry_after,
                        },
                    };
                    Err(LimitRefusal::Limited(RetryAfter {
                        reason: denial.message(),
                        status,
                        retry_after: denial.retry_after,
                    }))
                }
                // Fail closed: a limiter that cannot answer refuses (the pipeline logs it).
                Err(err) => Err(LimitRefusal::Unavailable(err.to_string())),
            }
        })
    }

    fn record<'a>(
        &'a self,
        principal: &'a Principal,
        _model: &'a str,
        tokens: u64,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let (key_quota, tenant_quota) = self.quotas(principal);
            let subject = subject(principal, &key_quota, &tenant_quota);
            if let Err(err) = self.inner.record(subject, tokens).await {
                tracing::error!(error = %err, "limiter unavailable; tokens not charged");
            }
        })
    }

    fn reconfigure(&self, config: &rampart_gateway::config::Config) {
        self.settings.update(config);
    }

    fn abuse(&self) -> Option<&dyn rampart_gateway::abuse::AbuseTracker> {
        self.abuse
            .as_deref()
            .map(|t| t as &dyn rampart_gateway::abuse::AbuseTracker)
    }
}

fn budget_of(denial: &id_limits::Denial, dimension: Dimension, key: &Quota, tenant: &Quota) -> u64 {
    let quota = match denial.scope {
        id_limits::Scope::Key => key,
        id_limits::Scope::Tenant => tenant,
    };
    match dimension {
        Dimension::DailyTokens => quota.daily_tokens,
        Dimension::MonthlyTokens => quota.monthly_tokens,
        Dimension::RequestsPerMinute => quota.requests_per_minute,
        Dimension::TokensPerMinute => quota.tokens_per_minute,
    }
    .unwrap_or(0)
}

/// Writes each request's record to the hash-chained audit log without blocking, and
/// publishes its security events (`[events]`) without blocking either.
#[derive(Debug, Clone)]
pub struct AuditLogSink {
    writer: AuditWriter,
    events: rampart_events::Events,
}

impl AuditLogSink {
    pub fn new(writer: AuditWriter) -> Self {
        AuditLogSink {
            writer,
            events: rampart_events::Events::none(),
        }
    }

    /// Also publish each record's events to these sinks.
    pub fn with_events(mut self, events: rampart_events::Events) -> Self {
        self.events = events;
        self
    }
}

impl AuditSink for AuditLogSink {
    fn record(&self, record: AuditRecord) -> BoxFuture<'_, Result<(), AuditError>> {
        self.events.publish_audit(&record);
        let accepted = self.writer.record(record);
        Box::pin(async move {
            if accepted {
                Ok(())
            } else {
                Err(AuditError::Unavailable(
                    "audit record lost: buffer full, spool full or unavailable".to_owned(),
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_spent_daily_budget_is_a_429_on_the_token_headers() {
        let limiter = GcraLimiter::new(
            Backend::Memory(rampart_identity::limits::memory::MemoryLimiter::new()),
            Arc::new(LimitSettings::default()),
        );
        let principal = Principal {
            key_id: "key_b".into(),
            tenant: "acme".into(),
            name: "budgeted".into(),
            models: None,
            rpm: Some(100),
            tpm: None,
            daily_token_budget: Some(1_000),
            monthly_token_budget: None,
            token: None,
        };
        let allowed = limiter.check(&principal, "m", 10).await.unwrap();
        assert_eq!(allowed[0].kind, LimitKind::Requests);
        assert_eq!((allowed[0].limit, allowed[0].remaining), (100, 99));
        limiter.record(&principal, "m", 1_000).await;
        let Err(LimitRefusal::Limited(refused)) = limiter.check(&principal, "m", 1).await else {
            panic!("the spent budget did not refuse");
        };
        assert_eq!(refused.status.kind, LimitKind::Tokens);
        assert_eq!((refused.status.limit, refused.status.remaining), (1_000, 0));
        assert!(
            refused.retry_after > Duration::ZERO
                && refused.retry_after <= Duration::from_secs(86_400)
        );
        assert!(
            refused.reason.contains("daily tokens"),
            "{}",
            refused.reason
        );
    }
}
