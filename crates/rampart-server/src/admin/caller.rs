//! Who is calling the admin API, and what the policies let them do.
//!
//! A caller presents `Authorization: Bearer <credential>`: a Rampart key (`rk-…`) of the
//! key store, whose `role` becomes the principal's roles (`Key::"<id>"`, member of its
//! tenant), or a JWT of an `[[auth.oidc]]` issuer (`User::"<sub>"` with the token's roles
//! and groups), verified by the gateway's own verifier. Anything else is a 401; a store
//! or issuer that cannot answer is a 503.
//!
//! Then each endpoint asks the Cedar engine one action on one `Tenant`. A listing without
//! a tenant asks for `Tenant::"*"` (every tenant) and, when that is denied, for the
//! caller's own tenant, so a tenant administrator lists its tenant only ([`Scope`]). A
//! token whose tenant claim is not a valid tenant name has no tenant here: it can never
//! be a member of `Tenant::"*"`.

use super::AdminApi;
use super::error::AdminError;
use rampart_authz::{
    Action, Context, PolicyEngine, PolicyError, PrincipalKind, Request, Resource, Subject,
};
use rampart_gateway::auth::AuthError;
use rampart_gateway::authz::{Authorizer, AuthorizerLoader};
use rampart_gateway::config::Config;
use rampart_identity::KeyRecord;
use rampart_identity::key::KEY_PREFIX;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The resource that stands for every tenant. Tenant names cannot contain `*`.
pub const ALL_TENANTS: &str = "*";

/// Roles whose keys act on every tenant: creating, reading or rotating such a key needs
/// the action on `Tenant::"*"`, so a tenant administrator cannot mint or take over one.
pub const GLOBAL_ROLES: [&str; 3] = ["admin", "security_analyst", "auditor"];

/// The default admin policies (the four roles), used when the config has no `[authz]`.
pub const DEFAULT_POLICIES: &str = include_str!("../../../../examples/admin-policies/admin.cedar");

/// Reloads the gateway after an activation, so the data plane takes the new policies too.
pub type GatewayReload = Arc<OnceLock<Box<dyn Fn() -> Result<(), String> + Send + Sync>>>;

/// The policies that decide admin requests. Clones share one policy set.
#[derive(Clone)]
pub struct AdminPolicies {
    pub(super) engine: Arc<PolicyEngine>,
    /// `[authz] policy_dir`, which activation writes into; `None` for the built-in set.
    pub(super) dir: Option<PathBuf>,
    /// One activation at a time.
    pub(super) activating: Arc<Mutex<()>>,
    pub(super) gateway_reload: GatewayReload,
}

impl std::fmt::Debug for AdminPolicies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminPolicies")
            .field("dir", &self.dir)
            .field("policies", &self.engine.policy_count())
            .finish_non_exhaustive()
    }
}

impl AdminPolicies {
    /// The built-in default policies.
    pub fn defaults() -> Result<Self, PolicyError> {
        let engine = PolicyEngine::from_sources(
            "<built-in admin policies>",
            &[("admin.cedar".to_owned(), DEFAULT_POLICIES.to_owned())],
        )?;
        Ok(Self::with(engine, None))
    }

    /// The policies of a directory (`[authz] policy_dir`).
    pub fn from_dir(dir: impl Into<PathBuf>) -> Result<Self, PolicyError> {
        let dir = dir.into();
        let engine = PolicyEngine::load(&dir)?;
        Ok(Self::with(engine, Some(dir)))
    }

    /// `[authz] policy_dir` when the config has it, else the defaults.
    pub fn for_config(config: &Config) -> Result<Self, PolicyError> {
        match config.authz_policy_dir() {
            Some(dir) => Self::from_dir(dir),
            None => Self::defaults(),
        }
    }

    fn with(engine: PolicyEngine, dir: Option<PathBuf>) -> Self {
        AdminPolicies {
            engine: Arc::new(engine),
            dir,
            activating: Arc::new(Mutex::new(())),
            gateway_reload: Arc::new(OnceLock::new()),
        }
    }

