//! The gateway's TOML configuration.
//!
//! Every table refuses unknown keys, every optional key has a documented default, and
//! string values may use `${VAR}` to read an environment variable (`$$` is a literal `$`),
//! so secrets stay out of the file. [`Config::from_toml`] reports errors as
//! `FILE:LINE:COLUMN: message` naming the key; [`Config::validate`] checks what the types
//! cannot (references between sections, kind-specific keys) with the same line numbers.
//!
//! ```toml
//! [server]
//! listen = "127.0.0.1:8787"
//!
//! [storage]
//! url = "sqlite://rampart.db"
//!
//! [[providers]]
//! name = "openai"
//! kind = "openai"
//! base_url = "https://api.openai.com/v1"
//! api_key = "${OPENAI_API_KEY}"
//!
//! [[models]]
//! name = "gpt-4o-mini"
//! provider = "openai"
//! upstream_model = "gpt-4o-mini"
//!
//! [guard]
//! mode = "enforce"   # enforce | monitor | off
//! stream_release_ms = 75   # provider pause after which a held stream tail is re-judged
//!
//! [guard.external_classifier]         # optional: your own model server (TEI /predict)
//! url = "http://127.0.0.1:8080/predict"
//! timeout_ms = 200
//! on_error = "use_builtin"            # or "block": refuse what it cannot answer about
//! ```

use crate::external_classifier::{self as external, ExternalSettings};
use rampart_guard::{GuardMode, InjectionModel, OnExternalError, Policy, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// A configuration that cannot be used. The message names the key and, when known, the
/// file, line and column; it never quotes a value (it may be a secret).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{location}: {message}")]
    Invalid { location: String, message: String },
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub audit: AuditConfig,
    #[serde(default)]
    #[schemars(with = "Vec<ProviderConfig>")]
    pub providers: Vec<Spanned<ProviderConfig>>,
    #[serde(default)]
    #[schemars(with = "Vec<ModelConfig>")]
    pub models: Vec<Spanned<ModelConfig>>,
    #[serde(default)]
    pub guard: GuardConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Limits per tenant, charged in addition to each key's own.
    #[serde(default)]
    #[schemars(with = "Vec<TenantConfig>")]
    pub tenants: Vec<Spanned<TenantConfig>>,
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// Where the config was read from (for error messages and reload).
    #[serde(skip)]
    pub source: Option<PathBuf>,
    #[serde(skip)]
    text: String,
}

/// `[server]`: the main listener.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Default `127.0.0.1:8787`.
    #[serde(default = "default_listen")]
    #[schemars(with = "Interpolated")]
    pub listen: Spanned<Interpolated>,
    /// Largest request body accepted, in bytes. Default 4 MiB; larger bodies get 413.
    #[serde(default = "default_body_limit")]
    pub body_limit: usize,
    #[serde(default)]
    pub timeouts: ServerTimeouts,
    /// Inbound TLS; plain HTTP when absent.
    pub tls: Option<TlsConfig>,
    /// Serve `/healthz`, `/readyz` and `/metrics` on their own listener instead of the main one.
    pub admin: Option<AdminConfig>,
    /// Seconds to wait for in-flight requests on shutdown. Default 30.
    #[serde(default = "default_shutdown_grace")]
    pub shutdown_grace_secs: u64,
    /// Seconds between checks of the config file for changes (0 disables). Default 2.
    #[serde(default = "default_reload_poll")]
    pub reload_poll_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            body_limit: default_body_limit(),
            timeouts: ServerTimeouts::default(),
            tls: None,
            admin: None,
            shutdown_grace_secs: default_shutdown_grace(),
            reload_poll_secs: default_reload_poll(),
        }
    }
}

fn default_listen() -> Spanned<Interpolated> {
    Spanned::new(0..0, Interpolated("127.0.0.1:8787".into()))
}
fn default_body_limit() -> usize {
    4 * 1024 * 1024
}
fn default_shutdown_grace() -> u64 {
    30
}
fn default_reload_poll() -> u64 {
    2
}

/// `[server.timeouts]`, in seconds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerTimeouts {
    /// Time allowed to receive request headers. Default 10.
    #[serde(default = "ten")]
    pub header_secs: u64,
    /// Time allowed to receive the request body. Default 30.
    #[serde(default = "thirty")]
    pub body_secs: u64,
    /// Time allowed for a whole request, all upstream attempts included (streams: until the
    /// first byte of the answer). Default 300.
    #[serde(default = "three_hundred")]
    pub request_secs: u64,
}

impl Default for ServerTimeouts {
    fn default() -> Self {
        ServerTimeouts {
            header_secs: 10,
            body_secs: 30,
            request_secs: 300,
        }
    }
}

fn ten() -> u64 {
    10
}
fn thirty() -> u64 {
    30
}
fn sixty() -> u64 {
    60
}
fn three_hundred() -> u64 {
    300
}

/// `[server.tls]`: inbound TLS, optionally requiring client certificates (mTLS).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain.
    pub cert: Interpolated,
    /// PEM private key.
    pub key: Interpolated,
    /// PEM bundle of CAs whose client certificates are accepted; when set, clients must
    /// present one.
    pub client_ca: Option<Interpolated>,
}

/// `[server.admin]`: a separate listener for health and metrics.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    #[schemars(with = "Interpolated")]
    pub listen: Spanned<Interpolated>,
}

/// `[storage]`: where keys and audit records live (used by `rampart-identity` and
/// `rampart-audit`). Default `sqlite://rampart.db`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    #[serde(default = "default_storage_url")]
    pub url: Interpolated,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            url: default_storage_url(),
        }
    }
}

fn default_storage_url() -> Interpolated {
    Interpolated("sqlite://rampart.db".into())
}

/// `[audit]`: the local spool where audit records wait while the store of
/// `[storage] url` cannot take them (buffer full, database down), replayed in order when
/// it can, and at the next start.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The spool file; a relative path is relative to the working directory, like a
    /// `sqlite://` path. One gateway process per file. Default `rampart-audit.spool`.
    #[serde(default = "default_spool_path")]
    #[schemars(with = "Interpolated")]
    pub spool_path: Spanned<Interpolated>,
    /// Largest spool file, in bytes; past it, records are lost, counted in
    /// `rampart_audit_lost_total{reason="spool_full"}` and logged. Default 1 GiB.
    #[serde(default = "default_spool_max_bytes")]
    #[schemars(with = "u64")]
    pub spool_max_bytes: Spanned<u64>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            spool_path: default_spool_path(),
            spool_max_bytes: default_spool_max_bytes(),
        }
    }
}

