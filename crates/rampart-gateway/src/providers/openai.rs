//! `openai`: OpenAI's Chat Completions and Embeddings APIs, and the shared client for every
//! provider that speaks them (`azure_openai`, `openai_compatible`).
//!
//! The canonical shape is OpenAI's, so requests go out as they are (with the upstream model
//! name) and answers come back as they are; streams are read as server-sent events until
//! `data: [DONE]`.

use super::sse::SseParser;
use super::{ChatCall, ChatReply, ChunkStream, Provider, UpstreamError, next_chunk};
use crate::BoxFuture;
use crate::config::{ProviderConfig, ProviderKind};
use serde_json::Value;
use std::time::Duration;

/// How the credential is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHeader {
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// Azure's `api-key: KEY`.
    ApiKey,
}

/// How URLs are formed.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// `{base}/chat/completions`, `{base}/embeddings`.
    Base(String),
    /// Azure: `{base}/openai/deployments/{model}/chat/completions?api-version=V`.
    AzureDeployment { base: String, api_version: String },
}

/// A provider speaking OpenAI's wire format.
#[derive(Debug)]
pub struct OpenAiProvider {
    kind: ProviderKind,
    client: reqwest::Client,
    endpoint: Endpoint,
    key: Option<crate::config::Secret>,
    key_header: KeyHeader,
    /// Ask for a final usage chunk in streams (`stream_options.include_usage`); some
    /// compatible servers refuse the field.
    stream_usage: bool,
    idle: Duration,
    allow_client_key: bool,
    /// `{base}/chat/completions` and `{base}/embeddings` of a `Base` endpoint, parsed once
    /// rather than per request (`None`: not a `Base` endpoint, or a URL that does not
    /// parse, which then fails per request as before).
    base_urls: Option<[reqwest::Url; 2]>,
}

impl OpenAiProvider {
    pub fn new(
        config: &ProviderConfig,
        endpoint: Endpoint,
        key_header: KeyHeader,
        stream_usage: bool,
    ) -> Result<Self, String> {
        let base_urls = match &endpoint {
            Endpoint::Base(base) => reqwest::Url::parse(&format!("{base}/chat/completions"))
                .and_then(|chat| Ok([chat, reqwest::Url::parse(&format!("{base}/embeddings"))?]))
                .ok(),
            Endpoint::AzureDeployment { .. } => None,
        };
        Ok(OpenAiProvider {
            base_urls,
            kind: config.kind,
            client: super::http_client(config)?,
            endpoint,
            key: config.api_key.clone(),
            key_header,
            stream_usage,
            idle: config.timeouts.idle(),
            allow_client_key: config.allow_client_key,
        })
    }

    /// OpenAI itself: base URL default `https://api.openai.com/v1`.
    pub fn openai(config: &ProviderConfig) -> Result<Self, String> {
        let base = config
            .base_url
            .as_ref()
            .map_or("https://api.openai.com/v1", |b| b.as_str())
            .trim_end_matches('/')
            .to_owned();
        Self::new(config, Endpoint::Base(base), KeyHeader::Bearer, true)
    }

    fn url(&self, op: &str, model: &str) -> String {
        match &self.endpoint {
            Endpoint::Base(base) => format!("{base}/{op}"),
            Endpoint::AzureDeployment { base, api_version } => format!(
                "{base}/openai/deployments/{}/{op}?api-version={api_version}",
                encode_path_segment(model)
            ),
        }
    }

    fn request(&self, op: &str, model: &str, client_key: Option<&str>) -> reqwest::RequestBuilder {
        let parsed = match (&self.base_urls, op) {
            (Some([chat, _]), "chat/completions") => Some(chat.clone()),
            (Some([_, embeddings]), "embeddings") => Some(embeddings.clone()),
            _ => None,
        };
        let mut req = match parsed {
            Some(url) => self.client.post(url),
            None => self.client.post(self.url(op, model)),
        };
        let stored = self.key.as_ref().map(|k| k.expose());
        let key = client_key
            .filter(|_| self.allow_client_key)
            .or(stored.as_deref());
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            req = match self.key_header {
                KeyHeader::Bearer => req.bearer_auth(key),
                KeyHeader::ApiKey => req.header("api-key", key),
            };
        }
        req
    }
}

