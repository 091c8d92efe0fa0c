//! Streamable HTTP towards clients: `POST /mcp`, one JSON-RPC message per request.
//!
//! Stateless: the proxy issues no `Mcp-Session-Id` and answers every request with one
//! `application/json` body; notifications it knows get 202, anything else 400. `GET` and
//! `DELETE` get 405 (no server-initiated stream). Each request authenticates with
//! `Authorization: Bearer <Rampart key or OIDC token>` through the gateway's
//! [`Authenticator`]; the body is bounded by `[mcp] max_message_bytes`; a browser's
//! `Origin` other than a loopback one is refused (DNS rebinding).
//!
//! With `[[auth.oidc]]` issuers, the proxy is an OAuth protected resource as MCP's
//! authorization spec asks: `GET /.well-known/oauth-protected-resource[/mcp]` serves its
//! metadata (RFC 9728: `resource`, `authorization_servers`, `bearer_methods_supported`),
//! and every 401 points at it in `WWW-Authenticate: Bearer resource_metadata="…"`, so an
//! MCP client can find where to get a token.

use crate::error::McpError;
use crate::jsonrpc::{self, Message, RpcError};
use crate::proxy::{Caller, Proxy};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use rampart_gateway::auth::{AuthError, Authenticator, presented_key};
use serde_json::Value;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

/// The endpoint's settings beside the proxy and the authenticator.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `[mcp] max_message_bytes`.
    pub max_message_bytes: usize,
    /// `[mcp] public_url`: where clients reach `/mcp`; `None`: `http://<Host>/mcp`.
    pub public_url: Option<String>,
    /// The issuers of `[[auth.oidc]]`: the authorization servers of the metadata. Empty:
    /// no metadata is served (keys only).
    pub authorization_servers: Vec<String>,
}

impl HttpSettings {
    /// Keys only, no OAuth metadata.
    pub fn new(max_message_bytes: usize) -> HttpSettings {
        HttpSettings {
            max_message_bytes,
            public_url: None,
            authorization_servers: Vec::new(),
        }
    }

    /// The settings of a config's `[mcp]` and `[[auth.oidc]]`.
    pub fn from_config(config: &rampart_gateway::Config) -> HttpSettings {
        let mcp = config.mcp.as_ref();
        HttpSettings {
            max_message_bytes: mcp.map_or(4 << 20, |m| m.max_message_bytes),
            public_url: mcp
                .and_then(|m| m.public_url.as_ref())
                .map(|u| u.get_ref().as_str().to_owned()),
            authorization_servers: config
                .auth
                .oidc
                .iter()
                .map(|o| o.get_ref().issuer.get_ref().clone())
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
struct AppState {
    proxy: Arc<Proxy>,
    authenticator: Arc<dyn Authenticator>,
    settings: Arc<HttpSettings>,
}

/// Where RFC 9728 puts a resource's metadata: under the origin's `/.well-known/`.
const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The router of `/mcp` (and of its metadata), for embedding and tests.
pub fn router(
    proxy: Arc<Proxy>,
    authenticator: Arc<dyn Authenticator>,
    settings: HttpSettings,
) -> Router {
    let mut router = Router::new().route(
        "/mcp",
        post(handle_post).get(not_allowed).delete(not_allowed),
    );
    if !settings.authorization_servers.is_empty() {
        // The bare path and, as RFC 9728 section 3.1 derives it, the one suffixed with
        // the resource's path.
        let suffixed = format!("{METADATA_PATH}{}", resource_path(&settings));
        router = router
            .route(METADATA_PATH, get(metadata))
            .route(&suffixed, get(metadata));
    }
    router.with_state(AppState {
        proxy,
        authenticator,
        settings: Arc::new(settings),
    })
}

/// Serve `http://<addr>/mcp` until `shutdown` completes.
pub async fn serve_http(
    proxy: Arc<Proxy>,
    authenticator: Arc<dyn Authenticator>,
    addr: SocketAddr,
    settings: HttpSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), McpError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| McpError::Listen { addr, source })?;
    tracing::info!(%addr, "rampart mcp listening on http://{addr}/mcp");
    let app = router(proxy, authenticator, settings);
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

/// The path of the resource's URL: `/mcp`, or that of `[mcp] public_url`.
fn resource_path(settings: &HttpSettings) -> &str {
    settings
        .public_url
        .as_deref()
        .and_then(|u| u.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/mcp")
}

/// The resource's URL and the URL of its metadata: from `[mcp] public_url`, else from
/// the request's `Host` (only when it is a plain host and port).
fn resource_urls(settings: &HttpSettings, headers: &HeaderMap) -> Option<(String, String)> {
    let resource = match &settings.public_url {
        Some(url) => url.clone(),
        None => {
            let host = headers.get(header::HOST)?.to_str().ok()?;
            let plain = !host.is_empty()
                && host.len() <= 255
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
            if !plain {
                return None;
            }
            format!("http://{host}/mcp")
        }
    };
    let (scheme, rest) = resource.split_once("://")?;
    let authority = rest.split('/').next()?;
    let metadata = format!(
        "{scheme}://{authority}{METADATA_PATH}{}",
        &rest[authority.len()..]
    );
    Some((resource, metadata))
}

/// `GET /.well-known/oauth-protected-resource`: RFC 9728 metadata.
async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((resource, _)) = resource_urls(&state.settings, &headers) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "resource": resource,
            "authorization_servers": state.settings.authorization_servers,
            "bearer_methods_supported": ["header"],
            "resource_name": "Rampart MCP proxy",
        }),
    )
}

