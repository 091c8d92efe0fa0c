//! Errors a client sees, rendered in the error shape of the surface it called.
//!
//! Every refusal in the pipeline is an [`ApiError`]: a [`Refusal`] (which gives the HTTP
//! status, the stable `code`, the audit reason, who caused it and whether to retry), a
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

/// Who caused a refusal (in the manner of Pingora's `ErrorSource`): the client, the
/// provider, the guard's inspection, a policy of the operator (limits, model grants), or
/// Rampart itself and the services it depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    Client,
    Upstream,
    Guard,
    Policy,
    Internal,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Client => "client",
            Source::Upstream => "upstream",
            Source::Guard => "guard",
            Source::Policy => "policy",
            Source::Internal => "internal",
        }
    }
}

/// Why a request was refused or ended early: the one closed list that control flow,
/// the client's error body and the audit record read (in the manner of agentgateway's
/// `ProxyResponseReason`). Each reason has its HTTP status, its API `code` (what the
/// client reads), its audit `reason` (what the audit store persists; some differ from
/// the API code, and both are kept byte for byte as they were), its [`Source`], whether
/// a retry may help, and the `Retry-After` to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The body or a field of it is invalid (400).
    InvalidRequest,
    /// No such route, or a route Rampart does not serve (404).
    NotFound,
    /// The route exists with another method (405).
    MethodNotAllowed,
    /// The body was not received in time (408).
    RequestTimeout,
    /// The body exceeds `[server] body_limit` (413).
    RequestTooLarge,
    /// The key header could not be read (401; audited as the API code).
    MalformedKey,
    /// No key, or a key nobody issued (401; audited `unauthenticated`).
    Unauthenticated,
    /// The client sent a provider's key instead of a Rampart key (401).
    ProviderKeyRefused,
    /// A bearer token (JWT) of a configured issuer was refused (401); the reason
    /// (`token_expired`, …) is what the audit record stores.
    TokenRefused(&'static str),
    /// The client's address or the presented key's prefix is blocked after too many
    /// failed authentications (429, retryable after the block; `[auth.brute_force]`).
    AuthBlocked { retry_after_secs: u64 },
    /// The key is suspended after unusual activity (403; `[auth.suspend]`, lifted by
    /// `rampart keys unsuspend`).
    KeySuspended,
    /// The model does not exist, or this key may not see it (404).
    ModelNotFound,
    /// This key may not use the model (403).
    ModelNotAllowed,
    /// A client-supplied provider key for a provider that does not allow it (403).
    ClientKeyRefused,
    /// The authorisation policies (`[authz]`) refused every deployment of the model
    /// (403); the message names the determining policy.
    PolicyDenied,
    /// The client left before the answer was complete (499; never rendered).
    ClientClosed,
    /// The key store could not be reached (503, retryable).
    AuthUnavailable,
    /// The limiter's store could not be reached (503, retryable): fail closed.
    LimiterUnavailable,
    /// A limit of the key or its tenant was reached (429, retryable after the denial's
    /// time, with its `x-ratelimit-*` numbers).
    RateLimited(Box<RetryAfter>),
    /// The guard blocked an input text (400; audited `blocked`).
    Blocked,
    /// The guard blocked a streamed answer, which ended with `content_filter` (audit
    /// only: the status line had been sent).
    OutputBlocked,
    /// The external classifier did not answer and the policy fails closed (503, retryable).
    GuardUnavailable,
    /// The guard could not inspect a text (500).
    GuardError,
    /// The provider refused the request, or the gateway refused it on the provider's
    /// behalf; the status is the provider's (4xx).
    UpstreamRejected(StatusCode),
    /// The provider did not answer in time (504).
    UpstreamTimeout,
    /// The provider rate limited the call after every retry and fallback (429, with the
    /// provider's `Retry-After` in whole seconds).
    UpstreamRateLimited { retry_after_secs: u64 },
    /// The provider is unavailable or over capacity (503).
    UpstreamUnavailable,
    /// The provider refused Rampart's credentials (502).
    UpstreamAuth,
    /// The provider failed, could not be reached, or answered something unusable (502).
    UpstreamError,
    /// Rampart itself failed (500).
    Internal,
}

