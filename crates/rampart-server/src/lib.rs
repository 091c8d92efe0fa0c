//! The control plane behind the gateway's seams, as `rampart serve` assembles it.
//!
//! `rampart-gateway` defines the seams (`Authenticator`, `Limiter`, `AuditSink`) and
//! depends on none of their implementations; this crate adapts `rampart-identity` (keys,
//! GCRA limits and budgets, in memory or in Redis) and `rampart-audit` (the hash-chained
//! log) to them:
//!
//! - [`control`]: [`KeyringAuthenticator`], [`GcraLimiter`], [`AuditLogSink`].
//! - [`limit_backend`]: the limiter of a config (`[limits] backend`, `[[tenants]]`).
//! - [`abuse`]: [`abuse::CounterTracker`], the brute-force counters and key suspension
//!   that come with the limiter (`[auth.brute_force]`, `[auth.suspend]`).
//! - [`oidc`]: [`OidcAuthenticator`], bearer JWTs of the `[[auth.oidc]]` issuers
//!   (verified by `rampart-identity`'s `oidc`).
//! - [`authz`]: [`PolicyLoader`], the Cedar policies of `[authz]` over `rampart-authz`
//!   (so the gateway does not depend on the policy engine).
//! - [`ldap`]: [`LdapAuthenticator`], `Authorization: Basic` logins against `[auth.ldap]`
//!   (identity's `ldap` client) and the directory groups of OpenID principals without any.
//! - [`secrets`]: [`secrets::ManagedSecrets`], the resolver of provider credentials kept
//!   in files, AWS Secrets Manager or Vault KV v2 (`[secrets]`).
//! - [`admin`]: [`AdminApi`], the admin API (`/admin/v1/…`: keys, tenants, limits,
//!   policies, audit search) that `rampart serve` mounts on the admin listener through
//!   the gateway's `Seams::admin`, authorised by the Cedar engine.
//! - [`semantic`]: [`SemanticModelLoader`], the semantic tier of `[guard.semantic]` over
//!   `rampart-semantic` (so the gateway does not depend on the encoder).
//!
//! It is a library of its own, not a module of the binary, so that the gateway's
//! integration tests run the limiter and audit path that production runs.

pub mod abuse;
pub mod admin;
pub mod authz;
pub mod control;
pub mod events;
pub mod ldap;
pub mod limit_backend;
pub mod oidc;
pub mod secrets;
pub mod semantic;

pub use admin::AdminApi;
pub use authz::PolicyLoader;
pub use control::{AuditLogSink, GcraLimiter, KeyringAuthenticator};
pub use ldap::LdapAuthenticator;
pub use limit_backend::{LimitBackendError, LimitSettings};
pub use oidc::OidcAuthenticator;
pub use semantic::SemanticModelLoader;
