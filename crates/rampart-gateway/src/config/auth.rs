//! `[auth]`: how clients authenticate: static keys (`[[auth.keys]]`) and the bearer tokens
//! of OpenID Connect issuers (`[[auth.oidc]]`).

use super::*;
use std::collections::BTreeMap;

/// `[auth]`: how clients authenticate.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Static keys, stored as the SHA-256 of the key in lower-case hex.
    #[serde(default)]
    #[schemars(with = "Vec<StaticKeyConfig>")]
    pub keys: Vec<Spanned<StaticKeyConfig>>,
    /// OpenID Connect issuers whose JWTs are accepted as `Authorization: Bearer` (or
    /// `x-api-key`, `api-key`) beside Rampart keys.
    #[serde(default)]
    #[schemars(with = "Vec<OidcConfig>")]
    pub oidc: Vec<Spanned<OidcConfig>>,
}

/// `[[auth.keys]]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaticKeyConfig {
    pub id: String,
    pub tenant: String,
    /// A human-readable name. Default: the id.
    pub name: Option<String>,
    /// `sha256(key)` as 64 hex characters.
    #[schemars(with = "String")]
    pub sha256: Spanned<String>,
    /// Models this key may use; all when absent.
    pub models: Option<Vec<String>>,
    /// Requests per minute for this key (in-memory limiter).
    pub rpm: Option<u32>,
    /// Tokens per minute for this key (in-memory limiter).
    pub tpm: Option<u32>,
}

/// A signature algorithm an issuer may use. `none` and HMAC (`HS256`, …) are not
/// accepted values: a config naming them does not load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum OidcAlg {
    RS256,
    PS256,
    ES256,
    EdDSA,
}

/// Claim layouts of common identity providers (`preset`); any `*_claim` key overrides its
/// part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OidcPreset {
    /// Microsoft Entra ID v2: subject `oid`, tenant `tid`, `groups`, `roles`; a token whose
    /// groups did not fit (the overage marker) is flagged and carries no groups.
    EntraId,
    /// Okta: `sub`, `groups`.
    Okta,
    /// Keycloak: `sub`, `groups`, roles `realm_access.roles`.
    Keycloak,
    /// Auth0: `sub`, tenant `org_id`, roles `permissions`.
    Auth0,
    /// Google: `sub`, tenant `hd` (the Workspace domain).
    Google,
}

/// A string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// `[[auth.oidc]]`: one trusted issuer. A token's `iss` selects the issuer before any key
/// is tried.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Label in audit records (`key_id` = `jwt:NAME:SUBJECT`) and metrics. Default: the
    /// issuer's host.
    pub name: Option<String>,
    /// The exact `iss` of its tokens (an `https://` URL).
    #[schemars(with = "String")]
    pub issuer: Spanned<String>,
    /// Accepted `aud` values: a token must name one.
    #[schemars(with = "OneOrMany")]
    pub audience: Spanned<OneOrMany>,
    /// The key-set URL. Default: read from `ISSUER/.well-known/openid-configuration`.
    #[schemars(with = "Option<String>")]
    pub jwks_uri: Option<Spanned<String>>,
    /// The algorithms this issuer signs with (pinned; at least one).
    #[schemars(with = "Vec<OidcAlg>")]
    pub allowed_algs: Spanned<Vec<OidcAlg>>,
    /// Tolerance on `exp`, `nbf` and `iat`, in seconds. Default 60.
    #[serde(default = "default_clock_skew")]
    pub clock_skew_secs: u64,
    /// A claim layout; the `*_claim` keys override its parts.
    pub preset: Option<OidcPreset>,
    /// The subject claim. Default: the preset's, else `sub`.
    pub subject_claim: Option<String>,
    /// The tenant claim (a dotted path reaches into objects). Default: the preset's, else
    /// none: every token of this issuer belongs to `tenant`.
    pub tenant_claim: Option<String>,
    /// The groups claim. Default: the preset's, else none.
    pub groups_claim: Option<String>,
    /// The roles claim (Keycloak: `realm_access.roles`). Default: the preset's, else none.
    pub roles_claim: Option<String>,
    /// The tenant of tokens when no tenant claim is mapped. Default: the name.
    pub tenant: Option<String>,
    /// Interim model access until policies (Cedar) land: models every token of this
    /// issuer may use (`"*"`: all).
    #[serde(default)]
    pub models: Vec<String>,
    /// Interim: models a role adds (role name → models).
    #[serde(default)]
    pub role_models: BTreeMap<String, Vec<String>>,
    /// Interim: models a group adds (group name or id → models).
    #[serde(default)]
    pub group_models: BTreeMap<String, Vec<String>>,
    /// Let this issuer's own hosts resolve to private addresses, and use plain HTTP on
    /// loopback (a private identity provider, tests). Default false: HTTPS to public
    /// addresses only, as for the scanner's fetches.
    #[serde(default)]
    pub allow_private_network: bool,
    /// How long fetched keys are used before they are fetched again, in seconds.
    /// Default 600.
    #[serde(default = "default_jwks_cache")]
    pub jwks_cache_secs: u64,
    /// The least time between two key-set fetches (an unknown `kid` refetches), in
    /// seconds. Default 30.
    #[serde(default = "default_jwks_min_refresh")]
    pub jwks_min_refresh_secs: u64,
}

fn default_clock_skew() -> u64 {
    60
}

fn default_jwks_cache() -> u64 {
    600
}

fn default_jwks_min_refresh() -> u64 {
    30
}

impl OidcConfig {
    /// The label: `name`, else the issuer's host.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            let issuer = self.issuer.get_ref();
            issuer
                .split_once("://")
                .map_or(issuer.as_str(), |(_, rest)| rest)
                .split(['/', ':'])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
    }

    /// The models a token of this issuer with these roles and groups may use; `None` means
    /// every model (`"*"` listed).
    pub fn models_for(&self, roles: &[String], groups: &[String]) -> Option<Vec<String>> {
        let mut out: Vec<String> = self.models.clone();
        for role in roles {
            out.extend(self.role_models.get(role).into_iter().flatten().cloned());
        }
        for group in groups {
            out.extend(self.group_models.get(group).into_iter().flatten().cloned());
        }
        if out.iter().any(|m| m == "*") {
            return None;
        }
        out.sort();
        out.dedup();
        Some(out)
    }
}
