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
//!   name) and `roles`; a token issued to an application acting for itself (client
//!   credentials: identity's `oidc::claims` reads the signals) is `Service::"<sub>"` with
//!   the same parents and attributes, so a policy can tell the two apart.
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
            kind: if t.service {
                PrincipalKind::Service
            } else {
                PrincipalKind::User
            },
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use rampart_gateway::auth::TokenIdentity;

    fn bearer(service: bool) -> Principal {
        Principal {
            key_id: "jwt:idp:batch-job".into(),
            tenant: "acme".into(),
            name: "batch-job".into(),
            models: None,
            rpm: None,
            tpm: None,
            daily_token_budget: None,
            monthly_token_budget: None,
            token: Some(Arc::new(TokenIdentity {
                issuer: "idp".into(),
                subject: "batch-job".into(),
                groups: vec!["etl".into()],
                roles: Vec::new(),
                groups_overage: false,
                service,
            })),
        }
    }

    fn decide(authorizer: &dyn Authorizer, principal: &Principal) -> AuthzDecision {
        authorizer.decide(&AuthzQuery {
            principal,
            action: AuthzAction::InvokeModel,
            resource: AuthzResource::Model {
                model: "gpt-4o",
                provider: "openai",
                provider_kind: "openai",
            },
            findings: &[],
            source_ip: None,
            time_ms: 0,
            tokens: 10,
        })
    }

    #[test]
    fn a_client_credentials_token_is_a_service_to_the_policies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("services.cedar"),
            r#"@id("services-in-etl")
permit (principal is Rampart::Service in Rampart::Group::"etl", action, resource);
"#,
        )
        .unwrap();
        let authorizer = PolicyLoader.load(dir.path()).unwrap();

        let service = decide(authorizer.as_ref(), &bearer(true));
        assert!(service.allowed);
        assert_eq!(service.principal, r#"Service::"batch-job""#);
        assert_eq!(service.policies, vec!["services-in-etl"]);

        // The same subject as a person's token is a User: the policy does not apply.
        let user = decide(authorizer.as_ref(), &bearer(false));
        assert!(!user.allowed);
        assert_eq!(user.principal, r#"User::"batch-job""#);
    }
}
