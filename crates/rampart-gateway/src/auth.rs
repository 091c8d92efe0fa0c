//! The `authenticate` seam: who is calling.
//!
//! An [`Authenticator`] turns the credential a client presented (`Authorization: Bearer
//! KEY` or `x-api-key: KEY`) into a [`Principal`], or `None` when the key is unknown,
//! revoked or expired. The built-in [`StaticKeys`] reads `[[auth.keys]]` from the config,
//! where keys are stored as SHA-256 hex; `rampart-server` provides the store-backed one and
//! the OpenID Connect one (`[[auth.oidc]]` bearer JWTs), whose principals carry a
//! [`TokenIdentity`]. The same [`Principal`] type serves keys and tokens, so limits,
//! authorisation and audit treat both alike.

use crate::BoxFuture;
use crate::config::AuthConfig;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;

/// An authenticated caller. Cheap to clone; carried in the request context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable key identifier (never the key itself); recorded in the audit log.
    pub key_id: String,
    pub tenant: String,
    /// Human-readable name of the key.
    pub name: String,
    /// Client-facing model names this key may use; `None` means every configured model.
    pub models: Option<Vec<String>>,
    /// Requests per minute allowed to this key; `None` means no per-key request limit.
    pub rpm: Option<u32>,
    /// Tokens per minute allowed to this key; `None` means no per-key token limit.
    pub tpm: Option<u32>,
    /// Tokens this key may use per UTC day; `None` means no daily budget.
    pub daily_token_budget: Option<u64>,
    /// Tokens this key may use per UTC month; `None` means no monthly budget.
    pub monthly_token_budget: Option<u64>,
    /// For a bearer token of an OpenID issuer: who issued it and what it says; `None` for
    /// Rampart keys.
    pub token: Option<std::sync::Arc<TokenIdentity>>,
}

/// What a verified bearer token says about its bearer. The token itself is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIdentity {
    /// The issuer's label (`[[auth.oidc]] name`).
    pub issuer: String,
    pub subject: String,
    pub groups: Vec<String>,
    pub roles: Vec<String>,
    /// The identity provider left the groups out (Entra ID's overage): `groups` is not the
    /// whole list.
    pub groups_overage: bool,
    /// Issued to an application acting for itself (client credentials), not to a person:
    /// the policies see a `Service`, not a `User`.
    pub service: bool,
}

impl Principal {
    /// Whether this key may call `model` (a client-facing name).
    pub fn may_use(&self, model: &str) -> bool {
        self.models
            .as_ref()
            .is_none_or(|m| m.iter().any(|allowed| allowed == model))
    }
}

/// Authentication could not be completed (the store is unreachable, ...). The pipeline
/// answers 503 and does not let the request through.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    #[error("key store unavailable: {0}")]
    Unavailable(String),
    /// The credential is of a kind this authenticator judges (a bearer JWT, a user name
    /// and password) and it is refused; the client gets 401 and the audit record this fixed
    /// reason (never credential material). Authenticators asked later are not asked.
    #[error("credential refused: {reason}")]
    Refused {
        credential: Credential,
        reason: &'static str,
    },
    /// The key is known and suspended (`[auth.suspend]`): 403 `key_suspended`, until an
    /// administrator lifts it.
    #[error("key suspended")]
    Suspended,
}

/// What kind of credential an authenticator refused: it decides the words of the 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A bearer token (a JWT of an OpenID issuer).
    BearerToken,
    /// A user name and password (`Authorization: Basic`, `[auth.ldap]`).
    Password,
}

/// Resolves a presented key to a principal.
///
/// Implementations must compare keys in a way that does not leak them through logs or
/// errors: hash the presented key and look the hash up. Return `Ok(None)` for an unknown,
/// revoked or expired key (the client gets 401), `Err` when the answer is unknown (503).
pub trait Authenticator: Send + Sync + std::fmt::Debug {
    fn authenticate<'a>(
        &'a self,
        presented_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>>;

    /// Take what a reloaded config says about keys (its `[[auth.keys]]`). Called after the
    /// new config has been fully built, just before it is swapped in, so it cannot fail.
    /// Authenticators that read nothing from the config keep the default (nothing).
    fn reconfigure(&self, config: &crate::config::Config) {
        let _ = config;
    }
}

/// `sha256(key)` in lower-case hex: how keys are stored.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Keys listed in the config file as `[[auth.keys]] id, tenant, sha256, models?, rpm?, tpm?`.
/// A reload replaces them whole ([`Authenticator::reconfigure`]): a removed key stops
/// working and a narrowed one is narrowed, at the moment the new config is swapped in.
#[derive(Debug, Default)]
pub struct StaticKeys {
    by_hash: RwLock<HashMap<[u8; 32], Principal>>,
}

impl StaticKeys {
    pub fn from_config(auth: &AuthConfig) -> StaticKeys {
        StaticKeys {
            by_hash: RwLock::new(Self::table(auth)),
        }
    }

