//! Streamable HTTP towards clients: `POST /mcp`, one JSON-RPC message per request.
//!
//! Stateless: the proxy issues no `Mcp-Session-Id` and answers every request with one
//! `application/json` body; notifications it knows get 202, anything else 400. `GET` and
//! `DELETE` get 405 (no server-initiated stream). Each request authenticates with
//! `Authorization: Bearer <Rampart key or OIDC token>` through the gateway's
//! [`Authenticator`]; the body is bounded by `[mcp] max_message_bytes`; a browser's
//! `Origin` other than a loopback one is refused (DNS rebinding).

use crate::error::McpError;
use crate::jsonrpc::{self, Message, RpcError};
use crate::proxy::{Caller, Proxy};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use rampart_gateway::auth::{AuthError, Authenticator, presented_key};
use serde_json::Value;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Debug, Clone)]
struct AppState {
    proxy: Arc<Proxy>,
    authenticator: Arc<dyn Authenticator>,
    max_message_bytes: usize,
}

/// The router of `/mcp`, for embedding and tests.
pub fn router(
    proxy: Arc<Proxy>,
    authenticator: Arc<dyn Authenticator>,
    max_message_bytes: usize,
) -> Router {
    Router::new()
        .route(
            "/mcp",
            post(handle_post).get(not_allowed).delete(not_allowed),
        )
        .with_state(AppState {
            proxy,
            authenticator,
            max_message_bytes,
        })
}

/// Serve `http://<addr>/mcp` until `shutdown` completes.
pub async fn serve_http(
    proxy: Arc<Proxy>,
    authenticator: Arc<dyn Authenticator>,
    addr: SocketAddr,
    max_message_bytes: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), McpError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| McpError::Listen { addr, source })?;
    tracing::info!(%addr, "rampart mcp listening on http://{addr}/mcp");
    let app = router(proxy, authenticator, max_message_bytes);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

async fn not_allowed() -> Response {
    let mut r = StatusCode::METHOD_NOT_ALLOWED.into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    r
}

fn rpc_error(status: StatusCode, error: &RpcError) -> Response {
    json_response(status, &jsonrpc::error_response(None, error))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn unauthorized(message: &str) -> Response {
    let mut r = rpc_error(
        StatusCode::UNAUTHORIZED,
        &RpcError::refused("authentication", message),
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"rampart-mcp\""),
    );
    r
}

/// A browser page may only reach the proxy from a loopback origin.
fn origin_allowed(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

async fn handle_post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !origin_allowed(&headers) {
        return rpc_error(
            StatusCode::FORBIDDEN,
            &RpcError::refused("origin", "requests from this origin are refused"),
        );
    }
    let key = match presented_key(&headers) {
        Ok(Some(k)) => k,
        Ok(None) => {
            return unauthorized(
                "authentication required: send Authorization: Bearer <key or token>",
            );
        }
        Err(why) => return unauthorized(why),
    };
    let principal = match state.authenticator.authenticate(key).await {
        Ok(Some(p)) => p,
        Ok(None) => return unauthorized("unknown, revoked or expired key or token"),
        Err(AuthError::Refused { reason, .. }) => return unauthorized(reason),
        Err(e) => {
            tracing::warn!(error = %e, "authentication unavailable");
            return rpc_error(
                StatusCode::SERVICE_UNAVAILABLE,
                &RpcError::new(
                    jsonrpc::INTERNAL_ERROR,
                    "authentication unavailable; retry later",
                ),
            );
        }
    };
    if let Some(v) = headers.get("mcp-protocol-version") {
        let known = v
            .to_str()
            .is_ok_and(|v| crate::methods::PROTOCOL_VERSIONS.contains(&v));
        if !known {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                &RpcError::new(jsonrpc::INVALID_REQUEST, "unsupported MCP-Protocol-Version"),
            );
        }
    }
    let bytes = match axum::body::to_bytes(body, state.max_message_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return rpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &RpcError::new(jsonrpc::INVALID_REQUEST, "message too large"),
            );
        }
    };
    let message = match jsonrpc::parse(&bytes, state.max_message_bytes) {
        Ok(m) => m,
        Err(failure) => return json_response(StatusCode::BAD_REQUEST, &failure.response()),
    };
    let caller = Caller {
        principal,
        source_ip: Some(peer.ip()),
    };
    match &message {
        Message::Request { .. } => {}
        Message::Notification { method, .. } if Proxy::knows_notification(method) => {
            return StatusCode::ACCEPTED.into_response();
        }
        Message::Notification { .. } => {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                &RpcError::new(jsonrpc::METHOD_NOT_FOUND, "notification not supported"),
            );
        }
        Message::Response { .. } => {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                &RpcError::new(
                    jsonrpc::INVALID_REQUEST,
                    "the proxy sent no request to answer",
                ),
            );
        }
    }
    match state.proxy.handle(&caller, message).await {
        Some(answer) => json_response(StatusCode::OK, &answer),
        None => StatusCode::ACCEPTED.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_origins_pass() {
        let mut h = HeaderMap::new();
        assert!(origin_allowed(&h));
        for (origin, ok) in [
            ("http://localhost:3000", true),
            ("http://127.0.0.1", true),
            ("https://[::1]:8443", true),
            ("https://evil.example", false),
            ("http://localhost.evil.example", false),
            ("null", false),
        ] {
            h.insert(header::ORIGIN, HeaderValue::from_static(origin));
            assert_eq!(origin_allowed(&h), ok, "{origin}");
        }
    }
}
