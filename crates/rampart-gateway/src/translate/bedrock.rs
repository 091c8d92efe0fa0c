//! Bedrock Converse ↔ canonical: requests, answers and ConverseStream events.
//!
//! The Anthropic extensions (see `canonical.rs`) map where Converse has a form:
//! `thinking` and `top_k` go to `additionalModelRequestFields` (Claude on Bedrock reads
//! them there); a `cache_control` becomes a `cachePoint` after its block; thinking blocks
//! are `reasoningContent` both ways (text and signature, or redacted content); the cache
//! counters map to `cacheReadInputTokens` / `cacheWriteInputTokens`. `metadata`,
//! `service_tier` and Anthropic's own `tool_choice` options are dropped. A `json_schema`
//! `response_format` becomes `outputConfig.textFormat` (structured output).

use super::arguments_object;
use crate::canonical;
use serde_json::{Value, json};

/// A `cachePoint` block after `v`'s block, when `v` carries a `cache_control`.
fn cache_point(v: &Value, blocks: &mut Vec<Value>) {
    if v.get("cache_control").is_some_and(|c| !c.is_null()) {
        blocks.push(json!({"cachePoint": {"type": "default"}}));
    }
}

/// Canonical `thinking_blocks` → Converse `reasoningContent` blocks.
fn reasoning_blocks(m: &Value) -> Vec<Value> {
    m.get("thinking_blocks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| match b.get("type").and_then(Value::as_str) {
            Some("thinking") => Some(json!({"reasoningContent": {"reasoningText": {
                "text": b.get("thinking").cloned().unwrap_or(json!("")),
                "signature": b.get("signature").cloned().unwrap_or(json!(""))}}})),
            Some("redacted_thinking") => Some(json!({"reasoningContent": {
                "redactedContent": b.get("data").cloned().unwrap_or(json!(""))}})),
            _ => None,
        })
        .collect()
}

/// A Converse `reasoningContent` block → an Anthropic thinking block.
fn thinking_from_reasoning(r: &Value) -> Option<Value> {
    if let Some(t) = r.get("reasoningText") {
        return Some(json!({"type": "thinking",
            "thinking": t.get("text").cloned().unwrap_or(json!("")),
            "signature": t.get("signature").cloned().unwrap_or(json!(""))}));
    }
    r.get("redactedContent")
        .map(|d| json!({"type": "redacted_thinking", "data": d}))
}

/// Converse cache counters → canonical (Anthropic-named) ones.
fn add_cache_usage(usage: &mut Value, from: Option<&Value>) {
    let Some(from) = from else { return };
    for (theirs, ours) in [
        ("cacheWriteInputTokens", "cache_creation_input_tokens"),
        ("cacheReadInputTokens", "cache_read_input_tokens"),
    ] {
        if let Some(n) = from.get(theirs).and_then(Value::as_u64) {
            usage[ours] = json!(n);
        }
    }
}

