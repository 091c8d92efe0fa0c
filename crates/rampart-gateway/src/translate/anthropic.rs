//! Anthropic Messages ↔ canonical.
//!
//! Requests: `system` becomes system messages; `text`, `image`, `document`, `tool_use` and
//! `tool_result` blocks map to content parts, `tool_calls` and `tool` messages. Answers and
//! streams map `stop_reason` ↔ `finish_reason` and `tool_use` blocks ↔ `tool_calls`.
//!
//! Anthropic-only features ride through the canonical shape as extensions (see
//! `canonical.rs`), so an Anthropic client reaching an Anthropic provider loses nothing the
//! guard does not take out: `cache_control` on system, content, tool-call, tool-result and
//! tool entries; `thinking` / `redacted_thinking` blocks as the assistant message's
//! `thinking_blocks`; and `thinking`, `metadata`, `top_k`, the original `tool_choice` and
//! `service_tier` under the request's `anthropic` object. Answers keep thinking blocks
//! (with their signatures), `stop_sequence` and the cache token counts.

use super::{arguments_object, stop_reason_from_anthropic, stop_reason_to_anthropic};
use crate::canonical;
use crate::error::ApiError;
use crate::surfaces::client_paths::ClientPaths;
use serde_json::{Map, Value, json};

/// Anthropic's default when a canonical request sets no `max_tokens`.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| !x.is_null())
}

/// Block keys that carry no text and pass through unchanged when present.
const BLOCK_EXTRAS: [&str; 4] = ["cache_control", "citations", "title", "context"];

/// Copy the [`BLOCK_EXTRAS`] of `from` onto `to` (both JSON objects). Only settings pass:
/// `citations` as a document's `{"enabled": …}`, not a text block's list of cited text
/// (text the guard would not see); `title` and `context` are strings the guard inspects
/// as document text.
fn copy_extras(from: &Value, to: &mut Value) {
    for key in BLOCK_EXTRAS {
        match field(from, key) {
            Some(v) if key == "citations" && !v.is_object() => {}
            Some(v) if (key == "title" || key == "context") && !v.is_string() => {}
            Some(v) => to[key] = v.clone(),
            None => {}
        }
    }
}

/// Request fields with no canonical form, kept for an Anthropic provider. Of
/// `output_config`, only `effort` is kept here: its `format` is structured output, which
/// has a canonical form (`response_format`, see [`output_format_to_canonical`]).
const REQUEST_EXTRAS: [&str; 6] = [
    "thinking",
    "metadata",
    "top_k",
    "tool_choice",
    "service_tier",
    "output_config",
];

/// The name a structured-output schema gets in the canonical `response_format` when the
/// client's API has none (Anthropic `output_config.format`).
pub const OUTPUT_SCHEMA_NAME: &str = "output";

/// Anthropic structured output (`output_config.format`, or the earlier beta's top-level
/// `output_format`) → the canonical `response_format`, so OpenAI-shaped providers get it
/// natively and the mediation table inspects the schema as any `json_schema`.
fn output_format_to_canonical(req: &Value) -> Result<Option<Value>, ApiError> {
    let (path, format) = match (
        req.pointer("/output_config/format")
            .filter(|v| !v.is_null()),
        field(req, "output_format"),
    ) {
        (Some(f), _) => ("output_config.format", f),
        (None, Some(f)) => ("output_format", f),
        (None, None) => return Ok(None),
    };
    if format.get("type").and_then(Value::as_str) != Some("json_schema") {
        return Err(ApiError::invalid(
            format!("{path}.type"),
            "expected `json_schema`",
        ));
    }
    let schema = format
        .get("schema")
        .filter(|s| s.is_object())
        .ok_or_else(|| ApiError::invalid(format!("{path}.schema"), "missing or not an object"))?;
    Ok(Some(json!({"type": "json_schema",
        "json_schema": {"name": OUTPUT_SCHEMA_NAME, "schema": schema, "strict": true}})))
}

/// A `thinking` or `redacted_thinking` block, checked: its text and signature (or its
/// opaque data) must be strings, because they go back to the provider byte for byte.
fn thinking_block(b: &Value, ty: &str, path: &str) -> Result<Value, ApiError> {
    let keys: &[&str] = if ty == "thinking" {
        &["thinking", "signature"]
    } else {
        &["data"]
    };
    let mut out = json!({"type": ty});
    for key in keys {
        let v = b
            .get(*key)
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid(format!("{path}.{key}"), "missing or not a string"))?;
        out[*key] = json!(v);
    }
    Ok(out)
}

/// A client's Anthropic Messages request → canonical. Checks types and names the field.
pub fn request_to_canonical(req: &Value) -> Result<Value, ApiError> {
    request_to_canonical_with_paths(req).map(|(v, _)| v)
}

