//! `anthropic`: Anthropic's Messages API (`{base_url}/v1/messages`, `x-api-key`,
//! `anthropic-version: 2023-06-01`). The base URL does not include `/v1`, as in their SDK.

use super::sse::SseParser;
use super::{ChatCall, ChatReply, ChunkStream, Provider, UpstreamError, next_chunk};
use crate::BoxFuture;
use crate::config::{ProviderConfig, ProviderKind, Secret};
use crate::translate::anthropic as tr;
use serde_json::Value;
use std::time::Duration;

pub const API_VERSION: &str = "2023-06-01";

#[derive(Debug)]
pub struct AnthropicProvider {
    client: reqwest::Client,
    base: String,
    key: Option<Secret>,
    idle: Duration,
    allow_client_key: bool,
}

impl AnthropicProvider {
    pub fn new(config: &ProviderConfig) -> Result<Self, String> {
        Ok(AnthropicProvider {
            client: super::http_client(config)?,
            base: config
                .base_url
                .as_ref()
                .map_or("https://api.anthropic.com", |b| b.as_str())
                .trim_end_matches('/')
                .to_owned(),
            key: config.api_key.clone(),
            idle: config.timeouts.idle(),
            allow_client_key: config.allow_client_key,
        })
    }
}

impl Provider for AnthropicProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    fn chat(&self, call: ChatCall) -> BoxFuture<'_, Result<ChatReply, UpstreamError>> {
        Box::pin(async move {
            let mut body = tr::request_from_canonical(&call.body);
            crate::canonical::set_field(&mut body, "stream", Value::Bool(call.stream));
            let stored = self.key.as_ref().map(Secret::expose);
            let key = call
                .client_key
                .as_deref()
                .filter(|_| self.allow_client_key)
                .or(stored.as_deref())
                .unwrap_or("");
            let req = self
                .client
                .post(format!("{}/v1/messages", self.base))
                .header("x-api-key", key)
                .header("anthropic-version", API_VERSION)
                .json(&body);
            let resp = super::send(req).await?;
            if !call.stream {
                let v = super::json_body(resp).await?;
                return Ok(ChatReply::Complete(tr::response_to_canonical(&v)));
            }
            Ok(ChatReply::Stream(event_chunks(resp, self.idle)))
        })
    }
}

fn event_chunks(resp: reqwest::Response, idle: Duration) -> ChunkStream {
    struct State {
        resp: reqwest::Response,
        parser: SseParser,
        conv: tr::EventsToChunks,
        queue: std::collections::VecDeque<Value>,
        done: bool,
        idle: Duration,
        request_id: Option<String>,
    }
    let st = State {
        request_id: super::upstream_request_id(resp.headers()),
        resp,
        parser: SseParser::default(),
        conv: tr::EventsToChunks::default(),
        queue: Default::default(),
        done: false,
        idle,
    };
    Box::pin(futures_util::stream::unfold(st, |mut st| async move {
        loop {
            if let Some(v) = st.queue.pop_front() {
                return Some((Ok(v), st));
            }
            if st.done {
                return None;
            }
            let events = match next_chunk(&mut st.resp, st.idle).await {
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                Ok(None) => {
                    st.done = true;
                    st.parser.finish().into_iter().collect()
                }
                Ok(Some(b)) => match st.parser.push(&b) {
                    Ok(evs) => evs,
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                },
            };
            for ev in events {
                if ev.data.trim().is_empty() {
                    continue;
                }
                let data: Value = match serde_json::from_str(&ev.data) {
                    Ok(v) => v,
                    Err(e) => {
                        st.done = true;
                        return Some((
                            Err(UpstreamError::protocol(format!("bad stream event: {e}"))),
                            st,
                        ));
                    }
                };
                match st.conv.push(&data) {
                    Ok(chunks) => st.queue.extend(chunks),
                    Err(msg) => {
                        st.done = true;
                        let e = UpstreamError::mid_stream("error event", &msg)
                            .with_request_id(st.request_id.clone());
                        return Some((Err(e), st));
                    }
                }
            }
        }
    }))
}
