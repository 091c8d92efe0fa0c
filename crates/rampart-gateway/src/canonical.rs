//! The canonical request and answer shape: OpenAI Chat Completions, as JSON.
//!
//! Surfaces translate into it, providers translate out of it, and the guard walks it.
//! One internal extension: a content part `{"type": "document", "text": ...}` marks text
//! that came from a document (Anthropic `document` blocks), so the guard inspects it with
//! `Role::Document`; providers turn it back into their own document or text form.
//!
//! Anthropic extensions, so an Anthropic client reaching an Anthropic provider keeps what
//! has no OpenAI form (`translate/anthropic.rs` writes and reads them):
//! - `anthropic` on the request: `thinking`, `metadata`, `top_k`, the original
//!   `tool_choice`, `service_tier`.
//! - `cache_control` (and a document's `title`, `context`, `citations`) on content parts,
//!   system parts, tool messages, tool calls and tools.
//! - `thinking_blocks` on an assistant message (history or answer): Anthropic's
//!   `thinking` / `redacted_thinking` blocks, byte for byte, because their `signature`
//!   covers the text. In a chunk, `delta.thinking` is `{"text"}` (a piece),
//!   `{"signature"}` (the end of a block) or `{"redacted"}` (an opaque block).
//! - `cache_creation_input_tokens` / `cache_read_input_tokens` in `usage`, and
//!   `stop_sequence` on a choice.
//!
//! OpenAI-shaped providers drop them ([`strip_anthropic_extras`]); Bedrock maps what
//! Converse has (see `translate/bedrock.rs`).

use serde_json::{Map, Value, json};

/// Set `key` on a JSON object; any other value is left as it is and `false` returned.
/// `value[key] = …` panics when `value` is an array, string, number or boolean, so JSON
/// that came from a client or a provider is never index-assigned: it goes through here.
pub fn set_field(target: &mut Value, key: &str, v: Value) -> bool {
    match target.as_object_mut() {
        Some(o) => {
            o.insert(key.to_owned(), v);
            true
        }
        None => false,
    }
}

/// The text of a message `content`: a string, or the `text` of each text-like part joined
/// with newlines. Non-text parts (images, audio) contribute nothing.
pub fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => {
            let mut out = String::new();
            for p in parts {
                if let Some(t) = p.get("text").and_then(Value::as_str) {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(t);
                }
            }
            out
        }
        _ => String::new(),
    }
}

/// A rough token count for limits and `count_tokens`: one token per four bytes of text.
pub fn estimate_tokens(text_bytes: usize) -> u64 {
    (text_bytes as u64).div_ceil(4)
}

/// Bytes of text in a canonical request (every message and tool description).
pub fn request_text_bytes(req: &Value) -> usize {
    let mut n = 0;
    if let Some(msgs) = req.get("messages").and_then(Value::as_array) {
        for m in msgs {
            n += m.get("content").map_or(0, |c| content_text(c).len());
            if let Some(calls) = m.get("tool_calls").and_then(Value::as_array) {
                for c in calls {
                    n += c
                        .pointer("/function/arguments")
                        .and_then(Value::as_str)
                        .map_or(0, str::len);
                }
            }
        }
    }
    n
}

/// Bytes of generated text in a canonical answer or chunk: every string under
/// `choices[].message` and `choices[].delta` (content, tool-call arguments and names,
/// reasoning, refusals, fields not classified yet), so an estimate of the output tokens
/// does not depend on knowing which field the provider wrote into. Iterative, bounded by
/// the size of the value.
pub fn answer_text_bytes(v: &Value) -> usize {
    let mut n = 0;
    let mut stack: Vec<&Value> = Vec::new();
    if let Some(choices) = v.get("choices").and_then(Value::as_array) {
        for c in choices {
            stack.extend(c.get("message"));
            stack.extend(c.get("delta"));
        }
    }
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => n += s.len(),
            Value::Array(a) => stack.extend(a.iter()),
            // The role is the protocol's, not generated text.
            Value::Object(o) => {
                stack.extend(o.iter().filter(|(k, _)| *k != "role").map(|(_, v)| v))
            }
            _ => {}
        }
    }
    n
}

