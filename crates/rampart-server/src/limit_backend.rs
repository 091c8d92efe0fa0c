//! The limiter of `rampart serve`, built from `[limits]` and `[[tenants]]`.
//!
//! `[limits] backend` picks where the GCRA buckets and token budgets of
//! `rampart-identity` live: in this process ([`MemoryLimiter`]) or in Redis
//! ([`RedisLimiter`], shared by every replica with the same `redis_url` and
//! `redis_prefix`). [`LimitSettings`] holds what a reload may change without losing the
//! counts: the defaults for keys without their own limits and the quota of each tenant.
//! The backend itself is fixed at start (a reload that changes it is logged and ignored).

use crate::abuse::CounterTracker;
use crate::control::GcraLimiter;
use rampart_gateway::config::{Config, LimitBackend};
use rampart_identity::abuse::Counter;
use rampart_identity::abuse::memory::MemoryCounter;
use rampart_identity::abuse::redis::RedisCounter;
use rampart_identity::limits::memory::MemoryLimiter;
use rampart_identity::limits::redis::RedisLimiter;
use rampart_identity::limits::{Backend, Quota};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The limiter backend could not be reached at start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LimitBackendError {
    /// Redis refused the connection (the message never includes the URL: it may hold a
    /// password).
    #[error("`limits.redis_url`: cannot connect to Redis: {0}")]
    Redis(String),
}

/// The reloadable part of `[limits]` and `[[tenants]]`.
#[derive(Debug, Default)]
pub struct LimitSettings {
    inner: RwLock<Settings>,
}

#[derive(Debug, Default, Clone)]
struct Settings {
    default_rpm: Option<u32>,
    default_tpm: Option<u32>,
    tenants: HashMap<String, Quota>,
    backend: Option<(LimitBackend, Option<String>, Option<String>)>,
}

impl Settings {
    fn from_config(config: &Config) -> Self {
        let tenants = config
            .tenants
            .iter()
            .map(|t| {
                let t = t.get_ref();
                let value = |v: &Option<toml::Spanned<u64>>| v.as_ref().map(|v| *v.get_ref());
                let quota = Quota {
                    requests_per_minute: value(&t.rpm),
                    tokens_per_minute: value(&t.tpm),
                    daily_tokens: value(&t.daily_token_budget),
                    monthly_tokens: value(&t.monthly_token_budget),
                };
                (t.name.get_ref().clone(), quota)
            })
            .collect();
        let limits = &config.limits;
        Settings {
            default_rpm: limits.default_rpm(),
            default_tpm: limits.default_tpm(),
            tenants,
            backend: Some((
                *limits.backend.get_ref(),
                limits
                    .redis_url
                    .as_ref()
                    .map(|u| u.get_ref().expose().into_owned()),
                limits.redis_prefix.as_ref().map(|p| p.get_ref().clone()),
            )),
        }
    }
}

impl LimitSettings {
    pub fn from_config(config: &Config) -> Self {
        LimitSettings {
            inner: RwLock::new(Settings::from_config(config)),
        }
    }

    /// Fixed settings, for tests and embedders that do not use a config file.
    pub fn fixed(
        default_rpm: Option<u32>,
        default_tpm: Option<u32>,
        tenants: HashMap<String, Quota>,
    ) -> Self {
        LimitSettings {
            inner: RwLock::new(Settings {
                default_rpm,
                default_tpm,
                tenants,
                backend: None,
            }),
        }
    }

    /// Takes the defaults and tenant quotas of a reloaded config; counts are kept.
    pub fn update(&self, config: &Config) {
        let new = Settings::from_config(config);
        let mut current = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if current.backend.is_some() && current.backend != new.backend {
            tracing::warn!(
                "`limits.backend`, `limits.redis_url` or `limits.redis_prefix` changed: the new backend takes effect after a restart"
            );
        }
        let backend = current.backend.take();
        *current = Settings { backend, ..new };
    }