/// Canonical request → Converse request body (the model id goes in the URL).
pub fn request_from_canonical(req: &Value) -> Value {
    let mut system = Vec::new();
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
                system.push(json!({"text": canonical::content_text(content)}));
                cache_point(m, &mut system);
                if let Some(parts) = content.as_array() {
                    parts.iter().for_each(|p| cache_point(p, &mut system));
                }
                continue;
            }
            "tool" => {
                let mut blocks = vec![json!({"toolResult": {
                    "toolUseId": m.get("tool_call_id").cloned().unwrap_or(json!("")),
                    "content": [{"text": canonical::content_text(content)}]}})];
                cache_point(m, &mut blocks);
                ("user", blocks)
            }
            "assistant" => {
                let mut blocks = reasoning_blocks(m);
                let text = canonical::content_text(content);
                if !text.is_empty() {
                    blocks.push(json!({"text": text}));
                }
                if let Some(parts) = content.as_array() {
                    parts.iter().for_each(|p| cache_point(p, &mut blocks));
                }
                for c in m
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .unwrap_or(&empty)
                {
                    blocks.push(json!({"toolUse": {
                        "toolUseId": c.get("id").cloned().unwrap_or(json!("")),
                        "name": c.pointer("/function/name").cloned().unwrap_or(json!("")),
                        "input": arguments_object(c.pointer("/function/arguments"))}}));
                    cache_point(c, &mut blocks);
                }
                ("assistant", blocks)
            }
            _ => {
                let text = canonical::content_text(content);
                let mut blocks = if text.is_empty() {
                    Vec::new()
                } else {
                    vec![json!({"text": text})]
                };
                // The text is joined, so one cache point after it stands for all parts'.
                if content
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p.get("cache_control").is_some()))
                {
                    blocks.push(json!({"cachePoint": {"type": "default"}}));
                }
                ("user", blocks)
            }
        };
        if blocks.is_empty() {
            continue;
        }
        match messages.last_mut() {
            Some(last) if last["role"] == role => {
                if let Some(arr) = last["content"].as_array_mut() {
                    arr.extend(blocks);
                }
            }
            _ => messages.push(json!({"role": role, "content": blocks})),
        }
    }
    let mut out = json!({"messages": messages});
    if !system.is_empty() {
        out["system"] = Value::Array(system);
    }
    let mut inference = serde_json::Map::new();
    if let Some(n) = req
        .get("max_completion_tokens")
        .or_else(|| req.get("max_tokens"))
        .and_then(Value::as_u64)
    {
        inference.insert("maxTokens".into(), json!(n));
    }
    if let Some(t) = req.get("temperature").filter(|v| v.is_number()) {
        inference.insert("temperature".into(), t.clone());
    }
    if let Some(t) = req.get("top_p").filter(|v| v.is_number()) {
        inference.insert("topP".into(), t.clone());
    }
    match req.get("stop") {
        Some(Value::String(s)) => {
            inference.insert("stopSequences".into(), json!([s]));
        }
        Some(v @ Value::Array(_)) => {
            inference.insert("stopSequences".into(), v.clone());
        }
        _ => {}
    }
    if !inference.is_empty() {
        out["inferenceConfig"] = Value::Object(inference);
    }
    if let Some(tools) = req
        .get("tools")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())
    {
        let specs: Vec<Value> = tools
            .iter()
            .map(|t| {
                let f = t.get("function").unwrap_or(&Value::Null);
                let mut spec = json!({"name": f.get("name").cloned().unwrap_or(json!("")),
                    "inputSchema": {"json": f.get("parameters").cloned().unwrap_or(json!({"type": "object"}))}});
                if let Some(d) = f.get("description") {
                    spec["description"] = d.clone();
                }
                json!({"toolSpec": spec})
            })
            .collect();
        let specs: Vec<Value> = specs
            .into_iter()
            .zip(tools)
            .flat_map(|(spec, t)| {
                let mut v = vec![spec];
                cache_point(t, &mut v);
                v
            })
            .collect();
        let mut config = json!({"tools": specs});
        match req.get("tool_choice") {
            Some(Value::String(s)) if s == "required" => config["toolChoice"] = json!({"any": {}}),
            Some(Value::String(s)) if s == "auto" => config["toolChoice"] = json!({"auto": {}}),
            Some(c @ Value::Object(_)) => {
                if let Some(n) = c.pointer("/function/name") {
                    config["toolChoice"] = json!({"tool": {"name": n}});
                }
            }
            _ => {}
        }
        out["toolConfig"] = config;
    }
    // Structured output, natively: Converse's `outputConfig.textFormat` takes the schema as
    // a JSON string; the answer stays text, so nothing is translated back.
    if let Some(js) = req
        .get("response_format")
        .filter(|f| f.get("type").and_then(Value::as_str) == Some("json_schema"))
        .and_then(|f| f.get("json_schema"))
        .filter(|js| js.get("schema").is_some_and(Value::is_object))
    {
        let mut definition = json!({
            "schema": js.get("schema").map(Value::to_string).unwrap_or_default(),
            "name": js.get("name").cloned().unwrap_or(json!("output")),
        });
        if let Some(d) = js.get("description").filter(|d| d.is_string()) {
            definition["description"] = d.clone();
        }
        out["outputConfig"] = json!({"textFormat": {"type": "json_schema",
            "structure": {"jsonSchema": definition}}});
    }
    let extras = req.get(canonical::ANTHROPIC);
    let mut additional = serde_json::Map::new();
    for key in ["thinking", "top_k"] {
        if let Some(v) = extras.and_then(|e| e.get(key)).filter(|v| !v.is_null()) {
            additional.insert(key.into(), v.clone());
        }
    }
    if !additional.is_empty() {
        out["additionalModelRequestFields"] = Value::Object(additional);
    }
    out
}

