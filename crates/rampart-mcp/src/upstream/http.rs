//! A remote upstream over Streamable HTTP: each message is a `POST` to the server's
//! endpoint; a request is answered with one JSON body or with a `text/event-stream` whose
//! events carry the answer (and possibly notifications and requests first).
//!
//! The proxy keeps the `Mcp-Session-Id` the server gives at initialize and sends
//! `MCP-Protocol-Version` after it. The server's credentials are the configured
//! `headers`, held by Rampart; nothing of the client's request is passed through. Bodies
//! and events are bounded by `[mcp] max_message_bytes`; a stream is read only until the
//! answer arrives, for at most `MAX_EVENTS` events.

use crate::error::McpError;
use crate::framing::{Frame, SseParser};
use crate::jsonrpc::{self, Id, Message, RpcError};
use rampart_gateway::config::Secret;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The most events read from one answer stream before giving up on it.
const MAX_EVENTS: usize = 10_000;

/// Where and how to reach the server.
#[derive(Debug)]
pub struct Endpoint {
    url: reqwest::Url,
    headers: HeaderMap,
    client: reqwest::Client,
}

impl Endpoint {
    pub fn new(
        server: &str,
        url: &str,
        headers: &BTreeMap<String, Secret>,
        timeout: Duration,
    ) -> Result<Endpoint, McpError> {
        let url = reqwest::Url::parse(url)
            .map_err(|e| McpError::Config(format!("[[mcp.servers]] `{server}` url: {e}")))?;
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                McpError::Config(format!(
                    "[[mcp.servers]] `{server}`: bad header name `{name}`"
                ))
            })?;
            let mut v = HeaderValue::from_str(&value.expose()).map_err(|_| {
                McpError::Config(format!(
                    "[[mcp.servers]] `{server}`: bad value of header `{name}`"
                ))
            })?;
            v.set_sensitive(true);
            map.insert(n, v);
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| McpError::upstream(server, format!("HTTP client: {e}")))?;
        Ok(Endpoint {
            url,
            headers: map,
            client,
        })
    }
}

/// An initialized session with the server.
#[derive(Debug)]
pub struct Conn {
    url: reqwest::Url,
    headers: HeaderMap,
    client: reqwest::Client,
    next_id: AtomicI64,
    max: usize,
}

impl Conn {
    pub async fn open(server: &str, endpoint: &Endpoint, max: usize) -> Result<Conn, McpError> {
        let mut conn = Conn {
            url: endpoint.url.clone(),
            headers: endpoint.headers.clone(),
            client: endpoint.client.clone(),
            next_id: AtomicI64::new(1),
            max,
        };
        let id = Id::Number(0);
        let body = jsonrpc::request(&id, "initialize", Some(super::initialize_params()));
        let (answer, session) = conn.post(server, &body, Some(&id)).await?;
        let result = match answer {
            Some(Ok(result)) => result,
            Some(Err(e)) => {
                return Err(McpError::upstream(
                    server,
                    format!("initialize refused with error {}", e.code),
                ));
            }
            None => return Err(McpError::upstream(server, "no answer to initialize")),
        };
        if let Some(s) = session {
            conn.headers
                .insert(HeaderName::from_static("mcp-session-id"), s);
        }
        let version = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .filter(|v| crate::methods::PROTOCOL_VERSIONS.contains(v))
            .ok_or_else(|| {
                McpError::upstream(server, "initialize: unsupported protocol version")
            })?;
        conn.headers.insert(
            HeaderName::from_static("mcp-protocol-version"),
            HeaderValue::from_static(
                crate::methods::PROTOCOL_VERSIONS
                    .iter()
                    .find(|v| **v == version)
                    .copied()
                    .unwrap_or(crate::methods::PROTOCOL_VERSIONS[0]),
            ),
        );
        conn.post(
            server,
            &jsonrpc::notification("notifications/initialized", None),
            None,
        )
        .await?;
        Ok(conn)
    }

    pub async fn request(
        &self,
        server: &str,
        method: &str,
        params: Value,
    ) -> Result<Result<Value, RpcError>, McpError> {
        let id = Id::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let body = jsonrpc::request(&id, method, Some(params));
        match self.post(server, &body, Some(&id)).await? {
            (Some(answer), _) => Ok(answer),
            (None, _) => Err(McpError::upstream(server, "no answer to the request")),
        }
    }

