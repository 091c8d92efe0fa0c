//! Regression tests of the hardening review (issue 20) through the real HTTP server: a
//! fake provider on 127.0.0.1 whose behaviour is chosen by the upstream model name, the
//! gateway in front of it, and a client.

// The fake provider and the harness are test code outside `#[test]` functions.
#![allow(clippy::unwrap_used)]

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use common::{AuditLog, Gateway, serve};
use rampart_gateway::Seams;
use rampart_gateway::config::Config;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "rk-hardening-key";
/// Text only the provider knows: it must never reach the client.
const PROVIDER_TEXT: &str = "internal-db-7.corp says: your prompt was";
const UPSTREAM_ID: &str = "req_up_4242";

/// One request the fake provider (or the host it redirects to) received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: http::HeaderMap,
    body: Bytes,
}

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<Seen>>,
}

impl Recorder {
    fn all(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// The host a redirect points at: records whatever reaches it.
async fn start_elsewhere() -> (String, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    let app = Router::new()
        .fallback(
            |State(rec): State<Arc<Recorder>>,
             uri: http::Uri,
             headers: http::HeaderMap,
             body: Bytes| async move {
                rec.seen.lock().unwrap().push(Seen {
                    path: uri.path().to_owned(),
                    headers,
                    body,
                });
                "{}"
            },
        )
        .with_state(rec.clone());
    (serve(app).await, rec)
}

#[derive(Clone)]
struct UpState {
    rec: Arc<Recorder>,
    elsewhere: String,
}

/// The upstream model named in a request, wherever the protocol puts it.
fn model_of(path: &str, body: &Value) -> String {
    if let Some(m) = body["model"].as_str() {
        return m.to_owned();
    }
    // Azure: /openai/deployments/{model}/...
    path.split('/')
        .skip_while(|s| *s != "deployments")
        .nth(1)
        .unwrap_or("")
        .to_owned()
}

fn sse(events: &[(Option<&str>, Value)]) -> Response {
    let text: String = events
        .iter()
        .map(|(name, data)| match name {
            Some(n) => format!("event: {n}\ndata: {data}\n\n"),
            None => format!("data: {data}\n\n"),
        })
        .collect();
    ([("content-type", "text/event-stream")], text).into_response()
}

fn openai_chunk(text: &str) -> Value {
    json!({"id": "c", "object": "chat.completion.chunk", "model": "up",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
}

async fn fake_provider(
    State(st): State<UpState>,
    uri: http::Uri,
    headers: http::HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    st.rec.seen.lock().unwrap().push(Seen {
        path: path.clone(),
        headers,
        body: body.clone(),
    });
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let anthropic = path.ends_with("/v1/messages");
    match model_of(&path, &parsed).as_str() {
        "redirect" => Response::builder()
            .status(307)
            .header("location", format!("{}{path}", st.elsewhere))
            .body(Body::empty())
            .unwrap(),
        "refuse" => Response::builder()
            .status(400)
            .header("x-request-id", UPSTREAM_ID)
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"error": {"message": PROVIDER_TEXT, "type": "invalid_request_error"},
                    "type": "error", "message": PROVIDER_TEXT})
                .to_string(),
            ))
            .unwrap(),
        "endless-500" => {
            // An error body that never ends.
            let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
            let stream = futures_util::stream::repeat(chunk).map(Ok::<_, std::convert::Infallible>);
            Response::builder()
                .status(500)
                .body(Body::from_stream(stream))
                .unwrap()
        }
        "error-mid-stream" if anthropic => {
            let mut resp = sse(&[
                (
                    Some("message_start"),
                    json!({"type": "message_start", "message": {"id": "msg", "model": "m", "usage": {"input_tokens": 3}}}),
                ),
                (
                    Some("error"),
                    json!({"type": "error", "error": {"type": "overloaded_error", "message": PROVIDER_TEXT}}),
                ),
            ]);
            resp.headers_mut()
                .insert("request-id", UPSTREAM_ID.parse().unwrap());
            resp
        }
        "error-mid-stream" => {
            let mut resp = sse(&[
                (None, openai_chunk("Hello")),
                (None, json!({"error": {"message": PROVIDER_TEXT}})),
            ]);
            resp.headers_mut()
                .insert("x-request-id", UPSTREAM_ID.parse().unwrap());
            resp
        }
        "stream-without-usage" => {
            let chunks: Vec<_> = (0..STREAM_CHUNKS)
                .map(|_| (None, openai_chunk(&LOREM.repeat(10))))
                .collect();
            sse(&chunks)
        }
        "stream-with-usage" => {
            let mut chunks: Vec<_> = (0..STREAM_CHUNKS)
                .map(|_| (None, openai_chunk(&LOREM.repeat(10))))
                .collect();
            chunks.push((
                None,
                json!({"id": "c", "object": "chat.completion.chunk", "model": "up", "choices": [],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 4242, "total_tokens": 4247}}),
            ));
            sse(&chunks)
        }
        "answer-without-usage" => axum::Json(json!({"id": "x", "object": "chat.completion",
            "created": 1, "model": "up", "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": LOREM.repeat(10 * STREAM_CHUNKS)}}]}))
        .into_response(),
        "slow-stream" => {
            // A long answer, one piece every 50 ms: the client leaves after the first.
            let stream = futures_util::stream::unfold(0u32, |i| async move {
                if i > 0 {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                (i < 200).then(|| {
                    let data = openai_chunk(&LOREM.repeat(10));
                    (
                        Ok::<_, std::convert::Infallible>(format!("data: {data}\n\n")),
                        i + 1,
                    )
                })
            });
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .unwrap()
        }
        other => (
            http::StatusCode::IM_A_TEAPOT,
            format!("the fake provider has no behaviour `{other}`"),
        )
            .into_response(),
    }
}