fn default_spool_path() -> Spanned<Interpolated> {
    Spanned::new(0..0, Interpolated("rampart-audit.spool".into()))
}
fn default_spool_max_bytes() -> Spanned<u64> {
    Spanned::new(0..0, 1024 * 1024 * 1024)
}

/// The smallest spool bound accepted: room for a few thousand records.
const MIN_SPOOL_BYTES: u64 = 1024 * 1024;

/// `[telemetry]`: optional OpenTelemetry traces (one span per request, one child span per
/// pipeline phase) exported over OTLP/HTTP with the JSON encoding.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector's base URL, e.g. `http://otel-collector:4318`; spans are posted to
    /// `{otlp_endpoint}/v1/traces`. No traces when absent (the default).
    #[schemars(with = "Option<Interpolated>")]
    pub otlp_endpoint: Option<Spanned<Interpolated>>,
    /// `service.name` of the exported spans. Default `rampart`.
    #[serde(default = "default_service_name")]
    pub service_name: Interpolated,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            otlp_endpoint: None,
            service_name: default_service_name(),
        }
    }
}

fn default_service_name() -> Interpolated {
    Interpolated("rampart".into())
}

/// The upstream protocols Rampart speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Openai,
    AzureOpenai,
    Anthropic,
    Bedrock,
    OpenaiCompatible,
    /// Deterministic, offline, in-process answers for trials and tests.
    Mock,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::AzureOpenai => "azure_openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Bedrock => "bedrock",
            ProviderKind::OpenaiCompatible => "openai_compatible",
            ProviderKind::Mock => "mock",
        }
    }
}

/// `[[providers]]`: one upstream account or endpoint.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    pub kind: ProviderKind,
    /// Base URL as in the provider's SDK: OpenAI's includes `/v1`, Anthropic's does not,
    /// Azure's is `https://RESOURCE.openai.azure.com`. Defaults per kind where one exists.
    pub base_url: Option<Interpolated>,
    /// The provider credential. Never sent anywhere but to this provider.
    pub api_key: Option<Secret>,
    /// Azure OpenAI `api-version` query parameter. Default `2024-10-21`.
    pub api_version: Option<Interpolated>,
    /// Azure: send the key as `Authorization: Bearer` (Entra ID token) instead of `api-key`.
    #[serde(default)]
    pub azure_bearer: bool,
    /// AWS region (Bedrock).
    pub region: Option<Interpolated>,
    /// AWS credentials (Bedrock).
    pub credentials: Option<AwsCredentials>,
    /// PEM bundle of CAs trusted for this provider, added to the system roots.
    pub ca_bundle: Option<Interpolated>,
    #[serde(default)]
    pub timeouts: ProviderTimeouts,
    /// Retries after the first attempt on 429, 5xx and connection errors. Default 2.
    #[serde(default = "two")]
    pub max_retries: u32,
    /// Accept a client's own provider key in `x-upstream-api-key` for this provider.
    /// Default false: provider keys presented by clients are refused.
    #[serde(default)]
    pub allow_client_key: bool,
}

fn two() -> u32 {
    2
}

/// `[providers.credentials]`: static AWS credentials.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsCredentials {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// `[providers.timeouts]`, in seconds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderTimeouts {
    /// TCP + TLS connect. Default 10.
    #[serde(default = "ten")]
    pub connect_secs: u64,
    /// One attempt, until the response headers (and for non-streamed answers the whole
    /// body). Default 60.
    #[serde(default = "sixty")]
    pub attempt_secs: u64,
    /// Longest silence between two chunks of a streamed answer. Default 60.
    #[serde(default = "sixty")]
    pub idle_secs: u64,
}

impl Default for ProviderTimeouts {
    fn default() -> Self {
        ProviderTimeouts {
            connect_secs: 10,
            attempt_secs: 60,
            idle_secs: 60,
        }
    }
}

impl ProviderTimeouts {
    pub fn connect(&self) -> Duration {
        Duration::from_secs(self.connect_secs)
    }
    pub fn attempt(&self) -> Duration {
        Duration::from_secs(self.attempt_secs)
    }
    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_secs)
    }
}

/// `[[models]]`: a client-facing model name and where it is served.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Shorthand for a single deployment.
    #[schemars(with = "Option<String>")]
    pub provider: Option<Spanned<String>>,
    pub upstream_model: Option<String>,
    /// Several deployments, picked by weight, falling back in turn.
    #[serde(default)]
    #[schemars(with = "Vec<DeploymentConfig>")]
    pub deployments: Vec<Spanned<DeploymentConfig>>,
    /// Other names clients may use for this model: provider-prefixed names from a LiteLLM
    /// setup (`openai/gpt-4o-mini`), Azure deployment names. A request naming an alias is
    /// served, authorised, limited and audited as this model.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// One place a model is served.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    #[schemars(with = "String")]
    pub provider: Spanned<String>,
    pub upstream_model: String,
    /// Relative share of traffic. Default 1.
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

impl ModelConfig {
    /// The deployments of this model, whichever way they were written.
    pub fn deployments(&self) -> Vec<DeploymentConfig> {
        if let Some(provider) = &self.provider {
            return vec![DeploymentConfig {
                provider: provider.clone(),
                upstream_model: self
                    .upstream_model
                    .clone()
                    .unwrap_or_else(|| self.name.get_ref().clone()),
                weight: 1,
            }];
        }
        self.deployments
            .iter()
            .map(|d| d.get_ref().clone())
            .collect()
    }
}

/// `[guard]`: the guard engine's mode and policy.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardConfig {
    /// `enforce` (default), `monitor` or `off`. Overrides the policy's own `mode`.
    #[schemars(schema_with = "guard_mode_schema")]
    pub mode: Option<GuardMode>,
    /// A policy file (the `rampart guard` policy format), relative to this config.
    pub policy_file: Option<Interpolated>,
    /// An inline policy, same shape as a policy file.
    #[schemars(schema_with = "inline_policy_schema")]
    pub policy: Option<Policy>,
    /// An external prompt-injection classifier: a model server that can only raise the
    /// built-in injection score. None by default: the built-in path stands on its own.
    #[schemars(with = "Option<ExternalClassifierConfig>")]
    pub external_classifier: Option<Spanned<ExternalClassifierConfig>>,
    /// Milliseconds without new data from the provider after which a streamed answer's
    /// held-back tail is judged again: a tail that is already one whole match the policy
    /// rewrites goes out (redacted) instead of waiting; text that may still become a
    /// match stays held. 0 turns the timer off. Default 75, at most 10000.
    #[schemars(with = "Option<u64>")]
    pub stream_release_ms: Option<Spanned<u64>>,
}

