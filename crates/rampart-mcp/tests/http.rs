//! `POST /mcp` over real HTTP: bearer authentication through the gateway's authenticator,
//! status codes per message kind, bounded bodies, browser origins, and the OAuth
//! protected-resource metadata (RFC 9728) that MCP clients discover issuers by.

// Test helpers outside #[test] functions unwrap too: a failure is the test's failure.
#![allow(clippy::unwrap_used)]

use rampart_gateway::{Config, StaticKeys};
use rampart_guard::{Guard, Policy};
use rampart_mcp::Proxy;
use rampart_mcp::pinning::{PinningMode, Pins};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

const KEY: &str = "rk-mcp-http-test";
const MAX: usize = 4096;

async fn start() -> String {
    start_with(rampart_mcp::serve_http::HttpSettings::new(MAX)).await
}

async fn start_with(settings: rampart_mcp::serve_http::HttpSettings) -> String {
    let hash = rampart_gateway::auth::key_hash(KEY);
    let config = Config::from_toml(
        &format!("[[auth.keys]]\nid = \"k1\"\ntenant = \"t\"\nsha256 = \"{hash}\"\n"),
        "test.toml",
    )
    .unwrap();
    let proxy = Arc::new(Proxy::new(
        Vec::new(),
        Pins::load(PinningMode::FirstUse, None).unwrap(),
        Arc::new(Guard::new(Policy::default()).unwrap()),
        None,
    ));
    let app = rampart_mcp::serve_http::router(
        proxy,
        Arc::new(StaticKeys::from_config(&config.auth)),
        settings,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}/mcp")
}

async fn post(
    url: &str,
    key: Option<&str>,
    body: Vec<u8>,
    extra: &[(&str, &str)],
) -> (u16, Option<Value>, reqwest::header::HeaderMap) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).ok(), headers)
}

fn msg(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_need_a_known_bearer_key() {
    let url = start().await;
    let ping = msg(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
    let (status, body, headers) = post(&url, None, ping.clone(), &[]).await;
    assert_eq!(status, 401);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(body.unwrap()["error"]["data"]["reason"], "authentication");
    assert_eq!(post(&url, Some("rk-wrong"), ping.clone(), &[]).await.0, 401);
    let (status, body, _) = post(&url, Some(KEY), ping, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        body.unwrap(),
        json!({"jsonrpc": "2.0", "id": 1, "result": {}})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn status_codes_follow_the_message_kind() {
    let url = start().await;
    let known = msg(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    assert_eq!(post(&url, Some(KEY), known, &[]).await.0, 202);
    let unknown = msg(json!({"jsonrpc": "2.0", "method": "notifications/anything"}));
    assert_eq!(post(&url, Some(KEY), unknown, &[]).await.0, 400);
    let response = msg(json!({"jsonrpc": "2.0", "id": 3, "result": {}}));
    assert_eq!(post(&url, Some(KEY), response, &[]).await.0, 400);
    let (status, body, _) = post(&url, Some(KEY), b"{\"jsonrpc\":".to_vec(), &[]).await;
    assert_eq!(
        (status, body.unwrap()["error"]["code"].clone()),
        (400, json!(-32700))
    );
    let big =
        msg(json!({"jsonrpc": "2.0", "id": 4, "method": "ping", "params": {"p": "x".repeat(MAX)}}));
    assert_eq!(post(&url, Some(KEY), big, &[]).await.0, 413);
    let ping = msg(json!({"jsonrpc": "2.0", "id": 5, "method": "ping"}));
    let old = [("mcp-protocol-version", "1999-01-01")];
    assert_eq!(post(&url, Some(KEY), ping.clone(), &old).await.0, 400);
    let evil = [("origin", "https://evil.example")];
    assert_eq!(post(&url, Some(KEY), ping, &evil).await.0, 403);
    let get = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(get.status().as_u16(), 405);
}

/// MCP authorization: with OpenID issuers, a 401 names the metadata URL, and the metadata
/// (at the bare and the path-suffixed well-known URL) names the resource and its issuers.
/// Without issuers there is no metadata.
#[tokio::test(flavor = "multi_thread")]
async fn a_401_points_oauth_clients_at_the_protected_resource_metadata() {
    let settings = rampart_mcp::serve_http::HttpSettings {
        max_message_bytes: MAX,
        public_url: None,
        authorization_servers: vec!["https://login.corp.example/realms/ai".to_owned()],
    };
    let url = start_with(settings).await;
    let base = url.trim_end_matches("/mcp");
    let ping = msg(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
    let (status, _, headers) = post(&url, None, ping, &[]).await;
    assert_eq!(status, 401);
    let challenge = headers["www-authenticate"].to_str().unwrap();
    let expected = format!("{base}/.well-known/oauth-protected-resource/mcp");
    assert_eq!(
        challenge,
        format!("Bearer realm=\"rampart-mcp\", resource_metadata=\"{expected}\"")
    );
    for path in [
        expected.clone(),
        format!("{base}/.well-known/oauth-protected-resource"),
    ] {
        let resp = reqwest::get(&path).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let metadata: Value = resp.json().await.unwrap();
        assert_eq!(metadata["resource"], url);
        assert_eq!(
            metadata["authorization_servers"],
            json!(["https://login.corp.example/realms/ai"])
        );
        assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));
    }

    let keys_only = start().await;
    let base = keys_only.trim_end_matches("/mcp");
    let resp = reqwest::get(format!("{base}/.well-known/oauth-protected-resource"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
