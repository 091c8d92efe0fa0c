//! `bedrock`: AWS Bedrock's Converse and ConverseStream APIs, signed with SigV4.
//!
//! `POST {base}/model/{modelId}/converse` (or `/converse-stream`, answered as an AWS
//! event stream). The base URL defaults to `https://bedrock-runtime.{region}.amazonaws.com`.

use super::eventstream::Decoder;
use super::sigv4::{Signer, amz_date_now};
use super::{ChatCall, ChatReply, ChunkStream, Provider, UpstreamError, next_chunk};
use crate::BoxFuture;
use crate::config::{AwsCredentials, ProviderConfig, ProviderKind};
use crate::translate::bedrock as tr;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug)]
pub struct BedrockProvider {
    client: reqwest::Client,
    base: String,
    host: String,
    region: String,
    credentials: AwsCredentials,
    idle: Duration,
}

impl BedrockProvider {
    pub fn new(config: &ProviderConfig) -> Result<Self, String> {
        let region = config
            .region
            .as_ref()
            .ok_or("bedrock needs region")?
            .as_str()
            .to_owned();
        let credentials = config
            .credentials
            .clone()
            .ok_or("bedrock needs credentials")?;
        let base = config.base_url.as_ref().map_or_else(
            || format!("https://bedrock-runtime.{region}.amazonaws.com"),
            |b| b.as_str().trim_end_matches('/').to_owned(),
        );
        let host = base
            .split_once("://")
            .map_or(base.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        Ok(BedrockProvider {
            client: super::http_client(config)?,
            base,
            host,
            region,
            credentials,
            idle: config.timeouts.idle(),
        })
    }

    fn signed(&self, path: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
        let amz_date = amz_date_now();
        let token = self.credentials.session_token.as_ref().map(|t| t.expose());
        let token = token.as_deref();
        let (access_key_id, secret_access_key) = (
            self.credentials.access_key_id.expose(),
            self.credentials.secret_access_key.expose(),
        );
        let mut headers = vec![
            ("content-type", "application/json"),
            ("host", self.host.as_str()),
            ("x-amz-date", amz_date.as_str()),
        ];
        if let Some(t) = token {
            headers.push(("x-amz-security-token", t));
        }
        let signer = Signer {
            access_key_id: &access_key_id,
            secret_access_key: &secret_access_key,
            region: &self.region,
            service: "bedrock",
        };
        let sig = signer.sign("POST", path, "", &headers, &body, &amz_date);
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .header("x-amz-date", &amz_date)
            .header("authorization", sig.authorization)
            .body(body);
        if let Some(t) = token {
            req = req.header("x-amz-security-token", t);
        }
        req
    }
}

impl Provider for BedrockProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Bedrock
    }

    fn chat(&self, call: ChatCall) -> BoxFuture<'_, Result<ChatReply, UpstreamError>> {
        Box::pin(async move {
            let model = call
                .body
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let body = serde_json::to_vec(&tr::request_from_canonical(&call.body))
                .map_err(|e| UpstreamError::protocol(e.to_string()))?;
            let op = if call.stream {
                "converse-stream"
            } else {
                "converse"
            };
            let path = format!("/model/{}/{op}", super::sigv4::uri_encode(&model));
            let resp = super::send(self.signed(&path, body)).await?;
            if !call.stream {
                let v = super::json_body(resp).await?;
                return Ok(ChatReply::Complete(tr::response_to_canonical(&v, &model)));
            }
            Ok(ChatReply::Stream(frames(resp, &model, self.idle)))
        })
    }
}

fn frames(resp: reqwest::Response, model: &str, idle: Duration) -> ChunkStream {
    struct State {
        resp: reqwest::Response,
        decoder: Decoder,
        conv: tr::StreamToChunks,
        queue: std::collections::VecDeque<Value>,
        done: bool,
        idle: Duration,
        request_id: Option<String>,
    }
    let st = State {
        request_id: super::upstream_request_id(resp.headers()),
        resp,
        decoder: Decoder::default(),
        conv: tr::StreamToChunks::new(model),
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
            let frames = match next_chunk(&mut st.resp, st.idle).await {
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                Ok(None) => {
                    st.done = true;
                    Vec::new()
                }
                Ok(Some(b)) => match st.decoder.push(&b) {
                    Ok(f) => f,
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                },
            };
            for f in frames {
                let data: Value = serde_json::from_slice(&f.payload).unwrap_or(Value::Null);
                if f.message_type != "event" {
                    st.done = true;
                    let msg = data
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("provider stream error");
                    let e = UpstreamError::mid_stream("exception event", msg)
                        .with_request_id(st.request_id.clone());
                    return Some((Err(e), st));
                }
                st.queue.extend(st.conv.push(&f.event_type, &data));
            }
        }
    }))
}