/// The output tokens of an answer and whether they were estimated: the provider's
/// `completion_tokens` when it reported some, else one token per four bytes of the
/// `streamed_bytes` it produced (no usage reported, or the client left first).
pub fn output_tokens(reported: Option<u64>, streamed_bytes: usize) -> (u64, bool) {
    match reported {
        Some(c) if c > 0 => (c, false),
        _ if streamed_bytes == 0 => (0, false),
        _ => (estimate_tokens(streamed_bytes), true),
    }
}

/// The request key holding Anthropic-only fields.
pub const ANTHROPIC: &str = "anthropic";

/// The Anthropic prompt-cache counters a canonical `usage` may carry.
pub const CACHE_USAGE: [&str; 2] = ["cache_creation_input_tokens", "cache_read_input_tokens"];

/// Remove the Anthropic extensions from a canonical request, for upstreams that would
/// refuse unknown fields. Nothing here has an OpenAI equivalent the gateway could map to:
/// OpenAI caches prompts by itself, reasoning is the model's own, and `metadata.user_id`
/// already became `user`.
pub fn strip_anthropic_extras(req: &mut Value) {
    let Some(obj) = req.as_object_mut() else {
        return;
    };
    obj.remove(ANTHROPIC);
    if let Some(tools) = obj.get_mut("tools").and_then(Value::as_array_mut) {
        for t in tools {
            strip_block_extras(t);
        }
    }
    let Some(msgs) = obj.get_mut("messages").and_then(Value::as_array_mut) else {
        return;
    };
    for m in msgs {
        strip_block_extras(m);
        if let Some(o) = m.as_object_mut() {
            o.remove("thinking_blocks");
        }
        if let Some(parts) = m.get_mut("content").and_then(Value::as_array_mut) {
            parts.iter_mut().for_each(strip_block_extras);
        }
        if let Some(calls) = m.get_mut("tool_calls").and_then(Value::as_array_mut) {
            calls.iter_mut().for_each(strip_block_extras);
        }
    }
}

fn strip_block_extras(v: &mut Value) {
    if let Some(o) = v.as_object_mut() {
        for key in ["cache_control", "citations", "title", "context"] {
            o.remove(key);
        }
    }
}

/// A random identifier with `prefix`, e.g. `chatcmpl-3f2a…`.
pub fn new_id(prefix: &str) -> String {
    format!(
        "{prefix}{:016x}{:08x}",
        fastrand::u64(..),
        fastrand::u32(..)
    )
}

/// A canonical `chat.completion` with one choice.
pub fn completion(
    model: &str,
    content: Option<String>,
    tool_calls: Vec<Value>,
    finish_reason: &str,
    prompt_tokens: u64,
    completion_tokens: u64,
) -> Value {
    let mut message = Map::new();
    message.insert("role".into(), json!("assistant"));
    message.insert("content".into(), content.map_or(Value::Null, Value::String));
    if !tool_calls.is_empty() {
        message.insert("tool_calls".into(), Value::Array(tool_calls));
    }
    json!({
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": crate::providers::unix_now(),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": null}],
        "usage": usage(prompt_tokens, completion_tokens),
    })
}

/// A canonical `chat.completion.chunk` with one choice.
pub fn chunk(id: &str, model: &str, delta: Value, finish_reason: Option<&str>) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": crate::providers::unix_now(),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": null}],
    })
}

/// A canonical final usage chunk (no choices), as OpenAI sends with `include_usage`.
pub fn usage_chunk(id: &str, model: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": crate::providers::unix_now(),
        "model": model,
        "choices": [],
        "usage": usage(prompt_tokens, completion_tokens),
    })
}

pub fn usage(prompt_tokens: u64, completion_tokens: u64) -> Value {
    json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    })
}

/// `(prompt_tokens, completion_tokens)` from a canonical `usage` object.
pub fn usage_of(v: &Value) -> Option<(u64, u64)> {
    let u = v.get("usage")?;
    Some((
        u.get("prompt_tokens").and_then(Value::as_u64).unwrap_or(0),
        u.get("completion_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    ))
}