    fn table(auth: &AuthConfig) -> HashMap<[u8; 32], Principal> {
        let mut by_hash = HashMap::new();
        for k in &auth.keys {
            let k = k.get_ref();
            let mut digest = [0u8; 32];
            // validate() already checked the shape; a malformed hash simply matches nothing.
            if hex::decode_to_slice(k.sha256.get_ref(), &mut digest).is_err() {
                continue;
            }
            by_hash.insert(
                digest,
                Principal {
                    key_id: k.id.clone(),
                    tenant: k.tenant.clone(),
                    name: k.name.clone().unwrap_or_else(|| k.id.clone()),
                    models: k.models.clone(),
                    rpm: k.rpm,
                    tpm: k.tpm,
                    // `[[auth.keys]]` have no budgets; keys in the store may.
                    daily_token_budget: None,
                    monthly_token_budget: None,
                    token: None,
                },
            );
        }
        by_hash
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }
}

impl Authenticator for StaticKeys {
    fn authenticate<'a>(
        &'a self,
        presented_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        let digest: [u8; 32] = Sha256::digest(presented_key.as_bytes()).into();
        // A hash-map lookup on the digest: the timing reveals nothing useful about a key.
        let found = self
            .by_hash
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&digest)
            .cloned();
        Box::pin(async move { Ok(found) })
    }

    fn reconfigure(&self, config: &crate::config::Config) {
        let table = Self::table(&config.auth);
        *self.by_hash.write().unwrap_or_else(|p| p.into_inner()) = table;
    }
}

/// Several authenticators asked in turn; the first that knows the key wins. An error from
/// one is returned at once (fail closed) rather than skipped.
#[derive(Debug, Clone, Default)]
pub struct ChainAuthenticator(pub Vec<std::sync::Arc<dyn Authenticator>>);

impl Authenticator for ChainAuthenticator {
    fn authenticate<'a>(
        &'a self,
        presented_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthError>> {
        Box::pin(async move {
            for a in &self.0 {
                if let Some(p) = a.authenticate(presented_key).await? {
                    return Ok(Some(p));
                }
            }
            Ok(None)
        })
    }

    fn reconfigure(&self, config: &crate::config::Config) {
        for a in &self.0 {
            a.reconfigure(config);
        }
    }
}

/// The key a request presents: `Authorization: Bearer KEY`, `x-api-key: KEY` (Anthropic
/// clients) or `api-key: KEY` (Azure OpenAI clients): three places for the same Rampart
/// key. Different keys in two of them are refused as ambiguous.
pub fn presented_key(headers: &http::HeaderMap) -> Result<Option<&str>, &'static str> {
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .unwrap_or(v)
                .trim()
        })
        .filter(|k| !k.is_empty());
    let x_api_key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let azure = headers
        .get("api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let mut found = [bearer, x_api_key, azure].into_iter().flatten();
    let first = found.next();
    if let Some(a) = first
        && found.any(|b| b != a)
    {
        return Err("different keys in `Authorization`, `x-api-key` and `api-key`; send one");
    }
    Ok(first)
}

/// Whether a presented key looks like a provider's own key rather than a Rampart key, to
/// tell the client why it was refused.
pub fn looks_like_provider_key(key: &str) -> bool {
    key.starts_with("sk-") && !key.starts_with("sk-rampart") || key.starts_with("AKIA")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[tokio::test]
    async fn static_key_matches_by_hash_only() {
        let hash = key_hash("rk-test");
        let text = format!(
            "[[auth.keys]]\nid = \"k1\"\ntenant = \"acme\"\nsha256 = \"{hash}\"\nmodels = [\"mock\"]\n"
        );
        let config = Config::from_toml(&text, "c.toml").unwrap();
        let keys = StaticKeys::from_config(&config.auth);
        let p = keys.authenticate("rk-test").await.unwrap().unwrap();
        assert_eq!((p.key_id.as_str(), p.tenant.as_str()), ("k1", "acme"));
        assert!(p.may_use("mock") && !p.may_use("gpt-4o"));
        assert!(keys.authenticate("rk-other").await.unwrap().is_none());
        assert!(keys.authenticate(&hash).await.unwrap().is_none());
    }

    #[test]
    fn conflicting_headers_are_refused() {
        let mut h = http::HeaderMap::new();
        h.insert("authorization", "Bearer a".parse().unwrap());
        assert_eq!(presented_key(&h), Ok(Some("a")));
        h.insert("x-api-key", "a".parse().unwrap());
        assert_eq!(presented_key(&h), Ok(Some("a")));
        h.insert("x-api-key", "b".parse().unwrap());
        assert!(presented_key(&h).is_err());
    }

    #[test]
    fn azure_api_key_header_is_a_place_for_the_key() {
        let mut h = http::HeaderMap::new();
        h.insert("api-key", "a".parse().unwrap());
        assert_eq!(presented_key(&h), Ok(Some("a")));
        h.insert("authorization", "Bearer a".parse().unwrap());
        assert_eq!(presented_key(&h), Ok(Some("a")));
        h.insert("api-key", "b".parse().unwrap());
        assert!(presented_key(&h).is_err());
    }
}
