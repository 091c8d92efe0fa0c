//! `[auth.ldap]` behind the gateway's `Authenticator` seam: `Authorization: Basic
//! user:password` checked against the company directory by `rampart-identity`'s `ldap`,
//! and the groups of OpenID principals whose token carries none.
//!
//! - A credential that is not HTTP Basic is not this authenticator's: `Ok(None)`. A Basic
//!   one is judged here alone: a refusal is `AuthError::Refused` of a
//!   `Credential::Password` with reason `ldap_invalid_credentials` (401; unknown user and
//!   wrong password look the same to the client, the metric
//!   `rampart_ldap_logins_total{result}` tells them apart), a directory that cannot answer
//!   is `AuthError::Unavailable` (503, never a pass and never a 401).
//! - The principal's `key_id` is `ldap:USER`, its tenant the directory's (`tenant` or
//!   `tenant_attribute`), and its [`TokenIdentity`] (issuer `ldap`) carries the groups.
//!   Model access is interim, as for tokens: `models` plus `group_models`.
//! - A reload rebuilds the client when its settings changed (a CA file that no longer
//!   reads leaves the previous one in place, logged); unchanged settings keep the cache.

use rampart_gateway::BoxFuture;
use rampart_gateway::auth::{AuthError, Authenticator, Credential, Principal, TokenIdentity};
use rampart_gateway::config::{Config, LdapConfig, LdapNested};
use rampart_identity::ldap::{LdapDirectory, LdapError, LdapSettings, Nesting, basic_credentials};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The reason a refused Basic login gives the client and the audit record.
const REFUSED: &str = "ldap_invalid_credentials";

#[derive(Debug, Default)]
struct Current {
    directory: Option<Arc<LdapDirectory>>,
    config: Option<LdapConfig>,
}

/// Authenticates HTTP Basic logins against `[auth.ldap]` and resolves groups for others.
#[derive(Debug, Default)]
pub struct LdapAuthenticator {
    current: RwLock<Arc<Current>>,
}

/// The identity crate's settings of an `[auth.ldap]`.
pub fn ldap_settings(c: &LdapConfig) -> LdapSettings {
    LdapSettings {
        url: c.url.get_ref().clone(),
        allow_plaintext: c.allow_plaintext,
        ca_file: c.ca_file.as_ref().map(|f| f.get_ref().into()),
        bind_dn: c.bind_dn.clone(),
        bind_password: c.bind_password.as_ref().map(|p| p.expose().into_owned()),
        user_base: c.user_base.clone(),
        user_filter: c.user_filter.get_ref().clone(),
        user_dn: c.user_dn.clone(),
        group_base: c.group_base.clone().unwrap_or_else(|| c.user_base.clone()),
        group_filter: c.group_filter.get_ref().clone(),
        group_name_attribute: c.group_name_attribute.clone(),
        nested: match c.nested {
            LdapNested::None => Nesting::None,
            LdapNested::Ad => Nesting::ActiveDirectory,
            LdapNested::Walk => Nesting::Walk {
                max_depth: c.max_depth,
            },
        },
        tenant: c.tenant(),
        tenant_attribute: c.tenant_attribute.clone(),
        connect_timeout: Duration::from_secs(c.connect_timeout_secs),
        operation_timeout: Duration::from_secs(c.operation_timeout_secs),
        cache_ttl: Duration::from_secs(c.cache_secs),
        cache_max_entries: c.cache_max_entries,
    }
}

fn build(config: &Config, previous: Option<&Current>) -> Result<Current, LdapError> {
    let Some(ldap) = config.auth.ldap.as_ref().map(|l| l.get_ref()) else {
        return Ok(Current::default());
    };
    let settings = ldap_settings(ldap);
    let directory = match previous.and_then(|p| p.directory.as_ref()) {
        // Same settings: keep the client and its cache.
        Some(d) if *d.settings() == settings => d.clone(),
        _ => Arc::new(LdapDirectory::new(settings)?),
    };
    Ok(Current {
        directory: Some(directory),
        config: Some(ldap.clone()),
    })
}

