//! Errors a client sees, rendered in the error shape of the surface it called.
//!
//! Every refusal in the pipeline is an [`ApiError`]: an HTTP status, a stable `code`, a
//! message a person can act on (never a secret or a matched value) and, when the fault is
//! one field, its path. [`ApiError::render`] writes it as OpenAI's
//! `{"error": {"message", "type", "param", "code"}}` or Anthropic's
//! `{"type": "error", "error": {"type", "message"}}`, which the official SDKs raise as
//! their `BadRequestError`, `AuthenticationError`, `NotFoundError`, ... classes.

use crate::limit::RetryAfter;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use serde_json::json;

/// The API family whose error shape a response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    OpenAi,
    Anthropic,
}

/// Who caused an error: decides the status class and whether a retry may help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The client sent something wrong (4xx).
    Client,
    /// The provider failed or could not be reached (502/503/504).
    Upstream,
    /// Rampart itself failed (500), including a guard failure (fail closed).
    Internal,
}

/// A refusal, ready to render.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable code: `invalid_request`, `model_not_found`, `rampart_blocked`, ...
    pub code: &'static str,
    pub message: String,
    /// The offending field, e.g. `messages[2].content`.
    pub param: Option<String>,
    pub cause: Cause,
    pub retry_after: Option<Box<RetryAfter>>,
    /// `Retry-After` (whole seconds) passed on from a provider that rate limited the call.
    pub upstream_retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        let cause = if status.is_server_error() {
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                Cause::Internal
            } else {
                Cause::Upstream
            }
        } else {
            Cause::Client
        };
        ApiError {
            status,
            code,
            message: message.into(),
            param: None,
            cause,
            retry_after: None,
            upstream_retry_after: None,
        }
    }

    /// 400 about one field.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        let param = param.into();
        let message = format!("`{param}`: {}", message.into());
        ApiError {
            param: Some(param),
            ..ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "invalid_api_key", message)
    }

    pub fn model_not_found(model: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "model_not_found",
            format!("The model `{model}` does not exist or you do not have access to it."),
        )
        .with_param("model")
    }

    pub fn not_found_route(method: &str, path: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Unknown route {method} {path}: Rampart forwards only the APIs it inspects."),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", message)
    }

    pub fn rate_limited(denial: RetryAfter) -> Self {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            format!(
                "Rate limit reached ({}). Retry after {} s.",
                denial.reason,
                denial.retry_after.as_secs().max(1)
            ),
        );
        e.retry_after = Some(Box::new(denial));
        e
    }

    /// The guard blocked a text: name the detector, never the matched text.
    pub fn blocked(kind: rampart_core::FindingKind, entity: &str, param: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "rampart_blocked",
            format!("Request blocked by Rampart's guard: {kind} detected ({entity}) in `{param}`."),
        )
        .with_param(param)
    }

    /// OpenAI's `error.type` for this status.
    fn openai_type(&self) -> &'static str {
        match self.status.as_u16() {
            400 | 404 | 405 | 408 | 413 | 415 | 422 => "invalid_request_error",
            401 => "authentication_error",
            403 => "permission_error",
            429 => "rate_limit_error",
            _ => "server_error",
        }
    }

    /// Anthropic's `error.type` for this status.
    fn anthropic_type(&self) -> &'static str {
        match self.status.as_u16() {
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            413 => "request_too_large",
            429 => "rate_limit_error",
            502..=504 => "overloaded_error",
            400..=499 => "invalid_request_error",
            _ => "api_error",
        }
    }

    /// The JSON body in `shape`.
    pub fn body(&self, shape: Shape) -> serde_json::Value {
        match shape {
            Shape::OpenAi => json!({"error": {
                "message": self.message,
                "type": self.openai_type(),
                "param": self.param,
                "code": self.code,
            }}),
            Shape::Anthropic => json!({
                "type": "error",
                "error": {"type": self.anthropic_type(), "message": self.message},
            }),
        }
    }

    /// A complete HTTP response in `shape`, with `Retry-After` and rate-limit headers.
    pub fn render(&self, shape: Shape) -> Response {
        let body = serde_json::to_vec(&self.body(shape)).unwrap_or_default();
        let mut resp = (
            self.status,
            [(http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(secs) = self.upstream_retry_after {
            resp.headers_mut()
                .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(denial) = &self.retry_after {
            let h = resp.headers_mut();
            let secs = denial.retry_after.as_secs().max(1);
            h.insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
            crate::limit::insert_headers(h, std::slice::from_ref(&denial.status));
        }
        resp
    }
}
