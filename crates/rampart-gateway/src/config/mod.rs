//! The gateway's TOML configuration.
//!
//! Every table refuses unknown keys, every optional key has a documented default, and
//! string values may use `${VAR}` to read an environment variable (`$$` is a literal `$`),
//! so secrets stay out of the file. [`Config::from_toml`] reports errors as
//! `FILE:LINE:COLUMN: message` naming the key; [`Config::validate`] checks what the types
//! cannot (references between sections, kind-specific keys) with the same line numbers,
//! and reports every problem it finds at once.
//!
//! One file per section (`server`, `storage`, `audit`, `provider`, `model`, `guard`,
//! `auth`, `authz`, `limits`, `secrets`, `telemetry`, `mcp`, `events`), plus `interpolate` (`${VAR}`,
//! [`Secret`]) and `validate` (the checks across sections). Every section type is
//! re-exported here, so callers write `config::ProviderConfig`.
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
//! [guard.semantic]                    # the in-process semantic tier
//! enabled = "auto"                    # on when installed | "on" (required) | "off"
//! cascade = "all"                     # or "uncertain": only texts in uncertain_band
//!
//! [guard.llm_judge]                   # optional (also with external_classifier): a model
//!                                     # of [[models]] judges the uncertain texts
//! model = "gpt-4o-mini"
//! band = [0.15, 0.5]                  # combined scores it is asked about
//! calls_per_minute = 60               # per tenant; timeout_ms = 3000; on_error as below
//!
//! [guard.external_classifier]         # optional: your own model server (TEI /predict)
//! url = "http://127.0.0.1:8080/predict"
//! timeout_ms = 200
//! on_error = "use_builtin"            # or "block": refuse what it cannot answer about
//! ```

mod audit;
mod auth;
mod authz;
mod events;
mod guard;
mod interpolate;
mod limits;
mod mcp;
mod model;
mod provider;
mod secrets;
mod server;
mod storage;
mod telemetry;
#[cfg(test)]
mod tests;
mod validate;

pub use audit::*;
pub use auth::*;
pub use authz::*;
pub use events::*;
pub use guard::*;
pub use interpolate::*;
pub use limits::*;
pub use mcp::*;
pub use model::*;
pub use provider::*;
pub use secrets::*;
pub use server::*;
pub use storage::*;
pub use telemetry::*;

use crate::external_classifier::{self as external, ExternalSettings};
use crate::semantic::{SemanticCascade, SemanticMode, SemanticSettings};
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
    /// Several problems, each an [`ConfigError::Invalid`] naming its key and line, in the
    /// order of the checks.
    #[error("{} problems in the config:\n{}", .0.len(), list(.0))]
    Report(Vec<ConfigError>),
}

fn list(errors: &[ConfigError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    lines.join("\n")
}

impl ConfigError {
    /// `Ok` for no errors, the error itself for one, a [`ConfigError::Report`] for more.
    pub(crate) fn report(mut errors: Vec<ConfigError>) -> Result<(), ConfigError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(ConfigError::Report(errors)),
        }
    }
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
    /// Cedar policies; absent: keys' model lists alone decide.
    #[serde(default)]
    pub authz: Option<AuthzConfig>,
    /// The MCP proxy of `rampart mcp`; `rampart serve` does not read it.
    #[serde(default)]
    pub mcp: Option<McpConfig>,
    /// Where provider credentials that name a secrets manager are fetched from.
    #[serde(default)]
    pub secrets: SecretsConfig,
    /// Security events to SIEM and SOAR sinks; none by default.
    #[serde(default)]
    pub events: EventsConfig,
    /// Where the config was read from (for error messages and reload).
    #[serde(skip)]
    pub source: Option<PathBuf>,
    #[serde(skip)]
    text: String,
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

    /// The listen address (validated).
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server
            .listen
            .get_ref()
            .0
            .parse()
            .map_err(|_| self.invalid(self.server.listen.span(), "server.listen", "bad address"))
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
