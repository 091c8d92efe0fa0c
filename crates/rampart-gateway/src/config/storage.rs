//! `[storage]`: the database URL shared by the key store and the audit store.

use super::*;

/// `[storage]`: where keys and audit records live (used by `rampart-identity` and
/// `rampart-audit`). Default `sqlite://rampart.db`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    #[serde(default = "default_storage_url")]
    pub url: Interpolated,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            url: default_storage_url(),
        }
    }
}

fn default_storage_url() -> Interpolated {
    Interpolated("sqlite://rampart.db".into())
}
