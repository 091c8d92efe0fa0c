//! `[auth]`: how clients authenticate (static keys).

use super::*;

/// `[auth]`: how clients authenticate.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Static keys, stored as the SHA-256 of the key in lower-case hex.
    #[serde(default)]
    #[schemars(with = "Vec<StaticKeyConfig>")]
    pub keys: Vec<Spanned<StaticKeyConfig>>,
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