/// Default of `[guard] stream_release_ms`.
pub const DEFAULT_STREAM_RELEASE_MS: u64 = 75;

impl GuardConfig {
    /// The pause after which a stream's held tail is judged again (`None`: never).
    pub fn stream_release(&self) -> Option<std::time::Duration> {
        let ms = self
            .stream_release_ms
            .as_ref()
            .map_or(DEFAULT_STREAM_RELEASE_MS, |m| *m.get_ref());
        (ms > 0).then(|| std::time::Duration::from_millis(ms))
    }
}

/// `[guard.external_classifier]`: a model server speaking Hugging Face
/// text-embeddings-inference `POST /predict` (`{"inputs": TEXT, "truncate": true}` →
/// `[{"label", "score"}]`; the Inference API's `[[{"label", "score"}]]` too). Its attack
/// probability (the sum of the `injection_labels` scores) is combined with the built-in
/// score by maximum, so it can block more, never less. Asked about input texts only.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalClassifierConfig {
    /// The classification endpoint, e.g. `http://127.0.0.1:8080/predict`. TLS is verified
    /// (system roots plus `ca_bundle`); redirects are not followed.
    #[schemars(with = "Interpolated")]
    pub url: Spanned<Interpolated>,
    /// Time allowed per question, connection included, in milliseconds (1 to 60000).
    /// Default 200. Each inspected message waits at most this long.
    #[serde(default = "default_external_timeout")]
    #[schemars(with = "u64")]
    pub timeout_ms: Spanned<u64>,
    /// Labels that mean "attack", compared ignoring case; their scores are added.
    /// Default `["INJECTION", "JAILBREAK", "LABEL_1", "MALICIOUS"]`.
    #[serde(default = "default_injection_labels")]
    #[schemars(with = "Vec<String>")]
    pub injection_labels: Spanned<Vec<String>>,
    /// When the server times out, cannot be reached or answers nonsense:
    /// `use_builtin` (default: the built-in decision stands) or `block` (fail closed:
    /// the request is refused with 503 `guard_unavailable`).
    #[serde(default)]
    pub on_error: ExternalOnError,
    /// The name of an environment variable holding a bearer token for the server (sent
    /// as `Authorization: Bearer`; never logged).
    #[schemars(with = "Option<String>")]
    pub api_key_env: Option<Spanned<String>>,
    /// The most characters of a text sent (its beginning; the server's `truncate` cuts
    /// further to the model's window). Default 8192.
    #[serde(default = "default_external_max_chars")]
    #[schemars(with = "usize")]
    pub max_chars: Spanned<usize>,
    /// Roles whose input texts are sent: `system`, `user`, `assistant`, `tool`,
    /// `document`. Default `["user", "tool", "document"]` (system prompts are
    /// instructions by design, and would look like injections to most models).
    #[serde(default = "default_external_roles")]
    #[schemars(with = "Vec<String>")]
    pub roles: Spanned<Vec<Role>>,
    /// PEM bundle of CAs trusted for this server, added to the system roots.
    pub ca_bundle: Option<Interpolated>,
    /// Answers kept for repeated texts (a conversation re-sends its history on every
    /// turn), by SHA-256 of the text sent; emptied on reload. 0 disables. Default 4096.
    #[serde(default = "default_external_cache")]
    pub cache_entries: usize,
}

/// `[guard.external_classifier] on_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExternalOnError {
    /// The built-in decision stands.
    #[default]
    UseBuiltin,
    /// Refuse the request (fail closed).
    Block,
}

fn default_external_timeout() -> Spanned<u64> {
    Spanned::new(0..0, external::DEFAULT_TIMEOUT_MS)
}
fn default_injection_labels() -> Spanned<Vec<String>> {
    Spanned::new(
        0..0,
        external::DEFAULT_INJECTION_LABELS
            .map(String::from)
            .to_vec(),
    )
}
fn default_external_max_chars() -> Spanned<usize> {
    Spanned::new(0..0, external::DEFAULT_MAX_CHARS)
}
fn default_external_cache() -> usize {
    external::DEFAULT_CACHE_ENTRIES
}
fn default_external_roles() -> Spanned<Vec<Role>> {
    Spanned::new(0..0, external::DEFAULT_ROLES.to_vec())
}

/// `[auth]`: how clients authenticate.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Static keys, stored as the SHA-256 of the key in lower-case hex.
    #[serde(default)]
    #[schemars(with = "Vec<StaticKeyConfig>")]
    pub keys: Vec<Spanned<StaticKeyConfig>>,
}

/// `[[auth.keys]]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaticKeyConfig {
    pub id: String,
    pub tenant: String,
    /// A human-readable name. Default: the id.
    pub name: Option<String>,
    /// `sha256(key)` as 64 hex characters.
    #[schemars(with = "String")]
    pub sha256: Spanned<String>,
    /// Models this key may use; all when absent.
    pub models: Option<Vec<String>>,
    /// Requests per minute for this key (in-memory limiter).
    pub rpm: Option<u32>,
    /// Tokens per minute for this key (in-memory limiter).
    pub tpm: Option<u32>,
}

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

/// A string that may contain `${VAR}` references, expanded when the config is read.
#[derive(Clone, PartialEq, Eq)]
pub struct Interpolated(pub String);

impl fmt::Debug for Interpolated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Interpolated {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Interpolated {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        interpolate(&raw)
            .map(Interpolated)
            .map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Interpolated {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Interpolated".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A string; `${VAR}` reads the environment variable VAR, `$$` is a literal `$`."
        })
    }
}

impl JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A credential; write `${VAR}` to read it from the environment rather than the file."
        })
    }
}

fn guard_mode_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "enum": ["enforce", "monitor", "off"]
    })
}

