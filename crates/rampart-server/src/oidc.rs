//! `[[auth.oidc]]` behind the gateway's `Authenticator` seam: a bearer JWT of a configured
//! issuer becomes a [`Principal`] whose [`TokenIdentity`] says which issuer and subject.
//!
//! - A credential that does not look like a JWT is not this authenticator's: `Ok(None)`,
//!   and the key authenticators are asked. One that does is judged here alone: a refusal is
//!   `AuthError::Refused` with the fixed reason (`token_expired`, …), so a token never
//!   reaches the key store or a log line.
//! - The principal's `key_id` is `jwt:ISSUER-NAME:SUBJECT`, which the audit record, the
//!   per-key limits and the metrics see; its tenant is the token's tenant claim, else the
//!   issuer's `tenant`, else its name.
//! - Model access is interim, until policies (Cedar, issue 15's next slice) decide it: the
//!   issuer's `models`, plus its `role_models` and `group_models` for the token's roles and
//!   groups; nothing listed means no model (403), `"*"` every model.
//! - A token without groups (Entra ID's overage, or an issuer that sends none) gets its
//!   groups from `[auth.ldap]` when `resolve_oidc_groups` is on ([`OidcAuthenticator::with_directory_groups`]),
//!   looked up by the token's subject; a directory that cannot answer is a 503.
//! - A reload rebuilds the issuers; unchanged issuer settings keep their cached keys, and
//!   settings that cannot be built leave the previous issuers in place (logged).