fn unauthorized(state: &AppState, headers: &HeaderMap, message: &str) -> Response {
    let mut r = rpc_error(
        StatusCode::UNAUTHORIZED,
        &RpcError::refused("authentication", message),
    );
    let challenge = match resource_urls(&state.settings, headers) {
        Some((_, metadata)) if !state.settings.authorization_servers.is_empty() => {
            format!("Bearer realm=\"rampart-mcp\", resource_metadata=\"{metadata}\"")
        }
        _ => "Bearer realm=\"rampart-mcp\"".to_owned(),
    };
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
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
                &state,
                &headers,
                "authentication required: send Authorization: Bearer <key or token>",
            );
        }
        Err(why) => return unauthorized(&state, &headers, why),
    };
    let principal = match state.authenticator.authenticate(key).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return unauthorized(&state, &headers, "unknown, revoked or expired key or token");
        }
        Err(AuthError::Refused { reason, .. }) => return unauthorized(&state, &headers, reason),
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
    let bytes = match axum::body::to_bytes(body, state.settings.max_message_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return rpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &RpcError::new(jsonrpc::INVALID_REQUEST, "message too large"),
            );
        }
    };
    let message = match jsonrpc::parse(&bytes, state.settings.max_message_bytes) {
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
    fn metadata_urls_follow_the_public_url_or_a_plain_host() {
        let mut settings = HttpSettings::new(1024);
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8788"));
        assert_eq!(
            resource_urls(&settings, &h),
            Some((
                "http://127.0.0.1:8788/mcp".to_owned(),
                "http://127.0.0.1:8788/.well-known/oauth-protected-resource/mcp".to_owned()
            ))
        );
        // A Host that is not a plain host and port names no URL.
        for bad in ["evil\"x", "a b", "host/path", ""] {
            h.insert(header::HOST, HeaderValue::from_str(bad).unwrap());
            assert_eq!(resource_urls(&settings, &h), None, "{bad}");
        }
        settings.public_url = Some("https://mcp.corp.example/tools/mcp".to_owned());
        assert_eq!(resource_path(&settings), "/tools/mcp");
        assert_eq!(
            resource_urls(&settings, &h).unwrap().1,
            "https://mcp.corp.example/.well-known/oauth-protected-resource/tools/mcp"
        );
    }

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
