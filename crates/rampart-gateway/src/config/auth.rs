//! `[auth]`: how clients authenticate: static keys (`[[auth.keys]]`), the bearer tokens
//! of OpenID Connect issuers (`[[auth.oidc]]`), the company directory (`[auth.ldap]`:
//! HTTP Basic user names and passwords, and groups for tokens that carry none) and client
//! certificates (`[auth.mtls]`).

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
    /// An LDAP directory (OpenLDAP, Active Directory): `Authorization: Basic` logins on the
    /// surfaces, and the groups of OpenID principals whose token carries none.
    #[schemars(with = "Option<LdapConfig>")]
    pub ldap: Option<Spanned<LdapConfig>>,
    /// Brute-force protection: failed authentications counted per source address and per
    /// presented key prefix; past `max_failures` in `window_secs`, that address or prefix
    /// is refused (429) for a time that doubles with each block. Off when absent.
    #[schemars(with = "Option<BruteForceConfig>")]
    pub brute_force: Option<Spanned<BruteForceConfig>>,
    /// Automatic suspension of a key whose requests the guard blocks at an unusual rate.
    #[schemars(with = "Option<SuspendConfig>")]
    pub suspend: Option<Spanned<SuspendConfig>>,
    /// Client certificates as identities: on a listener that requires them
    /// (`[server.tls] client_ca`), a request that presents no key, token or password is
    /// authenticated by its certificate's name, mapped here to a tenant and groups.
    #[schemars(with = "Option<MtlsConfig>")]
    pub mtls: Option<Spanned<MtlsConfig>>,
}

/// `[auth.mtls]`: which name of a verified client certificate is the principal, and the
/// principals it maps to. A certificate that no `[[auth.mtls.clients]]` entry matches is
/// refused (401), even though the CA signed it: the CA says who it is, this says what it
/// may be.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MtlsConfig {
    /// The certificate's name that identifies the client: `uri` (the first URI subject
    /// alternative name, e.g. a SPIFFE ID), `dns` (the first DNS name) or `common_name`
    /// (the subject's CN). Default `uri`.
    #[serde(default)]
    pub identity: CertName,
    /// The mapping, first match wins.
    #[serde(default)]
    pub clients: Vec<MtlsClientConfig>,
}

/// Which name of a client certificate identifies it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertName {
    #[default]
    Uri,
    Dns,
    CommonName,
}

/// `[[auth.mtls.clients]]`: certificates whose name matches `match` authenticate as a
/// service of `tenant` with these groups and roles (policies see `Service::"<name>"`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MtlsClientConfig {
    /// The certificate name, exactly, or a prefix ending in `*`
    /// (`spiffe://corp.example/ns/payments/*`).
    #[serde(rename = "match")]
    pub pattern: String,
    pub tenant: String,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Interim model access until policies (Cedar) decide: the models these clients may
    /// use (`"*"`: all). Default none.
    #[serde(default)]
    pub models: Vec<String>,
}

impl MtlsClientConfig {
    /// Whether a certificate name matches this entry.
    pub fn matches(&self, name: &str) -> bool {
        match self.pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == self.pattern,
        }
    }

    /// The models these clients may use; `None` means every model (`"*"` listed).
    pub fn models(&self) -> Option<Vec<String>> {
        models_for(
            &self.models,
            &BTreeMap::new(),
            &BTreeMap::new(),
            &self.roles,
            &self.groups,
        )
    }
}

/// `[auth.brute_force]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BruteForceConfig {
    /// Failed authentications of one source address (IPv6: its /64) or one key prefix
    /// within `window_secs` that start a block. Default 10.
    #[serde(default = "default_max_failures")]
    pub max_failures: u32,
    /// The counting window, in seconds. Default 60.
    #[serde(default = "default_bf_window")]
    pub window_secs: u64,
    /// The first block, in seconds; each further block of the same subject doubles it.
    /// Default 60.
    #[serde(default = "default_base_block")]
    pub base_block_secs: u64,
    /// The longest block, in seconds. Default 3600.
    #[serde(default = "default_max_block")]
    pub max_block_secs: u64,
}

/// `[auth.suspend]`: keys of the key store whose requests the guard blocks
/// `max_guard_blocks` times within `window_secs` are suspended (403 `key_suspended`
/// until `rampart keys unsuspend ID`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendConfig {
    /// Default false.
    #[serde(default)]
    pub enabled: bool,
    /// Guard blocks within `window_secs` that suspend the key. Default 20.
    #[serde(default = "default_max_guard_blocks")]
    pub max_guard_blocks: u32,
    /// The counting window, in seconds. Default 600.
    #[serde(default = "default_suspend_window")]
    pub window_secs: u64,
}

fn default_max_failures() -> u32 {
    10
}

fn default_bf_window() -> u64 {
    60
}

fn default_base_block() -> u64 {
    60
}

fn default_max_block() -> u64 {
    3600
}

fn default_max_guard_blocks() -> u32 {
    20
}

fn default_suspend_window() -> u64 {
    600
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
        models_for(
            &self.models,
            &self.role_models,
            &self.group_models,
            roles,
            groups,
        )
    }
}

