//! OpenID Connect bearer tokens: a JWT from the company's identity provider becomes a
//! verified identity (issuer, subject, tenant, groups, roles).
//!
//! ```text
//! token ─► token.rs: split, payload `iss` ─► the issuer (unknown → refused, no key tried)
//!            header `alg` ∈ the issuer's allowed_algs (never `none`, never HMAC), `kid`
//!        ─► jwks.rs: the issuer's cached key set; an unknown `kid` refreshes it, at most
//!            once per `min_refresh`; keys older than `cache_ttl` are refetched; a failed
//!            fetch keeps the cached keys (metric `rampart_oidc_jwks_stale`)
//!        ─► signature (aws-lc-rs through `jsonwebtoken`)
//!        ─► claims.rs: exp / nbf with the clock skew, aud, then the claim mapping
//!            (subject, tenant, groups, roles; presets for Entra ID, Okta, Keycloak, Auth0,
//!            Google) ─► VerifiedToken
//! ```
//!
//! Key sets are fetched by `fetch.rs` under the shared SSRF rules of
//! [`rampart_core::net`]: HTTPS only, public addresses only, unless an issuer opts in
//! (`allow_private_network`), which admits private addresses for the issuer's own hosts and
//! plain HTTP on loopback only. Every refusal is a [`TokenRefusal`], a fixed label: no
//! token material reaches an error, a log line or the audit record.

mod claims;
mod fetch;

/// The HTTP client under the SSRF rules of `rampart_core::net` (also used for the
/// secrets managers of `rampart-server`).
pub use fetch::Fetcher;
mod jwks;
mod token;

pub use claims::{ClaimMapping, Preset};

use crate::clock::Clock;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A signature algorithm an issuer may use. Only asymmetric ones exist here: `none` and
/// HMAC (where a public key could be abused as the shared secret) cannot be configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlg {
    Rs256,
    Ps256,
    Es256,
    EdDsa,
}

impl SigningAlg {
    /// The JOSE name (`RS256`, …).
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Ps256 => "PS256",
            SigningAlg::Es256 => "ES256",
            SigningAlg::EdDsa => "EdDSA",
        }
    }

    fn from_name(name: &str) -> Option<SigningAlg> {
        [
            SigningAlg::Rs256,
            SigningAlg::Ps256,
            SigningAlg::Es256,
            SigningAlg::EdDsa,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }

    fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            SigningAlg::Rs256 => jsonwebtoken::Algorithm::RS256,
            SigningAlg::Ps256 => jsonwebtoken::Algorithm::PS256,
            SigningAlg::Es256 => jsonwebtoken::Algorithm::ES256,
            SigningAlg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

/// One trusted issuer, as the gateway's `[[auth.oidc]]` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuerSettings {
    /// A short label for audit records and metrics (never secret).
    pub name: String,
    /// The exact `iss` value of its tokens.
    pub issuer: String,
    /// Accepted `aud` values; a token must name at least one.
    pub audiences: Vec<String>,
    /// The key-set URL; `None` reads it from `{issuer}/.well-known/openid-configuration`.
    pub jwks_uri: Option<String>,
    /// Algorithms accepted from this issuer (at least one).
    pub allowed_algs: Vec<SigningAlg>,
    /// Tolerance on `exp` and `nbf`.
    pub clock_skew: Duration,
    pub claims: ClaimMapping,
    /// Private addresses (and plain HTTP on loopback) for this issuer's hosts.
    pub allow_private_network: bool,
    /// How long a fetched key set is used before it is fetched again.
    pub cache_ttl: Duration,
    /// The least time between two fetches (an unknown `kid` cannot make the gateway hammer
    /// the provider).
    pub min_refresh: Duration,
    /// Bound on each fetch (connection and body).
    pub fetch_timeout: Duration,
}

/// What a valid token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The issuer's label ([`IssuerSettings::name`]).
    pub issuer_name: String,
    pub subject: String,
    /// From the tenant claim; `None` when the issuer maps none.
    pub tenant: Option<String>,
    pub groups: Vec<String>,
    pub roles: Vec<String>,
    /// Entra ID left the groups out of the token (too many to list; the `_claim_names`
    /// overage marker): `groups` is empty but the bearer may belong to groups.
    pub groups_overage: bool,
    /// The token was issued to an application acting for itself (the client-credentials
    /// grant), not to a person: the `claims` module says which signals are read.
    pub service: bool,
}

