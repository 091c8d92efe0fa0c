//! `[secrets]`: where provider credentials that name a secrets manager are fetched from,
//! and how often they are fetched again (see [`crate::secrets`]).

use super::*;

/// `[secrets]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// Seconds between two fetches of every referenced secret (rotation without restart).
    /// Default 300.
    #[serde(default = "default_refresh")]
    pub refresh_secs: u64,
    /// AWS Secrets Manager (`aws-sm:NAME_OR_ARN[#JSON_KEY]`). Credentials come from the
    /// standard chain: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
    /// `AWS_SESSION_TOKEN`, else the profile (`AWS_PROFILE`, default `default`) of the
    /// shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default
    /// `~/.aws/credentials`).
    #[serde(default)]
    pub aws: AwsSecretsConfig,
    /// HashiCorp Vault KV v2 (`vault:MOUNT/PATH#KEY`).
    pub vault: Option<VaultConfig>,
}

impl Default for SecretsConfig {
    fn default() -> Self {
        SecretsConfig {
            refresh_secs: default_refresh(),
            aws: AwsSecretsConfig::default(),
            vault: None,
        }
    }
}

fn default_refresh() -> u64 {
    300
}

/// `[secrets.aws]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsSecretsConfig {
    /// The region of names that are not ARNs (an ARN names its own). Default:
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub region: Option<String>,
    /// Another endpoint than `https://secretsmanager.REGION.amazonaws.com` (a VPC
    /// endpoint; a local test server).
    pub endpoint: Option<String>,
    /// Let the endpoint be a private address, and plain HTTP on loopback. Default false.
    #[serde(default)]
    pub allow_private_network: bool,
    /// The profile of the shared credentials file. Default: `AWS_PROFILE`, else
    /// `default`.
    pub profile: Option<String>,
    /// The shared credentials file, read instead of the environment's keys. Default:
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials` (after the environment).
    pub credentials_file: Option<String>,
}

/// `[secrets.vault]`: a token, or an AppRole login.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// `https://vault.example.com:8200`.
    pub address: String,
    /// A Vault token (`${VAULT_TOKEN}`).
    pub token: Option<Secret>,
    /// AppRole: the role id (with `secret_id`), instead of a token.
    pub role_id: Option<String>,
    /// AppRole: the secret id (`${VAULT_SECRET_ID}`).
    pub secret_id: Option<Secret>,
    /// Where AppRole is mounted. Default `approle`.
    pub approle_mount: Option<String>,
    /// Enterprise namespace (`X-Vault-Namespace`).
    pub namespace: Option<String>,
    /// Let the address be a private one (Vault on localhost or in the cluster), and plain
    /// HTTP on loopback. Default false.
    #[serde(default)]
    pub allow_private_network: bool,
}
