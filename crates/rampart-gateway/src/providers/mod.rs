//! Upstream providers: one file per protocol, one line in [`build`].
//!
//! Every provider speaks the gateway's canonical shape, OpenAI Chat Completions as JSON:
//! it receives a canonical request (model already replaced by the deployment's upstream
//! model) and returns a canonical `chat.completion` or a stream of canonical
//! `chat.completion.chunk` objects, translating to and from its own wire format
//! (`translate/`). Surfaces translate between the client's shape and the canonical one,
//! so any client shape reaches any provider.

pub mod anthropic;
pub mod azure_openai;
pub mod bedrock;
pub mod eventstream;
pub mod mock;
pub mod openai;
pub mod openai_compatible;
pub mod sigv4;
pub mod sse;

use crate::BoxFuture;
use crate::config::{ProviderConfig, ProviderKind};
use futures_util::Stream;
use serde_json::Value;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A stream of canonical `chat.completion.chunk` objects.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<Value, UpstreamError>> + Send>>;

/// One call to a provider.
#[derive(Debug, Clone)]
pub struct ChatCall {
    /// Canonical request; `model` is the upstream model, `stream` is set as wanted.
    pub body: Value,
    pub stream: bool,
    /// A client's own provider key, only when the provider allows it.
    pub client_key: Option<String>,
}

/// A provider's answer.
pub enum ChatReply {
    Complete(Value),
    Stream(ChunkStream),
}

impl std::fmt::Debug for ChatReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChatReply::Complete(v) => f.debug_tuple("Complete").field(v).finish(),
            ChatReply::Stream(_) => f.write_str("Stream(..)"),
        }
    }
}

/// A failed upstream call. The message never contains the provider credential.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct UpstreamError {
    /// The provider's HTTP status, when it answered.
    pub status: Option<u16>,
    pub message: String,
    /// Whether another attempt (or deployment) may succeed: 408, 429, 5xx, connect errors.
    pub retryable: bool,
    /// The provider's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

impl UpstreamError {
    pub fn connect(message: impl Into<String>) -> Self {
        UpstreamError {
            status: None,
            message: message.into(),
            retryable: true,
            retry_after: None,
        }
    }

    /// A response the gateway could not understand: not retryable, reported as 502.
    pub fn protocol(message: impl Into<String>) -> Self {
        UpstreamError {
            status: None,
            message: message.into(),
            retryable: false,
            retry_after: None,
        }
    }

    /// The provider refused with `status`; `body` is its error body.
    pub fn from_status(status: u16, body: &[u8], retry_after: Option<Duration>) -> Self {
        let detail = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| {
                v.pointer("/error/message")
                    .or_else(|| v.pointer("/message"))
                    .or_else(|| v.pointer("/Message"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let detail: String = detail.chars().take(500).collect();
        UpstreamError {
            status: Some(status),
            message: if detail.is_empty() {
                format!("provider answered HTTP {status}")
            } else {
                format!("provider answered HTTP {status}: {detail}")
            },
            retryable: status == 408 || status == 429 || status >= 500,
            retry_after,
        }
    }
}

/// An upstream that serves canonical chat and embeddings requests.
pub trait Provider: Send + Sync + std::fmt::Debug {
    fn kind(&self) -> ProviderKind;

    fn chat(&self, call: ChatCall) -> BoxFuture<'_, Result<ChatReply, UpstreamError>>;

    /// A canonical (OpenAI) embeddings request; `model` is the upstream model.
    fn embeddings(&self, body: Value) -> BoxFuture<'_, Result<Value, UpstreamError>> {
        let kind = self.kind();
        let _ = body;
        Box::pin(async move {
            Err(UpstreamError {
                status: Some(400),
                message: format!("`{}` providers do not serve embeddings", kind.as_str()),
                retryable: false,
                retry_after: None,
            })
        })
    }
}

/// Build the provider for one `[[providers]]` entry: the registry.
pub fn build(config: &ProviderConfig) -> Result<Arc<dyn Provider>, String> {
    Ok(match config.kind {
        ProviderKind::Mock => Arc::new(mock::MockProvider),
        ProviderKind::Openai => Arc::new(openai::OpenAiProvider::openai(config)?),
        ProviderKind::OpenaiCompatible => Arc::new(openai_compatible::build(config)?),
        ProviderKind::AzureOpenai => Arc::new(azure_openai::build(config)?),
        ProviderKind::Anthropic => Arc::new(anthropic::AnthropicProvider::new(config)?),
        ProviderKind::Bedrock => Arc::new(bedrock::BedrockProvider::new(config)?),
    })
}

/// An HTTP client for one provider: rustls (aws-lc-rs) with the system roots, plus the
/// provider's `ca_bundle` when set.
pub fn http_client(config: &ProviderConfig) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(config.timeouts.connect())
        .read_timeout(config.timeouts.idle())
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent(concat!("rampart/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &config.ca_bundle {
        builder = with_ca_bundle(builder, path.as_str())?;
    }
    builder
        .build()
        .map_err(|e| format!("cannot build HTTP client: {e}"))
}

/// Trust the CAs of the PEM bundle at `path` in addition to the system roots (shared by
/// providers and the external injection classifier).
pub(crate) fn with_ca_bundle(
    builder: reqwest::ClientBuilder,
    path: &str,
) -> Result<reqwest::ClientBuilder, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read ca_bundle {path}: {e}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("ca_bundle {path}: {e}"))?;
    Ok(builder.tls_certs_merge(certs))
}

/// Send a request and map transport errors and non-2xx answers to [`UpstreamError`].
pub(crate) async fn send(req: reqwest::RequestBuilder) -> Result<reqwest::Response, UpstreamError> {
    // W3C trace context of the `upstream` span, when traces are on.
    let req = match crate::otlp::UPSTREAM_TRACEPARENT.try_with(Clone::clone) {
        Ok(traceparent) => req.header("traceparent", traceparent),
        Err(_) => req,
    };
    let resp = req.send().await.map_err(|e| {
        // reqwest's message names the URL but never headers, so the key stays out.
        UpstreamError::connect(format!("provider unreachable: {}", without_url(&e)))
    })?;
    let status = resp.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(resp);
    }
    let retry_after = resp
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.bytes().await.unwrap_or_default();
    Err(UpstreamError::from_status(status, &body, retry_after))
}

fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "<provider>");
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// Read a whole JSON body, bounded.
pub(crate) async fn json_body(resp: reqwest::Response) -> Result<Value, UpstreamError> {
    const MAX: usize = 64 * 1024 * 1024;
    let mut resp = resp;
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        UpstreamError::connect(format!("reading provider answer: {}", without_url(&e)))
    })? {
        if buf.len() + chunk.len() > MAX {
            return Err(UpstreamError::protocol("provider answer exceeds 64 MiB"));
        }
        buf.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&buf)
        .map_err(|e| UpstreamError::protocol(format!("provider answer is not JSON: {e}")))
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The next chunk of a streamed upstream body, or `None` at its end. A body that sends
/// nothing for `idle` has stalled; both a stall and a broken connection end the stream
/// with a connect-class error, so every streaming provider fails the same way.
pub(crate) async fn next_chunk(
    resp: &mut reqwest::Response,
    idle: Duration,
) -> Result<Option<bytes::Bytes>, UpstreamError> {
    match tokio::time::timeout(idle, resp.chunk()).await {
        Err(_) => Err(UpstreamError::connect("provider stream stalled")),
        Ok(Err(e)) => Err(UpstreamError::connect(format!(
            "provider stream broke: {e}"
        ))),
        Ok(Ok(chunk)) => Ok(chunk),
    }
}
