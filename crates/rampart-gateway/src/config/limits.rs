//! `[limits]` and `[[tenants]]`: where limit state lives and the limits themselves.

use super::*;

/// `[limits]`: where limit state lives, and the defaults for keys that set none.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// `memory` (default: this process only, reset on restart) or `redis` (shared by every
    /// replica using the same `redis_url` and `redis_prefix`).
    #[serde(default = "default_backend")]
    #[schemars(with = "LimitBackend")]
    pub backend: Spanned<LimitBackend>,
    /// `redis://HOST:PORT/DB`; required with `backend = "redis"`, refused otherwise.
    #[schemars(with = "Option<Secret>")]
    pub redis_url: Option<Spanned<Secret>>,
    /// Namespace of the limiter's Redis keys, so several deployments can share one Redis.
    /// Default `rampart`.
    #[schemars(with = "Option<String>")]
    pub redis_prefix: Option<Spanned<String>>,
    /// Requests per minute of keys without their own `rpm`.
    #[schemars(with = "Option<u32>")]
    pub default_rpm: Option<Spanned<u32>>,
    /// Tokens per minute of keys without their own `tpm`.
    #[schemars(with = "Option<u32>")]
    pub default_tpm: Option<Spanned<u32>>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            backend: default_backend(),
            redis_url: None,
            redis_prefix: None,
            default_rpm: None,
            default_tpm: None,
        }
    }
}

fn default_backend() -> Spanned<LimitBackend> {
    Spanned::new(0..0, LimitBackend::Memory)
}

impl LimitsConfig {
    pub fn default_rpm(&self) -> Option<u32> {
        self.default_rpm.as_ref().map(|v| *v.get_ref())
    }
    pub fn default_tpm(&self) -> Option<u32> {
        self.default_tpm.as_ref().map(|v| *v.get_ref())
    }
}

/// Where the GCRA buckets and token budgets of `[limits]` live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitBackend {
    #[default]
    Memory,
    Redis,
}

/// `[[tenants]]`: the limits shared by every key of one tenant. A request passes only if
/// both its key's limits and its tenant's allow it. Tenants not listed are unlimited.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The tenant name, as on keys (`tenant = "..."`, `rampart keys create --tenant`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Requests per minute, all keys together.
    #[schemars(with = "Option<u64>")]
    pub rpm: Option<Spanned<u64>>,
    /// Tokens (input + output) per minute, all keys together.
    #[schemars(with = "Option<u64>")]
    pub tpm: Option<Spanned<u64>>,
    /// Tokens per UTC day.
    #[schemars(with = "Option<u64>")]
    pub daily_token_budget: Option<Spanned<u64>>,
    /// Tokens per UTC calendar month.
    #[schemars(with = "Option<u64>")]
    pub monthly_token_budget: Option<Spanned<u64>>,
}