fn finish_from_stop(stop: &str) -> &'static str {
    match stop {
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        "content_filtered" | "guardrail_intervened" => "content_filter",
        _ => "stop",
    }
}

/// Converse answer → canonical `chat.completion`.
pub fn response_to_canonical(resp: &Value, model: &str) -> Value {
    let mut text = String::new();
    let mut calls = Vec::new();
    let mut thinking = Vec::new();
    for b in resp
        .pointer("/output/message/content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(t) = b.get("text").and_then(Value::as_str) {
            text.push_str(t);
        }
        if let Some(t) = b.get("reasoningContent").and_then(thinking_from_reasoning) {
            thinking.push(t);
        }
        if let Some(u) = b.get("toolUse") {
            calls.push(json!({"id": u.get("toolUseId").cloned().unwrap_or(json!("")), "type": "function",
                "function": {"name": u.get("name").cloned().unwrap_or(json!("")),
                             "arguments": u.get("input").cloned().unwrap_or(json!({})).to_string()}}));
        }
    }
    let finish = finish_from_stop(resp.get("stopReason").and_then(Value::as_str).unwrap_or(""));
    let mut out = canonical::completion(
        model,
        (!text.is_empty() || calls.is_empty()).then_some(text),
        calls,
        finish,
        resp.pointer("/usage/inputTokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        resp.pointer("/usage/outputTokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    );
    if !thinking.is_empty() {
        out["choices"][0]["message"]["thinking_blocks"] = Value::Array(thinking);
    }
    add_cache_usage(&mut out["usage"], resp.get("usage"));
    out
}

/// ConverseStream events → canonical chunks.
#[derive(Debug)]
pub struct StreamToChunks {
    id: String,
    model: String,
    tool_index: std::collections::HashMap<u64, usize>,
    tools: usize,
    /// Open reasoning blocks by Converse index, with the signature seen so far.
    reasoning: std::collections::HashMap<u64, String>,
}

impl StreamToChunks {
    pub fn new(model: &str) -> Self {
        StreamToChunks {
            id: canonical::new_id("chatcmpl-"),
            model: model.to_owned(),
            tool_index: Default::default(),
            tools: 0,
            reasoning: Default::default(),
        }
    }

