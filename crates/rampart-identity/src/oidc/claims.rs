//! From verified claims to an identity: the time and audience checks, then the mapping of
//! subject, tenant, groups and roles, with presets for the common identity providers.
//!
//! A claim name is looked up whole first (Auth0's namespaced claims are URLs with dots),
//! then as a dotted path into nested objects (Keycloak's `realm_access.roles`).
//!
//! A token is a *service*'s (an application acting for itself, the client-credentials
//! grant) when the issuer says so in one of the ways the common providers do: its `sub`
//! equals its `client_id` (RFC 9068 section 2.2: oidc-provider, Keycloak) or Okta's `cid`;
//! Entra ID's `idtyp` is `app`; Auth0's `gty` is `client-credentials`. Every other token is
//! a person's. The signals are read from the signed claims, never from the request.

use super::{IssuerSettings, TokenRefusal, VerifiedToken};
use serde_json::{Map, Value};

/// Longest subject, tenant, group or role accepted (bytes); longer values are refused
/// rather than cut, so two identities never collapse into one.
const MAX_CLAIM_LEN: usize = 256;
/// Most groups or roles taken from one token.
const MAX_ENTRIES: usize = 512;

/// Where an issuer's tokens carry each part of the identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMapping {
    pub subject: String,
    /// `None`: the tenant comes from the config, not the token.
    pub tenant: Option<String>,
    pub groups: Option<String>,
    pub roles: Option<String>,
}

/// The claim layouts of common identity providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Microsoft Entra ID v2 tokens: `oid` (the user's object id, the same in every
    /// application, unlike the pairwise `sub`), `tid`, `groups`, `roles`; a token with too
    /// many groups carries the overage marker instead of them.
    EntraId,
    /// Okta: `sub`, `groups` (when the authorisation server adds them).
    Okta,
    /// Keycloak: `sub`, `groups`, realm roles in `realm_access.roles`.
    Keycloak,
    /// Auth0: `sub`, the Organizations tenant `org_id`, RBAC `permissions`.
    Auth0,
    /// Google: `sub`, the Workspace domain `hd`.
    Google,
}

impl Preset {
    pub fn mapping(self) -> ClaimMapping {
        let s = |v: &str| Some(v.to_owned());
        match self {
            Preset::EntraId => ClaimMapping {
                subject: "oid".into(),
                tenant: s("tid"),
                groups: s("groups"),
                roles: s("roles"),
            },
            Preset::Okta => ClaimMapping {
                subject: "sub".into(),
                tenant: None,
                groups: s("groups"),
                roles: None,
            },
            Preset::Keycloak => ClaimMapping {
                subject: "sub".into(),
                tenant: None,
                groups: s("groups"),
                roles: s("realm_access.roles"),
            },
            Preset::Auth0 => ClaimMapping {
                subject: "sub".into(),
                tenant: s("org_id"),
                groups: None,
                roles: s("permissions"),
            },
            Preset::Google => ClaimMapping {
                subject: "sub".into(),
                tenant: s("hd"),
                groups: None,
                roles: None,
            },
        }
    }
}

impl Default for ClaimMapping {
    fn default() -> Self {
        ClaimMapping {
            subject: "sub".into(),
            tenant: None,
            groups: None,
            roles: None,
        }
    }
}

fn lookup<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(name) {
        return Some(v);
    }
    let mut parts = name.split('.');
    let mut current = claims.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

fn number(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, TokenRefusal> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or(TokenRefusal::BadClaim),
        Some(_) => Err(TokenRefusal::BadClaim),
    }
}

/// A value fit for an identity: not empty, bounded, no control characters (it ends up in
/// log lines and audit records).
fn identifier(value: &str) -> Result<String, TokenRefusal> {
    if value.is_empty() || value.len() > MAX_CLAIM_LEN || value.chars().any(char::is_control) {
        return Err(TokenRefusal::BadClaim);
    }
    Ok(value.to_owned())
}

fn string_claim(claims: &Map<String, Value>, name: &str) -> Result<String, TokenRefusal> {
    match lookup(claims, name) {
        Some(Value::String(s)) => identifier(s),
        _ => Err(TokenRefusal::BadClaim),
    }
}

/// A list claim: absent is empty, a single string is one entry, an array must hold only
/// strings.
fn list_claim(claims: &Map<String, Value>, name: &str) -> Result<Vec<String>, TokenRefusal> {
    match lookup(claims, name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![identifier(s)?]),
        Some(Value::Array(items)) if items.len() <= MAX_ENTRIES => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or(TokenRefusal::BadClaim)
                    .and_then(identifier)
            })
            .collect(),
        Some(_) => Err(TokenRefusal::BadClaim),
    }
}

fn audience_matches(claims: &Map<String, Value>, accepted: &[String]) -> bool {
    let ok = |a: &str| accepted.iter().any(|x| x == a);
    match claims.get("aud") {
        Some(Value::String(a)) => ok(a),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).any(ok),
        _ => false,
    }
}

/// Entra ID's groups overage: the token names a source for `groups` instead of listing
/// them (`_claim_names.groups`), or says `hasgroups: true` (implicit flow).
fn groups_overage(claims: &Map<String, Value>) -> bool {
    claims
        .get("_claim_names")
        .and_then(Value::as_object)
        .is_some_and(|n| n.contains_key("groups"))
        || claims.get("hasgroups") == Some(&Value::Bool(true))
}

/// Whether the token was issued to an application acting for itself (module docs).
fn issued_to_service(claims: &Map<String, Value>) -> bool {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let sub = text("sub");
    sub.is_some_and(|sub| text("client_id") == Some(sub) || text("cid") == Some(sub))
        || text("idtyp") == Some("app")
        || text("gty") == Some("client-credentials")
}

/// Check a signature-verified token's times and audience, then map its identity.
pub fn check(
    settings: &IssuerSettings,
    claims: &Map<String, Value>,
    now: i64,
) -> Result<VerifiedToken, TokenRefusal> {
    let skew = i64::try_from(settings.clock_skew.as_secs()).unwrap_or(i64::MAX);
    // `exp` is required: a token that never expires is not accepted.
    let exp = number(claims, "exp")?.ok_or(TokenRefusal::BadClaim)?;
    if now > exp.saturating_add(skew) {
        return Err(TokenRefusal::Expired);
    }
    if let Some(nbf) = number(claims, "nbf")?
        && now.saturating_add(skew) < nbf
    {
        return Err(TokenRefusal::NotYetValid);
    }
    if let Some(iat) = number(claims, "iat")?
        && now.saturating_add(skew) < iat
    {
        return Err(TokenRefusal::NotYetValid);
    }
    if !audience_matches(claims, &settings.audiences) {
        return Err(TokenRefusal::WrongAudience);
    }
    let mapping = &settings.claims;
    let subject = string_claim(claims, &mapping.subject)?;
    let tenant = match &mapping.tenant {
        Some(name) => Some(string_claim(claims, name)?),
        None => None,
    };
    let groups = match &mapping.groups {
        Some(name) => list_claim(claims, name)?,
        None => Vec::new(),
    };
    let roles = match &mapping.roles {
        Some(name) => list_claim(claims, name)?,
        None => Vec::new(),
    };
    Ok(VerifiedToken {
        issuer_name: settings.name.clone(),
        subject,
        tenant,
        groups,
        roles,
        groups_overage: mapping.groups.is_some() && groups_overage(claims),
        service: issued_to_service(claims),
    })
}