    /// Where to hook the gateway's reload (set once the gateway is built).
    pub fn gateway_reload(&self) -> GatewayReload {
        self.gateway_reload.clone()
    }

    /// The ids of the policies in force (`@id`, else `file:line:column`).
    pub fn policy_ids(&self) -> Vec<String> {
        self.engine.policy_ids()
    }

    /// The gateway's `[authz]` loader, extended so that every load of the admin API's
    /// directory (at start, on SIGHUP, when the config file changes) reads it for the
    /// admin API too: both planes decide with the files on disk, not the admin API with
    /// the set it found at start.
    pub fn following(&self, loader: Arc<dyn AuthorizerLoader>) -> FollowingLoader {
        FollowingLoader {
            loader,
            admin: self.clone(),
        }
    }
}

/// An `[authz]` loader that reloads the admin policies with the gateway's
/// ([`AdminPolicies::following`]). A set that does not load is refused for both: the
/// gateway keeps its runtime in force, and the admin engine changes only on success.
pub struct FollowingLoader {
    loader: Arc<dyn AuthorizerLoader>,
    admin: AdminPolicies,
}

impl std::fmt::Debug for FollowingLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowingLoader")
            .field("admin", &self.admin)
            .finish_non_exhaustive()
    }
}

impl AuthorizerLoader for FollowingLoader {
    fn load(&self, policy_dir: &Path) -> Result<Arc<dyn Authorizer>, String> {
        let authorizer = self.loader.load(policy_dir)?;
        match self.admin.dir.as_deref() {
            Some(dir) if dir == policy_dir => {
                let count = self
                    .admin
                    .engine
                    .reload()
                    .map_err(|e| format!("the admin API's policies: {e}"))?;
                tracing::info!(dir = %dir.display(), policies = count, "admin policies reloaded");
            }
            Some(dir) => tracing::warn!(
                admin_dir = %dir.display(),
                policy_dir = %policy_dir.display(),
                "[authz] policy_dir changed: the admin API keeps deciding with the \
                 directory it started with until rampart serve restarts"
            ),
            // The built-in admin policies do not change.
            None => {}
        }
        Ok(authorizer)
    }
}

/// An authenticated admin caller, as the policies see it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub subject: Subject,
}

impl Caller {
    /// The caller's tenant, when it has a valid one.
    pub fn tenant(&self) -> Option<&str> {
        self.subject.tenant.as_deref()
    }

    fn of_key(record: KeyRecord) -> Caller {
        Caller {
            subject: Subject {
                kind: PrincipalKind::Key,
                id: record.id,
                tenant: Some(record.tenant),
                groups: Vec::new(),
                roles: vec![record.role],
                label: record.name,
            },
        }
    }
}

/// Which tenants a read covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Tenant(String),
}

impl Scope {
    pub fn covers(&self, tenant: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Tenant(t) => t == tenant,
        }
    }

    /// The tenant to filter on, `None` for all.
    pub fn tenant(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Tenant(t) => Some(t),
        }
    }
}

/// The `Tenant` resource a key is guarded by: its tenant, or every tenant for a key
/// whose role acts on every tenant.
pub fn key_resource(role: &str, tenant: &str) -> String {
    if GLOBAL_ROLES.contains(&role) {
        ALL_TENANTS.to_owned()
    } else {
        tenant.to_owned()
    }
}

