//! The admin API's errors and their one JSON shape: `{"error": {"type", "message"}}`.
//!
//! Messages never carry a credential, a key hash or a stored record; a store failure is
//! logged here and answered with a generic message.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

/// Why an admin request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// No credential, or one that is not valid (401).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The policies deny the action; names the determining policy (403).
    #[error("`{action}` on tenant `{tenant}` is not allowed (policy `{policy}`)")]
    Forbidden {
        action: &'static str,
        tenant: String,
        policy: String,
    },
    /// Nothing with this id, or nothing the caller may see (404).
    #[error("{0}")]
    NotFound(String),
    /// A field of the request is not acceptable; names the field (400).
    #[error("invalid `{field}`: {reason}")]
    BadRequest { field: String, reason: String },
    /// The body is larger than the endpoint accepts (413).
    #[error("request body larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// The operation needs something this server was not configured with (409).
    #[error("{0}")]
    Conflict(String),
    /// A store or the identity provider could not answer (503).
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
}

impl AdminError {
    pub fn bad_request(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AdminError::BadRequest {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AdminError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AdminError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AdminError::NotFound(_) => StatusCode::NOT_FOUND,
            AdminError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AdminError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AdminError::Conflict(_) => StatusCode::CONFLICT,
            AdminError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `type` of the error body.
    pub fn kind(&self) -> &'static str {
        match self {
            AdminError::Unauthenticated(_) => "unauthenticated",
            AdminError::Forbidden { .. } => "forbidden",
            AdminError::NotFound(_) => "not_found",
            AdminError::BadRequest { .. } => "invalid_request",
            AdminError::TooLarge { .. } => "body_too_large",
            AdminError::Conflict(_) => "conflict",
            AdminError::Unavailable(_) => "unavailable",
        }
    }

    /// A key store failure: logged (without the request), answered as 503.
    pub fn keys(err: rampart_identity::IdentityError) -> Self {
        match err {
            rampart_identity::IdentityError::Invalid { field, reason } => {
                AdminError::bad_request(field, reason)
            }
            rampart_identity::IdentityError::NotFound(id) => {
                AdminError::NotFound(format!("no key with id `{id}`"))
            }
            other => {
                tracing::error!(error = %other, "admin API: key store failed");
                AdminError::Unavailable("the key store")
            }
        }
    }

    /// An audit store failure: logged, answered as 503.
    pub fn audit(err: rampart_audit::AuditError) -> Self {
        tracing::error!(error = %err, "admin API: audit store failed");
        AdminError::Unavailable("the audit store")
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let mut extra = serde_json::Map::new();
        match &self {
            AdminError::Forbidden { policy, .. } => {
                extra.insert("policy".into(), json!(policy));
            }
            AdminError::BadRequest { field, .. } => {
                extra.insert("field".into(), json!(field));
            }
            _ => {}
        }
        let mut error = serde_json::Map::new();
        error.insert("type".into(), json!(self.kind()));
        error.insert("message".into(), json!(self.to_string()));
        error.extend(extra);
        let mut response = (self.status(), Json(json!({ "error": error }))).into_response();
        if matches!(self, AdminError::Unauthenticated(_)) {
            response.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer realm=\"rampart-admin\""),
            );
        }
        response
    }
}

/// A path under `/admin/v1` that names no endpoint.
pub async fn not_found() -> Response {
    AdminError::NotFound("no such admin endpoint".into()).into_response()
}

/// A known path asked with a method it does not serve.
pub async fn method_not_allowed() -> Response {
    let body = json!({"error": {"type": "method_not_allowed", "message": "this endpoint does not serve this method"}});
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}