use rampart_gateway::BoxFuture;
use rampart_gateway::auth::{AuthError, Authenticator, Credential, Principal, TokenIdentity};
use rampart_gateway::config::{Config, OidcAlg, OidcConfig, OidcPreset};
use rampart_identity::clock::{Clock, SystemClock};
use rampart_identity::oidc::{
    ClaimMapping, IssuerSettings, OidcError, OidcVerifier, Preset, SigningAlg, VerifyError,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How long a key-set fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Issuers {
    verifier: OidcVerifier,
    settings: Vec<IssuerSettings>,
    /// The config of each issuer, by issuer name.
    configs: HashMap<String, OidcConfig>,
}

/// Authenticates bearer JWTs of the `[[auth.oidc]]` issuers.
#[derive(Debug)]
pub struct OidcAuthenticator {
    issuers: RwLock<Arc<Issuers>>,
    clock: Arc<dyn Clock>,
    /// Where tokens without groups get theirs (`[auth.ldap] resolve_oidc_groups`).
    directory: Option<Arc<crate::LdapAuthenticator>>,
}

fn alg(a: OidcAlg) -> SigningAlg {
    match a {
        OidcAlg::RS256 => SigningAlg::Rs256,
        OidcAlg::PS256 => SigningAlg::Ps256,
        OidcAlg::ES256 => SigningAlg::Es256,
        OidcAlg::EdDSA => SigningAlg::EdDsa,
    }
}

fn preset(p: OidcPreset) -> Preset {
    match p {
        OidcPreset::EntraId => Preset::EntraId,
        OidcPreset::Okta => Preset::Okta,
        OidcPreset::Keycloak => Preset::Keycloak,
        OidcPreset::Auth0 => Preset::Auth0,
        OidcPreset::Google => Preset::Google,
    }
}

/// The verifier's settings of one `[[auth.oidc]]`.
pub fn issuer_settings(c: &OidcConfig) -> IssuerSettings {
    let base = c.preset.map(|p| preset(p).mapping()).unwrap_or_default();
    let claims = ClaimMapping {
        subject: c.subject_claim.clone().unwrap_or(base.subject),
        tenant: c.tenant_claim.clone().or(base.tenant),
        groups: c.groups_claim.clone().or(base.groups),
        roles: c.roles_claim.clone().or(base.roles),
    };
    IssuerSettings {
        name: c.label(),
        issuer: c.issuer.get_ref().clone(),
        audiences: c.audience.get_ref().to_vec(),
        jwks_uri: c.jwks_uri.as_ref().map(|u| u.get_ref().clone()),
        allowed_algs: c.allowed_algs.get_ref().iter().copied().map(alg).collect(),
        clock_skew: Duration::from_secs(c.clock_skew_secs),
        claims,
        allow_private_network: c.allow_private_network,
        cache_ttl: Duration::from_secs(c.jwks_cache_secs),
        min_refresh: Duration::from_secs(c.jwks_min_refresh_secs),
        fetch_timeout: FETCH_TIMEOUT,
    }
}

impl Issuers {
    fn build(
        config: &Config,
        clock: &Arc<dyn Clock>,
        previous: Option<&Issuers>,
    ) -> Result<Issuers, OidcError> {
        let settings: Vec<IssuerSettings> = config
            .auth
            .oidc
            .iter()
            .map(|o| issuer_settings(o.get_ref()))
            .collect();
        let configs = config
            .auth
            .oidc
            .iter()
            .map(|o| (o.get_ref().label(), o.get_ref().clone()))
            .collect();
        // Same issuers, same settings: keep the verifier and its cached keys.
        let verifier = match previous {
            Some(p) if p.settings == settings => p.verifier.clone(),
            _ => OidcVerifier::new(settings.clone(), clock.clone())?,
        };
        Ok(Issuers {
            verifier,
            settings,
            configs,
        })
    }
}

impl OidcAuthenticator {
    /// The issuers of `config` (none is fine: every credential is then someone else's).
    pub fn from_config(config: &Config) -> Result<Self, OidcError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    pub fn with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, OidcError> {
        let issuers = Issuers::build(config, &clock, None)?;
        Ok(OidcAuthenticator {
            issuers: RwLock::new(Arc::new(issuers)),
            clock,
            directory: None,
        })
    }

    /// Tokens that carry no groups get theirs from `ldap` (when its config says
    /// `resolve_oidc_groups`; a reload of that setting takes effect at once).
    pub fn with_directory_groups(mut self, ldap: Arc<crate::LdapAuthenticator>) -> Self {
        self.directory = Some(ldap);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.current().verifier.is_empty()
    }

    fn current(&self) -> Arc<Issuers> {
        self.issuers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Authenticator for OidcAuthenticator {
    fn authenticate<'a>(
        &'a self,
        presented_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        Box::pin(async move {
            let issuers = self.current();
            if issuers.verifier.is_empty() || !OidcVerifier::looks_like_jwt(presented_key) {
                return Ok(None);
            }
            let token = match issuers.verifier.verify(presented_key).await {
                Ok(token) => token,
                Err(VerifyError::Refused(why)) => {
                    return Err(AuthError::Refused {
                        credential: Credential::BearerToken,
                        reason: why.reason(),
                    });
                }
                Err(e) => return Err(AuthError::Unavailable(e.to_string())),
            };
            let Some(config) = issuers.configs.get(&token.issuer_name) else {
                // The verifier and the configs are built together; unreachable, but closed.
                return Err(AuthError::Refused {
                    credential: Credential::BearerToken,
                    reason: "token_unknown_issuer",
                });
            };
            if token.groups_overage {
                metrics::counter!("rampart_oidc_groups_overage_total", "issuer" => token.issuer_name.clone()).increment(1);
            }
            let mut token = token;
            if token.groups.is_empty()
                && let Some(directory) =
                    self.directory.as_ref().filter(|d| d.resolves_oidc_groups())
            {
                token.groups = directory.resolve_groups(&token.subject).await?;
            }
            let tenant = token
                .tenant
                .clone()
                .or_else(|| config.tenant.clone())
                .unwrap_or_else(|| token.issuer_name.clone());
            Ok(Some(Principal {
                key_id: format!("jwt:{}:{}", token.issuer_name, token.subject),
                tenant,
                name: token.subject.clone(),
                models: config.models_for(&token.roles, &token.groups),
                rpm: None,
                tpm: None,
                daily_token_budget: None,
                monthly_token_budget: None,
                token: Some(Arc::new(TokenIdentity {
                    issuer: token.issuer_name,
                    subject: token.subject,
                    groups: token.groups,
                    roles: token.roles,
                    groups_overage: token.groups_overage,
                    service: token.service,
                })),
            }))
        })
    }

    fn reconfigure(&self, config: &Config) {
        let previous = self.current();
        match Issuers::build(config, &self.clock, Some(&previous)) {
            Ok(next) => *self.issuers.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next),
            Err(e) => {
                tracing::error!(error = %e, "[[auth.oidc]] not reloaded; the previous issuers stay")
            }
        }
    }
}