fn inline_policy_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "description": "An inline guard policy, the same shape as a `rampart guard` policy file (checked by `rampart config check`)."
    })
}

/// A credential: interpolated like any string, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The clear value, for building the upstream request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Interpolated::deserialize(d).map(|i| Secret(i.0))
    }
}

/// Expand `${VAR}` from the environment; `$$` is a literal `$`.
pub fn interpolate(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body
                .find('}')
                .ok_or_else(|| "unclosed `${` in value".to_owned())?;
            let name = &body[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("invalid environment variable name `{name}`"));
            }
            match std::env::var(name) {
                Ok(v) => out.push_str(&v),
                Err(_) => return Err(format!("environment variable `{name}` is not set")),
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

impl Config {
    /// Read, parse and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Config::from_toml(&text, &path.display().to_string())?;
        config.source = Some(path.to_owned());
        config.validate()?;
        Ok(config)
    }

    /// Parse `text` (named `origin` in errors) without validating it.
    pub fn from_toml(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            location: locate(origin, text, e.span()),
            message: e.message().trim().to_owned(),
        })?;
        config.text = text.to_owned();
        config.source = Some(PathBuf::from(origin));
        Ok(config)
    }

    fn origin(&self) -> String {
        self.source
            .as_ref()
            .map_or_else(|| "config".to_owned(), |p| p.display().to_string())
    }

    fn invalid(&self, span: Range<usize>, key: &str, message: impl fmt::Display) -> ConfigError {
        let span = (span.end > 0).then_some(span);
        ConfigError::Invalid {
            location: locate(&self.origin(), &self.text, span),
            message: format!("`{key}`: {message}"),
        }
    }

    /// Check what the types cannot: addresses parse, names are unique, references resolve,
    /// each provider kind has the keys it needs, key hashes are well formed.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let listen = &self.server.listen;
        if listen.get_ref().0.parse::<SocketAddr>().is_err() {
            return Err(self.invalid(
                listen.span(),
                "server.listen",
                "expected an address such as 127.0.0.1:8787",
            ));
        }
        if let Some(admin) = &self.server.admin
            && admin.listen.get_ref().0.parse::<SocketAddr>().is_err()
        {
            return Err(self.invalid(
                admin.listen.span(),
                "server.admin.listen",
                "expected an address such as 127.0.0.1:9090",
            ));
        }
        if self.server.body_limit == 0 {
            return Err(self.invalid(0..0, "server.body_limit", "must be greater than 0"));
        }
        let mut names = std::collections::HashSet::new();
        for p in &self.providers {
            let name = &p.get_ref().name;
            if !names.insert(name.get_ref().as_str()) {
                return Err(self.invalid(name.span(), "providers.name", "duplicate provider name"));
            }
            self.validate_provider(p)?;
        }
        let model_names: std::collections::HashSet<&str> = self
            .models
            .iter()
            .map(|m| m.get_ref().name.get_ref().as_str())
            .collect();
        let mut aliases = std::collections::HashSet::new();
        for m in &self.models {
            for a in &m.get_ref().aliases {
                if a.is_empty() || model_names.contains(a.as_str()) || !aliases.insert(a.as_str()) {
                    return Err(self.invalid(
                        m.span(),
                        "models.aliases",
                        format!("`{a}` is empty, a model name or another model's alias"),
                    ));
                }
            }
        }
        let mut models = std::collections::HashSet::new();
        for m in &self.models {
            let model = m.get_ref();
            if !models.insert(model.name.get_ref().as_str()) {
                return Err(self.invalid(model.name.span(), "models.name", "duplicate model name"));
            }
            match (&model.provider, model.deployments.is_empty()) {
                (Some(_), false) => {
                    return Err(self.invalid(
                        m.span(),
                        "models.deployments",
                        "give either `provider` or `deployments`, not both",
                    ));
                }
                (None, true) => {
                    return Err(self.invalid(
                        m.span(),
                        "models.provider",
                        "missing: give `provider` (and `upstream_model`) or `deployments`",
                    ));
                }
                _ => {}
            }
            let refs = model
                .provider
                .iter()
                .chain(model.deployments.iter().map(|d| &d.get_ref().provider));
            for r in refs {
                if !names.contains(r.get_ref().as_str()) {
                    return Err(self.invalid(
                        r.span(),
                        "models.provider",
                        format!("no provider named `{}` in [[providers]]", r.get_ref()),
                    ));
                }
            }
            if model.deployments.iter().all(|d| d.get_ref().weight == 0)
                && !model.deployments.is_empty()
            {
                return Err(self.invalid(
                    m.span(),
                    "models.deployments.weight",
                    "at least one deployment needs a weight above 0",
                ));
            }
        }
        let mut key_ids = std::collections::HashSet::new();
        for k in &self.auth.keys {
            let key = k.get_ref();
            if !key_ids.insert(key.id.as_str()) {
                return Err(self.invalid(k.span(), "auth.keys.id", "duplicate key id"));
            }
            let hash = key.sha256.get_ref();
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(self.invalid(
                    key.sha256.span(),
                    "auth.keys.sha256",
                    "expected the SHA-256 of the key as 64 hex characters (`printf %s KEY | sha256sum`)",
                ));
            }
        }
        self.validate_limits()?;
        if let Some(endpoint) = &self.telemetry.otlp_endpoint {
            let url = endpoint.get_ref().as_str();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(self.invalid(
                    endpoint.span(),
                    "telemetry.otlp_endpoint",
                    "expected an http:// or https:// URL such as http://127.0.0.1:4318",
                ));
            }
        }
        let spool = &self.audit.spool_path;
        if spool.get_ref().as_str().is_empty() {
            return Err(self.invalid(spool.span(), "audit.spool_path", "must not be empty"));
        }
        let bound = &self.audit.spool_max_bytes;
        if *bound.get_ref() < MIN_SPOOL_BYTES {
            return Err(self.invalid(
                bound.span(),
                "audit.spool_max_bytes",
                format!("must be at least {MIN_SPOOL_BYTES} (1 MiB)"),
            ));
        }
        if let Some(policy) = &self.guard.policy {
            policy
                .validate()
                .map_err(|e| self.invalid(0..0, "guard.policy", e))?;
        }
        if let Some(ext) = &self.guard.external_classifier {
            self.validate_external(ext)?;
        }
        if let Some(ms) = &self.guard.stream_release_ms
            && *ms.get_ref() > 10_000
        {
            return Err(self.invalid(
                ms.span(),
                "guard.stream_release_ms",
                "must be between 0 and 10000",
            ));
        }
        Ok(())
    }

    /// `[guard.external_classifier]`: values in range; the URL and the environment
    /// variable are checked when the client is built ([`Config::external_settings`]).
    fn validate_external(
        &self,
        ext: &Spanned<ExternalClassifierConfig>,
    ) -> Result<(), ConfigError> {
        let e = ext.get_ref();
        let key = |k: &str| format!("guard.external_classifier.{k}");
        let url = e.url.get_ref().as_str();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(self.invalid(
                e.url.span(),
                &key("url"),
                "expected an http:// or https:// URL such as http://127.0.0.1:8080/predict",
            ));
        }
        let t = *e.timeout_ms.get_ref();
        if !(1..=60_000).contains(&t) {
            let span = if e.timeout_ms.span().end > 0 {
                e.timeout_ms.span()
            } else {
                ext.span()
            };
            return Err(self.invalid(span, &key("timeout_ms"), "must be between 1 and 60000"));
        }
        let labels = e.injection_labels.get_ref();
        if labels.is_empty() || labels.iter().any(|l| l.trim().is_empty()) {
            return Err(self.invalid(
                e.injection_labels.span(),
                &key("injection_labels"),
                "give at least one non-empty label (e.g. \"INJECTION\")",
            ));
        }
        if !(1..=1_000_000).contains(e.max_chars.get_ref()) {
            return Err(self.invalid(
                e.max_chars.span(),
                &key("max_chars"),
                "must be between 1 and 1000000",
            ));
        }
        if e.roles.get_ref().is_empty() {
            return Err(self.invalid(e.roles.span(), &key("roles"), "give at least one role"));
        }
        if let Some(var) = &e.api_key_env {
            let name = var.get_ref();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(self.invalid(
                    var.span(),
                    &key("api_key_env"),
                    "expected the name of an environment variable, such as TEI_API_KEY",
                ));
            }
        }
        Ok(())
    }

    /// The external classifier's client settings, when one is configured. Reads the
    /// token from `api_key_env` (an unset variable is an error naming the key and the
    /// variable, never a value).
    pub fn external_settings(&self) -> Result<Option<ExternalSettings>, ConfigError> {
        let Some(ext) = &self.guard.external_classifier else {
            return Ok(None);
        };
        let e = ext.get_ref();
        let api_key = match &e.api_key_env {
            Some(var) => Some(std::env::var(var.get_ref()).map_err(|_| {
                self.invalid(
                    var.span(),
                    "guard.external_classifier.api_key_env",
                    format!("environment variable `{}` is not set", var.get_ref()),
                )
            })?),
            None => None,
        };
        Ok(Some(ExternalSettings {
            url: e.url.get_ref().as_str().to_owned(),
            timeout: Duration::from_millis(*e.timeout_ms.get_ref()),
            injection_labels: e.injection_labels.get_ref().clone(),
            on_error: match e.on_error {
                ExternalOnError::UseBuiltin => OnExternalError::UseBuiltIn,
                ExternalOnError::Block => OnExternalError::Fail,
            },
            api_key,
            max_chars: *e.max_chars.get_ref(),
            roles: e.roles.get_ref().clone(),
            ca_bundle: e
                .ca_bundle
                .as_ref()
                .map(|p| self.relative_path(p.as_str()).display().to_string()),
            cache_entries: e.cache_entries.min(1 << 20),
        }))
    }

    /// The user's own injection model named by the policy's `injection_model` (already
    /// resolved by [`Config::guard_policy`]), read and checked; errors name the key.
    pub fn injection_model(&self, policy: &Policy) -> Result<Option<InjectionModel>, ConfigError> {
        let Some(path) = &policy.injection_model else {
            return Ok(None);
        };
        let (location, key) = match &self.guard.policy_file {
            Some(file) => (
                self.relative_path(file.as_str()).display().to_string(),
                "injection_model",
            ),
            None => (self.origin(), "guard.policy.injection_model"),
        };
        read_injection_model(path)
            .map(Some)
            .map_err(|reason| ConfigError::Invalid {
                location,
                message: format!("`{key}`: {reason}"),
            })
    }

    /// `[limits]` and `[[tenants]]`: the backend has what it needs and nothing it ignores,
    /// limits are positive (leave a limit out for none), tenant names are unique.
    fn validate_limits(&self) -> Result<(), ConfigError> {
        let limits = &self.limits;
        let redis = *limits.backend.get_ref() == LimitBackend::Redis;
        match (&limits.redis_url, redis) {
            (None, true) => {
                return Err(self.invalid(
                    limits.backend.span(),
                    "limits.redis_url",
                    "missing: `backend = \"redis\"` needs it (redis://HOST:PORT/DB)",
                ));
            }
            (Some(url), false) => {
                return Err(self.invalid(
                    url.span(),
                    "limits.redis_url",
                    "only used with `backend = \"redis\"`",
                ));
            }
            (Some(url), true) => {
                let schemes = ["redis://", "rediss://", "redis+unix://", "unix://"];
                if !schemes
                    .iter()
                    .any(|s| url.get_ref().expose().starts_with(s))
                {
                    return Err(self.invalid(
                        url.span(),
                        "limits.redis_url",
                        "expected a redis:// URL such as redis://127.0.0.1:6379/0",
                    ));
                }
            }
            (None, false) => {}
        }
        if let Some(prefix) = &limits.redis_prefix {
            if !redis {
                return Err(self.invalid(
                    prefix.span(),
                    "limits.redis_prefix",
                    "only used with `backend = \"redis\"`",
                ));
            }
            let p = prefix.get_ref();
            if p.is_empty()
                || p.len() > 64
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'{' && b != b'}')
            {
                return Err(self.invalid(
                    prefix.span(),
                    "limits.redis_prefix",
                    "expected 1 to 64 visible ASCII characters without `{` or `}`",
                ));
            }
        }
        let positive = |value: Option<&Spanned<u64>>, key: &str| match value {
            Some(v) if *v.get_ref() == 0 => Err(self.invalid(
                v.span(),
                key,
                "must be greater than 0 (leave it out for no limit)",
            )),
            _ => Ok(()),
        };
        for (value, key) in [
            (&limits.default_rpm, "limits.default_rpm"),
            (&limits.default_tpm, "limits.default_tpm"),
        ] {
            let widened = value
                .as_ref()
                .map(|v| Spanned::new(v.span(), u64::from(*v.get_ref())));
            positive(widened.as_ref(), key)?;
        }
        let mut tenants = std::collections::HashSet::new();
        for t in &self.tenants {
            let tenant = t.get_ref();
            let name = tenant.name.get_ref();
            if name.is_empty() {
                return Err(self.invalid(tenant.name.span(), "tenants.name", "must not be empty"));
            }
            if !tenants.insert(name.as_str()) {
                return Err(self.invalid(
                    tenant.name.span(),
                    "tenants.name",
                    "duplicate tenant name",
                ));
            }
            positive(tenant.rpm.as_ref(), "tenants.rpm")?;
            positive(tenant.tpm.as_ref(), "tenants.tpm")?;
            positive(
                tenant.daily_token_budget.as_ref(),
                "tenants.daily_token_budget",
            )?;
            positive(
                tenant.monthly_token_budget.as_ref(),
                "tenants.monthly_token_budget",
            )?;
        }
        Ok(())
    }

    fn validate_provider(&self, p: &Spanned<ProviderConfig>) -> Result<(), ConfigError> {
        let cfg = p.get_ref();
        let need = |ok: bool, key: &str, why: &str| {
            if ok {
                Ok(())
            } else {
                Err(self.invalid(
                    p.span(),
                    &format!("providers.{key}"),
                    format!(
                        "missing: a `{}` provider needs it ({why})",
                        cfg.kind.as_str()
                    ),
                ))
            }
        };
        match cfg.kind {
            ProviderKind::Openai | ProviderKind::Anthropic => {
                need(cfg.api_key.is_some(), "api_key", "the provider's API key")?
            }
            ProviderKind::AzureOpenai => {
                need(
                    cfg.base_url.is_some(),
                    "base_url",
                    "https://RESOURCE.openai.azure.com",
                )?;
                need(
                    cfg.api_key.is_some(),
                    "api_key",
                    "the resource key or a bearer token",
                )?;
            }
            ProviderKind::OpenaiCompatible => need(
                cfg.base_url.is_some(),
                "base_url",
                "e.g. http://127.0.0.1:8000/v1",
            )?,
            ProviderKind::Bedrock => {
                need(cfg.region.is_some(), "region", "e.g. us-east-1")?;
                need(
                    cfg.credentials.is_some(),
                    "credentials",
                    "access_key_id and secret_access_key",
                )?;
            }
            ProviderKind::Mock => {}
        }
        if let Some(url) = &cfg.base_url
            && !(url.0.starts_with("http://") || url.0.starts_with("https://"))
        {
            return Err(self.invalid(
                p.span(),
                "providers.base_url",
                "expected an http:// or https:// URL",
            ));
        }
        Ok(())
    }

    /// The listen address (validated).
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server
            .listen
            .get_ref()
            .0
            .parse()
            .map_err(|_| self.invalid(self.server.listen.span(), "server.listen", "bad address"))
    }

    /// The guard policy: the policy file or inline policy (default policy otherwise), with
    /// `[guard] mode` applied on top.
    pub fn guard_policy(&self) -> Result<Policy, ConfigError> {
        let mut policy = match (&self.guard.policy_file, &self.guard.policy) {
            (Some(_), Some(_)) => {
                return Err(self.invalid(
                    0..0,
                    "guard.policy_file",
                    "give either `policy_file` or an inline `[guard.policy]`, not both",
                ));
            }
            (Some(file), None) => {
                let path = self.relative_path(file.as_str());
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    self.invalid(
                        0..0,
                        "guard.policy_file",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                let mut policy =
                    Policy::from_toml_str(&text).map_err(|e| ConfigError::Invalid {
                        location: path.display().to_string(),
                        message: e.to_string(),
                    })?;
                // A model file named in a policy file is relative to that file.
                if let Some(dir) = path.parent() {
                    policy.resolve_paths(dir);
                }
                policy
            }
            (None, Some(p)) => {
                let mut policy = p.clone();
                if let Some(dir) = self.source.as_ref().and_then(|s| s.parent()) {
                    policy.resolve_paths(dir);
                }
                policy
            }
            (None, None) => Policy::default(),
        };
        if let Some(mode) = self.guard.mode {
            policy.mode = mode;
        }
        Ok(policy)
    }

    /// A path from the config, relative to the config file's folder.
    pub fn relative_path(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        match self.source.as_ref().and_then(|s| s.parent()) {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_owned(),
        }
    }
}

