//! `azure_openai`: Azure OpenAI deployments.
//!
//! URLs are `{base_url}/openai/deployments/{deployment}/chat/completions?api-version=V`,
//! where the deployment is the model's `upstream_model`; the key goes in the `api-key`
//! header, or as `Authorization: Bearer` (an Entra ID token) with `azure_bearer = true`.

use super::openai::{Endpoint, KeyHeader, OpenAiProvider};
use crate::config::ProviderConfig;

/// The `api-version` used when the config names none.
pub const DEFAULT_API_VERSION: &str = "2024-10-21";

pub fn build(config: &ProviderConfig) -> Result<OpenAiProvider, String> {
    let base = config
        .base_url
        .as_ref()
        .ok_or("azure_openai needs base_url")?
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let api_version = config
        .api_version
        .as_ref()
        .map_or(DEFAULT_API_VERSION, |v| v.as_str())
        .to_owned();
    let header = if config.azure_bearer {
        KeyHeader::Bearer
    } else {
        KeyHeader::ApiKey
    };
    OpenAiProvider::new(
        config,
        Endpoint::AzureDeployment { base, api_version },
        header,
        true,
    )
}