/// [`request_to_canonical`], with where each canonical field came from (for errors).
pub fn request_to_canonical_with_paths(req: &Value) -> Result<(Value, ClientPaths), ApiError> {
    let mut paths = ClientPaths::default();
    let obj = req
        .as_object()
        .ok_or_else(|| ApiError::invalid("body", "expected a JSON object"))?;
    let model = obj
        .get("model")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("model", "missing or not a string"))?;
    let mut messages = Vec::new();
    match field(req, "system") {
        None => {}
        Some(Value::String(s)) => {
            messages.push(json!({"role": "system", "content": s}));
            paths.field("system");
        }
        Some(Value::Array(blocks)) => {
            for (i, b) in blocks.iter().enumerate() {
                paths.field(format!("system[{i}].text"));
                let text = b.get("text").and_then(Value::as_str).ok_or_else(|| {
                    ApiError::invalid(format!("system[{i}].text"), "missing or not a string")
                })?;
                if field(b, "cache_control").is_some() {
                    let mut part = json!({"type": "text", "text": text});
                    copy_extras(b, &mut part);
                    messages.push(json!({"role": "system", "content": [part]}));
                } else {
                    messages.push(json!({"role": "system", "content": text}));
                }
            }
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "system",
                "expected a string or an array of text blocks",
            ));
        }
    }
    let msgs = obj
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid("messages", "missing or not an array"))?;
    for (i, m) in msgs.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str).ok_or_else(|| {
            ApiError::invalid(format!("messages[{i}].role"), "missing or not a string")
        })?;
        if role != "user" && role != "assistant" {
            return Err(ApiError::invalid(
                format!("messages[{i}].role"),
                "expected `user` or `assistant`",
            ));
        }
        match m.get("content") {
            Some(Value::String(s)) => {
                messages.push(json!({"role": role, "content": s}));
                paths.message(format!("messages[{i}]"));
            }
            Some(Value::Array(blocks)) => {
                let mut parts = Vec::new();
                let mut part_paths = Vec::new();
                let mut tool_calls = Vec::new();
                let mut call_paths = Vec::new();
                let mut tool_results = Vec::new();
                let mut thinking = Vec::new();
                for (j, b) in blocks.iter().enumerate() {
                    let path = format!("messages[{i}].content[{j}]");
                    let ty = b.get("type").and_then(Value::as_str).ok_or_else(|| {
                        ApiError::invalid(format!("{path}.type"), "missing or not a string")
                    })?;
                    match ty {
                        "text" => {
                            let t = b.get("text").and_then(Value::as_str).ok_or_else(|| {
                                ApiError::invalid(format!("{path}.text"), "missing or not a string")
                            })?;
                            let mut part = json!({"type": "text", "text": t});
                            copy_extras(b, &mut part);
                            parts.push(part);
                            part_paths.push(path.clone());
                        }
                        "image" => {
                            let mut part = image_to_canonical(b, &path)?;
                            copy_extras(b, &mut part);
                            parts.push(part);
                            part_paths.push(path.clone());
                        }
                        "document" => {
                            let mut part = document_to_canonical(b, &path)?;
                            copy_extras(b, &mut part);
                            parts.push(part);
                            part_paths.push(path.clone());
                        }
                        "tool_use" => {
                            let id = b.get("id").and_then(Value::as_str).unwrap_or_default();
                            let name = b.get("name").and_then(Value::as_str).ok_or_else(|| {
                                ApiError::invalid(format!("{path}.name"), "missing or not a string")
                            })?;
                            let input = b.get("input").cloned().unwrap_or(json!({}));
                            let mut call = json!({"id": id, "type": "function",
                                "function": {"name": name, "arguments": input.to_string()}});
                            copy_extras(b, &mut call);
                            tool_calls.push(call);
                            call_paths.push(path.clone());
                        }
                        "tool_result" => {
                            let id =
                                b.get("tool_use_id")
                                    .and_then(Value::as_str)
                                    .ok_or_else(|| {
                                        ApiError::invalid(
                                            format!("{path}.tool_use_id"),
                                            "missing or not a string",
                                        )
                                    })?;
                            let content = match b.get("content") {
                                None | Some(Value::Null) => String::new(),
                                Some(Value::String(s)) => s.clone(),
                                Some(c @ Value::Array(_)) => canonical::content_text(c),
                                Some(_) => {
                                    return Err(ApiError::invalid(
                                        format!("{path}.content"),
                                        "expected a string or an array of blocks",
                                    ));
                                }
                            };
                            let is_error =
                                b.get("is_error").and_then(Value::as_bool).unwrap_or(false);
                            let content = if is_error {
                                format!("[tool error] {content}")
                            } else {
                                content
                            };
                            let mut msg =
                                json!({"role": "tool", "tool_call_id": id, "content": content});
                            copy_extras(b, &mut msg);
                            tool_results.push((msg, format!("{path}.content")));
                        }
                        // Signed reasoning from an earlier answer: kept byte for byte so an
                        // Anthropic provider can check its signature.
                        "thinking" | "redacted_thinking" if role == "assistant" => {
                            thinking.push(thinking_block(b, ty, &path)?);
                        }
                        "thinking" | "redacted_thinking" => {}
                        other => {
                            return Err(ApiError::invalid(
                                format!("{path}.type"),
                                format!("unsupported content block type `{other}`"),
                            ));
                        }
                    }
                }
                for (msg, path) in tool_results {
                    messages.push(msg);
                    paths.field(path);
                }
                if role == "assistant" {
                    // Text parts with extras (cache_control) stay parts; plain text joins.
                    let content = if parts.iter().any(|p| p.get("cache_control").is_some()) {
                        Value::Array(parts)
                    } else {
                        let text = canonical::content_text(&Value::Array(parts));
                        if text.is_empty() {
                            Value::Null
                        } else {
                            Value::String(text)
                        }
                    };
                    let mut msg = json!({"role": "assistant", "content": content});
                    if !tool_calls.is_empty() {
                        msg["tool_calls"] = Value::Array(tool_calls);
                    }
                    if !thinking.is_empty() {
                        msg["thinking_blocks"] = Value::Array(thinking);
                    }
                    let kept_parts = msg["content"].is_array();
                    messages.push(msg);
                    paths.message(format!("messages[{i}]"));
                    if kept_parts {
                        part_paths.into_iter().for_each(|p| paths.part(p));
                    }
                    call_paths.into_iter().for_each(|p| paths.call(p));
                } else if !parts.is_empty() {
                    messages.push(json!({"role": "user", "content": parts}));
                    paths.message(format!("messages[{i}]"));
                    part_paths.into_iter().for_each(|p| paths.part(p));
                }
            }
            _ => {
                return Err(ApiError::invalid(
                    format!("messages[{i}].content"),
                    "expected a string or an array of content blocks",
                ));
            }
        }
    }
    let mut out = Map::new();
    out.insert("model".into(), json!(model));
    out.insert("messages".into(), Value::Array(messages));
    match field(req, "max_tokens") {
        Some(v) if v.as_u64().is_some() => {
            out.insert("max_tokens".into(), v.clone());
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "max_tokens",
                "expected a positive integer",
            ));
        }
        None => return Err(ApiError::invalid("max_tokens", "missing")),
    }
    for key in ["temperature", "top_p"] {
        if let Some(v) = field(req, key) {
            if !v.is_number() {
                return Err(ApiError::invalid(key, "expected a number"));
            }
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(stop) = field(req, "stop_sequences") {
        out.insert("stop".into(), stop.clone());
    }
    if let Some(stream) = field(req, "stream") {
        let s = stream
            .as_bool()
            .ok_or_else(|| ApiError::invalid("stream", "expected a boolean"))?;
        out.insert("stream".into(), json!(s));
    }
    if let Some(tools) = field(req, "tools") {
        let tools = tools
            .as_array()
            .ok_or_else(|| ApiError::invalid("tools", "expected an array"))?;
        let mut converted = Vec::new();
        for (i, t) in tools.iter().enumerate() {
            let name = t.get("name").and_then(Value::as_str).ok_or_else(|| {
                ApiError::invalid(format!("tools[{i}].name"), "missing or not a string")
            })?;
            let mut f = json!({"name": name, "parameters": t.get("input_schema").cloned().unwrap_or(json!({"type": "object"}))});
            if let Some(d) = t.get("description").and_then(Value::as_str) {
                f["description"] = json!(d);
            }
            let mut tool = json!({"type": "function", "function": f});
            copy_extras(t, &mut tool);
            converted.push(tool);
            paths.prefix(
                format!("tools[{i}].function.parameters"),
                format!("tools[{i}].input_schema"),
            );
            paths.prefix(format!("tools[{i}].function"), format!("tools[{i}]"));
        }
        out.insert("tools".into(), Value::Array(converted));
    }
    if let Some(choice) = field(req, "tool_choice") {
        let c = match choice.get("type").and_then(Value::as_str) {
            Some("auto") => json!("auto"),
            Some("any") => json!("required"),
            Some("none") => json!("none"),
            Some("tool") => {
                json!({"type": "function", "function": {"name": choice.get("name").cloned().unwrap_or(Value::Null)}})
            }
            _ => {
                return Err(ApiError::invalid(
                    "tool_choice.type",
                    "expected auto, any, tool or none",
                ));
            }
        };
        out.insert("tool_choice".into(), c);
    }
    if let Some(user) = req.pointer("/metadata/user_id").and_then(Value::as_str) {
        out.insert("user".into(), json!(user));
    }
    if field(req, "thinking").is_some_and(|t| !t.is_object()) {
        return Err(ApiError::invalid("thinking", "expected an object"));
    }
    if field(req, "top_k").is_some_and(|k| k.as_u64().is_none()) {
        return Err(ApiError::invalid(
            "top_k",
            "expected a non-negative integer",
        ));
    }
    if let Some(format) = output_format_to_canonical(req)? {
        out.insert("response_format".into(), format);
    }
    if field(req, "output_config").is_some_and(|c| !c.is_object()) {
        return Err(ApiError::invalid("output_config", "expected an object"));
    }
    let mut extras = Map::new();
    for key in REQUEST_EXTRAS {
        if let Some(v) = field(req, key) {
            let mut v = v.clone();
            if key == "output_config" {
                // The format went to `response_format` above.
                if let Some(o) = v.as_object_mut() {
                    o.remove("format");
                }
                if v.as_object().is_some_and(Map::is_empty) {
                    continue;
                }
            }
            extras.insert(key.into(), v);
        }
    }
    if !extras.is_empty() {
        out.insert(canonical::ANTHROPIC.into(), Value::Object(extras));
    }
    let schema_at = if field(req, "output_config").is_some() {
        "output_config.format.schema"
    } else {
        "output_format.schema"
    };
    paths.prefix("response_format.json_schema.schema", schema_at);
    paths.prefix("stop", "stop_sequences");
    paths.prefix("user", "metadata.user_id");
    paths.prefix("tool_choice.function", "tool_choice");
    for key in REQUEST_EXTRAS {
        paths.prefix(format!("{}.{key}", canonical::ANTHROPIC), key);
    }
    Ok((Value::Object(out), paths))
}

fn image_to_canonical(b: &Value, path: &str) -> Result<Value, ApiError> {
    let src = b
        .get("source")
        .ok_or_else(|| ApiError::invalid(format!("{path}.source"), "missing"))?;
    let url = match src.get("type").and_then(Value::as_str) {
        Some("base64") => format!(
            "data:{};base64,{}",
            src.get("media_type")
                .and_then(Value::as_str)
                .unwrap_or("image/png"),
            src.get("data").and_then(Value::as_str).unwrap_or("")
        ),
        Some("url") => src
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        _ => {
            return Err(ApiError::invalid(
                format!("{path}.source.type"),
                "expected base64 or url",
            ));
        }
    };
    Ok(json!({"type": "image_url", "image_url": {"url": url}}))
}

fn document_to_canonical(b: &Value, path: &str) -> Result<Value, ApiError> {
    let src = b
        .get("source")
        .ok_or_else(|| ApiError::invalid(format!("{path}.source"), "missing"))?;
    match src.get("type").and_then(Value::as_str) {
        Some("text") => Ok(json!({"type": "document",
            "text": src.get("data").and_then(Value::as_str).unwrap_or("")})),
        Some("content") => Ok(json!({"type": "document",
            "text": canonical::content_text(src.get("content").unwrap_or(&Value::Null))})),
        // PDFs and other binary documents cannot be inspected as text: refuse rather than
        // forward them uninspected.
        _ => Err(ApiError::invalid(
            format!("{path}.source.type"),
            "only text documents can be inspected; extract the text first",
        )),
    }
}

/// Canonical request → Anthropic Messages request (for the Anthropic provider).
pub fn request_from_canonical(req: &Value) -> Value {
    let mut system: Vec<Value> = Vec::new();
    let mut messages: Vec<Value> = Vec::new();
    let empty = Vec::new();
    for m in req
        .get("messages")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("user");
        let content = m.get("content").unwrap_or(&Value::Null);
        let (role, blocks) = match role {
            "system" | "developer" => {
                system.extend(text_blocks(content));
                continue;
            }
            "tool" => {
                let mut block = json!({"type": "tool_result",
                    "tool_use_id": m.get("tool_call_id").cloned().unwrap_or(json!("")),
                    "content": canonical::content_text(content)});
                copy_extras(m, &mut block);
                ("user", vec![block])
            }
            "assistant" => {
                // Thinking first, as Anthropic produced it, then text, then tool calls.
                let mut blocks: Vec<Value> = m
                    .get("thinking_blocks")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                blocks.extend(text_blocks(content));
                for c in m
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .unwrap_or(&empty)
                {
                    let mut block = json!({"type": "tool_use",
                        "id": c.get("id").cloned().unwrap_or(json!("")),
                        "name": c.pointer("/function/name").cloned().unwrap_or(json!("")),
                        "input": arguments_object(c.pointer("/function/arguments"))});
                    copy_extras(c, &mut block);
                    blocks.push(block);
                }
                ("assistant", blocks)
            }
            _ => ("user", user_blocks(content)),
        };
        if blocks.is_empty() {
            continue;
        }
        // Anthropic wants alternating roles: merge consecutive messages of one role.
        match messages.last_mut() {
            Some(last) if last["role"] == role => {
                if let Some(arr) = last["content"].as_array_mut() {
                    arr.extend(blocks);
                }
            }
            _ => messages.push(json!({"role": role, "content": blocks})),
        }
    }
    let mut out = json!({
        "model": req.get("model").cloned().unwrap_or(Value::Null),
        "messages": messages,
        "max_tokens": req.get("max_completion_tokens").or_else(|| req.get("max_tokens"))
            .and_then(Value::as_u64).unwrap_or(DEFAULT_MAX_TOKENS),
    });
    if system.iter().any(|b| b.get("cache_control").is_some()) {
        // Cache breakpoints are per block: keep the blocks.
        out["system"] = Value::Array(system);
    } else if !system.is_empty() {
        let texts: Vec<&str> = system
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect();
        out["system"] = json!(texts.join("\n\n"));
    }
    for key in ["temperature", "top_p", "stream"] {
        if let Some(v) = field(req, key) {
            out[key] = v.clone();
        }
    }
    match field(req, "stop") {
        Some(Value::String(s)) => out["stop_sequences"] = json!([s]),
        Some(v @ Value::Array(_)) => out["stop_sequences"] = v.clone(),
        _ => {}
    }
    if let Some(tools) = field(req, "tools").and_then(Value::as_array) {
        let tools: Vec<Value> = tools
            .iter()
            .map(|t| {
                let f = t.get("function").unwrap_or(&Value::Null);
                let mut tool = json!({"name": f.get("name").cloned().unwrap_or(json!("")),
                    "input_schema": f.get("parameters").cloned().unwrap_or(json!({"type": "object"}))});
                if let Some(d) = f.get("description") {
                    tool["description"] = d.clone();
                }
                copy_extras(t, &mut tool);
                tool
            })
            .collect();
        out["tools"] = Value::Array(tools);
    }
    if let Some(choice) = field(req, "tool_choice") {
        let c = match choice {
            Value::String(s) if s == "required" => Some(json!({"type": "any"})),
            Value::String(s) if s == "none" => Some(json!({"type": "none"})),
            Value::String(_) => Some(json!({"type": "auto"})),
            Value::Object(_) => choice
                .pointer("/function/name")
                .map(|n| json!({"type": "tool", "name": n})),
            _ => None,
        };
        if let Some(c) = c {
            out["tool_choice"] = c;
        }
    }
    if let Some(user) = field(req, "user") {
        out["metadata"] = json!({"user_id": user});
    }
    // An Anthropic client's own fields win over their canonical approximations.
    if let Some(extras) = field(req, canonical::ANTHROPIC).and_then(Value::as_object) {
        for key in REQUEST_EXTRAS {
            if let Some(v) = extras.get(key).filter(|v| !v.is_null()) {
                out[key] = v.clone();
            }
        }
    }
    // Structured output, natively: Anthropic constrains the text answer to the schema, so
    // the answer needs no translation back (a forced tool would turn it into a tool call
    // to undo, whole and streamed). Models without structured outputs refuse it upstream
    // with a 400, which the client sees; `json_object` and `text` have no Anthropic form.
    if let Some(schema) = field(req, "response_format")
        .filter(|f| f.get("type").and_then(Value::as_str) == Some("json_schema"))
        .and_then(|f| f.pointer("/json_schema/schema"))
        .filter(|s| s.is_object())
    {
        if !out.get("output_config").is_some_and(Value::is_object) {
            out["output_config"] = json!({});
        }
        out["output_config"]["format"] = json!({"type": "json_schema", "schema": schema});
    }
    out
}