use futures_util::StreamExt;

/// Harmless text (nothing the guard acts on), 12 bytes.
const LOREM: &str = "lorem ipsum ";
/// Pieces in the fake streams; each piece is `LOREM` ten times (120 bytes).
const STREAM_CHUNKS: usize = 100;

struct Harness {
    gateway: Gateway,
    upstream: Arc<Recorder>,
    elsewhere: Arc<Recorder>,
    audit: AuditLog,
}

fn config_text(upstream: &str) -> String {
    let key = rampart_gateway::auth::key_hash(KEY);
    let mut models = String::new();
    for (provider, suffix) in [
        ("up-openai", "openai"),
        ("up-anthropic", "anthropic"),
        ("up-azure", "azure"),
        ("up-compatible", "compatible"),
    ] {
        for behaviour in [
            "redirect",
            "refuse",
            "endless-500",
            "error-mid-stream",
            "stream-without-usage",
            "stream-with-usage",
            "answer-without-usage",
            "slow-stream",
        ] {
            models.push_str(&format!(
                "[[models]]\nname = \"{behaviour}-{suffix}\"\nprovider = \"{provider}\"\nupstream_model = \"{behaviour}\"\n\n"
            ));
        }
    }
    format!(
        r#"
[server]
listen = "127.0.0.1:0"

[[providers]]
name = "up-openai"
kind = "openai"
base_url = "{upstream}/v1"
api_key = "sk-upstream-openai-key"
max_retries = 0

[[providers]]
name = "up-anthropic"
kind = "anthropic"
base_url = "{upstream}"
api_key = "sk-ant-upstream-key"
max_retries = 0

[[providers]]
name = "up-compatible"
kind = "openai_compatible"
base_url = "{upstream}/v1"
max_retries = 0

[[providers]]
name = "up-azure"
kind = "azure_openai"
base_url = "{upstream}"
api_key = "azure-upstream-key"
max_retries = 0

{models}
[[auth.keys]]
id = "k1"
tenant = "acme"
sha256 = "{key}"

[[auth.keys]]
id = "k-tpm"
tenant = "acme"
sha256 = "{tpm_key}"
tpm = 500
"#,
        tpm_key = rampart_gateway::auth::key_hash(TPM_KEY)
    )
}