/// The interim model access of `models`, plus what the principal's roles and groups add;
/// `None` means every model (`"*"` listed).
fn models_for(
    models: &[String],
    role_models: &BTreeMap<String, Vec<String>>,
    group_models: &BTreeMap<String, Vec<String>>,
    roles: &[String],
    groups: &[String],
) -> Option<Vec<String>> {
    let mut out: Vec<String> = models.to_vec();
    for role in roles {
        out.extend(role_models.get(role).into_iter().flatten().cloned());
    }
    for group in groups {
        out.extend(group_models.get(group).into_iter().flatten().cloned());
    }
    if out.iter().any(|m| m == "*") {
        return None;
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// How `[auth.ldap]` finds nested groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LdapNested {
    /// Direct groups only.
    #[default]
    None,
    /// Active Directory: `member:1.2.840.113556.1.4.1941:=` (in chain) finds every level
    /// in one search.
    Ad,
    /// OpenLDAP and others: the groups of the groups, level by level, up to `max_depth`.
    Walk,
}

/// `[auth.ldap]`: the company directory. Connections are TLS (`ldaps://`, or `ldap://`
/// with StartTLS) with the server's certificate checked against `ca_file` (else the
/// system's roots); plain `ldap://` only to a loopback host with `allow_plaintext`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldaps://host:636`, or `ldap://host:389` (StartTLS).
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// Plain `ldap://` without StartTLS, to a loopback host only (a local relay, tests).
    /// Default false.
    #[serde(default)]
    pub allow_plaintext: bool,
    /// PEM file of the CA certificates that sign the server's certificate. Default: the
    /// system's roots.
    #[schemars(with = "Option<String>")]
    pub ca_file: Option<Spanned<String>>,
    /// The service account's DN that searches users and groups. Default: anonymous.
    pub bind_dn: Option<String>,
    /// Its password (write `${VAR}`).
    pub bind_password: Option<Secret>,
    /// Where users are searched (subtree).
    pub user_base: String,
    /// The filter that finds a user, `{user}` being the name given (escaped). Default
    /// `(uid={user})`; Active Directory: `(sAMAccountName={user})`.
    #[serde(default = "default_user_filter")]
    #[schemars(with = "String")]
    pub user_filter: Spanned<String>,
    /// Bind directly as this DN (`{user}` escaped per RFC 4514) instead of searching.
    pub user_dn: Option<String>,
    /// Where groups are searched (subtree). Default: `user_base`.
    pub group_base: Option<String>,
    /// The filter of a user's groups: `{dn}` the user's DN, `{user}` the name (both
    /// escaped). Default `(member={dn})`.
    #[serde(default = "default_group_filter")]
    #[schemars(with = "String")]
    pub group_filter: Spanned<String>,
    /// The attribute that names a group. Default `cn`.
    #[serde(default = "default_group_name_attribute")]
    pub group_name_attribute: String,
    /// Nested groups: `none` (default), `ad`, `walk`.
    #[serde(default)]
    pub nested: LdapNested,
    /// Levels a `walk` follows (1 to 16). Default 8.
    #[serde(default = "default_max_depth")]
    pub max_depth: u8,
    /// The tenant of every directory user. Default `ldap`.
    pub tenant: Option<String>,
    /// An attribute of the user's entry holding the tenant (a user without it is refused).
    pub tenant_attribute: Option<String>,
    /// Seconds to open a connection (TCP and TLS). Default 5.
    #[serde(default = "default_ldap_timeout")]
    pub connect_timeout_secs: u64,
    /// Seconds one bind or search may take. Default 5.
    #[serde(default = "default_ldap_timeout")]
    pub operation_timeout_secs: u64,
    /// Seconds a successful login is remembered (salted digest of user and password).
    /// 0: never. Default 60.
    #[serde(default = "default_ldap_cache")]
    pub cache_secs: u64,
    /// Logins remembered at most. Default 1024.
    #[serde(default = "default_ldap_cache_entries")]
    pub cache_max_entries: usize,
    /// Accept `Authorization: Basic` user names and passwords on the surfaces. Default
    /// true.
    #[serde(default = "default_true")]
    pub basic_auth: bool,
    /// Look up in the directory the groups of OpenID principals whose token carries none
    /// (Entra ID's overage), by their subject and `user_filter`. Default false.
    #[serde(default)]
    pub resolve_oidc_groups: bool,
    /// Interim model access until policies (Cedar) land: models every directory user may
    /// use (`"*"`: all).
    #[serde(default)]
    pub models: Vec<String>,
    /// Interim: models a directory group adds (group name → models).
    #[serde(default)]
    pub group_models: BTreeMap<String, Vec<String>>,
}

fn default_user_filter() -> Spanned<String> {
    Spanned::new(0..0, "(uid={user})".to_owned())
}

fn default_group_filter() -> Spanned<String> {
    Spanned::new(0..0, "(member={dn})".to_owned())
}

fn default_group_name_attribute() -> String {
    "cn".to_owned()
}

fn default_max_depth() -> u8 {
    8
}

fn default_ldap_timeout() -> u64 {
    5
}

fn default_ldap_cache() -> u64 {
    60
}

fn default_ldap_cache_entries() -> usize {
    1024
}

fn default_true() -> bool {
    true
}

impl LdapConfig {
    /// The tenant of directory users when no attribute holds it.
    pub fn tenant(&self) -> String {
        self.tenant.clone().unwrap_or_else(|| "ldap".to_owned())
    }

    /// The models a directory user in `groups` may use; `None` means every model.
    pub fn models_for(&self, groups: &[String]) -> Option<Vec<String>> {
        models_for(
            &self.models,
            &BTreeMap::new(),
            &self.group_models,
            &[],
            groups,
        )
    }
}
