//! The `authorize` seam for policies (`[authz]`): may this principal send this request to
//! this deployment, or call this tool (`rampart mcp`)?
//!
//! The gateway does not know the policy language. It asks an [`Authorizer`] once per
//! candidate deployment of the model, after the guard has read the input (the decision
//! depends on what the request carries: the guard's finding kinds become data classes).
//! A deployment the policies refuse is skipped; when none remains the request is refused
//! with 403 `policy_denied` naming the determining policy. `rampart-server` implements the
//! seam over `rampart-authz` (Cedar) and passes an [`AuthorizerLoader`] in
//! [`Seams::authorizer`](crate::Seams::authorizer); the loader is asked on start and on
//! every reload, and a policy set that cannot be loaded refuses the config (the runtime
//! in force, with its policies, stays).
//!
//! Without `[authz]` nothing here runs: keys' model lists alone decide, as before.

use crate::auth::Principal;
use rampart_core::FindingKind;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

/// What is asked of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthzAction {
    /// Chat, completions, responses, messages.
    InvokeModel,
    /// Embeddings.
    Embed,
    /// A tool of an MCP server behind `rampart mcp` (listing it and calling it).
    CallTool,
}

/// What the question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthzResource<'a> {
    /// A deployment of a model: `Model::"<model>"` in `Provider::"<provider>"`.
    Model {
        /// The client-facing model name (`[[models]] name`).
        model: &'a str,
        /// The deployment's provider (`[[providers]] name`) and its kind (`openai`, …).
        provider: &'a str,
        provider_kind: &'a str,
    },
    /// A tool of an MCP server: `Tool::"<server>/<tool>"`.
    Tool { name: &'a str },
}

/// One question: this principal, this action, this resource (a deployment, a tool), in
/// these circumstances.
#[derive(Debug, Clone, Copy)]
pub struct AuthzQuery<'a> {
    pub principal: &'a Principal,
    pub action: AuthzAction,
    pub resource: AuthzResource<'a>,
    /// Kinds of the guard's findings in the input, each once.
    pub findings: &'a [FindingKind],
    /// The client's address, when the listener knows it.
    pub source_ip: Option<IpAddr>,
    /// When the request arrived, milliseconds since the epoch.
    pub time_ms: i64,
    /// Estimated input tokens.
    pub tokens: u64,
}

/// The answer to one [`AuthzQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzDecision {
    pub allowed: bool,
    /// The determining policy ids (empty for a deny because nothing permits).
    pub policies: Vec<String>,
    /// The principal as the policies saw it (`Key::"k1"`), for the audit record.
    pub principal: String,
    /// The request's data classes as the policies saw them, for the audit record.
    pub data_classes: Vec<String>,
}

impl AuthzDecision {
    /// The policy to name to a client.
    pub fn determining(&self) -> &str {
        self.policies.first().map_or("default_deny", String::as_str)
    }
}

/// Decides [`AuthzQuery`]s. Synchronous: a decision is a computation over policies held
/// in memory (tens of microseconds), never I/O.
pub trait Authorizer: Send + Sync + std::fmt::Debug {
    fn decide(&self, query: &AuthzQuery<'_>) -> AuthzDecision;
}

/// Builds the [`Authorizer`] of `[authz]` (implemented in `rampart-server`).
pub trait AuthorizerLoader: Send + Sync + std::fmt::Debug {
    /// The policies of `policy_dir`. `Err(reason)`: they cannot be used (the reason names
    /// each file and line); the caller adds the config key and its line.
    fn load(&self, policy_dir: &Path) -> Result<Arc<dyn Authorizer>, String>;
}