/// A key allowed 500 tokens a minute.
const TPM_KEY: &str = "rk-hardening-tpm-key";

async fn start() -> Harness {
    let (elsewhere_url, elsewhere) = start_elsewhere().await;
    let upstream = Arc::new(Recorder::default());
    let app = Router::new().fallback(fake_provider).with_state(UpState {
        rec: upstream.clone(),
        elsewhere: elsewhere_url,
    });
    let upstream_url = serve(app).await;
    let audit = AuditLog::open().await;
    let seams = Seams {
        audit: Some(audit.sink()),
        ..Seams::default()
    };
    let mut gateway =
        Gateway::from_text(&config_text(&upstream_url), "hardening.toml", seams).await;
    gateway.client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Harness {
        gateway,
        upstream,
        elsewhere,
        audit,
    }
}

impl Harness {
    async fn post(&self, path: &str, body: Value) -> (u16, http::HeaderMap, String) {
        self.post_as(KEY, path, body).await
    }

    async fn post_as(&self, key: &str, path: &str, body: Value) -> (u16, http::HeaderMap, String) {
        let a = self.gateway.post_as(key, path, &body).await;
        (a.status, a.headers, a.text)
    }
}

fn chat(model: &str, stream: bool) -> Value {
    json!({"model": model, "stream": stream,
        "messages": [{"role": "user", "content": "the prompt that must stay here"}]})
}

fn messages(model: &str, stream: bool) -> Value {
    json!({"model": model, "stream": stream, "max_tokens": 16,
        "messages": [{"role": "user", "content": "the prompt that must stay here"}]})
}

#[tokio::test]
async fn a_provider_redirect_never_carries_credentials_or_the_prompt_elsewhere() {
    let h = start().await;
    for provider in ["openai", "anthropic", "azure"] {
        for stream in [false, true] {
            let model = format!("redirect-{provider}");
            let (status, _, body) = h.post("/v1/chat/completions", chat(&model, stream)).await;
            assert_eq!(status, 502, "{provider}: {body}");
        }
    }
    // Every provider was asked (the redirect was really served) ...
    let asked = h.upstream.all();
    assert_eq!(asked.len(), 6, "{asked:?}");
    assert!(asked.iter().all(|s| {
        String::from_utf8_lossy(&s.body).contains("the prompt") && !s.path.is_empty()
    }));
    assert!(asked.iter().any(|s| s.headers.contains_key("x-api-key")));
    assert!(asked.iter().any(|s| s.headers.contains_key("api-key")));
    // ... and nothing, neither key nor prompt, reached the host it pointed at.
    let leaked = h.elsewhere.all();
    assert!(leaked.is_empty(), "followed a redirect: {leaked:?}");
}

/// Checks that a client-facing error body says nothing the provider wrote and names the
/// provider's request id.
fn assert_fixed_message(body: &str, what: &str) {
    assert!(
        !body.contains("internal-db"),
        "{what}: provider text relayed: {body}"
    );
    assert!(
        !body.contains("your prompt"),
        "{what}: provider text relayed: {body}"
    );
    assert!(
        body.contains(UPSTREAM_ID),
        "{what}: no upstream request id: {body}"
    );
}

#[tokio::test]
async fn provider_error_text_is_never_relayed_whole_answers() {
    let h = start().await;
    for provider in ["openai", "anthropic", "azure"] {
        let model = format!("refuse-{provider}");
        let (status, _, body) = h.post("/v1/chat/completions", chat(&model, false)).await;
        assert_eq!(status, 400, "{body}");
        assert_fixed_message(&body, &model);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "upstream_rejected", "{body}");
        // The Anthropic surface: its own error shape, the same fixed message.
        let (status, _, body) = h.post("/v1/messages", messages(&model, false)).await;
        assert_eq!(status, 400, "{body}");
        assert_fixed_message(&body, &model);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["type"], "error", "{body}");
    }
}