impl Provider for OpenAiProvider {
    fn kind(&self) -> ProviderKind {
        self.kind
    }

    fn chat(&self, call: ChatCall) -> BoxFuture<'_, Result<ChatReply, UpstreamError>> {
        Box::pin(async move {
            let mut body = call.body;
            let model = body
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            strip_documents(&mut body);
            crate::canonical::strip_anthropic_extras(&mut body);
            crate::canonical::set_field(&mut body, "stream", Value::Bool(call.stream));
            if call.stream && self.stream_usage {
                crate::canonical::set_field(
                    &mut body,
                    "stream_options",
                    serde_json::json!({"include_usage": true}),
                );
            }
            let req = self
                .request("chat/completions", &model, call.client_key.as_deref())
                .json(&body);
            let resp = super::send(req).await?;
            if !call.stream {
                return Ok(ChatReply::Complete(super::json_body(resp).await?));
            }
            Ok(ChatReply::Stream(sse_chunks(resp, self.idle)))
        })
    }

    fn embeddings(&self, body: Value) -> BoxFuture<'_, Result<Value, UpstreamError>> {
        Box::pin(async move {
            let model = body
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let resp = super::send(self.request("embeddings", &model, None).json(&body)).await?;
            super::json_body(resp).await
        })
    }
}

/// Canonical `document` parts become plain text parts for OpenAI-shaped upstreams.
pub fn strip_documents(body: &mut Value) {
    let Some(msgs) = body.get_mut("messages").and_then(Value::as_array_mut) else {
        return;
    };
    for m in msgs {
        if let Some(parts) = m.get_mut("content").and_then(Value::as_array_mut) {
            for p in parts {
                if p.get("type").and_then(Value::as_str) == Some("document") {
                    p["type"] = Value::String("text".into());
                }
            }
        }
    }
}

/// The canonical chunks of an OpenAI-style event stream.
pub fn sse_chunks(resp: reqwest::Response, idle: Duration) -> ChunkStream {
    struct State {
        resp: reqwest::Response,
        parser: SseParser,
        queue: std::collections::VecDeque<Value>,
        done: bool,
        idle: Duration,
        request_id: Option<String>,
    }
    let state = State {
        request_id: super::upstream_request_id(resp.headers()),
        resp,
        parser: SseParser::default(),
        queue: Default::default(),
        done: false,
        idle,
    };
    Box::pin(futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(v) = st.queue.pop_front() {
                return Some((Ok(v), st));
            }
            if st.done {
                return None;
            }
            let bytes = match next_chunk(&mut st.resp, st.idle).await {
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                Ok(None) => {
                    st.done = true;
                    match st.parser.finish() {
                        Some(ev) => vec![ev],
                        None => Vec::new(),
                    }
                }
                Ok(Some(b)) => match st.parser.push(&b) {
                    Ok(evs) => evs,
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                },
            };
            for ev in bytes {
                let data = ev.data.trim();
                if data == "[DONE]" {
                    st.done = true;
                    break;
                }
                if data.is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(data) {
                    Ok(v) if v.get("error").is_some() => {
                        st.done = true;
                        let e = UpstreamError::mid_stream("error event", data)
                            .with_request_id(st.request_id.clone());
                        return Some((Err(e), st));
                    }
                    Ok(v) => st.queue.push_back(v),
                    Err(e) => {
                        st.done = true;
                        return Some((
                            Err(UpstreamError::protocol(format!("bad stream event: {e}"))),
                            st,
                        ));
                    }
                }
            }
        }
    }))
}

/// Percent-encode one URL path segment (RFC 3986 unreserved characters kept).
pub fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
