//! An issuer's signing keys: the parsed key set, its cache and the rules for fetching it
//! again.
//!
//! - The key set is fetched on first use, then again when older than `cache_ttl`.
//! - A token whose key is not in the set (a rotation) refetches it, at most once per
//!   `min_refresh`; concurrent requests share one fetch.
//! - A failed fetch keeps the keys already cached, counted in
//!   `rampart_oidc_jwks_refresh_total{outcome="error"}` and shown by the gauge
//!   `rampart_oidc_jwks_stale{issuer}` (1 while the cached keys are served past a failed
//!   refresh). With no key cached at all, the answer is unknown (503), never a pass.
//! - Only signature keys of asymmetric types are kept (RSA, EC P-256, Ed25519): an `oct`
//!   (HMAC) key in a key set is dropped, so no token can be checked against a shared
//!   secret built from published material.

use super::fetch::Fetcher;
use super::token::Parsed;
use super::{IssuerSettings, OidcError, SigningAlg, TokenRefusal, VerifyError};
use crate::clock::Clock;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use serde_json::Value;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Most keys kept from one key set.
const MAX_KEYS: usize = 64;
/// Most keys tried for a token without `kid`.
const MAX_TRIED: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    EcP256,
    Ed25519,
}

impl KeyKind {
    fn fits(self, alg: SigningAlg) -> bool {
        matches!(
            (self, alg),
            (KeyKind::Rsa, SigningAlg::Rs256 | SigningAlg::Ps256)
                | (KeyKind::EcP256, SigningAlg::Es256)
                | (KeyKind::Ed25519, SigningAlg::EdDsa)
        )
    }
}

struct Key {
    kid: Option<String>,
    /// The key's own `alg`, when the set names one: then only that algorithm.
    alg: Option<SigningAlg>,
    kind: KeyKind,
    key: DecodingKey,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The usable keys of one key-set document.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<Key>,
}

impl KeySet {
    /// Parse `{"keys": [...]}`, keeping the usable signature keys and skipping the rest.
    pub fn parse(doc: &Value) -> Result<KeySet, String> {
        let entries = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("the key set has no `keys` array")?;
        let mut keys = Vec::new();
        for entry in entries {
            if keys.len() == MAX_KEYS {
                break;
            }
            let Ok(jwk) = serde_json::from_value::<Jwk>(entry.clone()) else {
                continue;
            };
            if matches!(
                jwk.common.public_key_use,
                Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
            ) {
                continue;
            }
            let kind = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => KeyKind::Rsa,
                AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                    KeyKind::EcP256
                }
                AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                    KeyKind::Ed25519
                }
                // HMAC (`oct`), other curves, unknown types.
                _ => continue,
            };
            let alg = match entry.get("alg") {
                None => None,
                Some(Value::String(name)) => match SigningAlg::from_name(name) {
                    Some(a) if kind.fits(a) => Some(a),
                    // A key meant for an algorithm this verifier never accepts.
                    _ => continue,
                },
                Some(_) => continue,
            };
            let Ok(key) = DecodingKey::from_jwk(&jwk) else {
                continue;
            };
            keys.push(Key {
                kid: jwk.common.key_id.clone(),
                alg,
                kind,
                key,
            });
        }
        Ok(KeySet { keys })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn candidates<'a>(
        &'a self,
        alg: SigningAlg,
        kid: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Key> + 'a {
        self.keys
            .iter()
            .filter(move |k| k.kind.fits(alg) && k.alg.is_none_or(|a| a == alg))
            .filter(move |k| kid.is_none() || k.kid.as_deref() == kid)
            .take(MAX_TRIED)
    }

    /// `None`: no key of the set could have signed it (refetch); `Some(valid)` otherwise.
    fn verify(&self, parsed: &Parsed<'_>, alg: SigningAlg) -> Option<bool> {
        let mut any = false;
        for key in self.candidates(alg, parsed.kid()) {
            any = true;
            if jsonwebtoken::crypto::verify(
                parsed.signature(),
                parsed.message(),
                &key.key,
                alg.jwt(),
            )
            .unwrap_or(false)
            {
                return Some(true);
            }
        }
        any.then_some(false)
    }
}

#[derive(Debug, Default)]
struct Cache {
    keys: Option<Arc<KeySet>>,
    /// When the cached keys were fetched (clock seconds).
    fetched_at: i64,
    /// When a fetch was last attempted, successful or not.
    attempted_at: Option<i64>,
    /// The key-set URL read from discovery.
    discovered: Option<String>,
}

/// One configured issuer: its settings, HTTP client and key cache.
#[derive(Debug)]
pub struct Issuer {
    pub settings: IssuerSettings,
    fetcher: Fetcher,
    cache: RwLock<Cache>,
    /// One fetch at a time; the others wait and use its result.
    refreshing: tokio::sync::Mutex<()>,
}

fn host_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
}

