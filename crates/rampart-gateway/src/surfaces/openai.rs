//! OpenAI surfaces: `/v1/chat/completions` (the canonical shape itself, validated),
//! `/v1/completions` (a prompt as one user message), `/v1/embeddings` and `/v1/models`.

use super::{ChatIngress, StreamRenderer, model_field, sse_data, stream_flag};
use crate::canonical;
use crate::error::ApiError;
use bytes::Bytes;
use serde_json::{Value, json};

const ROLES: [&str; 6] = [
    "system",
    "developer",
    "user",
    "assistant",
    "tool",
    "function",
];

/// Validate a Chat Completions request; it is already canonical, so it becomes the
/// canonical request itself (no copy of its texts).
pub fn parse_chat(body: Value) -> Result<ChatIngress, ApiError> {
    if !body.is_object() {
        return Err(ApiError::invalid("body", "expected a JSON object"));
    }
    let model = model_field(&body)?;
    let stream = stream_flag(&body)?;
    let msgs = match body.get("messages") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) => return Err(ApiError::invalid("messages", "must not be empty")),
        None | Some(Value::Null) => return Err(ApiError::invalid("messages", "missing")),
        Some(_) => {
            return Err(ApiError::invalid(
                "messages",
                "expected an array of messages",
            ));
        }
    };
    for (i, m) in msgs.iter().enumerate() {
        let path = format!("messages[{i}]");
        if !m.is_object() {
            return Err(ApiError::invalid(path, "expected an object"));
        }
        let role = match m.get("role") {
            Some(Value::String(r)) if ROLES.contains(&r.as_str()) => r.as_str(),
            Some(Value::String(_)) => {
                return Err(ApiError::invalid(
                    format!("{path}.role"),
                    "expected one of system, developer, user, assistant, tool",
                ));
            }
            _ => {
                return Err(ApiError::invalid(
                    format!("{path}.role"),
                    "missing or not a string",
                ));
            }
        };
        match m.get("content") {
            Some(Value::String(_)) => {}
            None | Some(Value::Null) if role == "assistant" => {}
            Some(Value::Array(parts)) => {
                for (j, p) in parts.iter().enumerate() {
                    let ppath = format!("{path}.content[{j}]");
                    match p.get("type").and_then(Value::as_str) {
                        Some("text") | Some("input_text") => {
                            if !p.get("text").is_some_and(Value::is_string) {
                                return Err(ApiError::invalid(
                                    format!("{ppath}.text"),
                                    "missing or not a string",
                                ));
                            }
                        }
                        Some("image_url") => {
                            if !p.pointer("/image_url/url").is_some_and(Value::is_string) {
                                return Err(ApiError::invalid(
                                    format!("{ppath}.image_url.url"),
                                    "missing or not a string",
                                ));
                            }
                        }
                        Some("refusal") => {}
                        Some(other) => {
                            return Err(ApiError::invalid(
                                format!("{ppath}.type"),
                                format!(
                                    "content parts of type `{other}` cannot be inspected by Rampart's guard and are refused"
                                ),
                            ));
                        }
                        None => {
                            return Err(ApiError::invalid(
                                format!("{ppath}.type"),
                                "missing or not a string",
                            ));
                        }
                    }
                }
            }
            None | Some(Value::Null) => {
                return Err(ApiError::invalid(format!("{path}.content"), "missing"));
            }
            Some(_) => {
                return Err(ApiError::invalid(
                    format!("{path}.content"),
                    "expected a string or an array of content parts",
                ));
            }
        }
        if role == "tool" && !m.get("tool_call_id").is_some_and(Value::is_string) {
            return Err(ApiError::invalid(
                format!("{path}.tool_call_id"),
                "missing or not a string",
            ));
        }
        if let Some(calls) = m.get("tool_calls").filter(|c| !c.is_null()) {
            let calls = calls.as_array().ok_or_else(|| {
                ApiError::invalid(format!("{path}.tool_calls"), "expected an array")
            })?;
            for (j, c) in calls.iter().enumerate() {
                if !c.pointer("/function/name").is_some_and(Value::is_string) {
                    return Err(ApiError::invalid(
                        format!("{path}.tool_calls[{j}].function.name"),
                        "missing or not a string",
                    ));
                }
                if !c
                    .pointer("/function/arguments")
                    .is_some_and(Value::is_string)
                {
                    return Err(ApiError::invalid(
                        format!("{path}.tool_calls[{j}].function.arguments"),
                        "missing or not a string",
                    ));
                }
            }
        }
    }
    if let Some(tools) = body.get("tools").filter(|t| !t.is_null()) {
        let tools = tools
            .as_array()
            .ok_or_else(|| ApiError::invalid("tools", "expected an array"))?;
        for (k, t) in tools.iter().enumerate() {
            if !t.pointer("/function/name").is_some_and(Value::is_string) {
                return Err(ApiError::invalid(
                    format!("tools[{k}].function.name"),
                    "missing or not a string",
                ));
            }
        }
    }
    let client_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut canonical = body;
    // `input_text` parts (accepted by some clients) are plain text parts.
    if let Some(msgs) = canonical.get_mut("messages").and_then(Value::as_array_mut) {
        for m in msgs {
            if let Some(parts) = m.get_mut("content").and_then(Value::as_array_mut) {
                for p in parts {
                    if p.get("type").and_then(Value::as_str) == Some("input_text") {
                        p["type"] = json!("text");
                    }
                }
            }
        }
    }
    if let Some(o) = canonical.as_object_mut() {
        o.remove("stream_options");
    }
    Ok(ChatIngress {
        model,
        canonical,
        stream,
        client_usage,
        original: Value::Null,
        paths: Default::default(),
    })
}