    pub fn push(&mut self, event_type: &str, data: &Value) -> Vec<Value> {
        let (id, model) = (self.id.as_str(), self.model.as_str());
        match event_type {
            "messageStart" => vec![canonical::chunk(
                id,
                model,
                json!({"role": "assistant", "content": ""}),
                None,
            )],
            "contentBlockStart" => {
                let Some(u) = data.pointer("/start/toolUse") else {
                    return Vec::new();
                };
                let index = data
                    .get("contentBlockIndex")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let ti = self.tools;
                self.tools += 1;
                self.tool_index.insert(index, ti);
                vec![canonical::chunk(
                    id,
                    model,
                    json!({"tool_calls": [{"index": ti,
                    "id": u.get("toolUseId").cloned().unwrap_or(json!("")), "type": "function",
                    "function": {"name": u.get("name").cloned().unwrap_or(json!("")), "arguments": ""}}]}),
                    None,
                )]
            }
            "contentBlockDelta" => {
                if let Some(r) = data.pointer("/delta/reasoningContent") {
                    let index = data
                        .get("contentBlockIndex")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    let sig = self.reasoning.entry(index).or_default();
                    if let Some(s) = r.get("signature").and_then(Value::as_str) {
                        sig.push_str(s);
                    }
                    let thinking = if let Some(t) = r.get("text") {
                        json!({"text": t})
                    } else if let Some(d) = r.get("redactedContent") {
                        // Opaque: nothing follows it in this block.
                        self.reasoning.remove(&index);
                        json!({"redacted": d})
                    } else {
                        return Vec::new();
                    };
                    return vec![canonical::chunk(
                        id,
                        model,
                        json!({"thinking": thinking}),
                        None,
                    )];
                }
                if let Some(t) = data.pointer("/delta/text").and_then(Value::as_str) {
                    return vec![canonical::chunk(id, model, json!({"content": t}), None)];
                }
                if let Some(input) = data.pointer("/delta/toolUse/input").and_then(Value::as_str) {
                    let index = data
                        .get("contentBlockIndex")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    let ti = self.tool_index.get(&index).copied().unwrap_or(0);
                    return vec![canonical::chunk(
                        id,
                        model,
                        json!({"tool_calls": [{"index": ti, "function": {"arguments": input}}]}),
                        None,
                    )];
                }
                Vec::new()
            }
            "contentBlockStop" => {
                let index = data
                    .get("contentBlockIndex")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                match self.reasoning.remove(&index) {
                    Some(sig) => vec![canonical::chunk(
                        id,
                        model,
                        json!({"thinking": {"signature": sig}}),
                        None,
                    )],
                    None => Vec::new(),
                }
            }
            "messageStop" => {
                let stop = data.get("stopReason").and_then(Value::as_str).unwrap_or("");
                vec![canonical::chunk(
                    id,
                    model,
                    json!({}),
                    Some(finish_from_stop(stop)),
                )]
            }
            "metadata" => {
                let mut usage = canonical::usage_chunk(
                    id,
                    model,
                    data.pointer("/usage/inputTokens")
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                    data.pointer("/usage/outputTokens")
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                );
                add_cache_usage(&mut usage["usage"], data.get("usage"));
                vec![usage]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_tools_and_system_become_converse() {
        let req = json!({"model": "m", "max_tokens": 50, "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "t1", "type": "function",
                "function": {"name": "f", "arguments": "{\"a\":1}"}}]},
            {"role": "tool", "tool_call_id": "t1", "content": "42"}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
            "tool_choice": "required"});
        let c = request_from_canonical(&req);
        assert_eq!(c["system"][0]["text"], "sys");
        assert_eq!(c["messages"][1]["content"][0]["toolUse"]["input"]["a"], 1);
        assert_eq!(
            c["messages"][2]["content"][0]["toolResult"]["toolUseId"],
            "t1"
        );
        assert_eq!(c["inferenceConfig"]["maxTokens"], 50);
        assert_eq!(c["toolConfig"]["toolChoice"], json!({"any": {}}));
    }