/// Why a token was refused. A fixed label: the audit record, metrics and logs carry
/// [`TokenRefusal::reason`], never the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("not a well-formed JWT")]
    Malformed,
    #[error("issued by an issuer that is not configured")]
    UnknownIssuer,
    #[error("signed with an algorithm the issuer is not allowed (or `none`, or HMAC)")]
    AlgorithmRefused,
    #[error("signed with a key the issuer does not publish")]
    UnknownKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("expired")]
    Expired,
    #[error("not valid yet")]
    NotYetValid,
    #[error("issued for another audience")]
    WrongAudience,
    #[error("a required claim is missing or malformed")]
    BadClaim,
}

impl TokenRefusal {
    /// The label in audit records and metrics.
    pub fn reason(self) -> &'static str {
        match self {
            TokenRefusal::Malformed => "token_malformed",
            TokenRefusal::UnknownIssuer => "token_unknown_issuer",
            TokenRefusal::AlgorithmRefused => "token_alg_refused",
            TokenRefusal::UnknownKey => "token_unknown_key",
            TokenRefusal::BadSignature => "token_bad_signature",
            TokenRefusal::Expired => "token_expired",
            TokenRefusal::NotYetValid => "token_not_yet_valid",
            TokenRefusal::WrongAudience => "token_wrong_audience",
            TokenRefusal::BadClaim => "token_bad_claim",
        }
    }
}

/// A token could not be accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is refused (401).
    #[error("bearer token refused: {0}")]
    Refused(TokenRefusal),
    /// The issuer's keys could not be fetched and none are cached: the answer is unknown
    /// (503). The message names the issuer and the failure, never the token.
    #[error("keys of issuer `{issuer}` unavailable: {message}")]
    Unavailable { issuer: String, message: String },
}

/// Settings that cannot work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcError {
    #[error("issuer `{0}`: {1}")]
    Invalid(String, String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Verifies bearer tokens of the configured issuers. Cheap to share (`Arc` inside).
#[derive(Debug, Clone)]
pub struct OidcVerifier {
    by_issuer: Arc<HashMap<String, Arc<jwks::Issuer>>>,
    clock: Arc<dyn Clock>,
}

impl OidcVerifier {
    /// Checks every issuer's settings; fetches nothing yet (the first token does).
    pub fn new(issuers: Vec<IssuerSettings>, clock: Arc<dyn Clock>) -> Result<Self, OidcError> {
        let mut by_issuer = HashMap::new();
        for settings in issuers {
            let issuer = settings.issuer.clone();
            let built = jwks::Issuer::new(settings)?;
            if by_issuer.insert(issuer.clone(), Arc::new(built)).is_some() {
                return Err(OidcError::Invalid(issuer, "configured twice".into()));
            }
        }
        Ok(OidcVerifier {
            by_issuer: Arc::new(by_issuer),
            clock,
        })
    }

    /// Whether any issuer is configured.
    pub fn is_empty(&self) -> bool {
        self.by_issuer.is_empty()
    }

    /// The settings of the issuer with this `iss`, if configured.
    pub fn settings(&self, issuer: &str) -> Option<&IssuerSettings> {
        self.by_issuer.get(issuer).map(|i| &i.settings)
    }

    /// Whether a presented credential has the shape of a JWS compact token (three
    /// base64url parts, a JSON header), so that it is judged here and never handed to the
    /// key store.
    pub fn looks_like_jwt(credential: &str) -> bool {
        token::looks_like_jwt(credential)
    }

    /// Verify a token: issuer first (by `iss`), then algorithm, key, signature, times,
    /// audience and the claim mapping.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, VerifyError> {
        let parsed = token::Parsed::new(token).map_err(VerifyError::Refused)?;
        let Some(issuer) = self.by_issuer.get(parsed.issuer()) else {
            return Err(VerifyError::Refused(TokenRefusal::UnknownIssuer));
        };
        let alg = parsed
            .algorithm(&issuer.settings.allowed_algs)
            .map_err(VerifyError::Refused)?;
        issuer
            .check_signature(&parsed, alg, self.clock.as_ref())
            .await?;
        let now = self.clock.now_unix_secs();
        claims::check(&issuer.settings, parsed.claims(), now).map_err(VerifyError::Refused)
    }
}

#[cfg(test)]
mod tests;