    /// POST one message; for a request, read until its answer. Returns the answer and the
    /// session id header, if any.
    async fn post(
        &self,
        server: &str,
        body: &Value,
        expect: Option<&Id>,
    ) -> Result<(Option<Result<Value, RpcError>>, Option<HeaderValue>), McpError> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| McpError::upstream(server, e.to_string()))?;
        let mut response = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream")
            .body(bytes)
            .send()
            .await
            .map_err(|e| {
                McpError::upstream(
                    server,
                    format!("cannot reach the server: {}", e.without_url()),
                )
            })?;
        let status = response.status();
        let session = response.headers().get("mcp-session-id").cloned();
        if expect.is_none() {
            return if status.is_success() {
                Ok((None, session))
            } else {
                Err(McpError::upstream(
                    server,
                    format!("HTTP {status} to a notification"),
                ))
            };
        }
        if !status.is_success() {
            return Err(McpError::upstream(server, format!("HTTP {status}")));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let read_err = |e: reqwest::Error| {
            McpError::upstream(server, format!("reading the answer: {}", e.without_url()))
        };
        if content_type.starts_with("application/json") {
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(read_err)? {
                if body.len() + chunk.len() > self.max {
                    return Err(McpError::upstream(
                        server,
                        "answer larger than max_message_bytes",
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            return self.answer_of(server, &body, expect).map(|a| (a, session));
        }
        if !content_type.starts_with("text/event-stream") {
            return Err(McpError::upstream(
                server,
                "answer is neither JSON nor an event stream",
            ));
        }
        let mut parser = SseParser::new(self.max);
        let mut frames = Vec::new();
        let mut events = 0usize;
        while let Some(chunk) = response.chunk().await.map_err(read_err)? {
            parser.push(&chunk, &mut frames);
            for frame in frames.drain(..) {
                events += 1;
                if events > MAX_EVENTS {
                    return Err(McpError::upstream(
                        server,
                        "too many events before the answer",
                    ));
                }
                let Frame::Message(data) = frame else {
                    return Err(McpError::upstream(
                        server,
                        "event larger than max_message_bytes",
                    ));
                };
                if let Some(answer) = self.answer_of(server, &data, expect)? {
                    return Ok((Some(answer), session));
                }
            }
        }
        Err(McpError::upstream(
            server,
            "the event stream ended without the answer",
        ))
    }

    /// The answer in one message, if it is the awaited one. Requests from the server in
    /// the stream are refused in the background; notifications are dropped.
    fn answer_of(
        &self,
        server: &str,
        bytes: &[u8],
        expect: Option<&Id>,
    ) -> Result<Option<Result<Value, RpcError>>, McpError> {
        match jsonrpc::parse(bytes, self.max) {
            Ok(Message::Response { id, outcome }) if Some(&id) == expect => Ok(Some(outcome)),
            Ok(Message::Response { .. }) => Ok(None),
            Ok(Message::Notification { method, .. }) => {
                tracing::debug!(server, method = %method, "MCP server notification dropped");
                Ok(None)
            }
            Ok(Message::Request { id, method, .. }) => {
                tracing::info!(server, method = %method, "MCP server request refused");
                let answer = match crate::methods::UpstreamRequest::classify(&method) {
                    crate::methods::UpstreamRequest::Ping => {
                        jsonrpc::result_response(&id, serde_json::json!({}))
                    }
                    crate::methods::UpstreamRequest::Refused => jsonrpc::error_response(
                        Some(&id),
                        &RpcError::new(
                            jsonrpc::METHOD_NOT_FOUND,
                            "refused by rampart: the proxy does not relay this request",
                        ),
                    ),
                };
                let post = self
                    .client
                    .post(self.url.clone())
                    .headers(self.headers.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .header(ACCEPT, "application/json, text/event-stream")
                    .body(serde_json::to_vec(&answer).unwrap_or_default());
                tokio::spawn(async move {
                    let _ = post.send().await;
                });
                Ok(None)
            }
            Err(_) => Err(McpError::upstream(
                server,
                "answer is not a JSON-RPC message",
            )),
        }
    }
}
