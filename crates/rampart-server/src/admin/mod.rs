//! The admin API (`/admin/v1/…`, JSON), served on the gateway's admin listener
//! (`[server.admin]`) through the gateway's `Seams::admin` extension point.
//!
//! Every request is authenticated ([`caller`]: an admin key of the key store, or a bearer
//! token of an `[[auth.oidc]]` issuer) and then authorised by the Cedar engine: each
//! endpoint asks one action (`read_reports`, `manage_keys`, `manage_policies`,
//! `read_audit`) on a `Tenant` resource, the tenant it touches or `Tenant::"*"` for what
//! concerns every tenant. The default policies (`examples/admin-policies/admin.cedar`,
//! built in) give the roles `admin`, `security_analyst`, `auditor` and `tenant_admin`;
//! with `[authz] policy_dir`, that directory's policies decide instead.
//!
//! - [`caller`]: who is calling, and the Cedar questions ([`caller::Scope`]).
//! - [`keys`]: create (the secret is shown once), list, get, revoke, rotate with overlap.
//! - [`tenants`]: tenants, derived from the keys and `[[tenants]]` (there is no tenant
//!   store; a tenant exists when a key or a limit names it).
//! - [`limits`]: the limits of keys and tenants (read only).
//! - [`policies`]: list the policies in force, validate a posted set, activate it.
//! - [`audit`]: search the audit log with filters and a cursor.
//! - [`error`] and [`body`]: the error shape `{"error": {"type", "message"}}` and bounded
//!   request bodies and queries.
//!
//! The served routes come from one table ([`routes`]); `docs/admin-openapi.json`
//! describes the same routes, and a test holds them equal.

pub mod audit;
pub mod body;
pub mod caller;
pub mod error;
pub mod keys;
pub mod limits;
pub mod policies;
pub mod tenants;

use axum::Router;
use axum::routing::{MethodRouter, any, get, post};
use caller::AdminPolicies;
use rampart_audit::AuditStore;
use rampart_gateway::auth::Authenticator;
use rampart_identity::Keyring;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use error::AdminError;
pub use limits::TenantLimit;

/// What the admin API works on. Built once by `rampart serve`.
#[derive(Debug)]
pub struct AdminApi {
    keyring: Keyring,
    audit: Arc<dyn AuditStore>,
    /// Bearer tokens of the `[[auth.oidc]]` issuers; `None`: admin keys only.
    tokens: Option<Arc<dyn Authenticator>>,
    policies: AdminPolicies,
    /// `[[tenants]]` limits as the config said at start.
    tenant_limits: Vec<TenantLimit>,
    /// Where admin changes go as security events (`[events]`); none by default.
    events: rampart_events::Events,
}

impl AdminApi {
    pub fn new(keyring: Keyring, audit: Arc<dyn AuditStore>, policies: AdminPolicies) -> Self {
        AdminApi {
            keyring,
            audit,
            tokens: None,
            policies,
            tenant_limits: Vec::new(),
            events: rampart_events::Events::none(),
        }
    }

    /// Publish each change (keys created, revoked, rotated; policy sets activated) as an
    /// `admin_change` security event.
    pub fn with_events(mut self, events: rampart_events::Events) -> Self {
        self.events = events;
        self
    }

    /// One admin change as a security event (never a secret: ids and names only).
    pub(crate) fn emit_change(
        &self,
        action: &str,
        entity_type: &str,
        entity_id: &str,
        tenant: Option<&str>,
        actor: &str,
    ) {
        if self.events.is_empty() {
            return;
        }
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let time_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("admin-{time_ms}-{}-{seq}", std::process::id());
        self.events.publish(rampart_events::Event::admin_change(
            tenant.map(str::to_owned),
            rampart_events::event::AdminChange {
                action: action.to_owned(),
                entity_type: entity_type.to_owned(),
                entity_id: entity_id.to_owned(),
                actor: actor.to_owned(),
                success: true,
            },
            time_ms,
            id,
        ));
    }

    /// Accept bearer tokens of these issuers beside admin keys.
    pub fn with_tokens(mut self, tokens: Arc<dyn Authenticator>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// The `[[tenants]]` limits to report.
    pub fn with_tenant_limits(mut self, limits: Vec<TenantLimit>) -> Self {
        self.tenant_limits = limits;
        self
    }

    /// The routes, ready for `Seams::admin`.
    pub fn router(self) -> Router {
        let state = Arc::new(self);
        let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<AdminApi>>> = BTreeMap::new();
        for (_, path, method_router) in routes() {
            let merged = match by_path.remove(path) {
                Some(existing) => existing.merge(method_router),
                None => method_router,
            };
            by_path.insert(path, merged);
        }
        let mut router = Router::new();
        for (path, method_router) in by_path {
            router = router.route(path, method_router.fallback(error::method_not_allowed));
        }
        router
            .route("/admin/v1", any(error::not_found))
            .route("/admin/v1/{*rest}", any(error::not_found))
            .with_state(state)
    }
}

/// Every route: method, path (axum's syntax, as in the OpenAPI document) and handler.
pub fn routes() -> Vec<(&'static str, &'static str, MethodRouter<Arc<AdminApi>>)> {
    vec![
        ("GET", "/admin/v1/keys", get(keys::list)),
        ("POST", "/admin/v1/keys", post(keys::create)),
        ("GET", "/admin/v1/keys/{id}", get(keys::get)),
        ("POST", "/admin/v1/keys/{id}/revoke", post(keys::revoke)),
        ("POST", "/admin/v1/keys/{id}/rotate", post(keys::rotate)),
        ("GET", "/admin/v1/tenants", get(tenants::list)),
        ("GET", "/admin/v1/limits", get(limits::list)),
        ("GET", "/admin/v1/policies", get(policies::list)),
        (
            "POST",
            "/admin/v1/policies/validate",
            post(policies::validate),
        ),
        (
            "POST",
            "/admin/v1/policies/activate",
            post(policies::activate),
        ),
        ("GET", "/admin/v1/audit", get(audit::search)),
    ]
}

/// The served routes as `(method, path)`, for the test that holds the OpenAPI document
/// to them.
pub fn served_routes() -> Vec<(String, String)> {
    routes()
        .into_iter()
        .map(|(method, path, _)| (method.to_owned(), path.to_owned()))
        .collect()
}
