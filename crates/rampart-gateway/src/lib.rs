//! Rampart's data plane: the OpenAI- and Anthropic-compatible gateway behind `rampart serve`.
//!
//! A request goes through named phases, in this order, with one [`pipeline::RequestCtx`]
//! carried from the first to the last (see `pipeline.rs`, where the order is written once):
//!
//! ```text
//! authenticate → authorize → limit → guard_input → route → upstream → guard_output → respond → audit
//! ```
//!
//! Three phases are seams with small traits, so other crates can supply their own
//! implementation: [`Authenticator`] (who is calling), [`Limiter`] (may they, now) and
//! [`AuditSink`] (what happened). The gateway depends on none of their implementations:
//! `rampart-server` adapts `rampart-identity` and `rampart-audit` to them for
//! `rampart serve`. The built-in ones read static keys from the config, log one JSON line
//! per request, and admit everything ([`NoLimits`], which a config that sets limits
//! refuses: it needs a limiter).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = rampart_gateway::Config::load(std::path::Path::new("examples/quickstart.toml"))?;
//! rampart_gateway::Server::new(config, rampart_gateway::Seams::default())?
//!     .serve(rampart_gateway::shutdown_signal())
//!     .await?;
//! # Ok(()) }
//! ```

pub mod abuse;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod canonical;
pub mod client_cert;
pub mod config;
pub mod config_schema;
pub mod error;
pub mod external_classifier;
pub mod guard;
pub mod limit;
pub mod llm_judge;
pub mod mediation;
pub mod metrics;
pub mod otlp;
pub mod pipeline;
pub mod providers;
pub mod routing;
pub mod runtime;
pub mod secrets;
pub mod semantic;
pub mod server;
pub mod surfaces;
pub mod telemetry;
pub mod tokens;
pub mod translate;

pub use audit::{AuditError, AuditRecord, AuditSink, FindingSummary, LogAuditSink};
pub use auth::{
    AuthError, Authenticator, ChainAuthenticator, Credential, Principal, StaticKeys, TokenIdentity,
};
pub use authz::{
    Authorizer, AuthorizerLoader, AuthzAction, AuthzDecision, AuthzQuery, AuthzResource,
};
pub use config::{Config, ConfigError};
pub use limit::{LimitKind, LimitRefusal, LimitStatus, Limiter, NoLimits, RetryAfter};
pub use runtime::Seams;
pub use server::{Server, ServerError, block_on, serve_blocking, shutdown_signal};
pub use telemetry::init_logging;

use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future: what the seam traits return, so they stay object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
