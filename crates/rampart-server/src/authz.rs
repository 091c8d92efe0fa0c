//! `[authz]` behind the gateway's `Authorizer` seam: the Cedar [`PolicyEngine`] of
//! `rampart-authz`.
//!
//! [`PolicyLoader`] loads the policies of `[authz] policy_dir` on start and on every
//! reload; a set that does not load refuses the config, so the runtime in force keeps its
//! policies. [`subject`] says how a [`Principal`] appears to the policies:
//!
//! - a Rampart key is `Key::"<key id>"`, member of `Tenant::"<tenant>"`, with its `name`;
//! - a bearer token's subject is `User::"<sub>"`, member of its `Tenant` and of one
//!   `Group::"<group>"` per group of the token, with its `issuer` (the `[[auth.oidc]]`
//!   name) and `roles`. Tokens are not yet told apart as `Service`s: the issuers'
//!   client-credentials tokens carry no claim this slice maps (a `service_claim` would).
//!
//! The data classes come from the guard's input finding kinds through
//! [`rampart_authz::data_classes`] (personal data → `confidential`, secrets →
//! `restricted`); they go back to the gateway with the decision for the audit record.

use rampart_authz::{Action, Context, PolicyEngine, PrincipalKind, Request, Resource, Subject};
use rampart_gateway::auth::Principal;
use rampart_gateway::authz::{
    Authorizer, AuthorizerLoader, AuthzAction, AuthzDecision, AuthzQuery, AuthzResource,
};
use std::path::Path;
use std::sync::Arc;

/// Loads `[authz] policy_dir` with the Cedar engine.
#[derive(Debug, Default)]
pub struct PolicyLoader;

impl AuthorizerLoader for PolicyLoader {
    fn load(&self, policy_dir: &Path) -> Result<Arc<dyn Authorizer>, String> {
        let engine = PolicyEngine::load(policy_dir).map_err(|e| e.to_string())?;
        tracing::info!(
            dir = %policy_dir.display(),
            policies = engine.policy_count(),
            "authorisation policies loaded"
        );
        Ok(Arc::new(CedarAuthorizer { engine }))
    }
}

/// Decides with one loaded policy set.
#[derive(Debug)]
pub struct CedarAuthorizer {
    engine: PolicyEngine,
}

impl CedarAuthorizer {
    pub fn new(engine: PolicyEngine) -> Self {
        CedarAuthorizer { engine }
    }
}

/// The principal of `p` as the policies see it.
pub fn subject(p: &Principal) -> Subject {
    match &p.token {
        None => Subject {
            kind: PrincipalKind::Key,
            id: p.key_id.clone(),
            tenant: Some(p.tenant.clone()),
            groups: Vec::new(),
            roles: Vec::new(),
            label: p.name.clone(),
        },
        Some(t) => Subject {
            kind: PrincipalKind::User,
            id: t.subject.clone(),
            tenant: Some(p.tenant.clone()),
            groups: t.groups.clone(),
            roles: t.roles.clone(),
            label: t.issuer.clone(),
        },
    }
}

/// The Cedar request of a gateway query.
pub fn request(q: &AuthzQuery<'_>) -> Request {
    let (weekday, hour) = rampart_authz::weekday_hour(q.time_ms);
    Request {
        principal: subject(q.principal),
        action: match q.action {
            AuthzAction::InvokeModel => Action::InvokeModel,
            AuthzAction::Embed => Action::Embed,
            AuthzAction::CallTool => Action::CallTool,
        },
        resource: match q.resource {
            AuthzResource::Model {
                model,
                provider,
                provider_kind,
            } => Resource::Model {
                name: model.to_owned(),
                provider: provider.to_owned(),
                provider_kind: provider_kind.to_owned(),
            },
            AuthzResource::Tool { name } => Resource::Tool {
                name: name.to_owned(),
            },
        },
        context: Context {
            data_classes: rampart_authz::data_classes(q.findings.iter().copied()),
            source_ip: q.source_ip,
            hour,
            weekday,
            guard_findings: q.findings.iter().map(|k| k.as_str().to_owned()).collect(),
            tokens: q.tokens,
        },
    }
}

impl Authorizer for CedarAuthorizer {
    fn decide(&self, q: &AuthzQuery<'_>) -> AuthzDecision {
        let request = request(q);
        let decision = self.engine.decide(&request);
        if !decision.errors.is_empty() {
            // A policy that fails to evaluate denies; say which, once per request.
            tracing::warn!(errors = ?decision.errors, "authorisation policy error: denied");
        }
        AuthzDecision {
            allowed: decision.allowed(),
            principal: format!(
                "{}::{:?}",
                request.principal.kind.type_name(),
                request.principal.id
            ),
            data_classes: request.context.data_classes.into_iter().collect(),
            policies: decision.policies,
        }
    }
}
