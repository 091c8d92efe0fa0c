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

/// What a failed call says about the deployment's health, for its circuit breaker. Only
/// failures that say something about the deployment itself count against it: one
/// caller's long answer or its own upstream key's quota must not close a model for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The deployment is failing: unreachable, a 5xx, or 429 on the gateway's own key.
    Failing,
    /// The provider answered (a client error such as 400): the deployment is alive.
    Answering,
    /// Nothing is known: a local refusal, a caller's deadline, a broken stream.
    Unknown,
}

/// A failed upstream call. The message never contains the provider credential, and never
/// the provider's own error text: it is logged and may be shown in operator logs, but what
/// reaches a client is a fixed message of ours (`pipeline::upstream_error`).
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
    /// What this failure says about the deployment, for its breaker.
    pub health: Health,
    /// The provider's request id (`x-request-id`, `request-id`, `apim-request-id`,
    /// `x-amzn-requestid`), so an operator can trace the call with the provider.
    pub request_id: Option<String>,
    /// A message the gateway itself wrote for the client, when it refused locally (no
    /// provider text can be in it). Provider failures get a fixed message by status.
    pub client_message: Option<String>,
}

/// The most bytes of a non-2xx provider body read (and then only logged, truncated).
pub const MAX_ERROR_BODY: usize = 16 * 1024;
/// The most characters of a provider's error body written to the debug log.
const LOGGED_ERROR_CHARS: usize = 512;

impl UpstreamError {
    pub fn connect(message: impl Into<String>) -> Self {
        UpstreamError {
            status: None,
            message: message.into(),
            retryable: true,
            retry_after: None,
            health: Health::Failing,
            request_id: None,
            client_message: None,
        }
    }

    /// A response the gateway could not understand: not retryable, reported as 502.
    pub fn protocol(message: impl Into<String>) -> Self {
        UpstreamError {
            status: None,
            message: message.into(),
            retryable: false,
            retry_after: None,
            health: Health::Unknown,
            request_id: None,
            client_message: None,
        }
    }

    /// The gateway refused locally (e.g. a provider kind that has no embeddings): says
    /// nothing about the deployment's health.
    pub fn local(status: u16, message: impl Into<String>) -> Self {
        let message = message.into();
        UpstreamError {
            status: Some(status),
            client_message: Some(message.clone()),
            message,
            retryable: false,
            retry_after: None,
            health: Health::Unknown,
            request_id: None,
        }
    }

    /// The provider reported an error inside a stream it had begun (`error` event). Its
    /// text is logged truncated at debug level, never kept in the message.
    pub fn mid_stream(what: &str, provider_text: &str) -> Self {
        tracing::debug!(
            body = %truncated(provider_text),
            "provider reported an error mid-stream"
        );
        UpstreamError::protocol(format!("provider reported an error mid-stream ({what})"))
    }

    /// The provider refused with `status`; `body` is its error body (bounded by the
    /// caller). The body is logged truncated at debug level and otherwise dropped.
    pub fn from_status(status: u16, body: &[u8], retry_after: Option<Duration>) -> Self {
        if !body.is_empty() {
            tracing::debug!(status, body = %truncated(&String::from_utf8_lossy(body)),
                "provider error body");
        }
        let health = match status {
            429 | 500.. => Health::Failing,
            408 => Health::Unknown,
            _ => Health::Answering,
        };
        UpstreamError {
            status: Some(status),
            message: format!("provider answered HTTP {status}"),
            retryable: status == 408 || status == 429 || status >= 500,
            retry_after,
            health,
            request_id: None,
            client_message: None,
        }
    }

    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }
}

/// At most [`LOGGED_ERROR_CHARS`] characters of a provider's text, control characters
/// escaped, for a log line.
fn truncated(text: &str) -> String {
    text.chars()
        .take(LOGGED_ERROR_CHARS)
        .flat_map(char::escape_default)
        .collect()
}

/// The provider's request id from its answer headers: printable ASCII, at most 128 bytes
/// (it is echoed to the client in an error message).
pub fn upstream_request_id(headers: &http::HeaderMap) -> Option<String> {
    [
        "x-request-id",
        "request-id",
        "apim-request-id",
        "x-amzn-requestid",
    ]
    .iter()
    .filter_map(|name| headers.get(*name))
    .filter_map(|v| v.to_str().ok())
    .map(str::trim)
    .find(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
    .map(str::to_owned)
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
            Err(UpstreamError::local(
                400,
                format!("`{}` providers do not serve embeddings", kind.as_str()),
            ))
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
/// provider's `ca_bundle` when set. It follows no redirects: reqwest strips only
/// `Authorization` when a redirect changes host, so Anthropic's `x-api-key`, Azure's
/// `api-key` and (on 307/308) the prompt itself would reach whatever host a provider, or
/// whoever controls its DNS, points at. A redirect is an error answer (3xx) like any other.
pub fn http_client(config: &ProviderConfig) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
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
    let request_id = upstream_request_id(resp.headers());
    let body = error_body(resp).await;
    Err(UpstreamError::from_status(status, &body, retry_after).with_request_id(request_id))
}

/// The first [`MAX_ERROR_BODY`] bytes of an error answer (it is only logged): a provider,
/// or whatever answers in its place, cannot make the gateway buffer an endless body. A
/// body that fails or stalls half-way is what was read so far.
async fn error_body(mut resp: reqwest::Response) -> Vec<u8> {
    let mut buf = Vec::new();
    let read = async {
        while let Ok(Some(chunk)) = resp.chunk().await {
            let room = MAX_ERROR_BODY - buf.len();
            buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if buf.len() >= MAX_ERROR_BODY {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
    buf
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
