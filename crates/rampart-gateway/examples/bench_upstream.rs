//! A fast OpenAI-compatible upstream for `bench/gateway/run.sh`.
//!
//! Answers `POST /v1/chat/completions` with a fixed, small completion after reading the
//! whole request body, so that the benchmark measures the gateway, not the model. Not a
//! test double for correctness: the integration tests have their own fake upstream.
//!
//! A request with `"stream": true` is answered as a slow model would: server-sent events of
//! `BENCH_STREAM_WORDS` words (default 26), one word per chunk with a leading space as
//! OpenAI sends them, `BENCH_STREAM_DELAY_MS` apart (default 300), for
//! `bench/gateway/stream.sh` (time to first token and inter-chunk delay).
//!
//! Usage: `cargo run --release -p rampart-gateway --example bench_upstream -- 127.0.0.1:18080`

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;

const COMPLETION: &str = r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"The quarterly report is attached and the figures match the forecast."},"finish_reason":"stop"}],"usage":{"prompt_tokens":512,"completion_tokens":14,"total_tokens":526}}"#;

/// The streamed answer's words (cycled to `BENCH_STREAM_WORDS`).
const STREAM_TEXT: &str = "The quarterly report is attached and the figures match the \
    forecast for every region except Madrid where the renewal of the logistics contract \
    moved two weeks into the next quarter";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn chat(body: Bytes) -> axum::response::Response {
    // The body is fully received before answering, as a real upstream would.
    let stream = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("stream").and_then(serde_json::Value::as_bool))
        .unwrap_or(false);
    drop(body);
    if !stream {
        return ([(header::CONTENT_TYPE, "application/json")], COMPLETION).into_response();
    }
    let words = usize::try_from(env_or("BENCH_STREAM_WORDS", 26)).unwrap_or(26);
    let delay = std::time::Duration::from_millis(env_or("BENCH_STREAM_DELAY_MS", 300));
    let pieces: Vec<String> = STREAM_TEXT
        .split(' ')
        .cycle()
        .take(words)
        .enumerate()
        .map(|(i, w)| {
            if i == 0 {
                w.to_owned()
            } else {
                format!(" {w}")
            }
        })
        .collect();
    let events = futures_util::stream::unfold((0usize, pieces), move |(i, pieces)| async move {
        let event = match i.cmp(&pieces.len()) {
            std::cmp::Ordering::Less => {
                if i > 0 {
                    tokio::time::sleep(delay).await;
                }
                let chunk = serde_json::json!({"id": "chatcmpl-bench", "object": "chat.completion.chunk",
                    "created": 1_700_000_000, "model": "bench",
                    "choices": [{"index": 0, "delta": {"content": pieces[i]}, "finish_reason": null}]});
                format!("data: {chunk}\n\n")
            }
            std::cmp::Ordering::Equal => {
                let chunk = serde_json::json!({"id": "chatcmpl-bench", "object": "chat.completion.chunk",
                    "created": 1_700_000_000, "model": "bench",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
                format!("data: {chunk}\n\ndata: [DONE]\n\n")
            }
            std::cmp::Ordering::Greater => return None,
        };
        Some((
            Ok::<_, std::convert::Infallible>(Bytes::from(event)),
            (i + 1, pieces),
        ))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        axum::body::Body::from_stream(events),
    )
        .into_response()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18080".to_owned());
    let app = Router::new().route("/v1/chat/completions", post(chat));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("bench upstream listening on {addr}");
    axum::serve(listener, app).await
}
