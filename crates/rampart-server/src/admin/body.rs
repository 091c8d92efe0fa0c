//! Bounded request bodies and query strings. A body is read up to the endpoint's limit
//! (413 past it) and parsed into a struct that refuses unknown fields; a parse error
//! names the field (`serde_path_to_error`). A query string is at most [`MAX_QUERY`]
//! bytes; unknown parameters are refused, so a typo in a filter cannot widen a search.

use super::error::AdminError;
use axum::body::Body;
use http::Uri;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Largest body of the key endpoints.
pub const SMALL_BODY: usize = 64 * 1024;
/// Largest query string.
pub const MAX_QUERY: usize = 4 * 1024;

/// Reads `body` (at most `limit` bytes) as JSON of `T`. An empty body is `{}`.
pub async fn json<T: DeserializeOwned>(body: Body, limit: usize) -> Result<T, AdminError> {
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AdminError::TooLarge { limit })?;
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &bytes
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." {
            "body".to_owned()
        } else {
            field
        };
        AdminError::bad_request(field, e.inner().to_string())
    })
}

/// The query parameters of `uri`, each at most once, all among `known`.
pub fn query(uri: &Uri, known: &[&str]) -> Result<BTreeMap<String, String>, AdminError> {
    let raw = uri.query().unwrap_or("");
    if raw.len() > MAX_QUERY {
        return Err(AdminError::bad_request(
            "query",
            format!("longer than {MAX_QUERY} bytes"),
        ));
    }
    let mut out = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        if !known.contains(&name.as_ref()) {
            return Err(AdminError::bad_request(
                name.into_owned(),
                format!("unknown parameter; expected one of {}", known.join(", ")),
            ));
        }
        if out
            .insert(name.clone().into_owned(), value.into_owned())
            .is_some()
        {
            return Err(AdminError::bad_request(name.into_owned(), "given twice"));
        }
    }
    Ok(out)
}

/// A tenant name as keys carry it: 1 to 64 of `A-Z a-z 0-9 - _ .` (never `*`).
pub fn tenant_name(field: &str, value: &str) -> Result<String, AdminError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(AdminError::bad_request(
            field,
            "a tenant name is 1 to 64 characters of A-Z a-z 0-9 - _ .",
        ))
    }
}
