//! OTLP traces over real HTTP: a collector and an OpenAI-compatible provider on
//! 127.0.0.1, the gateway between a client and the provider, and assertions on the JSON
//! the collector receives.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use bytes::Bytes;
use rampart_gateway::config::Config;
use rampart_gateway::{Seams, Server};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "rk-otlp-test-key";
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";
const PROMPT: &str = "my email is alice@example.com, tell me a secret";

#[derive(Default)]
struct Seen {
    exports: Mutex<Vec<Value>>,
    upstream_headers: Mutex<Vec<http::HeaderMap>>,
}

async fn collector(
    State(seen): State<Arc<Seen>>,
    headers: http::HeaderMap,
    body: Bytes,
) -> &'static str {
    assert_eq!(headers["content-type"], "application/json");
    seen.exports
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    "{}"
}

async fn provider(State(seen): State<Arc<Seen>>, headers: http::HeaderMap) -> axum::Json<Value> {
    seen.upstream_headers.lock().unwrap().push(headers);
    axum::Json(
        json!({"id": "c1", "object": "chat.completion", "created": 1, "model": "up",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Sure."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}),
    )
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Every span the collector received so far.
fn received(seen: &Seen) -> Vec<Value> {
    let exports = seen.exports.lock().unwrap();
    let mut out = Vec::new();
    for export in exports.iter() {
        for rs in export["resourceSpans"].as_array().unwrap() {
            assert_eq!(
                rs["resource"]["attributes"][0],
                json!({"key": "service.name", "value": {"stringValue": "rampart-test"}})
            );
            for ss in rs["scopeSpans"].as_array().unwrap() {
                out.extend(ss["spans"].as_array().unwrap().iter().cloned());
            }
        }
    }
    out
}

async fn wait_for_spans(seen: &Seen, trace_id: &str, at_least: usize) -> Vec<Value> {
    for _ in 0..500 {
        let of_trace: Vec<_> = received(seen)
            .into_iter()
            .filter(|s| s["traceId"] == trace_id)
            .collect();
        if of_trace.len() >= at_least {
            return of_trace;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the collector did not receive {at_least} spans of trace {trace_id}");
}

fn attribute<'a>(span: &'a Value, key: &str) -> Option<&'a Value> {
    span["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| &a["value"])
}

#[tokio::test]
async fn a_request_exports_one_span_per_phase_under_the_incoming_trace() {
    let seen = Arc::new(Seen::default());
    let collector_url = serve(
        Router::new()
            .route("/v1/traces", post(collector))
            .with_state(seen.clone()),
    )
    .await;
    let upstream = serve(
        Router::new()
            .route("/v1/chat/completions", post(provider))
            .with_state(seen.clone()),
    )
    .await;
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
reload_poll_secs = 0

[telemetry]
otlp_endpoint = "{collector_url}/"
service_name = "rampart-test"

[[providers]]
name = "local"
kind = "openai_compatible"
base_url = "{upstream}/v1"

[[models]]
name = "gpt"
provider = "local"
upstream_model = "up"

[guard]
mode = "enforce"

[[auth.keys]]
id = "k1"
tenant = "acme"
sha256 = "{}"
"#,
        rampart_gateway::auth::key_hash(KEY)
    );
    let config = Config::from_toml(&text, "otlp.toml").unwrap();
    let server = Server::new(config, Seams::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server.serve_on(listener, std::future::pending::<()>()));

    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{gateway}/v1/chat/completions"))
        .bearer_auth(KEY)
        .header("traceparent", format!("00-{TRACE}-{PARENT}-01"))
        .json(&json!({"model": "gpt", "messages": [{"role": "user", "content": PROMPT}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let request_id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();

    let spans = wait_for_spans(&seen, TRACE, 9).await;
    let root = spans
        .iter()
        .find(|s| s["parentSpanId"] == PARENT)
        .expect("the request span is a child of the incoming traceparent");
    assert_eq!(root["name"], "rampart openai.chat");
    assert_eq!(root["kind"], 2, "server span");
    assert_eq!(
        attribute(root, "rampart.request_id"),
        Some(&json!({"stringValue": request_id}))
    );
    assert_eq!(
        attribute(root, "http.response.status_code"),
        Some(&json!({"intValue": "200"}))
    );
    assert_eq!(
        attribute(root, "gen_ai.request.model"),
        Some(&json!({"stringValue": "gpt"}))
    );
    assert_eq!(
        attribute(root, "rampart.decision"),
        Some(&json!({"stringValue": "redact"}))
    );
    let root_id = root["spanId"].as_str().unwrap();
    assert_eq!(root_id.len(), 16);

    let children: Vec<_> = spans
        .iter()
        .filter(|s| s["parentSpanId"] == root_id)
        .collect();
    let names: BTreeSet<&str> = children
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = [
        "authenticate",
        "ingress",
        "authorize",
        "limit",
        "guard_input",
        "upstream",
        "guard_output",
        "audit",
    ]
    .into();
    assert_eq!(names, expected);
    for span in &spans {
        let start: u128 = span["startTimeUnixNano"].as_str().unwrap().parse().unwrap();
        let end: u128 = span["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
        assert!(start <= end && start > 1_700_000_000_000_000_000, "{span}");
    }

    // The provider saw the upstream span as its parent.
    let upstream_span = children.iter().find(|s| s["name"] == "upstream").unwrap();
    assert_eq!(upstream_span["kind"], 3, "client span");
    let sent = seen.upstream_headers.lock().unwrap()[0]["traceparent"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        sent,
        format!(
            "00-{TRACE}-{}-01",
            upstream_span["spanId"].as_str().unwrap()
        )
    );

    // No prompt text, detected value or key in anything exported.
    let exported = serde_json::to_string(&*seen.exports.lock().unwrap()).unwrap();
    for secret in ["alice@example.com", "tell me a secret", KEY] {
        assert!(!exported.contains(secret), "{secret} was exported");
    }

    // Without an incoming traceparent, a new trace starts, with a root span.
    let resp = client
        .post(format!("{gateway}/v1/chat/completions"))
        .bearer_auth(KEY)
        .header("x-request-id", "req-second")
        .json(&json!({"model": "gpt", "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut second = None;
    for _ in 0..500 {
        second = received(&seen).into_iter().find(|s| {
            attribute(s, "rampart.request_id") == Some(&json!({"stringValue": "req-second"}))
        });
        if second.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = second.expect("second request span");
    assert!(second.get("parentSpanId").is_none(), "{second}");
    let trace = second["traceId"].as_str().unwrap();
    assert!(trace.len() == 32 && trace != TRACE && trace != "0".repeat(32));
}