    #[test]
    fn json_schema_response_format_becomes_output_config_text_format() {
        let schema = json!({"type": "object", "properties": {"city": {"type": "string"}}});
        let req = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
            "response_format": {"type": "json_schema",
                "json_schema": {"name": "place", "description": "Where", "schema": schema}}});
        let c = request_from_canonical(&req);
        let def = &c["outputConfig"]["textFormat"]["structure"]["jsonSchema"];
        assert_eq!(c["outputConfig"]["textFormat"]["type"], "json_schema");
        assert_eq!(def["name"], "place");
        assert_eq!(def["description"], "Where");
        let sent: Value = serde_json::from_str(def["schema"].as_str().unwrap()).unwrap();
        assert_eq!(sent, schema);
        let plain =
            json!({"model": "m", "messages": [], "response_format": {"type": "json_object"}});
        assert!(request_from_canonical(&plain).get("outputConfig").is_none());
    }

    #[test]
    fn anthropic_extensions_map_to_converse_and_back() {
        let anthropic = json!({"model": "claude", "max_tokens": 2000,
            "thinking": {"type": "enabled", "budget_tokens": 1024}, "top_k": 5,
            "metadata": {"user_id": "u"},
            "system": [{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}],
            "tools": [{"name": "f", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                    {"type": "redacted_thinking", "data": "opaque"},
                    {"type": "text", "text": "hello"}]},
                {"role": "user", "content": "more"}]});
        let canon = crate::translate::anthropic::request_to_canonical(&anthropic).unwrap();
        let c = request_from_canonical(&canon);
        assert_eq!(
            c["additionalModelRequestFields"],
            json!({"thinking": {"type": "enabled", "budget_tokens": 1024}, "top_k": 5})
        );
        assert_eq!(c["system"][1], json!({"cachePoint": {"type": "default"}}));
        assert_eq!(
            c["toolConfig"]["tools"][1],
            json!({"cachePoint": {"type": "default"}})
        );
        assert_eq!(
            c["messages"][0]["content"][1],
            json!({"cachePoint": {"type": "default"}})
        );
        let assistant = &c["messages"][1]["content"];
        assert_eq!(
            assistant[0],
            json!({"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "sig"}}})
        );
        assert_eq!(
            assistant[1],
            json!({"reasoningContent": {"redactedContent": "opaque"}})
        );
        assert_eq!(assistant[2]["text"], "hello");
        assert!(!c.to_string().contains("user_id"));

        let answer = json!({"output": {"message": {"role": "assistant", "content": [
            {"reasoningContent": {"reasoningText": {"text": "think", "signature": "s2"}}},
            {"text": "ok"}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 3, "outputTokens": 4, "cacheReadInputTokens": 7, "cacheWriteInputTokens": 8}});
        let canon = response_to_canonical(&answer, "m");
        let back = crate::translate::anthropic::response_from_canonical(&canon, "claude");
        assert_eq!(
            back["content"][0],
            json!({"type": "thinking", "thinking": "think", "signature": "s2"})
        );
        assert_eq!(back["usage"]["cache_read_input_tokens"], 7);
        assert_eq!(back["usage"]["cache_creation_input_tokens"], 8);
    }

    #[test]
    fn converse_stream_reasoning_becomes_thinking_chunks() {
        let mut conv = StreamToChunks::new("m");
        let mut thinking = Vec::new();
        for (ty, data) in [
            ("messageStart", json!({"role": "assistant"})),
            (
                "contentBlockDelta",
                json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "a"}}}),
            ),
            (
                "contentBlockDelta",
                json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "b"}}}),
            ),
            (
                "contentBlockDelta",
                json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "sig"}}}),
            ),
            ("contentBlockStop", json!({"contentBlockIndex": 0})),
            (
                "contentBlockDelta",
                json!({"contentBlockIndex": 1, "delta": {"text": "ok"}}),
            ),
            ("contentBlockStop", json!({"contentBlockIndex": 1})),
        ] {
            for c in conv.push(ty, &data) {
                if let Some(t) = c.pointer("/choices/0/delta/thinking") {
                    thinking.push(t.clone());
                }
            }
        }
        assert_eq!(
            thinking,
            [
                json!({"text": "a"}),
                json!({"text": "b"}),
                json!({"signature": "sig"})
            ]
        );
    }

    #[test]
    fn converse_answer_becomes_canonical() {
        let r = json!({"output": {"message": {"role": "assistant", "content": [{"text": "ok"},
            {"toolUse": {"toolUseId": "t", "name": "f", "input": {"x": 1}}}]}},
            "stopReason": "tool_use", "usage": {"inputTokens": 3, "outputTokens": 4, "totalTokens": 7}});
        let c = response_to_canonical(&r, "m");
        assert_eq!(c["choices"][0]["message"]["content"], "ok");
        assert_eq!(c["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(
            c["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
            "{\"x\":1}"
        );
        assert_eq!(c["usage"]["total_tokens"], 7);
    }
}