#[tokio::test]
async fn provider_error_events_mid_stream_are_not_relayed() {
    let h = start().await;
    for provider in ["openai", "anthropic"] {
        let model = format!("error-mid-stream-{provider}");
        for (path, body) in [
            ("/v1/chat/completions", chat(&model, true)),
            ("/v1/messages", messages(&model, true)),
            (
                "/v1/responses",
                json!({"model": model, "stream": true, "input": "the prompt"}),
            ),
        ] {
            let (status, _, text) = h.post(path, body).await;
            assert_eq!(status, 200, "{path} {model}: {text}");
            assert!(
                text.contains("error"),
                "{path} {model}: no error event: {text}"
            );
            assert_fixed_message(&text, &format!("{path} {model}"));
        }
    }
}

#[tokio::test]
async fn an_endless_error_body_is_read_bounded() {
    let h = start().await;
    for provider in ["openai", "anthropic"] {
        let started = std::time::Instant::now();
        let model = format!("endless-500-{provider}");
        let (status, _, body) = h.post("/v1/chat/completions", chat(&model, false)).await;
        assert_eq!(status, 502, "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the error body was read to its (missing) end"
        );
    }
}

#[tokio::test]
async fn metric_labels_never_carry_request_text() {
    let h = start().await;
    let marker = format!("clientText{}x", std::process::id());
    for i in 0..20 {
        // Before authentication, through the path ...
        let id = format!("{marker}{i}{}", "y".repeat(300));
        let status = h
            .gateway
            .client
            .get(format!("{}/v1/models/{id}", h.gateway.url))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
        // ... and after it, through the body.
        let (status, _, _) = h
            .post(
                "/v1/chat/completions",
                chat(&format!("{marker}-body-{i}"), false),
            )
            .await;
        assert_eq!(status, 404);
    }
    let (status, _, _) = h
        .post("/v1/chat/completions", chat("refuse-openai", false))
        .await;
    assert_eq!(status, 400);
    let metrics = h
        .gateway
        .client
        .get(format!("{}/metrics", h.gateway.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains(&marker), "client text became a label");
    assert!(metrics.contains("model=\"unknown\""), "{metrics}");
    // A configured model keeps its own label.
    assert!(metrics.contains("model=\"refuse-openai\""), "{metrics}");
}

/// Every surface that takes a body answers a body that is not a JSON object with a 400 in
/// its own error shape (it once panicked a worker on `count_tokens`).
#[tokio::test]
async fn bodies_that_are_not_objects_get_a_400_on_every_surface() {
    let h = start().await;
    let surfaces = [
        ("/v1/chat/completions", false),
        ("/v1/completions", false),
        ("/v1/responses", false),
        ("/v1/embeddings", false),
        ("/v1/messages", true),
        ("/v1/messages/count_tokens", true),
    ];
    for (path, anthropic) in surfaces {
        for body in [
            json!([]),
            json!("x"),
            json!(7),
            Value::Null,
            json!([{"model": "m"}]),
        ] {
            let (status, _, text) = h.post(path, body.clone()).await;
            assert_eq!(status, 400, "{path} {body}: {text}");
            let v: Value = serde_json::from_str(&text).unwrap();
            if anthropic {
                assert_eq!(v["type"], "error", "{path} {body}: {text}");
                assert_eq!(v["error"]["type"], "invalid_request_error", "{text}");
            } else {
                assert!(v["error"]["message"].is_string(), "{path} {body}: {text}");
                assert_eq!(v["error"]["param"], "body", "{path} {body}: {text}");
            }
        }
    }
}

/// A gateway serving the config file at `path`, with `seams`.
async fn start_from_file(path: &std::path::Path, seams: Seams) -> Gateway {
    Gateway::start(Config::load(path).unwrap(), seams).await
}

fn static_key(id: &str, key: &str, extra: &str) -> String {
    format!(
        "[[auth.keys]]\nid = \"{id}\"\ntenant = \"acme\"\nsha256 = \"{}\"\n{extra}\n",
        rampart_gateway::auth::key_hash(key)
    )
}

const MOCK: &str = "[[providers]]\nname = \"mock\"\nkind = \"mock\"\n\n[[models]]\nname = \"mock\"\nprovider = \"mock\"\nupstream_model = \"echo\"\n\n[[models]]\nname = \"other\"\nprovider = \"mock\"\nupstream_model = \"echo\"\n";

async fn status_of(client: &reqwest::Client, url: &str, key: &str, model: &str) -> u16 {
    client
        .post(format!("{url}/v1/chat/completions"))
        .bearer_auth(key)
        .json(&chat(model, false))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn static_keys_follow_a_reload_behind_a_seam_authenticator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.toml");
    let leaked = "rk-leaked-static-key";
    let narrowed = "rk-narrowed-static-key";
    let fresh = "rk-fresh-static-key";
    let write = |keys: String| std::fs::write(&path, format!("{MOCK}\n{keys}")).unwrap();
    write(static_key("leaked", leaked, "") + &static_key("narrowed", narrowed, ""));
    // As `rampart serve` wires them: the config's static keys inside a seam authenticator.
    let config = Config::load(&path).unwrap();
    let static_keys: Arc<dyn rampart_gateway::Authenticator> =
        Arc::new(rampart_gateway::StaticKeys::from_config(&config.auth));
    let seams = Seams {
        authenticator: Some(Arc::new(rampart_gateway::ChainAuthenticator(vec![
            static_keys,
        ]))),
        ..Seams::default()
    };
    let gw = start_from_file(&path, seams).await;
    let (url, shared) = (&gw.url, &gw.shared);
    let client = reqwest::Client::new();
    assert_eq!(status_of(&client, url, leaked, "mock").await, 200);
    assert_eq!(status_of(&client, url, narrowed, "other").await, 200);
    assert_eq!(status_of(&client, url, fresh, "mock").await, 401);
    // The leaked key is removed, the other narrowed to one model, a new one added.
    write(
        static_key("narrowed", narrowed, "models = [\"mock\"]") + &static_key("fresh", fresh, ""),
    );
    shared.reload().unwrap();
    assert_eq!(status_of(&client, url, leaked, "mock").await, 401);
    assert_eq!(status_of(&client, url, narrowed, "other").await, 403);
    assert_eq!(status_of(&client, url, narrowed, "mock").await, 200);
    assert_eq!(status_of(&client, url, fresh, "mock").await, 200);
}

#[tokio::test]
async fn a_refused_reload_applies_nothing_of_the_new_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.toml");
    let key = "rk-reload-key";
    let good = format!(
        "{MOCK}\n[limits]\ndefault_rpm = 1000\n\n{}",
        static_key("k", key, "")
    );
    std::fs::write(&path, &good).unwrap();
    let gw = start_from_file(&path, Seams::default()).await;
    let (url, shared) = (&gw.url, &gw.shared);
    // Valid to the parser and `validate`, but the build fails (an unreadable CA bundle),
    // after `[limits]` and the keys have been read.
    let bad = format!(
        "[[providers]]\nname = \"tls\"\nkind = \"openai\"\napi_key = \"k\"\nca_bundle = \"{}\"\n\n{}",
        dir.path().join("missing.pem").display(),
        good.replace("default_rpm = 1000", "default_rpm = 1")
            .replace(
                &rampart_gateway::auth::key_hash(key),
                &rampart_gateway::auth::key_hash("rk-other")
            )
    );
    std::fs::write(&path, bad).unwrap();
    let refused = shared.reload().unwrap_err().to_string();
    assert!(
        refused.contains("ca_bundle"),
        "refused before the build: {refused}"
    );
    let client = reqwest::Client::new();
    for _ in 0..3 {
        assert_eq!(
            status_of(&client, url, key, "mock").await,
            200,
            "the refused config's limits or keys are live"
        );
    }
}