/// A legacy Completions request: the prompt becomes one user message.
pub fn parse_completions(body: &Value) -> Result<ChatIngress, ApiError> {
    if !body.is_object() {
        return Err(ApiError::invalid("body", "expected a JSON object"));
    }
    let model = model_field(body)?;
    let stream = stream_flag(body)?;
    let prompt = match body.get("prompt") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) if a.len() == 1 && a[0].is_string() => {
            a[0].as_str().unwrap_or("").to_owned()
        }
        Some(Value::Array(_)) => {
            return Err(ApiError::invalid(
                "prompt",
                "expected one string (batches and token arrays cannot be inspected as text)",
            ));
        }
        None | Some(Value::Null) => return Err(ApiError::invalid("prompt", "missing")),
        Some(_) => return Err(ApiError::invalid("prompt", "expected a string")),
    };
    let mut canonical = json!({"model": model, "messages": [{"role": "user", "content": prompt}]});
    let mut paths = super::client_paths::ClientPaths::default();
    paths.field("prompt");
    for key in ["max_tokens", "temperature", "top_p", "stop", "user", "seed"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            canonical[key] = v.clone();
        }
    }
    Ok(ChatIngress {
        model,
        canonical,
        stream,
        client_usage: body
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        original: Value::Null,
        paths,
    })
}

/// A canonical answer as the client's Chat Completions answer.
pub fn render_chat(resp: &Value, model: &str) -> Value {
    let mut out = resp.clone();
    out["model"] = json!(model);
    if out.get("object").is_none() {
        out["object"] = json!("chat.completion");
    }
    out
}

pub fn render_completions(resp: &Value, model: &str) -> Value {
    let choices: Vec<Value> = resp
        .get("choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            json!({"text": c.pointer("/message/content").map(canonical::content_text).unwrap_or_default(),
                "index": c.get("index").cloned().unwrap_or(json!(0)),
                "logprobs": null,
                "finish_reason": c.get("finish_reason").cloned().unwrap_or(json!("stop"))})
        })
        .collect();
    json!({
        "id": canonical::new_id("cmpl-"),
        "object": "text_completion",
        "created": crate::providers::unix_now(),
        "model": model,
        "choices": choices,
        "usage": resp.get("usage").cloned().unwrap_or(canonical::usage(0, 0)),
    })
}

/// Chat Completions chunks, as OpenAI streams them, ending with `data: [DONE]`.
#[derive(Debug)]
pub struct ChatRenderer {
    model: String,
    client_usage: bool,
    sent_role: bool,
}

impl ChatRenderer {
    pub fn new(model: &str, client_usage: bool) -> Self {
        ChatRenderer {
            model: model.to_owned(),
            client_usage,
            sent_role: false,
        }
    }
}

/// Whether a chunk carries anything a client needs (held-back text leaves empty deltas).
fn meaningful(chunk: &Value) -> bool {
    let choices = chunk.get("choices").and_then(Value::as_array);
    choices.is_none_or(|c| c.is_empty())
        || choices.into_iter().flatten().any(|c| {
            c.get("finish_reason").is_some_and(|f| !f.is_null())
                || c.get("delta").is_some_and(|d| {
                    d.get("content")
                        .and_then(Value::as_str)
                        .is_some_and(|t| !t.is_empty())
                        || d.get("tool_calls")
                            .is_some_and(|t| t.as_array().is_some_and(|a| !a.is_empty()))
                        || d.get("role").is_some()
                        || ["refusal", "reasoning_content"].iter().any(|k| {
                            d.get(*k)
                                .and_then(Value::as_str)
                                .is_some_and(|t| !t.is_empty())
                        })
                })
        })
}

impl StreamRenderer for ChatRenderer {
    fn chunk(&mut self, chunk: &Value) -> Vec<Bytes> {
        let is_usage_only = chunk
            .get("choices")
            .and_then(Value::as_array)
            .is_some_and(|c| c.is_empty());
        if is_usage_only && !self.client_usage {
            return Vec::new();
        }
        if !meaningful(chunk) {
            return Vec::new();
        }
        let mut c = chunk.clone();
        c["model"] = json!(self.model);
        if c.get("object").is_none() {
            c["object"] = json!("chat.completion.chunk");
        }
        if self.sent_role {
            // Only the first chunk carries the role, as OpenAI does.
            if let Some(choices) = c.get_mut("choices").and_then(Value::as_array_mut) {
                for ch in choices {
                    if let Some(d) = ch.get_mut("delta").and_then(Value::as_object_mut) {
                        d.remove("role");
                    }
                }
            }
        }
        if !is_usage_only {
            self.sent_role = true;
        }
        if !self.client_usage
            && let Some(o) = c.as_object_mut()
        {
            o.remove("usage");
        }
        vec![sse_data(&c)]
    }