    /// `[limits] default_rpm, default_tpm`.
    pub fn defaults(&self) -> (Option<u32>, Option<u32>) {
        let s = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (s.default_rpm, s.default_tpm)
    }

    /// The quota of `tenant` (unlimited when it has no `[[tenants]]` entry).
    pub fn tenant_quota(&self, tenant: &str) -> Quota {
        let s = self.inner.read().unwrap_or_else(|p| p.into_inner());
        s.tenants.get(tenant).copied().unwrap_or_default()
    }
}

/// Opens the backend named by `[limits] backend`.
pub async fn connect(config: &Config) -> Result<Backend, LimitBackendError> {
    let limits = &config.limits;
    match limits.backend.get_ref() {
        LimitBackend::Memory => Ok(Backend::Memory(MemoryLimiter::new())),
        LimitBackend::Redis => {
            // `validate` guarantees the URL; an empty one fails to connect below.
            let url = limits
                .redis_url
                .as_ref()
                .map(|u| u.get_ref().expose().into_owned())
                .unwrap_or_default();
            let prefix = limits.redis_prefix.as_ref().map(|p| p.get_ref().as_str());
            let limiter = RedisLimiter::connect(&url, prefix)
                .await
                .map_err(|e| LimitBackendError::Redis(e.to_string()))?;
            Ok(Backend::Redis(limiter))
        }
    }
}

/// The gateway limiter for `config`: GCRA limits per key (with the budgets its
/// [`rampart_gateway::Principal`] carries) and per tenant, on the configured backend.
pub async fn build(config: &Config) -> Result<GcraLimiter, LimitBackendError> {
    let backend = connect(config).await?;
    let counter = abuse_counter(&backend);
    Ok(
        GcraLimiter::new(backend, Arc::new(LimitSettings::from_config(config)))
            .with_abuse(CounterTracker::new(counter)),
    )
}

/// The limiter `rampart serve` would build for `config`, with its state in memory
/// whatever `[limits] backend` says: for `rampart config check`, which connects to
/// nothing.
pub fn in_memory(config: &Config) -> GcraLimiter {
    GcraLimiter::new(
        Backend::Memory(MemoryLimiter::new()),
        Arc::new(LimitSettings::from_config(config)),
    )
    .with_abuse(CounterTracker::new(Counter::Memory(MemoryCounter::new())))
}

/// The brute-force and suspension counters that go with `backend`: in memory, or in its
/// Redis (on the same connection) and in memory, which counts alone while Redis fails.
pub fn abuse_counter(backend: &Backend) -> Counter {
    match backend {
        Backend::Memory(_) => Counter::Memory(MemoryCounter::new()),
        Backend::Redis(limiter) => Counter::Redis {
            shared: RedisCounter::sharing(limiter),
            local: MemoryCounter::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_quotas_come_from_the_config_and_follow_a_reload() {
        let text = "[[tenants]]\nname = \"acme\"\nrpm = 60\ndaily_token_budget = 1000\n";
        let config = Config::from_toml(text, "c.toml").unwrap();
        let settings = LimitSettings::from_config(&config);
        let acme = settings.tenant_quota("acme");
        assert_eq!(acme.requests_per_minute, Some(60));
        assert_eq!(acme.daily_tokens, Some(1000));
        assert_eq!(acme.tokens_per_minute, None);
        assert!(settings.tenant_quota("other").is_unlimited());

        let reloaded = Config::from_toml(
            "[limits]\ndefault_rpm = 5\n[[tenants]]\nname = \"other\"\ntpm = 10\n",
            "c.toml",
        )
        .unwrap();
        settings.update(&reloaded);
        assert!(settings.tenant_quota("acme").is_unlimited());
        assert_eq!(settings.tenant_quota("other").tokens_per_minute, Some(10));
        assert_eq!(settings.defaults(), (Some(5), None));
    }
}