impl Issuer {
    pub fn new(settings: IssuerSettings) -> Result<Self, OidcError> {
        let invalid = |m: &str| OidcError::Invalid(settings.issuer.clone(), m.to_owned());
        if settings.allowed_algs.is_empty() {
            return Err(invalid("allowed_algs is empty"));
        }
        if settings.audiences.is_empty() {
            return Err(invalid("audience is empty"));
        }
        let mut hosts: Vec<String> = Vec::new();
        for url in std::iter::once(&settings.issuer).chain(settings.jwks_uri.as_ref()) {
            hosts.push(host_of(url).ok_or_else(|| invalid("not a URL with a host"))?);
        }
        let fetcher = Fetcher::new(
            &hosts,
            settings.allow_private_network,
            settings.fetch_timeout,
        )
        .map_err(OidcError::Client)?;
        for url in std::iter::once(&settings.issuer).chain(settings.jwks_uri.as_ref()) {
            let parsed = reqwest::Url::parse(url).map_err(|_| invalid("not a URL"))?;
            fetcher.check_url(&parsed).map_err(|m| invalid(&m))?;
        }
        Ok(Issuer {
            settings,
            fetcher,
            cache: RwLock::new(Cache::default()),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(|p| p.into_inner())
    }

    fn secs(d: Duration) -> i64 {
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
    }

    /// Verify the token's signature with this issuer's keys, fetching them as the module
    /// doc says.
    pub async fn check_signature(
        &self,
        parsed: &Parsed<'_>,
        alg: SigningAlg,
        clock: &dyn Clock,
    ) -> Result<(), VerifyError> {
        let now = clock.now_unix_secs();
        let (keys, fresh) = {
            let cache = self.read();
            (
                cache.keys.clone(),
                now.saturating_sub(cache.fetched_at) < Self::secs(self.settings.cache_ttl),
            )
        };
        let keys = match keys {
            Some(keys) if fresh => keys,
            // Never fetched, or past its time: fetch (a failure keeps what is cached).
            _ => self.refresh(now).await?,
        };
        match keys.verify(parsed, alg) {
            Some(true) => return Ok(()),
            Some(false) => return Err(VerifyError::Refused(TokenRefusal::BadSignature)),
            None => {}
        }
        // No key could have signed it: perhaps the provider rotated. Fetch again unless a
        // fetch happened within `min_refresh`.
        let recent = self
            .read()
            .attempted_at
            .is_some_and(|t| now.saturating_sub(t) < Self::secs(self.settings.min_refresh));
        if recent {
            return Err(VerifyError::Refused(TokenRefusal::UnknownKey));
        }
        let keys = self.refresh(now).await?;
        match keys.verify(parsed, alg) {
            Some(true) => Ok(()),
            Some(false) => Err(VerifyError::Refused(TokenRefusal::BadSignature)),
            None => Err(VerifyError::Refused(TokenRefusal::UnknownKey)),
        }
    }

    /// Fetch the key set (once for all waiting requests) and return the keys to use: the
    /// new ones, or the cached ones when the fetch failed.
    async fn refresh(&self, now: i64) -> Result<Arc<KeySet>, VerifyError> {
        let before = self.read().attempted_at;
        let _one = self.refreshing.lock().await;
        {
            // Another request fetched while this one waited: use its result.
            let cache = self.read();
            if cache.attempted_at != before
                && let Some(keys) = &cache.keys
            {
                return Ok(keys.clone());
            }
        }
        let issuer = self.settings.name.clone();
        let result = self.fetch().await;
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        cache.attempted_at = Some(now);
        match result {
            Ok((keys, discovered)) => {
                metrics::counter!("rampart_oidc_jwks_refresh_total", "issuer" => issuer.clone(), "outcome" => "ok").increment(1);
                metrics::gauge!("rampart_oidc_jwks_stale", "issuer" => issuer.clone()).set(0.0);
                metrics::gauge!("rampart_oidc_jwks_keys", "issuer" => issuer)
                    .set(keys.len() as f64);
                let keys = Arc::new(keys);
                cache.keys = Some(keys.clone());
                cache.fetched_at = now;
                cache.discovered = discovered;
                Ok(keys)
            }
            Err(message) => {
                metrics::counter!("rampart_oidc_jwks_refresh_total", "issuer" => issuer.clone(), "outcome" => "error").increment(1);
                match &cache.keys {
                    Some(keys) => {
                        metrics::gauge!("rampart_oidc_jwks_stale", "issuer" => issuer.clone())
                            .set(1.0);
                        tracing::warn!(issuer = %issuer, error = %message, "key set refresh failed; keeping the cached keys");
                        Ok(keys.clone())
                    }
                    None => Err(VerifyError::Unavailable { issuer, message }),
                }
            }
        }
    }

    /// Discovery (when no `jwks_uri` is configured, or remembered), then the key set.
    async fn fetch(&self) -> Result<(KeySet, Option<String>), String> {
        // The lock is released before any await.
        let discovered = self.read().discovered.clone();
        let uri = match (&self.settings.jwks_uri, discovered) {
            (Some(configured), _) => configured.clone(),
            (None, Some(found)) => found,
            (None, None) => self.discover().await?,
        };
        let doc = self.fetcher.get_json(&uri).await?;
        let keys = KeySet::parse(&doc)?;
        if keys.is_empty() {
            return Err("the key set holds no usable signature key".into());
        }
        let discovered = self.settings.jwks_uri.is_none().then_some(uri);
        Ok((keys, discovered))
    }

    async fn discover(&self) -> Result<String, String> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.settings.issuer.trim_end_matches('/')
        );
        let doc = self.fetcher.get_json(&url).await?;
        // OpenID Connect Discovery §4.3: the document's issuer must be the one asked for.
        if doc.get("issuer").and_then(Value::as_str) != Some(self.settings.issuer.as_str()) {
            return Err("the discovery document names another issuer".into());
        }
        doc.get("jwks_uri")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| "the discovery document has no jwks_uri".into())
    }
}