impl AdminApi {
    /// Authenticates the request's `Authorization: Bearer` credential.
    pub async fn caller(&self, headers: &http::HeaderMap) -> Result<Caller, AdminError> {
        let header =
            headers
                .get(http::header::AUTHORIZATION)
                .ok_or(AdminError::Unauthenticated(
                    "an admin key or bearer token is required (`Authorization: Bearer …`)",
                ))?;
        let credential = header
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or(AdminError::Unauthenticated(
                "the Authorization header is not `Bearer <credential>`",
            ))?;
        if credential.starts_with(KEY_PREFIX) {
            return match self.keyring.authenticate(credential).await {
                Ok(Some(record)) => Ok(Caller::of_key(record)),
                Ok(None) => Err(AdminError::Unauthenticated(
                    "the key is unknown, revoked or expired",
                )),
                Err(e) => Err(AdminError::keys(e)),
            };
        }
        let Some(tokens) = &self.tokens else {
            return Err(AdminError::Unauthenticated(
                "the credential is not a Rampart key, and no [[auth.oidc]] issuer is configured",
            ));
        };
        match tokens.authenticate(credential).await {
            Ok(Some(principal)) if principal.token.is_some() => {
                let mut subject = crate::authz::subject(&principal);
                subject.tenant = subject
                    .tenant
                    .filter(|t| super::body::tenant_name("tenant", t).is_ok());
                Ok(Caller { subject })
            }
            Ok(_) => Err(AdminError::Unauthenticated(
                "the credential is not a token of a configured issuer",
            )),
            Err(AuthError::Unavailable(e)) => {
                tracing::error!(error = %e, "admin API: the identity provider did not answer");
                Err(AdminError::Unavailable("the identity provider"))
            }
            // Refused, or a refusal this code does not know yet: closed.
            Err(_) => Err(AdminError::Unauthenticated("the bearer token is refused")),
        }
    }

    /// Whether the policies allow `action` on `Tenant::"<tenant>"`; the error names the
    /// determining policy.
    pub fn authorize(
        &self,
        caller: &Caller,
        action: Action,
        tenant: &str,
    ) -> Result<(), AdminError> {
        let decision = self.policies.engine.decide(&Request {
            principal: caller.subject.clone(),
            action,
            resource: Resource::Tenant {
                name: tenant.to_owned(),
            },
            context: context(),
        });
        if decision.allowed() {
            return Ok(());
        }
        if !decision.errors.is_empty() {
            tracing::warn!(errors = ?decision.errors, "admin policy error: denied");
        }
        Err(AdminError::Forbidden {
            action: action.name(),
            tenant: tenant.to_owned(),
            policy: decision.determining().to_owned(),
        })
    }

    /// The tenants a read of `action` covers: `requested` (checked), else every tenant
    /// when allowed, else the caller's own tenant when allowed.
    pub fn scope(
        &self,
        caller: &Caller,
        action: Action,
        requested: Option<&str>,
    ) -> Result<Scope, AdminError> {
        if let Some(tenant) = requested {
            let tenant = super::body::tenant_name("tenant", tenant)?;
            self.authorize(caller, action, &tenant)?;
            return Ok(Scope::Tenant(tenant));
        }
        let everything = self.authorize(caller, action, ALL_TENANTS);
        match everything {
            Ok(()) => Ok(Scope::All),
            Err(denied) => match caller.tenant() {
                Some(own) if self.authorize(caller, action, own).is_ok() => {
                    Ok(Scope::Tenant(own.to_owned()))
                }
                _ => Err(denied),
            },
        }
    }

    /// Authorises `action` on an existing key. A caller who may not even read the key
    /// gets a 404, as for a key that does not exist: the ids of keys it cannot see are
    /// not confirmed. One who may read it but not `action` it gets the 403.
    pub fn authorize_key(
        &self,
        caller: &Caller,
        action: Action,
        key: &KeyRecord,
    ) -> Result<(), AdminError> {
        let resource = key_resource(&key.role, &key.tenant);
        match self.authorize(caller, action, &resource) {
            Ok(()) => Ok(()),
            Err(denied)
                if self
                    .authorize(caller, Action::ReadReports, &resource)
                    .is_ok() =>
            {
                Err(denied)
            }
            Err(_) => Err(AdminError::NotFound(format!("no key with id `{}`", key.id))),
        }
    }
}

/// The context of an admin request: no data, no findings; the time of the request.
fn context() -> Context {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let (weekday, hour) = rampart_authz::weekday_hour(now_ms);
    Context {
        hour,
        weekday,
        ..Context::default()
    }
}
