//! Ingress surfaces: each API in its native format, translated to and from the canonical
//! shape. A surface parses and validates a request (400 naming the field), renders a
//! canonical answer in its own shape, and renders a canonical chunk stream as its own
//! server-sent events.

pub mod anthropic;
pub mod client_paths;
pub mod litellm;
pub mod openai;
pub mod responses;

use crate::error::{ApiError, Shape};
use bytes::Bytes;
use serde_json::Value;

/// The API a client called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Chat,
    Completions,
    Responses,
    Embeddings,
    Models,
    /// `GET /v1/models/{id}`.
    ModelInfo,
    Messages,
    CountTokens,
    /// Any other path: refused with 404.
    Unknown(Shape),
}

impl Surface {
    /// The name used in audit records and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Surface::Chat => "openai.chat",
            Surface::Completions => "openai.completions",
            Surface::Responses => "openai.responses",
            Surface::Embeddings => "openai.embeddings",
            Surface::Models | Surface::ModelInfo => "openai.models",
            Surface::Messages => "anthropic.messages",
            Surface::CountTokens => "anthropic.count_tokens",
            Surface::Unknown(_) => "unknown",
        }
    }

    pub fn shape(self) -> Shape {
        match self {
            Surface::Messages | Surface::CountTokens => Shape::Anthropic,
            Surface::Unknown(s) => s,
            _ => Shape::OpenAi,
        }
    }
}

/// A parsed chat-like request.
#[derive(Debug, Clone)]
pub struct ChatIngress {
    /// The client-facing model name.
    pub model: String,
    /// The canonical request.
    pub canonical: Value,
    pub stream: bool,
    /// OpenAI `stream_options.include_usage`: the client wants the final usage chunk.
    pub client_usage: bool,
    /// The original request, for echoing fields (Responses API).
    pub original: Value,
    /// Canonical error paths back to the fields as the client sent them.
    pub paths: client_paths::ClientPaths,
}

/// Parse a chat-like surface's request (taken by value: a Chat Completions body becomes
/// the canonical request as it is).
pub fn parse_chat(surface: Surface, body: Value) -> Result<ChatIngress, ApiError> {
    match surface {
        Surface::Chat => openai::parse_chat(body),
        Surface::Completions => openai::parse_completions(&body),
        Surface::Responses => responses::parse(&body),
        Surface::Messages => anthropic::parse(&body),
        _ => Err(ApiError::internal("not a chat surface")),
    }
}

/// Render a canonical answer for the surface.
pub fn render_chat(surface: Surface, resp: &Value, ingress: &ChatIngress) -> Value {
    match surface {
        Surface::Completions => openai::render_completions(resp, &ingress.model),
        Surface::Responses => responses::render(resp, ingress),
        Surface::Messages => {
            crate::translate::anthropic::response_from_canonical(resp, &ingress.model)
        }
        _ => openai::render_chat(resp, &ingress.model),
    }
}

/// Writes a canonical chunk stream as a surface's server-sent events.
pub trait StreamRenderer: Send {
    /// Events for one canonical chunk.
    fn chunk(&mut self, chunk: &Value) -> Vec<Bytes>;
    /// The closing events.
    fn finish(&mut self) -> Vec<Bytes>;
    /// An error after the stream started (the status line is already sent).
    fn error(&mut self, error: &ApiError) -> Vec<Bytes>;
}

pub fn renderer(
    surface: Surface,
    ingress: &ChatIngress,
    input_tokens: u64,
) -> Box<dyn StreamRenderer> {
    match surface {
        Surface::Completions => Box::new(openai::CompletionsRenderer::new(&ingress.model)),
        Surface::Responses => Box::new(responses::Renderer::new(ingress, input_tokens)),
        Surface::Messages => Box::new(anthropic::Renderer::new(&ingress.model, input_tokens)),
        _ => Box::new(openai::ChatRenderer::new(
            &ingress.model,
            ingress.client_usage,
        )),
    }
}

/// `data: JSON\n\n`.
pub fn sse_data(v: &Value) -> Bytes {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"data: ");
    let _ = serde_json::to_writer(&mut out, v);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// `event: NAME\ndata: JSON\n\n`.
pub fn sse_event(name: &str, v: &Value) -> Bytes {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    let _ = serde_json::to_writer(&mut out, v);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// `stream` as a boolean, or a 400 naming it.
pub fn stream_flag(body: &Value) -> Result<bool, ApiError> {
    match body.get("stream") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::invalid("stream", "expected a boolean")),
    }
}

/// `model` as a string, or a 400 naming it.
pub fn model_field(body: &Value) -> Result<String, ApiError> {
    match body.get("model") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        None | Some(Value::Null) => Err(ApiError::invalid("model", "missing")),
        Some(_) => Err(ApiError::invalid("model", "expected a non-empty string")),
    }
}