impl Refusal {
    /// The HTTP status the client gets.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::InvalidRequest | Refusal::Blocked => StatusCode::BAD_REQUEST,
            Refusal::NotFound | Refusal::ModelNotFound => StatusCode::NOT_FOUND,
            Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Refusal::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::MalformedKey
            | Refusal::Unauthenticated
            | Refusal::ProviderKeyRefused
            | Refusal::TokenRefused(_) => StatusCode::UNAUTHORIZED,
            Refusal::ModelNotAllowed
            | Refusal::ClientKeyRefused
            | Refusal::PolicyDenied
            | Refusal::KeySuspended => StatusCode::FORBIDDEN,
            // nginx's "client closed request": recorded, never sent.
            Refusal::ClientClosed => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
            Refusal::RateLimited(_)
            | Refusal::UpstreamRateLimited { .. }
            | Refusal::AuthBlocked { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::OutputBlocked => StatusCode::OK,
            Refusal::AuthUnavailable
            | Refusal::LimiterUnavailable
            | Refusal::GuardUnavailable
            | Refusal::UpstreamUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::GuardError | Refusal::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Refusal::UpstreamRejected(status) => *status,
            Refusal::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            Refusal::UpstreamAuth | Refusal::UpstreamError => StatusCode::BAD_GATEWAY,
        }
    }

    /// The stable machine-readable `code` of the error body.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::InvalidRequest => "invalid_request",
            Refusal::NotFound => "not_found",
            Refusal::MethodNotAllowed => "method_not_allowed",
            Refusal::RequestTimeout => "request_timeout",
            Refusal::RequestTooLarge => "request_too_large",
            Refusal::MalformedKey
            | Refusal::Unauthenticated
            | Refusal::ProviderKeyRefused
            | Refusal::TokenRefused(_) => "invalid_api_key",
            Refusal::AuthBlocked { .. } => "auth_blocked",
            Refusal::KeySuspended => "key_suspended",
            Refusal::ModelNotFound => "model_not_found",
            Refusal::ModelNotAllowed => "model_not_allowed",
            Refusal::ClientKeyRefused => "client_key_refused",
            Refusal::PolicyDenied => "policy_denied",
            Refusal::ClientClosed => "client_closed_request",
            Refusal::AuthUnavailable => "auth_unavailable",
            Refusal::LimiterUnavailable => "limiter_unavailable",
            Refusal::RateLimited(_) | Refusal::UpstreamRateLimited { .. } => "rate_limit_exceeded",
            Refusal::Blocked => "rampart_blocked",
            Refusal::OutputBlocked => "output_blocked",
            Refusal::GuardUnavailable => "guard_unavailable",
            Refusal::GuardError => "guard_error",
            Refusal::UpstreamRejected(_) => "upstream_rejected",
            Refusal::UpstreamTimeout => "upstream_timeout",
            Refusal::UpstreamUnavailable => "upstream_unavailable",
            Refusal::UpstreamAuth => "upstream_auth",
            Refusal::UpstreamError => "upstream_error",
            Refusal::Internal => "internal_error",
        }
    }

    /// The reason the audit record stores (`error`), and the metrics' and logs' label.
    /// Every provider failure is one reason; the API code says which.
    pub fn audit_reason(&self) -> &'static str {
        match self {
            Refusal::Unauthenticated => "unauthenticated",
            Refusal::ProviderKeyRefused => "provider_key_refused",
            Refusal::TokenRefused(reason) => reason,
            Refusal::RateLimited(_) => "rate_limited",
            Refusal::Blocked => "blocked",
            Refusal::UpstreamRejected(_)
            | Refusal::UpstreamTimeout
            | Refusal::UpstreamRateLimited { .. }
            | Refusal::UpstreamUnavailable
            | Refusal::UpstreamAuth
            | Refusal::UpstreamError => "upstream_error",
            other => other.code(),
        }
    }

    /// Who caused it.
    pub fn source(&self) -> Source {
        match self {
            Refusal::InvalidRequest
            | Refusal::NotFound
            | Refusal::MethodNotAllowed
            | Refusal::RequestTimeout
            | Refusal::RequestTooLarge
            | Refusal::MalformedKey
            | Refusal::Unauthenticated
            | Refusal::ProviderKeyRefused
            | Refusal::TokenRefused(_)
            | Refusal::ModelNotFound
            | Refusal::AuthBlocked { .. }
            | Refusal::ClientClosed => Source::Client,
            Refusal::KeySuspended
            | Refusal::ModelNotAllowed
            | Refusal::ClientKeyRefused
            | Refusal::PolicyDenied
            | Refusal::RateLimited(_) => Source::Policy,
            Refusal::Blocked
            | Refusal::OutputBlocked
            | Refusal::GuardUnavailable
            | Refusal::GuardError => Source::Guard,
            Refusal::UpstreamRejected(_)
            | Refusal::UpstreamTimeout
            | Refusal::UpstreamRateLimited { .. }
            | Refusal::UpstreamUnavailable
            | Refusal::UpstreamAuth
            | Refusal::UpstreamError => Source::Upstream,
            Refusal::AuthUnavailable | Refusal::LimiterUnavailable | Refusal::Internal => {
                Source::Internal
            }
        }
    }

    /// Whether the same request may succeed if sent again later.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Refusal::RequestTimeout
                | Refusal::AuthUnavailable
                | Refusal::LimiterUnavailable
                | Refusal::RateLimited(_)
                | Refusal::AuthBlocked { .. }
                | Refusal::GuardUnavailable
                | Refusal::UpstreamTimeout
                | Refusal::UpstreamRateLimited { .. }
                | Refusal::UpstreamUnavailable
                | Refusal::UpstreamError
        )
    }

    /// The `Retry-After` to send, in whole seconds (at least 1).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Refusal::RateLimited(denial) => Some(denial.retry_after.as_secs().max(1)),
            Refusal::UpstreamRateLimited { retry_after_secs } => Some(*retry_after_secs),
            Refusal::AuthBlocked { retry_after_secs } => Some((*retry_after_secs).max(1)),
            _ => None,
        }
    }
}

