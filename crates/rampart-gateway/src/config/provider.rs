//! `[[providers]]`: upstream accounts and endpoints, their kind-specific keys and timeouts.

use super::server::{sixty, ten};
use super::*;

/// The upstream protocols Rampart speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Openai,
    AzureOpenai,
    Anthropic,
    Bedrock,
    OpenaiCompatible,
    /// Deterministic, offline, in-process answers for trials and tests.
    Mock,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::AzureOpenai => "azure_openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Bedrock => "bedrock",
            ProviderKind::OpenaiCompatible => "openai_compatible",
            ProviderKind::Mock => "mock",
        }
    }
}

/// `[[providers]]`: one upstream account or endpoint.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    pub kind: ProviderKind,
    /// Base URL as in the provider's SDK: OpenAI's includes `/v1`, Anthropic's does not,
    /// Azure's is `https://RESOURCE.openai.azure.com`. Defaults per kind where one exists.
    pub base_url: Option<Interpolated>,
    /// The provider credential. Never sent anywhere but to this provider.
    pub api_key: Option<Secret>,
    /// Azure OpenAI `api-version` query parameter. Default `2024-10-21`.
    pub api_version: Option<Interpolated>,
    /// Azure: send the key as `Authorization: Bearer` (Entra ID token) instead of `api-key`.
    #[serde(default)]
    pub azure_bearer: bool,
    /// AWS region (Bedrock).
    pub region: Option<Interpolated>,
    /// AWS credentials (Bedrock).
    pub credentials: Option<AwsCredentials>,
    /// PEM bundle of CAs trusted for this provider, added to the system roots.
    pub ca_bundle: Option<Interpolated>,
    #[serde(default)]
    pub timeouts: ProviderTimeouts,
    /// Retries after the first attempt on 429, 5xx and connection errors. Default 2.
    #[serde(default = "two")]
    pub max_retries: u32,
    /// Accept a client's own provider key in `x-upstream-api-key` for this provider.
    /// Default false: provider keys presented by clients are refused.
    #[serde(default)]
    pub allow_client_key: bool,
}

/// The keys of `[[providers]]` that only some kinds read, and those kinds. A key that a
/// provider's kind does not read is refused by [`Config::validate`] with its line, rather
/// than accepted and ignored (a `region` on an OpenAI provider says the operator meant
/// another provider). The table stays flat, as users write it today.
pub(crate) const KIND_SPECIFIC_KEYS: &[(&str, &[ProviderKind])] = &[
    ("api_version", &[ProviderKind::AzureOpenai]),
    ("azure_bearer", &[ProviderKind::AzureOpenai]),
    ("region", &[ProviderKind::Bedrock]),
    ("credentials", &[ProviderKind::Bedrock]),
];

impl ProviderConfig {
    /// Whether the kind-specific `key` (one of [`KIND_SPECIFIC_KEYS`]) holds a value.
    pub(crate) fn sets(&self, key: &str) -> bool {
        match key {
            "api_version" => self.api_version.is_some(),
            "azure_bearer" => self.azure_bearer,
            "region" => self.region.is_some(),
            "credentials" => self.credentials.is_some(),
            _ => false,
        }
    }
}

fn two() -> u32 {
    2
}

/// `[providers.credentials]`: static AWS credentials.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsCredentials {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// `[providers.timeouts]`, in seconds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderTimeouts {
    /// TCP + TLS connect. Default 10.
    #[serde(default = "ten")]
    pub connect_secs: u64,
    /// One attempt, until the response headers (and for non-streamed answers the whole
    /// body). Default 60.
    #[serde(default = "sixty")]
    pub attempt_secs: u64,
    /// Longest silence between two chunks of a streamed answer. Default 60.
    #[serde(default = "sixty")]
    pub idle_secs: u64,
}

impl Default for ProviderTimeouts {
    fn default() -> Self {
        ProviderTimeouts {
            connect_secs: 10,
            attempt_secs: 60,
            idle_secs: 60,
        }
    }
}

impl ProviderTimeouts {
    pub fn connect(&self) -> Duration {
        Duration::from_secs(self.connect_secs)
    }
    pub fn attempt(&self) -> Duration {
        Duration::from_secs(self.attempt_secs)
    }
    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_secs)
    }
}