/// A canonical message content as Anthropic text blocks: a string is one block; text
/// parts keep their own blocks (and extras such as `cache_control`).
fn text_blocks(content: &Value) -> Vec<Value> {
    match content {
        Value::String(s) if s.is_empty() => Vec::new(),
        Value::String(s) => vec![json!({"type": "text", "text": s})],
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| {
                let t = p
                    .get("text")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())?;
                let mut block = json!({"type": "text", "text": t});
                copy_extras(p, &mut block);
                Some(block)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn user_blocks(content: &Value) -> Vec<Value> {
    match content {
        Value::String(s) => vec![json!({"type": "text", "text": s})],
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| {
                let mut block = match p.get("type").and_then(Value::as_str) {
                Some("text") => Some(json!({"type": "text", "text": p.get("text").cloned().unwrap_or(json!(""))})),
                Some("document") => Some(json!({"type": "document",
                    "source": {"type": "text", "media_type": "text/plain", "data": p.get("text").cloned().unwrap_or(json!(""))}})),
                Some("image_url") => {
                    let url = p.pointer("/image_url/url").and_then(Value::as_str).unwrap_or("");
                    Some(match url.strip_prefix("data:").and_then(|r| r.split_once(";base64,")) {
                        Some((media, data)) => json!({"type": "image", "source": {"type": "base64", "media_type": media, "data": data}}),
                        None => json!({"type": "image", "source": {"type": "url", "url": url}}),
                    })
                }
                _ => None,
                }?;
                copy_extras(p, &mut block);
                Some(block)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Anthropic Messages answer → canonical `chat.completion`.
pub fn response_to_canonical(resp: &Value) -> Value {
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    let mut thinking = Vec::new();
    for b in resp
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(b.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("tool_use") => tool_calls.push(json!({
                "id": b.get("id").cloned().unwrap_or(json!("")),
                "type": "function",
                "function": {"name": b.get("name").cloned().unwrap_or(json!("")),
                             "arguments": b.get("input").cloned().unwrap_or(json!({})).to_string()},
            })),
            Some("thinking" | "redacted_thinking") => thinking.push(b.clone()),
            _ => {}
        }
    }
    let finish = stop_reason_from_anthropic(
        resp.get("stop_reason")
            .and_then(Value::as_str)
            .unwrap_or(""),
    );
    let input = resp
        .pointer("/usage/input_tokens")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let output = resp
        .pointer("/usage/output_tokens")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut out = canonical::completion(
        resp.get("model").and_then(Value::as_str).unwrap_or(""),
        (!text.is_empty() || tool_calls.is_empty()).then_some(text),
        tool_calls,
        finish,
        input,
        output,
    );
    if let Some(id) = resp.get("id") {
        out["id"] = id.clone();
    }
    if !thinking.is_empty() {
        out["choices"][0]["message"]["thinking_blocks"] = Value::Array(thinking);
    }
    if let Some(seq) = field(resp, "stop_sequence") {
        out["choices"][0]["stop_sequence"] = seq.clone();
    }
    if let Some(u) = resp.get("usage") {
        add_cache_usage(&mut out["usage"], u);
    }
    out
}

/// The Anthropic `stop_reason` of a canonical finish: `stop_sequence` when the provider
/// named the sequence it stopped at.
fn stop_reason(finish: &str, stop_sequence: Option<&Value>) -> &'static str {
    match stop_sequence {
        Some(Value::String(_)) if finish == "stop" => "stop_sequence",
        _ => stop_reason_to_anthropic(finish),
    }
}

/// Copy Anthropic's cache counters from `from` (an Anthropic `usage`) into a canonical
/// `usage`, with OpenAI's `prompt_tokens_details.cached_tokens` for OpenAI clients.
fn add_cache_usage(usage: &mut Value, from: &Value) {
    for key in canonical::CACHE_USAGE {
        if let Some(n) = from.get(key).and_then(Value::as_u64) {
            usage[key] = json!(n);
        }
    }
    if let Some(read) = from.get("cache_read_input_tokens").and_then(Value::as_u64) {
        usage["prompt_tokens_details"] = json!({"cached_tokens": read});
    }
}

/// The Anthropic `usage` for a canonical one: input, output and any cache counters.
fn anthropic_usage(input: u64, output: u64, canonical_usage: Option<&Value>) -> Value {
    let mut u = json!({"input_tokens": input, "output_tokens": output});
    for key in canonical::CACHE_USAGE {
        if let Some(n) = canonical_usage
            .and_then(|c| c.get(key))
            .and_then(Value::as_u64)
        {
            u[key] = json!(n);
        }
    }
    u
}

/// Canonical `chat.completion` → Anthropic Messages answer (for the Anthropic surface).
pub fn response_from_canonical(resp: &Value, model: &str) -> Value {
    let choice = resp.pointer("/choices/0").unwrap_or(&Value::Null);
    let msg = choice.get("message").unwrap_or(&Value::Null);
    let mut content: Vec<Value> = msg
        .get("thinking_blocks")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(text) = msg
        .get("content")
        .map(canonical::content_text)
        .filter(|t| !t.is_empty())
    {
        content.push(json!({"type": "text", "text": text}));
    }
    for c in msg
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        content.push(json!({"type": "tool_use",
            "id": c.get("id").cloned().unwrap_or(json!("")),
            "name": c.pointer("/function/name").cloned().unwrap_or(json!("")),
            "input": arguments_object(c.pointer("/function/arguments"))}));
    }
    let (input, output) = canonical::usage_of(resp).unwrap_or((0, 0));
    // An Anthropic provider's message id is kept; other ids get a fresh `msg_` one.
    let id = resp
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| id.starts_with("msg_"))
        .map_or_else(|| canonical::new_id("msg_"), str::to_owned);
    json!({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(choice.get("finish_reason").and_then(Value::as_str).unwrap_or("stop"), choice.get("stop_sequence")),
        "stop_sequence": choice.get("stop_sequence").cloned().unwrap_or(Value::Null),
        "usage": anthropic_usage(input, output, resp.get("usage")),
    })
}

/// Anthropic stream events → canonical chunks (for the Anthropic provider).
#[derive(Debug, Default)]
pub struct EventsToChunks {
    id: String,
    model: String,
    input_tokens: u64,
    /// Canonical tool-call index of each Anthropic content block that is a tool call.
    tool_index: std::collections::HashMap<u64, usize>,
    tools: usize,
    /// Open thinking blocks by Anthropic index, with the signature seen so far.
    thinking: std::collections::HashMap<u64, String>,
    /// The cache counters from `message_start` (Anthropic `usage` keys).
    cache_usage: Value,
}

impl EventsToChunks {
    /// The canonical chunks for one event (`event_type` from `event:` or the data's `type`).
    pub fn push(&mut self, data: &Value) -> Result<Vec<Value>, String> {
        let ty = data.get("type").and_then(Value::as_str).unwrap_or("");
        let mut out = Vec::new();
        match ty {
            "message_start" => {
                let m = data.get("message").unwrap_or(&Value::Null);
                self.id = m.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
                self.model = m
                    .get("model")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                self.input_tokens = m
                    .pointer("/usage/input_tokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                self.cache_usage = m.get("usage").cloned().unwrap_or(Value::Null);
                out.push(canonical::chunk(
                    &self.id,
                    &self.model,
                    json!({"role": "assistant", "content": ""}),
                    None,
                ));
            }
            "content_block_start" => {
                let block = data.get("content_block").unwrap_or(&Value::Null);
                let index = data.get("index").and_then(Value::as_u64).unwrap_or(0);
                match block.get("type").and_then(Value::as_str) {
                    Some("thinking") => {
                        let sig = block.get("signature").and_then(Value::as_str).unwrap_or("");
                        self.thinking.insert(index, sig.to_owned());
                        if let Some(t) = block
                            .get("thinking")
                            .and_then(Value::as_str)
                            .filter(|t| !t.is_empty())
                        {
                            out.push(self.thinking_chunk(json!({"text": t})));
                        }
                    }
                    Some("redacted_thinking") => out.push(self.thinking_chunk(
                        json!({"redacted": block.get("data").cloned().unwrap_or(json!(""))}),
                    )),
                    _ => {}
                }
                if block.get("type").and_then(Value::as_str) == Some("tool_use") {
                    let ti = self.tools;
                    self.tools += 1;
                    self.tool_index.insert(index, ti);
                    out.push(canonical::chunk(&self.id, &self.model, json!({"tool_calls": [{
                        "index": ti, "id": block.get("id").cloned().unwrap_or(json!("")), "type": "function",
                        "function": {"name": block.get("name").cloned().unwrap_or(json!("")), "arguments": ""}}]}), None));
                }
            }
            "content_block_delta" => {
                let delta = data.get("delta").unwrap_or(&Value::Null);
                match delta.get("type").and_then(Value::as_str) {
                    Some("text_delta") => out.push(canonical::chunk(
                        &self.id,
                        &self.model,
                        json!({"content": delta.get("text").cloned().unwrap_or(json!(""))}),
                        None,
                    )),
                    Some("thinking_delta") => out.push(self.thinking_chunk(
                        json!({"text": delta.get("thinking").cloned().unwrap_or(json!(""))}),
                    )),
                    Some("signature_delta") => {
                        let index = data.get("index").and_then(Value::as_u64).unwrap_or(0);
                        if let Some(sig) = self.thinking.get_mut(&index) {
                            sig.push_str(
                                delta.get("signature").and_then(Value::as_str).unwrap_or(""),
                            );
                        }
                    }
                    Some("input_json_delta") => {
                        let index = data.get("index").and_then(Value::as_u64).unwrap_or(0);
                        let ti = self.tool_index.get(&index).copied().unwrap_or(0);
                        out.push(canonical::chunk(&self.id, &self.model, json!({"tool_calls": [{
                            "index": ti, "function": {"arguments": delta.get("partial_json").cloned().unwrap_or(json!(""))}}]}), None));
                    }
                    _ => {}
                }
            }
            "content_block_stop" => {
                let index = data.get("index").and_then(Value::as_u64).unwrap_or(0);
                if let Some(sig) = self.thinking.remove(&index) {
                    out.push(self.thinking_chunk(json!({"signature": sig})));
                }
            }
            "message_delta" => {
                let stop = data
                    .pointer("/delta/stop_reason")
                    .and_then(Value::as_str)
                    .unwrap_or("end_turn");
                let output = data
                    .pointer("/usage/output_tokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let mut finish = canonical::chunk(
                    &self.id,
                    &self.model,
                    json!({}),
                    Some(stop_reason_from_anthropic(stop)),
                );
                if let Some(seq) = data
                    .pointer("/delta/stop_sequence")
                    .filter(|s| !s.is_null())
                {
                    finish["choices"][0]["stop_sequence"] = seq.clone();
                }
                out.push(finish);
                // Newer APIs repeat the (cumulative) input and cache counts here.
                let u = data.get("usage").unwrap_or(&Value::Null);
                if let Some(n) = u.get("input_tokens").and_then(Value::as_u64) {
                    self.input_tokens = n;
                }
                let mut usage =
                    canonical::usage_chunk(&self.id, &self.model, self.input_tokens, output);
                add_cache_usage(&mut usage["usage"], &self.cache_usage);
                add_cache_usage(&mut usage["usage"], u);
                out.push(usage);
            }
            "error" => {
                return Err(data
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("provider reported an error mid-stream")
                    .to_owned());
            }
            _ => {}
        }
        Ok(out)
    }

    fn thinking_chunk(&self, thinking: Value) -> Value {
        canonical::chunk(&self.id, &self.model, json!({"thinking": thinking}), None)
    }
}

/// Canonical chunks → Anthropic stream events (for the Anthropic surface). Each call
/// returns `(event name, data)` pairs.
#[derive(Debug)]
pub struct ChunksToEvents {
    model: String,
    started: bool,
    /// The open content block: its Anthropic index and whether it is text.
    open: Option<(u64, Option<usize>)>,
    next_index: u64,
    stop_reason: &'static str,
    input_tokens: u64,
    output_tokens: u64,
    /// The upstream message id, when it is an Anthropic one.
    id: Option<String>,
    stop_sequence: Value,
    /// Cache counters from the final usage chunk (Anthropic `usage` keys).
    cache_usage: Value,
}

impl ChunksToEvents {
    pub fn new(model: &str, input_tokens: u64) -> Self {
        ChunksToEvents {
            model: model.to_owned(),
            started: false,
            open: None,
            next_index: 0,
            stop_reason: "end_turn",
            input_tokens,
            output_tokens: 0,
            id: None,
            stop_sequence: Value::Null,
            cache_usage: Value::Null,
        }
    }

    fn start(&mut self, out: &mut Vec<(&'static str, Value)>) {
        if !self.started {
            self.started = true;
            out.push((
                "message_start",
                json!({"type": "message_start", "message": {
                "id": self.id.clone().unwrap_or_else(|| canonical::new_id("msg_")), "type": "message", "role": "assistant",
                "model": self.model, "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": self.input_tokens, "output_tokens": 0}}}),
            ));
        }
    }

    fn close(&mut self, out: &mut Vec<(&'static str, Value)>) {
        if let Some((index, _)) = self.open.take() {
            out.push((
                "content_block_stop",
                json!({"type": "content_block_stop", "index": index}),
            ));
        }
    }

    pub fn push(&mut self, chunk: &Value) -> Vec<(&'static str, Value)> {
        let mut out = Vec::new();
        if !self.started {
            self.id = chunk
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| id.starts_with("msg_"))
                .map(str::to_owned);
        }
        self.start(&mut out);
        if let Some((p, c)) = canonical::usage_of(chunk) {
            if p > 0 {
                self.input_tokens = p;
            }
            self.output_tokens = c;
            if let Some(u) = chunk.get("usage") {
                self.cache_usage = u.clone();
            }
        }
        let Some(choice) = chunk.pointer("/choices/0") else {
            return out;
        };
        let delta = choice.get("delta").unwrap_or(&Value::Null);
        if let Some(th) = delta.get("thinking") {
            self.thinking(th, &mut out);
        }
        if let Some(text) = delta
            .get("content")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            if !matches!(self.open, Some((_, None))) {
                self.close(&mut out);
                let index = self.next_index;
                self.next_index += 1;
                self.open = Some((index, None));
                out.push((
                    "content_block_start",
                    json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "text", "text": ""}}),
                ));
            }
            let index = self.open.map_or(0, |o| o.0);
            out.push((
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "text_delta", "text": text}}),
            ));
        }
        for call in delta
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let ti = call.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
            if self.open.map(|o| o.1) != Some(Some(ti)) {
                self.close(&mut out);
                let index = self.next_index;
                self.next_index += 1;
                self.open = Some((index, Some(ti)));
                out.push(("content_block_start", json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "tool_use", "id": call.get("id").cloned().unwrap_or(json!("")),
                        "name": call.pointer("/function/name").cloned().unwrap_or(json!("")), "input": {}}})));
            }
            if let Some(args) = call
                .pointer("/function/arguments")
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty())
            {
                let index = self.open.map_or(0, |o| o.0);
                out.push((
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": args}}),
                ));
            }
        }
        if let Some(finish) = choice.get("finish_reason").and_then(Value::as_str) {
            if let Some(seq) = choice.get("stop_sequence") {
                self.stop_sequence = seq.clone();
            }
            self.stop_reason = stop_reason(finish, Some(&self.stop_sequence));
        }
        out
    }

    /// A whole thinking block (the guard releases one only with its signature, see
    /// `guard.rs`) or a redacted one, as its own content block.
    fn thinking(&mut self, th: &Value, out: &mut Vec<(&'static str, Value)>) {
        let index = self.next_index;
        if let Some(data) = th.get("redacted") {
            self.close(out);
            self.next_index += 1;
            out.push((
                "content_block_start",
                json!({"type": "content_block_start", "index": index,
                "content_block": {"type": "redacted_thinking", "data": data}}),
            ));
            out.push((
                "content_block_stop",
                json!({"type": "content_block_stop", "index": index}),
            ));
            return;
        }
        let Some(sig) = th.get("signature") else {
            return;
        };
        self.close(out);
        self.next_index += 1;
        out.push((
            "content_block_start",
            json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        ));
        if let Some(text) = th
            .get("text")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            out.push((
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "thinking_delta", "thinking": text}}),
            ));
        }
        out.push((
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index,
            "delta": {"type": "signature_delta", "signature": sig}}),
        ));
        out.push((
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
    }

    /// `message_delta`'s usage: output tokens, and the input and cache counts when the
    /// provider reported cache use (the SDKs take them from here).
    fn final_usage(&self) -> Value {
        let mut u = json!({"output_tokens": self.output_tokens});
        let mut cached = false;
        for key in canonical::CACHE_USAGE {
            if let Some(n) = self.cache_usage.get(key).and_then(Value::as_u64) {
                u[key] = json!(n);
                cached = true;
            }
        }
        if cached {
            u["input_tokens"] = json!(self.input_tokens);
        }
        u
    }

    /// The closing events.
    pub fn finish(&mut self) -> Vec<(&'static str, Value)> {
        let mut out = Vec::new();
        self.start(&mut out);
        self.close(&mut out);
        out.push((
            "message_delta",
            json!({"type": "message_delta",
            "delta": {"stop_reason": self.stop_reason, "stop_sequence": self.stop_sequence},
            "usage": self.final_usage()}),
        ));
        out.push(("message_stop", json!({"type": "message_stop"})));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_round_trip_through_canonical_keeps_ids_and_arguments() {
        let anthropic = json!({"model": "claude", "max_tokens": 100, "system": "be brief",
            "messages": [
                {"role": "user", "content": "weather in Paris?"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}]}],
            "tools": [{"name": "get_weather", "description": "d", "input_schema": {"type": "object"}}]});
        let canon = request_to_canonical(&anthropic).unwrap();
        assert_eq!(canon["messages"][0]["role"], "system");
        assert_eq!(
            canon["messages"][2]["tool_calls"][0]["function"]["arguments"],
            "{\"city\":\"Paris\"}"
        );
        assert_eq!(canon["messages"][3]["role"], "tool");
        let back = request_from_canonical(&canon);
        assert_eq!(back["system"], "be brief");
        assert_eq!(back["messages"][1]["content"][0]["input"]["city"], "Paris");
        assert_eq!(back["messages"][2]["content"][0]["tool_use_id"], "toolu_1");
        assert_eq!(back["tools"][0]["input_schema"]["type"], "object");
    }

    #[test]
    fn missing_max_tokens_is_named() {
        let err = request_to_canonical(&json!({"model": "m", "messages": []})).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("max_tokens"));
    }

    #[test]
    fn stream_of_canonical_chunks_becomes_well_formed_events() {
        let mut conv = ChunksToEvents::new("m", 3);
        let mut names = Vec::new();
        for c in [
            canonical::chunk("i", "m", json!({"role": "assistant", "content": ""}), None),
            canonical::chunk("i", "m", json!({"content": "Hel"}), None),
            canonical::chunk("i", "m", json!({"content": "lo"}), None),
            canonical::chunk(
                "i",
                "m",
                json!({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "f", "arguments": ""}}]}),
                None,
            ),
            canonical::chunk(
                "i",
                "m",
                json!({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}),
                None,
            ),
            canonical::chunk("i", "m", json!({}), Some("tool_calls")),
        ] {
            names.extend(conv.push(&c).into_iter().map(|e| e.0));
        }
        names.extend(conv.finish().into_iter().map(|e| e.0));
        assert_eq!(
            names,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
    }

    #[test]
    fn anthropic_events_become_canonical_chunks() {
        let mut conv = EventsToChunks::default();
        let mut text = String::new();
        let mut finish = None;
        for ev in [
            json!({"type": "message_start", "message": {"id": "msg_1", "model": "claude", "usage": {"input_tokens": 5}}}),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}}),
        ] {
            for c in conv.push(&ev).unwrap() {
                if let Some(t) = c
                    .pointer("/choices/0/delta/content")
                    .and_then(Value::as_str)
                {
                    text.push_str(t);
                }
                if let Some(f) = c
                    .pointer("/choices/0/finish_reason")
                    .and_then(Value::as_str)
                {
                    finish = Some(f.to_owned());
                }
            }
        }
        assert_eq!(text, "Hi");
        assert_eq!(finish.as_deref(), Some("stop"));
    }
}