/// A refusal with what the client reads about it, ready to render.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub refusal: Refusal,
    pub message: String,
    /// The offending field, e.g. `messages[2].content`.
    pub param: Option<String>,
}

impl ApiError {
    pub fn new(refusal: Refusal, message: impl Into<String>) -> Self {
        ApiError {
            refusal,
            message: message.into(),
            param: None,
        }
    }

    /// 400 about one field.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        let param = param.into();
        let message = format!("`{param}`: {}", message.into());
        ApiError {
            param: Some(param),
            ..ApiError::new(Refusal::InvalidRequest, message)
        }
    }

    pub fn status(&self) -> StatusCode {
        self.refusal.status()
    }

    /// Stable machine-readable code: `invalid_request`, `model_not_found`, `rampart_blocked`, ...
    pub fn code(&self) -> &'static str {
        self.refusal.code()
    }

    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    /// 401 about the key (`refusal` says which: malformed, unknown, a provider's).
    pub fn unauthenticated(refusal: Refusal, message: impl Into<String>) -> Self {
        ApiError::new(refusal, message)
    }

    pub fn model_not_found(model: &str) -> Self {
        ApiError::new(
            Refusal::ModelNotFound,
            format!("The model `{model}` does not exist or you do not have access to it."),
        )
        .with_param("model")
    }

    pub fn not_found_route(method: &str, path: &str) -> Self {
        ApiError::new(
            Refusal::NotFound,
            format!("Unknown route {method} {path}: Rampart forwards only the APIs it inspects."),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(Refusal::Internal, message)
    }

    /// 429 for a client whose address or key prefix is blocked after failed
    /// authentications; the block holds whatever key comes next.
    pub fn auth_blocked(retry_after: std::time::Duration) -> Self {
        // Whole seconds, rounded up: retrying at the announced time must succeed.
        let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        ApiError::new(
            Refusal::AuthBlocked {
                retry_after_secs: secs.max(1),
            },
            format!(
                "Too many failed authentications from this address or for this key. Retry after {} s.",
                secs.max(1)
            ),
        )
    }

    pub fn rate_limited(denial: RetryAfter) -> Self {
        let message = format!(
            "Rate limit reached ({}). Retry after {} s.",
            denial.reason,
            denial.retry_after.as_secs().max(1)
        );
        ApiError::new(Refusal::RateLimited(Box::new(denial)), message)
    }

    /// The guard blocked a text: name the detector, never the matched text.
    pub fn blocked(kind: rampart_core::FindingKind, entity: &str, param: &str) -> Self {
        ApiError::new(
            Refusal::Blocked,
            format!("Request blocked by Rampart's guard: {kind} detected ({entity}) in `{param}`."),
        )
        .with_param(param)
    }

    /// OpenAI's `error.type` for this status.
    fn openai_type(&self) -> &'static str {
        match self.status().as_u16() {
            400 | 404 | 405 | 408 | 413 | 415 | 422 => "invalid_request_error",
            401 => "authentication_error",
            403 => "permission_error",
            429 => "rate_limit_error",
            _ => "server_error",
        }
    }

    /// Anthropic's `error.type` for this status.
    fn anthropic_type(&self) -> &'static str {
        match self.status().as_u16() {
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
                "code": self.code(),
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
            self.status(),
            [(http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        let h = resp.headers_mut();
        if let Some(secs) = self.refusal.retry_after_secs() {
            h.insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Refusal::RateLimited(denial) = &self.refusal {
            crate::limit::insert_headers(h, std::slice::from_ref(&denial.status));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limit::{LimitKind, LimitStatus};
    use std::time::Duration;

    fn denial() -> RetryAfter {
        RetryAfter {
            reason: "key k1: 1 requests per minute".into(),
            status: LimitStatus {
                kind: LimitKind::Requests,
                limit: 1,
                remaining: 0,
                reset: Duration::from_millis(1500),
            },
            retry_after: Duration::from_millis(1500),
        }
    }

    /// The status, API code and audit reason of every refusal, as the string codes gave
    /// them before the enum: the error bodies and the stored audit reasons stay the same.
    #[test]
    fn every_refusal_keeps_its_status_code_and_audit_reason() {
        let table: Vec<(Refusal, u16, &str, &str)> = vec![
            (
                Refusal::InvalidRequest,
                400,
                "invalid_request",
                "invalid_request",
            ),
            (Refusal::NotFound, 404, "not_found", "not_found"),
            (
                Refusal::MethodNotAllowed,
                405,
                "method_not_allowed",
                "method_not_allowed",
            ),
            (
                Refusal::RequestTimeout,
                408,
                "request_timeout",
                "request_timeout",
            ),
            (
                Refusal::RequestTooLarge,
                413,
                "request_too_large",
                "request_too_large",
            ),
            (
                Refusal::MalformedKey,
                401,
                "invalid_api_key",
                "invalid_api_key",
            ),
            (
                Refusal::Unauthenticated,
                401,
                "invalid_api_key",
                "unauthenticated",
            ),
            (
                Refusal::ProviderKeyRefused,
                401,
                "invalid_api_key",
                "provider_key_refused",
            ),
            (
                Refusal::AuthBlocked {
                    retry_after_secs: 60,
                },
                429,
                "auth_blocked",
                "auth_blocked",
            ),
            (Refusal::KeySuspended, 403, "key_suspended", "key_suspended"),
            (
                Refusal::ModelNotFound,
                404,
                "model_not_found",
                "model_not_found",
            ),
            (
                Refusal::ModelNotAllowed,
                403,
                "model_not_allowed",
                "model_not_allowed",
            ),
            (
                Refusal::ClientKeyRefused,
                403,
                "client_key_refused",
                "client_key_refused",
            ),
            (
                Refusal::ClientClosed,
                499,
                "client_closed_request",
                "client_closed_request",
            ),
            (
                Refusal::AuthUnavailable,
                503,
                "auth_unavailable",
                "auth_unavailable",
            ),
            (
                Refusal::LimiterUnavailable,
                503,
                "limiter_unavailable",
                "limiter_unavailable",
            ),
            (
                Refusal::RateLimited(Box::new(denial())),
                429,
                "rate_limit_exceeded",
                "rate_limited",
            ),
            (Refusal::Blocked, 400, "rampart_blocked", "blocked"),
            (
                Refusal::OutputBlocked,
                200,
                "output_blocked",
                "output_blocked",
            ),
            (
                Refusal::GuardUnavailable,
                503,
                "guard_unavailable",
                "guard_unavailable",
            ),
            (Refusal::GuardError, 500, "guard_error", "guard_error"),
            (
                Refusal::UpstreamRejected(StatusCode::UNPROCESSABLE_ENTITY),
                422,
                "upstream_rejected",
                "upstream_error",
            ),
            (
                Refusal::UpstreamTimeout,
                504,
                "upstream_timeout",
                "upstream_error",
            ),
            (
                Refusal::UpstreamRateLimited {
                    retry_after_secs: 7,
                },
                429,
                "rate_limit_exceeded",
                "upstream_error",
            ),
            (
                Refusal::UpstreamUnavailable,
                503,
                "upstream_unavailable",
                "upstream_error",
            ),
            (
                Refusal::UpstreamAuth,
                502,
                "upstream_auth",
                "upstream_error",
            ),
            (
                Refusal::UpstreamError,
                502,
                "upstream_error",
                "upstream_error",
            ),
            (Refusal::Internal, 500, "internal_error", "internal_error"),
        ];
        for (refusal, status, code, reason) in table {
            assert_eq!(refusal.status().as_u16(), status, "{refusal:?}");
            assert_eq!(refusal.code(), code, "{refusal:?}");
            assert_eq!(refusal.audit_reason(), reason, "{refusal:?}");
        }
    }

    #[test]
    fn sources_and_retryability_follow_who_caused_it() {
        assert_eq!(Refusal::InvalidRequest.source(), Source::Client);
        assert_eq!(Refusal::Blocked.source(), Source::Guard);
        assert_eq!(Refusal::ModelNotAllowed.source(), Source::Policy);
        assert_eq!(Refusal::UpstreamAuth.source(), Source::Upstream);
        assert_eq!(Refusal::Internal.source(), Source::Internal);
        assert!(Refusal::UpstreamUnavailable.retryable());
        assert!(Refusal::RateLimited(Box::new(denial())).retryable());
        assert!(!Refusal::Blocked.retryable() && !Refusal::UpstreamAuth.retryable());
    }

    /// Both shapes of the body, field for field, and the one `Retry-After` of both kinds
    /// of 429. Compared as JSON values, not bytes: the order of an object's keys depends
    /// on whether serde_json's `preserve_order` is on, which `cedar-policy` (through
    /// `rampart-server`) turns on in the binary and in tests that link it.
    #[test]
    fn bodies_and_retry_after_are_rendered_as_before() {
        let blocked = ApiError::blocked(
            rampart_core::FindingKind::Secret,
            "AWS_ACCESS_KEY",
            "messages[0].content",
        );
        let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(
            blocked.body(Shape::OpenAi),
            parse(
                r#"{"error":{"code":"rampart_blocked","message":"Request blocked by Rampart's guard: secret detected (AWS_ACCESS_KEY) in `messages[0].content`.","param":"messages[0].content","type":"invalid_request_error"}}"#
            )
        );
        assert_eq!(
            blocked.body(Shape::Anthropic),
            parse(
                r#"{"error":{"message":"Request blocked by Rampart's guard: secret detected (AWS_ACCESS_KEY) in `messages[0].content`.","type":"invalid_request_error"},"type":"error"}"#
            )
        );
        let upstream = ApiError::new(
            Refusal::UpstreamRateLimited {
                retry_after_secs: 7,
            },
            "slow down",
        );
        let resp = upstream.render(Shape::Anthropic);
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()[http::header::RETRY_AFTER], "7");
        assert!(resp.headers().get("x-ratelimit-limit-requests").is_none());
        let local = ApiError::rate_limited(denial());
        assert_eq!(
            local.message,
            "Rate limit reached (key k1: 1 requests per minute). Retry after 1 s."
        );
        let resp = local.render(Shape::OpenAi);
        assert_eq!(resp.headers()[http::header::RETRY_AFTER], "1");
        assert_eq!(resp.headers()["x-ratelimit-limit-requests"], "1");
    }
}