/// Read and check a user's injection model file (the `injection_model` of a policy). The
/// read is bounded by the only valid size, so a wrong path to a huge file costs nothing.
pub fn read_injection_model(path: &Path) -> Result<InjectionModel, String> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(InjectionModel::FILE_LEN);
    std::fs::File::open(path)
        .and_then(|f| {
            f.take(InjectionModel::FILE_LEN as u64 + 1)
                .read_to_end(&mut bytes)
        })
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    InjectionModel::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// `origin:LINE:COLUMN` for a byte span of `text` (1-based), or `origin` alone.
fn locate(origin: &str, text: &str, span: Option<Range<usize>>) -> String {
    let Some(span) = span else {
        return origin.to_owned();
    };
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{origin}:{line}:{column}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUE_EXAMPLE: &str = r#"
[server]
listen = "127.0.0.1:8787"

[storage]
url = "sqlite://rampart.db"

[[providers]]
name = "openai"
kind = "openai"
base_url = "https://api.openai.com/v1"
api_key = "${RAMPART_TEST_OPENAI_KEY}"

[[providers]]
name = "anthropic"
kind = "anthropic"
base_url = "https://api.anthropic.com"
api_key = "${RAMPART_TEST_ANTHROPIC_KEY}"

[[models]]
name = "gpt-4o-mini"
provider = "openai"
upstream_model = "gpt-4o-mini"

[[models]]
name = "claude-sonnet"
provider = "anthropic"
upstream_model = "claude-sonnet-4-5"

[guard]
mode = "enforce"   # enforce | monitor | off
"#;

    #[test]
    fn issue_example_loads_with_its_variables_set_and_fails_without() {
        let err = Config::from_toml(ISSUE_EXAMPLE, "rampart.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("rampart.toml:12:"), "{msg}");
        assert!(msg.contains("RAMPART_TEST_OPENAI_KEY"), "{msg}");
        let text = ISSUE_EXAMPLE
            .replace("${RAMPART_TEST_OPENAI_KEY}", "${HOME}")
            .replace("${RAMPART_TEST_ANTHROPIC_KEY}", "${HOME}");
        // HOME is set in every test environment; it stands in for the two API keys.
        let config = Config::from_toml(&text, "rampart.toml").unwrap();
        config.validate().unwrap();
        assert_eq!(config.providers.len(), 2);
        assert_eq!(
            config.models[1].get_ref().deployments()[0].upstream_model,
            "claude-sonnet-4-5"
        );
        assert_eq!(config.guard_policy().unwrap().mode, GuardMode::Enforce);
        assert_eq!(config.server.body_limit, 4 * 1024 * 1024);
    }

    #[test]
    fn unknown_key_names_the_key_and_the_line() {
        let err = Config::from_toml(
            "[server]\nlisten = \"127.0.0.1:1\"\nlisten_port = 3\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("c.toml:3:1:"), "{err}");
        assert!(err.contains("listen_port"), "{err}");
    }

    #[test]
    fn bad_enum_value_names_the_line() {
        let err = Config::from_toml("[guard]\n\nmode = \"loud\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:3:"), "{err}");
        assert!(err.contains("loud") || err.contains("enforce"), "{err}");
    }

    #[test]
    fn model_with_unknown_provider_is_refused_at_its_line() {
        let text = "[[providers]]\nname = \"m\"\nkind = \"mock\"\n\n[[models]]\nname = \"x\"\nprovider = \"nope\"\n";
        let config = Config::from_toml(text, "c.toml").unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.starts_with("c.toml:7:"), "{err}");
        assert!(
            err.contains("models.provider") && err.contains("nope"),
            "{err}"
        );
    }

    #[test]
    fn provider_missing_its_key_is_refused() {
        let text = "[[providers]]\nname = \"o\"\nkind = \"openai\"\n";
        let err = Config::from_toml(text, "c.toml")
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("providers.api_key"), "{err}");
    }

    #[test]
    fn malformed_key_hash_is_refused() {
        let text = "[[auth.keys]]\nid = \"k\"\ntenant = \"t\"\nsha256 = \"abc\"\n";
        let err = Config::from_toml(text, "c.toml")
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(err.to_string().starts_with("c.toml:4:"), "{err}");
    }

    #[test]
    fn interpolation_handles_escapes_and_refuses_bad_names() {
        assert_eq!(interpolate("a$$b$c").unwrap(), "a$b$c");
        assert!(interpolate("${A-B}").is_err());
        assert!(interpolate("${UNCLOSED").is_err());
        assert!(
            interpolate("${RAMPART_SURELY_UNSET_VARIABLE}")
                .unwrap_err()
                .contains("RAMPART_SURELY_UNSET_VARIABLE")
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("sk-live-123");
        assert!(!format!("{s:?}").contains("sk-live"));
    }

    #[test]
    fn inline_policy_deserialises_and_mode_overrides_it() {
        let text = "[guard]\nmode = \"monitor\"\n[guard.policy]\nmode = \"enforce\"\n[guard.policy.input]\npii = \"redact\"\n";
        let config = Config::from_toml(text, "c.toml").unwrap();
        let policy = config.guard_policy().unwrap();
        assert_eq!(policy.mode, GuardMode::Monitor);
        assert_eq!(policy.input.pii, rampart_guard::Action::Redact);
    }

    fn validation_error(text: &str) -> String {
        Config::from_toml(text, "c.toml")
            .and_then(|c| c.validate())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn redis_limits_and_tenants_parse() {
        let text = "[limits]\nbackend = \"redis\"\nredis_url = \"redis://10.0.0.7:6379/0\"\nredis_prefix = \"prod\"\ndefault_rpm = 60\n\n[[tenants]]\nname = \"acme\"\nrpm = 600\ntpm = 100000\ndaily_token_budget = 1000000\nmonthly_token_budget = 20000000\n";
        let config = Config::from_toml(text, "c.toml").unwrap();
        config.validate().unwrap();
        assert_eq!(*config.limits.backend.get_ref(), LimitBackend::Redis);
        assert_eq!(
            config.limits.redis_url.as_ref().unwrap().get_ref().expose(),
            "redis://10.0.0.7:6379/0"
        );
        assert_eq!(config.limits.default_rpm(), Some(60));
        let acme = config.tenants[0].get_ref();
        assert_eq!(acme.name.get_ref(), "acme");
        assert_eq!(
            acme.monthly_token_budget.as_ref().map(|v| *v.get_ref()),
            Some(20_000_000)
        );
    }

    #[test]
    fn limit_errors_name_the_key_and_the_line() {
        let err = validation_error("[limits]\n\nbackend = \"redis\"\n");
        assert!(err.starts_with("c.toml:3:"), "{err}");
        assert!(
            err.contains("limits.redis_url") && err.contains("missing"),
            "{err}"
        );

        let err = validation_error("[limits]\nredis_url = \"redis://h\"\n");
        assert!(err.starts_with("c.toml:2:"), "{err}");
        assert!(
            err.contains("only used with `backend = \"redis\"`"),
            "{err}"
        );

        let err = validation_error("[limits]\nbackend = \"redis\"\nredis_url = \"http://h\"\n");
        assert!(
            err.starts_with("c.toml:3:") && err.contains("limits.redis_url"),
            "{err}"
        );

        let err = Config::from_toml("[limits]\nbackend = \"etcd\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml:2:") && err.contains("memory"),
            "{err}"
        );

        let err = Config::from_toml("[limits]\nredis = \"x\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml:2:") && err.contains("redis"),
            "{err}"
        );

        let err = Config::from_toml(
            "[limits]\nbackend = \"redis\"\nredis_url = \"${RAMPART_SURELY_UNSET_REDIS}\"\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("c.toml:3:") && err.contains("RAMPART_SURELY_UNSET_REDIS"),
            "{err}"
        );

        let err = validation_error("[limits]\ndefault_tpm = 0\n");
        assert!(
            err.starts_with("c.toml:2:") && err.contains("limits.default_tpm"),
            "{err}"
        );

        let err = validation_error(
            "[limits]\nbackend = \"redis\"\nredis_url = \"redis://h\"\nredis_prefix = \"a{b}\"\n",
        );
        assert!(
            err.starts_with("c.toml:4:") && err.contains("limits.redis_prefix"),
            "{err}"
        );
    }

    #[test]
    fn tenant_errors_name_the_key_and_the_line() {
        let err = validation_error("[[tenants]]\nname = \"a\"\n\n[[tenants]]\nname = \"a\"\n");
        assert!(
            err.starts_with("c.toml:5:") && err.contains("duplicate tenant"),
            "{err}"
        );

        let err = validation_error("[[tenants]]\nname = \"a\"\nrpm = 10\ntpm = 0\n");
        assert!(
            err.starts_with("c.toml:4:") && err.contains("tenants.tpm"),
            "{err}"
        );

        let err = Config::from_toml("[[tenants]]\nname = \"a\"\nrpm = -1\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:3:"), "{err}");

        let err = Config::from_toml("[[tenants]]\nname = \"a\"\ndaily_tokens = 5\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml:3:") && err.contains("daily_tokens"),
            "{err}"
        );

        let err = Config::from_toml("[[tenants]]\nrpm = 5\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("name"), "{err}");
    }

    #[test]
    fn audit_spool_settings_parse_and_bad_ones_name_the_line() {
        let config = Config::from_toml(
            "[audit]\nspool_path = \"/var/lib/rampart/audit.spool\"\nspool_max_bytes = 10485760\n",
            "c.toml",
        )
        .unwrap();
        config.validate().unwrap();
        assert_eq!(
            config.audit.spool_path.get_ref().as_str(),
            "/var/lib/rampart/audit.spool"
        );
        assert_eq!(*config.audit.spool_max_bytes.get_ref(), 10_485_760);
        let default = Config::from_toml("", "c.toml").unwrap();
        assert_eq!(
            default.audit.spool_path.get_ref().as_str(),
            "rampart-audit.spool"
        );

        let err = validation_error("[audit]\n\nspool_max_bytes = 10\n");
        assert!(
            err.starts_with("c.toml:3:") && err.contains("audit.spool_max_bytes"),
            "{err}"
        );
        let err = Config::from_toml("[audit]\nspool = \"x\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml:2:") && err.contains("spool"),
            "{err}"
        );
    }

    #[test]
    fn external_classifier_parses_with_defaults_and_bad_values_name_the_key() {
        let config = Config::from_toml(
            "[guard.external_classifier]\nurl = \"http://127.0.0.1:8080/predict\"\n",
            "c.toml",
        )
        .unwrap();
        config.validate().unwrap();
        let s = config.external_settings().unwrap().unwrap();
        assert_eq!(s.timeout, Duration::from_millis(200));
        assert_eq!(s.on_error, OnExternalError::UseBuiltIn);
        assert_eq!(s.injection_labels.len(), 4);
        assert_eq!(s.roles, vec![Role::User, Role::Tool, Role::Document]);

        let config = Config::from_toml(
            "[guard.external_classifier]\nurl = \"https://tei.internal/predict\"\ntimeout_ms = 50\non_error = \"block\"\ninjection_labels = [\"unsafe\"]\nroles = [\"user\"]\nmax_chars = 100\n",
            "c.toml",
        )
        .unwrap();
        config.validate().unwrap();
        let s = config.external_settings().unwrap().unwrap();
        assert_eq!(s.on_error, OnExternalError::Fail);
        assert_eq!(s.roles, vec![Role::User]);

        let err = validation_error("[guard.external_classifier]\n\nurl = \"tcp://x\"\n");
        assert!(
            err.starts_with("c.toml:3:") && err.contains("guard.external_classifier.url"),
            "{err}"
        );
        let err = validation_error(
            "[guard.external_classifier]\nurl = \"http://h/predict\"\ntimeout_ms = 0\n",
        );
        assert!(
            err.starts_with("c.toml:3:") && err.contains("timeout_ms"),
            "{err}"
        );
        let err = validation_error(
            "[guard.external_classifier]\nurl = \"http://h/predict\"\ninjection_labels = []\n",
        );
        assert!(err.contains("injection_labels"), "{err}");
        let err = Config::from_toml(
            "[guard.external_classifier]\nurl = \"http://h/predict\"\non_error = \"allow\"\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("c.toml:3:") && err.contains("use_builtin"),
            "{err}"
        );
        let err = Config::from_toml(
            "[guard.external_classifier]\nurl = \"http://h/predict\"\nretries = 3\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("retries"), "{err}");

        let config = Config::from_toml(
            "[guard.external_classifier]\nurl = \"http://h/predict\"\napi_key_env = \"RAMPART_SURELY_UNSET_TEI_KEY\"\n",
            "c.toml",
        )
        .unwrap();
        config.validate().unwrap();
        let err = config.external_settings().unwrap_err().to_string();
        assert!(
            err.contains("api_key_env") && err.contains("RAMPART_SURELY_UNSET_TEI_KEY"),
            "{err}"
        );
    }

    #[test]
    fn injection_model_paths_are_relative_to_the_file_that_names_them() {
        let config = Config::from_toml(
            "[guard.policy]\ninjection_model = \"models/inj.bin\"\n",
            "/etc/rampart/rampart.toml",
        )
        .unwrap();
        let policy = config.guard_policy().unwrap();
        assert_eq!(
            policy.injection_model.as_deref(),
            Some(Path::new("/etc/rampart/models/inj.bin"))
        );
        let err = config.injection_model(&policy).unwrap_err().to_string();
        assert!(
            err.contains("guard.policy.injection_model") && err.contains("cannot read"),
            "{err}"
        );
    }

    #[test]
    fn telemetry_endpoint_must_be_http() {
        let config = Config::from_toml(
            "[telemetry]\notlp_endpoint = \"http://127.0.0.1:4318\"\n",
            "c.toml",
        )
        .unwrap();
        config.validate().unwrap();
        assert_eq!(config.telemetry.service_name.as_str(), "rampart");
        let err = validation_error("[telemetry]\n\notlp_endpoint = \"grpc://collector:4317\"\n");
        assert!(
            err.starts_with("c.toml:3:") && err.contains("telemetry.otlp_endpoint"),
            "{err}"
        );
        let err = Config::from_toml("[telemetry]\notlp_headers = 1\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:2:"), "{err}");
    }
}
