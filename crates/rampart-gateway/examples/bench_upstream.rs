//! A fast OpenAI-compatible upstream for `bench/gateway/run.sh`.
//!
//! Answers `POST /v1/chat/completions` with a fixed, small completion after reading the
//! whole request body, so that the benchmark measures the gateway, not the model. Not a
//! test double for correctness: the integration tests have their own fake upstream.
//!
//! Usage: `cargo run --release -p rampart-gateway --example bench_upstream -- 127.0.0.1:18080`

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;

const COMPLETION: &str = r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"The quarterly report is attached and the figures match the forecast."},"finish_reason":"stop"}],"usage":{"prompt_tokens":512,"completion_tokens":14,"total_tokens":526}}"#;

async fn chat(body: Bytes) -> impl IntoResponse {
    // The body is fully received before answering, as a real upstream would.
    drop(body);
    ([(header::CONTENT_TYPE, "application/json")], COMPLETION)
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
