//! Anthropic surfaces: `/v1/messages` (streamed as Anthropic's events) and
//! `/v1/messages/count_tokens` (answered locally from an estimate: no text leaves).

use super::{ChatIngress, StreamRenderer, sse_event};
use crate::error::{ApiError, Shape};
use crate::translate::anthropic as tr;
use bytes::Bytes;
use serde_json::Value;

pub fn parse(body: &Value) -> Result<ChatIngress, ApiError> {
    let (canonical, paths) = tr::request_to_canonical_with_paths(body)?;
    let model = canonical
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let stream = super::stream_flag(body)?;
    Ok(ChatIngress {
        model,
        canonical,
        stream,
        client_usage: true,
        original: Value::Null,
        paths,
    })
}

/// Anthropic's stream events.
#[derive(Debug)]
pub struct Renderer {
    conv: tr::ChunksToEvents,
}

impl Renderer {
    pub fn new(model: &str, input_tokens: u64) -> Self {
        Renderer {
            conv: tr::ChunksToEvents::new(model, input_tokens),
        }
    }
}

impl StreamRenderer for Renderer {
    fn chunk(&mut self, chunk: &Value) -> Vec<Bytes> {
        self.conv
            .push(chunk)
            .into_iter()
            .map(|(name, data)| sse_event(name, &data))
            .collect()
    }

    fn finish(&mut self) -> Vec<Bytes> {
        self.conv
            .finish()
            .into_iter()
            .map(|(name, data)| sse_event(name, &data))
            .collect()
    }

    fn error(&mut self, error: &ApiError) -> Vec<Bytes> {
        vec![sse_event("error", &error.body(Shape::Anthropic))]
    }
}