fn request_id(headers: &http::HeaderMap) -> String {
    headers["x-request-id"].to_str().unwrap().to_owned()
}

/// Streams that never report usage (as `openai_compatible` ones) are charged what they
/// streamed, and the audit says it is an estimate.
#[tokio::test]
async fn streamed_output_without_usage_is_estimated_and_charged() {
    let h = start().await;
    let streamed = STREAM_CHUNKS * LOREM.len() * 10;
    let (status, headers, body) = h
        .post_as(
            TPM_KEY,
            "/v1/chat/completions",
            chat("stream-without-usage-compatible", true),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let r = h.audit.of(&request_id(&headers)).await;
    assert!(r.tokens_out_estimated, "{r:?}");
    assert_eq!(r.tokens_out, Some(streamed.div_ceil(4) as u64), "{r:?}");
    // 3,000 tokens against 500 a minute: the next request is refused.
    let (status, _, body) = h
        .post_as(
            TPM_KEY,
            "/v1/chat/completions",
            chat("stream-without-usage-compatible", true),
        )
        .await;
    assert_eq!(
        status, 429,
        "the streamed tokens were never charged: {body}"
    );
}

#[tokio::test]
async fn reported_usage_is_used_as_it_is_and_complete_answers_are_estimated_too() {
    let h = start().await;
    let (status, headers, body) = h
        .post(
            "/v1/chat/completions",
            chat("stream-with-usage-openai", true),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let r = h.audit.of(&request_id(&headers)).await;
    assert_eq!(
        (r.tokens_out, r.tokens_out_estimated),
        (Some(4242), false),
        "{r:?}"
    );
    let (status, headers, body) = h
        .post(
            "/v1/chat/completions",
            chat("answer-without-usage-compatible", false),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let r = h.audit.of(&request_id(&headers)).await;
    let answered = STREAM_CHUNKS * LOREM.len() * 10;
    assert_eq!(
        (r.tokens_out, r.tokens_out_estimated),
        (Some(answered.div_ceil(4) as u64), true),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_client_that_leaves_mid_stream_is_charged_what_was_streamed() {
    let h = start().await;
    let mut resp = h
        .gateway
        .client
        .post(format!("{}/v1/chat/completions", h.gateway.url))
        .bearer_auth(TPM_KEY)
        .json(&chat("slow-stream-compatible", true))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = request_id(resp.headers());
    // Read a few pieces, then leave. (Enough that the provider has streamed more than
    // 100 tokens' worth: the guard forwards each piece as it comes, not in big batches.)
    let mut got = 0;
    while got < 1500 {
        got += resp.chunk().await.unwrap().unwrap().len();
    }
    drop(resp);
    let r = h.audit.of(&id).await;
    assert_eq!(r.status, 499, "{r:?}");
    assert!(
        r.tokens_out_estimated && r.tokens_out.is_some_and(|t| t >= 100),
        "{r:?}"
    );
    // And it was charged: the key's 500 tokens a minute are spent after a few of these.
    let mut refused = false;
    for _ in 0..10 {
        let (status, _, _) = h
            .post_as(
                TPM_KEY,
                "/v1/chat/completions",
                chat("stream-without-usage-compatible", true),
            )
            .await;
        if status == 429 {
            refused = true;
            break;
        }
    }
    assert!(refused);
}

/// Requests without a valid key are counted, and only a sample recorded; what a record
/// keeps of client text is bounded.
#[tokio::test]
async fn unauthenticated_requests_cannot_flood_the_audit_log() {
    let h = start().await;
    let long = "p".repeat(8_000);
    let started = std::time::Instant::now();
    for i in 0..150 {
        let req = match i % 3 {
            0 => h
                .gateway
                .client
                .get(format!("{}/v1/models/{long}{i}", h.gateway.url)),
            1 => h
                .gateway
                .client
                .post(format!("{}/v1/{long}/{i}", h.gateway.url))
                .bearer_auth("rk-wrong"),
            _ => h
                .gateway
                .client
                .post(format!("{}/v1/chat/completions", h.gateway.url)),
        };
        let status = req.send().await.unwrap().status().as_u16();
        assert!(status == 401 || status == 404, "{status}");
    }
    let unauth: Vec<_> = h
        .audit
        .all()
        .await
        .into_iter()
        .filter(|r| r.key_id.is_none())
        .collect();
    // At most ten per one-second window are written; a run of T seconds touches at most
    // T + 2 windows (they are not aligned with its start).
    let seconds = started.elapsed().as_secs() as usize + 2;
    assert!(
        unauth.len() <= 10 * seconds,
        "{} records for 150 unauthenticated requests",
        unauth.len()
    );
    assert!(!unauth.is_empty(), "a sample is still recorded");
    for r in &unauth {
        assert!(
            r.model.as_ref().is_none_or(|m| m.len() < 200),
            "{:?}",
            r.model
        );
    }
    // After the window, the next record says how many it stands for.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let resp = h
        .gateway
        .client
        .post(format!("{}/v1/chat/completions", h.gateway.url))
        .send()
        .await
        .unwrap();
    h.audit.of(&request_id(resp.headers())).await;
    // Every unauthenticated request is either written or counted by the next record that
    // is written (whichever window that falls in, so this holds at any machine speed):
    // the 151 requests are all accounted for, and what was dropped was counted.
    let unauth: Vec<_> = h
        .audit
        .all()
        .await
        .into_iter()
        .filter(|r| r.key_id.is_none())
        .collect();
    let counted: u64 = unauth.iter().map(|r| r.unrecorded_before).sum();
    assert_eq!(
        unauth.len() as u64 + counted,
        151,
        "{} written",
        unauth.len()
    );
    // An authenticated request naming a huge model: its record keeps 128 bytes and says
    // how many were cut.
    let (status, headers, _) = h
        .post("/v1/chat/completions", chat(&"m".repeat(40_000), false))
        .await;
    assert_eq!(status, 404);
    let r = h.audit.of(&request_id(&headers)).await;
    let model = r.model.unwrap();
    assert!(
        model.len() < 200 && model.ends_with("[+39872 bytes]"),
        "{model}"
    );
}

/// The OTLP exporter follows no redirect either: spans (request ids, model names) go only
/// where `otlp_endpoint` says.
#[tokio::test]
async fn the_trace_exporter_follows_no_redirect() {
    let (elsewhere_url, elsewhere) = start_elsewhere().await;
    let asked = Arc::new(Recorder::default());
    let redirecting = Router::new()
        .fallback(
            |State((rec, to)): State<(Arc<Recorder>, String)>,
             uri: http::Uri,
             headers: http::HeaderMap,
             body: Bytes| async move {
                rec.seen.lock().unwrap().push(Seen {
                    path: uri.path().to_owned(),
                    headers,
                    body,
                });
                Response::builder()
                    .status(307)
                    .header("location", format!("{to}{}", uri.path()))
                    .body(Body::empty())
                    .unwrap()
            },
        )
        .with_state((asked.clone(), elsewhere_url));
    let collector = serve(redirecting).await;
    let text = format!(
        "[telemetry]\notlp_endpoint = \"{collector}/\"\n\n{MOCK}\n{}",
        static_key("k", KEY, "")
    );
    let gw = Gateway::from_text(&text, "otlp.toml", Seams::default()).await;
    let url = &gw.url;
    let client = reqwest::Client::new();
    assert_eq!(status_of(&client, url, KEY, "mock").await, 200);
    // Wait until the exporter has posted to the collector (it flushes on a timer) ...
    let mut posted = false;
    for _ in 0..400 {
        if asked.all().iter().any(|s| s.path == "/v1/traces") {
            posted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(posted, "the exporter never posted");
    // ... a redirect would be followed within that same call; give it a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        elsewhere.all().is_empty(),
        "the exporter followed a redirect"
    );
}
