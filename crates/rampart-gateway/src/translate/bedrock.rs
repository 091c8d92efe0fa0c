//! Bedrock Converse ↔ canonical: requests, answers and ConverseStream events.

use super::arguments_object;
use crate::canonical;
use serde_json::{Value, json};

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
                continue;
            }
            "tool" => (
                "user",
                vec![json!({"toolResult": {
                    "toolUseId": m.get("tool_call_id").cloned().unwrap_or(json!("")),
                    "content": [{"text": canonical::content_text(content)}]}})],
            ),
            "assistant" => {
                let mut blocks = Vec::new();
                let text = canonical::content_text(content);
                if !text.is_empty() {
                    blocks.push(json!({"text": text}));
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
                }
                ("assistant", blocks)
            }
            _ => {
                let text = canonical::content_text(content);
                (
                    "user",
                    if text.is_empty() {
                        Vec::new()
                    } else {
                        vec![json!({"text": text})]
                    },
                )
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
    for b in resp
        .pointer("/output/message/content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(t) = b.get("text").and_then(Value::as_str) {
            text.push_str(t);
        }
        if let Some(u) = b.get("toolUse") {
            calls.push(json!({"id": u.get("toolUseId").cloned().unwrap_or(json!("")), "type": "function",
                "function": {"name": u.get("name").cloned().unwrap_or(json!("")),
                             "arguments": u.get("input").cloned().unwrap_or(json!({})).to_string()}}));
        }
    }
    let finish = finish_from_stop(resp.get("stopReason").and_then(Value::as_str).unwrap_or(""));
    canonical::completion(
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
    )
}

/// ConverseStream events → canonical chunks.
#[derive(Debug)]
pub struct StreamToChunks {
    id: String,
    model: String,
    tool_index: std::collections::HashMap<u64, usize>,
    tools: usize,
}

impl StreamToChunks {
    pub fn new(model: &str) -> Self {
        StreamToChunks {
            id: canonical::new_id("chatcmpl-"),
            model: model.to_owned(),
            tool_index: Default::default(),
            tools: 0,
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
            "messageStop" => {
                let stop = data.get("stopReason").and_then(Value::as_str).unwrap_or("");
                vec![canonical::chunk(
                    id,
                    model,
                    json!({}),
                    Some(finish_from_stop(stop)),
                )]
            }
            "metadata" => vec![canonical::usage_chunk(
                id,
                model,
                data.pointer("/usage/inputTokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                data.pointer("/usage/outputTokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            )],
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