impl LdapAuthenticator {
    /// The directory of `config`'s `[auth.ldap]` (none is fine: Basic logins are then
    /// nobody's and get 401). Checks the settings and reads the CA file; does not connect.
    pub fn from_config(config: &Config) -> Result<Self, LdapError> {
        Ok(LdapAuthenticator {
            current: RwLock::new(Arc::new(build(config, None)?)),
        })
    }

    fn current(&self) -> Arc<Current> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether OpenID principals without groups get theirs from the directory.
    pub fn resolves_oidc_groups(&self) -> bool {
        let c = self.current();
        c.directory.is_some() && c.config.as_ref().is_some_and(|l| l.resolve_oidc_groups)
    }

    /// The directory groups of `subject` (found with `user_filter`); empty when the
    /// directory does not know it. `Err` (503) when the directory cannot answer.
    pub async fn resolve_groups(&self, subject: &str) -> Result<Vec<String>, AuthError> {
        let current = self.current();
        let Some(directory) = &current.directory else {
            return Ok(Vec::new());
        };
        match directory.resolve_groups(subject).await {
            Ok(found) => {
                metrics::counter!("rampart_ldap_group_lookups_total", "result" => if found.is_some() { "found" } else { "unknown" }).increment(1);
                Ok(found.map(|u| u.groups).unwrap_or_default())
            }
            Err(e) => {
                metrics::counter!("rampart_ldap_group_lookups_total", "result" => "unavailable")
                    .increment(1);
                tracing::warn!(error = %e, "LDAP group lookup failed");
                Err(AuthError::Unavailable(e.to_string()))
            }
        }
    }
}

impl Authenticator for LdapAuthenticator {
    fn authenticate<'a>(
        &'a self,
        presented_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        Box::pin(async move {
            let current = self.current();
            let (Some(directory), Some(config)) = (&current.directory, &current.config) else {
                return Ok(None);
            };
            if !config.basic_auth {
                return Ok(None);
            }
            let (user, password) = match basic_credentials(presented_key) {
                None => return Ok(None),
                Some(Ok(pair)) => pair,
                Some(Err(refusal)) => {
                    metrics::counter!("rampart_ldap_logins_total", "result" => refusal.label())
                        .increment(1);
                    return Err(AuthError::Refused {
                        credential: Credential::Password,
                        reason: REFUSED,
                    });
                }
            };
            match directory.login(&user, &password).await {
                Ok(found) => {
                    metrics::counter!("rampart_ldap_logins_total", "result" => "ok").increment(1);
                    Ok(Some(Principal {
                        key_id: format!("ldap:{}", found.user),
                        tenant: found.tenant,
                        name: found.user.clone(),
                        models: config.models_for(&found.groups),
                        rpm: None,
                        tpm: None,
                        daily_token_budget: None,
                        monthly_token_budget: None,
                        token: Some(Arc::new(TokenIdentity {
                            issuer: "ldap".to_owned(),
                            subject: found.user,
                            groups: found.groups,
                            roles: Vec::new(),
                            groups_overage: false,
                            service: false,
                        })),
                    }))
                }
                Err(LdapError::Refused(refusal)) => {
                    metrics::counter!("rampart_ldap_logins_total", "result" => refusal.label())
                        .increment(1);
                    Err(AuthError::Refused {
                        credential: Credential::Password,
                        reason: REFUSED,
                    })
                }
                Err(e) => {
                    metrics::counter!("rampart_ldap_logins_total", "result" => "unavailable")
                        .increment(1);
                    // The error names the URL and the failing step, never the password.
                    tracing::warn!(error = %e, "LDAP login could not be checked");
                    Err(AuthError::Unavailable(e.to_string()))
                }
            }
        })
    }

    fn reconfigure(&self, config: &Config) {
        let previous = self.current();
        match build(config, Some(&previous)) {
            Ok(next) => *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next),
            Err(e) => {
                tracing::error!(error = %e, "[auth.ldap] not reloaded; the previous directory stays")
            }
        }
    }
}