    fn finish(&mut self) -> Vec<Bytes> {
        vec![Bytes::from_static(b"data: [DONE]\n\n")]
    }

    fn error(&mut self, error: &ApiError) -> Vec<Bytes> {
        vec![sse_data(&error.body(crate::error::Shape::OpenAi))]
    }
}

/// Legacy Completions chunks.
#[derive(Debug)]
pub struct CompletionsRenderer {
    id: String,
    model: String,
}

impl CompletionsRenderer {
    pub fn new(model: &str) -> Self {
        CompletionsRenderer {
            id: canonical::new_id("cmpl-"),
            model: model.to_owned(),
        }
    }
}

impl StreamRenderer for CompletionsRenderer {
    fn chunk(&mut self, chunk: &Value) -> Vec<Bytes> {
        let Some(choice) = chunk.pointer("/choices/0") else {
            return Vec::new();
        };
        let text = choice
            .pointer("/delta/content")
            .and_then(Value::as_str)
            .unwrap_or("");
        let finish = choice.get("finish_reason").cloned().unwrap_or(Value::Null);
        if text.is_empty() && finish.is_null() {
            return Vec::new();
        }
        vec![sse_data(
            &json!({"id": self.id, "object": "text_completion",
            "created": crate::providers::unix_now(), "model": self.model,
            "choices": [{"text": text, "index": 0, "logprobs": null, "finish_reason": finish}]}),
        )]
    }

    fn finish(&mut self) -> Vec<Bytes> {
        vec![Bytes::from_static(b"data: [DONE]\n\n")]
    }

    fn error(&mut self, error: &ApiError) -> Vec<Bytes> {
        vec![sse_data(&error.body(crate::error::Shape::OpenAi))]
    }
}

/// Validate an embeddings request: its input is text (a string or an array of strings) or
/// token ids (an array of integers, or an array of such arrays), never a mix. Token ids
/// are decoded for the guard by [`crate::tokens::TokenInputs`].
pub fn parse_embeddings(body: &Value) -> Result<(String, Value), ApiError> {
    if !body.is_object() {
        return Err(ApiError::invalid("body", "expected a JSON object"));
    }
    let model = model_field(body)?;
    let is_ids = |v: &Value| {
        v.as_array().is_some_and(|a| {
            !a.is_empty()
                && a.iter()
                    .all(|t| t.as_u64().is_some_and(|t| t <= u64::from(u32::MAX)))
        })
    };
    match body.get("input") {
        Some(Value::String(_)) => {}
        Some(input @ Value::Array(items)) if !items.is_empty() => {
            let all_text = items.iter().all(Value::is_string);
            if !all_text && !is_ids(input) && !items.iter().all(is_ids) {
                // The first item that is not of the first item's kind.
                let text_first = items[0].is_string();
                let i = items
                    .iter()
                    .position(|v| {
                        if text_first {
                            !v.is_string()
                        } else {
                            !is_ids(v)
                        }
                    })
                    .unwrap_or(0);
                return Err(ApiError::invalid(
                    format!("input[{i}]"),
                    "expected strings, or token ids (integers, or arrays of integers), not a mix",
                ));
            }
        }
        Some(Value::Array(_)) => return Err(ApiError::invalid("input", "must not be empty")),
        None | Some(Value::Null) => return Err(ApiError::invalid("input", "missing")),
        Some(_) => {
            return Err(ApiError::invalid(
                "input",
                "expected a string, an array of strings, or token ids",
            ));
        }
    }
    match body.get("encoding_format").and_then(Value::as_str) {
        None | Some("float") | Some("base64") => {}
        Some(_) => {
            return Err(ApiError::invalid(
                "encoding_format",
                "expected `float` or `base64`",
            ));
        }
    }
    Ok((model, body.clone()))
}

/// The embeddings answer for the client: its model name, and base64 vectors when asked.
pub fn render_embeddings(mut resp: Value, model: &str, base64: bool) -> Value {
    use base64::Engine;
    resp["model"] = json!(model);
    if base64 && let Some(data) = resp.get_mut("data").and_then(Value::as_array_mut) {
        for d in data {
            if let Some(vec) = d.get("embedding").and_then(Value::as_array) {
                let mut bytes = Vec::with_capacity(vec.len() * 4);
                for x in vec {
                    bytes.extend_from_slice(&(x.as_f64().unwrap_or(0.0) as f32).to_le_bytes());
                }
                d["embedding"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
            }
        }
    }
    resp
}
