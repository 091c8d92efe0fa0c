//! Request fields that only LiteLLM reads, refused by name.
//!
//! A team moving from a LiteLLM proxy keeps its client code, and some of it sends LiteLLM's
//! own body fields: where to call (`api_base`), with which credentials (`api_key`), how to
//! retry or fall back, a canned answer. None of them is a provider field, so the mediation
//! table would drop them silently; but a caller that believes it chose an endpoint, a key
//! or a fallback must be told it did not. Rampart routes by `[[models]]`, keeps provider
//! credentials itself and retries by its own config, so these are refused with a 400 that
//! names the field.

use crate::error::ApiError;
use serde_json::Value;

/// LiteLLM body fields, each with what to do instead.
const FIELDS: &[(&str, &str)] = &[
    (
        "api_key",
        "provider keys stay in Rampart's config; send your Rampart key as the bearer token",
    ),
    (
        "api_base",
        "Rampart routes by its `[[models]]` config; a client cannot choose the endpoint",
    ),
    (
        "base_url",
        "Rampart routes by its `[[models]]` config; a client cannot choose the endpoint",
    ),
    (
        "api_version",
        "send `api-version` as a query parameter on the Azure paths",
    ),
    (
        "custom_llm_provider",
        "the model name alone picks the provider in Rampart",
    ),
    (
        "fallbacks",
        "fallbacks are the deployments of a model in Rampart's config",
    ),
    (
        "context_window_fallback_dict",
        "fallbacks are the deployments of a model in Rampart's config",
    ),
    (
        "num_retries",
        "retries are set in Rampart's config (`retries` of the provider)",
    ),
    ("mock_response", "use a model served by the `mock` provider"),
    (
        "mock_tool_calls",
        "use a model served by the `mock` provider",
    ),
    ("caching", "Rampart does not cache answers"),
    ("cache", "Rampart does not cache answers"),
];

/// Refuse the first LiteLLM-only field in `body`, naming it.
pub fn refuse_litellm_fields(body: &Value) -> Result<(), ApiError> {
    let Some(obj) = body.as_object() else {
        return Ok(());
    };
    for (key, instead) in FIELDS {
        if obj.contains_key(*key) {
            return Err(ApiError::invalid(
                *key,
                format!("a LiteLLM option that Rampart does not accept: {instead}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_field_is_refused_by_name_and_others_pass() {
        for (key, _) in FIELDS {
            let mut body = json!({"model": "m", "messages": []});
            body[*key] = json!("x");
            let err = refuse_litellm_fields(&body).err().map(|e| e.param);
            assert_eq!(err, Some(Some((*key).to_owned())));
        }
        assert!(refuse_litellm_fields(&json!({"model": "m", "user": "u"})).is_ok());
    }
}
