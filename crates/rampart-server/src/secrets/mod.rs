//! The gateway's [`SecretResolver`]: provider credentials that name where they are kept.
//!
//! One file per place, plus one line in [`ManagedSecrets::fetch`]: `file.rs` (`file:PATH`,
//! a mounted Kubernetes secret), `aws_sm.rs` (`aws-sm:NAME_OR_ARN[#JSON_KEY]`, AWS
//! Secrets Manager's `GetSecretValue`, signed by the Bedrock provider's SigV4 signer),
//! `vault.rs` (`vault:MOUNT/PATH#KEY`, HashiCorp Vault KV v2 with a token or an AppRole
//! login). Network fetches go through `rampart-identity`'s fetcher: the SSRF rules of
//! `rampart_core::net` in its DNS resolver, no redirects, no proxy, bounded in time and
//! size; `allow_private_network` opens private addresses to the configured host only.
//! Values are never logged; errors name the reference and the failure.

pub mod aws_sm;
pub mod file;
pub mod vault;

use rampart_gateway::BoxFuture;
use rampart_gateway::config::SecretsConfig;
use rampart_gateway::secrets::SecretResolver;
use std::time::Duration;

/// How long one fetch (a login and a read) may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Resolves `file:`, `aws-sm:` and `vault:` references.
#[derive(Debug, Default, Clone, Copy)]
pub struct ManagedSecrets;

impl SecretResolver for ManagedSecrets {
    fn fetch<'a>(
        &'a self,
        reference: &'a str,
        settings: &'a SecretsConfig,
    ) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            if let Some(path) = reference.strip_prefix("file:") {
                file::read(path)
            } else if let Some(id) = reference.strip_prefix("aws-sm:") {
                aws_sm::fetch(id, &settings.aws).await
            } else if let Some(path) = reference.strip_prefix("vault:") {
                let vault = settings
                    .vault
                    .as_ref()
                    .ok_or("`vault:` needs a [secrets.vault] section")?;
                vault::fetch(path, vault).await
            } else {
                Err("not a secret reference (file:, aws-sm:, vault:)".to_owned())
            }
        })
    }
}

/// `value[#key]`, the part after `#` picking one field of a JSON object.
pub(crate) fn split_key(reference: &str) -> (&str, Option<&str>) {
    match reference.split_once('#') {
        Some((v, k)) => (v, Some(k)),
        None => (reference, None),
    }
}

/// The string field `key` of a JSON object held in a secret (AWS's key/value secrets).
pub(crate) fn json_field(text: &str, key: &str) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| "the secret is not a JSON object".to_owned())?;
    value
        .get(key)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("the secret has no string field `{key}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_field_is_picked_by_the_part_after_the_hash() {
        assert_eq!(
            split_key("prod/openai#api_key"),
            ("prod/openai", Some("api_key"))
        );
        assert_eq!(split_key("prod/openai"), ("prod/openai", None));
        assert_eq!(json_field(r#"{"api_key":"v"}"#, "api_key").unwrap(), "v");
        let err = json_field(r#"{"api_key":"v"}"#, "other").unwrap_err();
        assert!(err.contains("other") && !err.contains('v'), "{err}");
    }
}
