//! OpenAI `/v1/responses`: string or item inputs, `instructions`, function tools and
//! `function_call` / `function_call_output` items; answers as `response` objects and
//! streams as `response.*` events.

use super::client_paths::ClientPaths;
use super::{ChatIngress, StreamRenderer, model_field, sse_event, stream_flag};
use crate::canonical;
use crate::error::ApiError;
use bytes::Bytes;
use serde_json::{Value, json};

pub fn parse(body: &Value) -> Result<ChatIngress, ApiError> {
    if !body.is_object() {
        return Err(ApiError::invalid("body", "expected a JSON object"));
    }
    let model = model_field(body)?;
    let stream = stream_flag(body)?;
    refuse_stored_state(body)?;
    let mut messages = Vec::new();
    let mut paths = ClientPaths::default();
    match body.get("instructions") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            messages.push(json!({"role": "system", "content": s}));
            paths.field("instructions");
        }
        Some(_) => return Err(ApiError::invalid("instructions", "expected a string")),
    }
    match body.get("input") {
        Some(Value::String(s)) => {
            messages.push(json!({"role": "user", "content": s}));
            paths.field("input");
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("input[{i}]");
                let ty = item
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("message");
                match ty {
                    "message" => {
                        let role = item.get("role").and_then(Value::as_str).ok_or_else(|| {
                            ApiError::invalid(format!("{path}.role"), "missing or not a string")
                        })?;
                        if !["user", "assistant", "system", "developer"].contains(&role) {
                            return Err(ApiError::invalid(
                                format!("{path}.role"),
                                "expected user, assistant, system or developer",
                            ));
                        }
                        let content = match item.get("content") {
                            Some(Value::String(s)) => json!(s),
                            Some(Value::Array(parts)) => {
                                let mut out = Vec::new();
                                for (j, p) in parts.iter().enumerate() {
                                    match p.get("type").and_then(Value::as_str) {
                                        Some("input_text" | "output_text" | "text") => {
                                            let t = p
                                                .get("text")
                                                .and_then(Value::as_str)
                                                .ok_or_else(|| {
                                                    ApiError::invalid(
                                                        format!("{path}.content[{j}].text"),
                                                        "missing or not a string",
                                                    )
                                                })?;
                                            out.push(json!({"type": "text", "text": t}));
                                        }
                                        Some("input_image") => {
                                            let url = p
                                                .get("image_url")
                                                .and_then(Value::as_str)
                                                .unwrap_or("");
                                            out.push(json!({"type": "image_url", "image_url": {"url": url}}));
                                        }
                                        Some(other) => {
                                            return Err(ApiError::invalid(
                                                format!("{path}.content[{j}].type"),
                                                format!(
                                                    "content parts of type `{other}` cannot be inspected and are refused"
                                                ),
                                            ));
                                        }
                                        None => {
                                            return Err(ApiError::invalid(
                                                format!("{path}.content[{j}].type"),
                                                "missing",
                                            ));
                                        }
                                    }
                                }
                                if role == "assistant" {
                                    json!(canonical::content_text(&Value::Array(out)))
                                } else {
                                    Value::Array(out)
                                }
                            }
                            _ => {
                                return Err(ApiError::invalid(
                                    format!("{path}.content"),
                                    "expected a string or an array",
                                ));
                            }
                        };
                        messages.push(json!({"role": role, "content": content}));
                        paths.message(path.clone());
                    }
                    "function_call" => {
                        let call = json!({"id": item.get("call_id").cloned().unwrap_or(json!("")), "type": "function",
                            "function": {"name": item.get("name").cloned().unwrap_or(json!("")),
                                         "arguments": item.get("arguments").cloned().unwrap_or(json!("{}"))}});
                        match messages.last_mut() {
                            Some(last)
                                if last["role"] == "assistant"
                                    && last.get("tool_calls").is_some() =>
                            {
                                if let Some(a) = last["tool_calls"].as_array_mut() {
                                    a.push(call);
                                }
                                paths.call(path.clone());
                            }
                            _ => {
                                messages.push(
                                    json!({"role": "assistant", "content": null, "tool_calls": [call]}),
                                );
                                paths.message(path.clone());
                                paths.call(path.clone());
                            }
                        }
                    }
                    "function_call_output" => {
                        let output = match item.get("output") {
                            Some(Value::String(s)) => s.clone(),
                            Some(v) => canonical::content_text(v),
                            None => String::new(),
                        };
                        messages.push(json!({"role": "tool",
                            "tool_call_id": item.get("call_id").cloned().unwrap_or(json!("")),
                            "content": output}));
                        paths.field(format!("{path}.output"));
                    }
                    other => {
                        return Err(ApiError::invalid(
                            format!("{path}.type"),
                            format!("unsupported input item type `{other}`"),
                        ));
                    }
                }
            }
        }
        None | Some(Value::Null) => return Err(ApiError::invalid("input", "missing")),
        Some(_) => {
            return Err(ApiError::invalid(
                "input",
                "expected a string or an array of items",
            ));
        }
    }
    let mut canonical = json!({"model": model, "messages": messages});
    if let Some(n) = body.get("max_output_tokens").filter(|v| !v.is_null()) {
        canonical["max_tokens"] = n.clone();
    }
    for key in [
        "temperature",
        "top_p",
        "user",
        "parallel_tool_calls",
        "metadata",
        "safety_identifier",
        "prompt_cache_key",
        "service_tier",
    ] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            canonical[key] = v.clone();
        }
    }
    if let Some(effort) = body.pointer("/reasoning/effort").filter(|v| !v.is_null()) {
        canonical["reasoning_effort"] = effort.clone();
    }
    text_to_canonical(body, &mut canonical)?;
    for (canonical, client) in [
        ("response_format.json_schema", "text.format"),
        ("response_format", "text.format"),
        ("verbosity", "text.verbosity"),
        ("max_tokens", "max_output_tokens"),
        ("reasoning_effort", "reasoning.effort"),
        ("tool_choice.function", "tool_choice"),
    ] {
        paths.prefix(canonical, client);
    }
    if let Some(tools) = body.get("tools").and_then(Value::as_array) {
        let mut out = Vec::new();
        for (i, t) in tools.iter().enumerate() {
            if t.get("type").and_then(Value::as_str) != Some("function") {
                return Err(ApiError::invalid(
                    format!("tools[{i}].type"),
                    "only `function` tools are supported",
                ));
            }
            let mut f = json!({"name": t.get("name").cloned().unwrap_or(json!("")),
                "parameters": t.get("parameters").cloned().unwrap_or(json!({"type": "object"}))});
            if let Some(d) = t.get("description") {
                f["description"] = d.clone();
            }
            out.push(json!({"type": "function", "function": f}));
            paths.prefix(format!("tools[{i}].function"), format!("tools[{i}]"));
        }
        canonical["tools"] = Value::Array(out);
    }
    match body.get("tool_choice") {
        Some(Value::String(s)) => canonical["tool_choice"] = json!(s),
        Some(Value::Object(o)) => {
            if let Some(n) = o.get("name") {
                canonical["tool_choice"] = json!({"type": "function", "function": {"name": n}});
            }
        }
        _ => {}
    }
    Ok(ChatIngress {
        model,
        canonical,
        stream,
        client_usage: true,
        original: body.clone(),
        paths,
    })
}

/// Refuse what asks Rampart to keep state between requests: it stores no responses, so a
/// request that leans on an earlier one would silently lose that conversation.
fn refuse_stored_state(body: &Value) -> Result<(), ApiError> {
    for key in ["previous_response_id", "conversation"] {
        if body.get(key).is_some_and(|v| !v.is_null()) {
            return Err(ApiError::invalid(
                key,
                "Rampart does not store responses, so it cannot continue an earlier one; \
                 pass the whole conversation in `input` (and `store: false`)",
            ));
        }
    }
    Ok(())
}

/// `text.format` (structured output) and `text.verbosity` → the canonical
/// `response_format` and `verbosity`. The schema then goes through the mediation table
/// like any Chat Completions `response_format`, so its text is inspected.
fn text_to_canonical(body: &Value, canonical: &mut Value) -> Result<(), ApiError> {
    let Some(text) = body.get("text").filter(|v| !v.is_null()) else {
        return Ok(());
    };
    if !text.is_object() {
        return Err(ApiError::invalid("text", "expected an object"));
    }
    if let Some(v) = text.get("verbosity").filter(|v| !v.is_null()) {
        canonical["verbosity"] = v.clone();
    }
    let Some(format) = text.get("format").filter(|v| !v.is_null()) else {
        return Ok(());
    };
    canonical["response_format"] = match format.get("type").and_then(Value::as_str) {
        Some("text") => json!({"type": "text"}),
        Some("json_object") => json!({"type": "json_object"}),
        Some("json_schema") => {
            let schema = format
                .get("schema")
                .filter(|s| s.is_object())
                .ok_or_else(|| {
                    ApiError::invalid("text.format.schema", "missing or not an object")
                })?;
            let mut js = json!({
                "name": format.get("name").cloned().unwrap_or(json!("output")),
                "schema": schema,
            });
            for key in ["description", "strict"] {
                if let Some(v) = format.get(key).filter(|v| !v.is_null()) {
                    js[key] = v.clone();
                }
            }
            json!({"type": "json_schema", "json_schema": js})
        }
        _ => {
            return Err(ApiError::invalid(
                "text.format.type",
                "expected text, json_object or json_schema",
            ));
        }
    };
    Ok(())
}

fn output_items(resp: &Value) -> Vec<Value> {
    let msg = resp.pointer("/choices/0/message").unwrap_or(&Value::Null);
    let mut out = Vec::new();
    let text = msg
        .get("content")
        .map(canonical::content_text)
        .unwrap_or_default();
    if !text.is_empty() {
        out.push(message_item(&canonical::new_id("msg_"), &text, "completed"));
    }
    for c in msg
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(
            json!({"type": "function_call", "id": canonical::new_id("fc_"),
            "call_id": c.get("id").cloned().unwrap_or(json!("")),
            "name": c.pointer("/function/name").cloned().unwrap_or(json!("")),
            "arguments": c.pointer("/function/arguments").cloned().unwrap_or(json!("{}")),
            "status": "completed"}),
        );
    }
    out
}

fn message_item(id: &str, text: &str, status: &str) -> Value {
    json!({"type": "message", "id": id, "status": status, "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

fn response_object(
    id: &str,
    ingress: &ChatIngress,
    status: &str,
    output: Vec<Value>,
    usage: (u64, u64),
) -> Value {
    let o = &ingress.original;
    json!({
        "id": id,
        "object": "response",
        "created_at": crate::providers::unix_now(),
        "status": status,
        "model": ingress.model,
        "output": output,
        "instructions": o.get("instructions").cloned().unwrap_or(Value::Null),
        "tools": o.get("tools").cloned().unwrap_or(json!([])),
        "tool_choice": o.get("tool_choice").cloned().unwrap_or(json!("auto")),
        "parallel_tool_calls": true,
        "temperature": o.get("temperature").cloned().unwrap_or(Value::Null),
        "top_p": o.get("top_p").cloned().unwrap_or(Value::Null),
        "max_output_tokens": o.get("max_output_tokens").cloned().unwrap_or(Value::Null),
        "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
        "text": o.get("text").filter(|t| t.get("format").is_some()).cloned()
            .unwrap_or(json!({"format": {"type": "text"}})),
        "store": false,
        "previous_response_id": null,
        "error": null,
        "incomplete_details": null,
        "usage": {"input_tokens": usage.0, "output_tokens": usage.1, "total_tokens": usage.0 + usage.1,
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
    })
}

pub fn render(resp: &Value, ingress: &ChatIngress) -> Value {
    let usage = canonical::usage_of(resp).unwrap_or((0, 0));
    let status = match resp
        .pointer("/choices/0/finish_reason")
        .and_then(Value::as_str)
    {
        Some("length") | Some("content_filter") => "incomplete",
        _ => "completed",
    };
    let mut r = response_object(
        &canonical::new_id("resp_"),
        ingress,
        status,
        output_items(resp),
        usage,
    );
    if status == "incomplete" {
        let reason = if resp
            .pointer("/choices/0/finish_reason")
            .and_then(Value::as_str)
            == Some("length")
        {
            "max_output_tokens"
        } else {
            "content_filter"
        };
        r["incomplete_details"] = json!({"reason": reason});
    }
    r
}

/// `response.*` events.
#[derive(Debug)]
pub struct Renderer {
    id: String,
    ingress: ChatIngress,
    seq: u64,
    started: bool,
    /// Output index and id of the open text message, and its text so far.
    text: Option<(u64, String, String)>,
    /// Open function calls: canonical tool index → (output index, item).
    calls: Vec<(u64, u64, Value)>,
    next_output: u64,
    done: Vec<(u64, Value)>,
    usage: (u64, u64),
    finish: Option<String>,
}

impl Renderer {
    pub fn new(ingress: &ChatIngress, input_tokens: u64) -> Self {
        Renderer {
            id: canonical::new_id("resp_"),
            ingress: ingress.clone(),
            seq: 0,
            started: false,
            text: None,
            calls: Vec::new(),
            next_output: 0,
            done: Vec::new(),
            usage: (input_tokens, 0),
            finish: None,
        }
    }

    fn ev(&mut self, name: &str, mut data: Value) -> Bytes {
        data["type"] = json!(name);
        data["sequence_number"] = json!(self.seq);
        self.seq += 1;
        sse_event(name, &data)
    }

    fn start(&mut self, out: &mut Vec<Bytes>) {
        if !self.started {
            self.started = true;
            let r = response_object(&self.id, &self.ingress, "in_progress", Vec::new(), (0, 0));
            out.push(self.ev("response.created", json!({"response": r.clone()})));
            out.push(self.ev("response.in_progress", json!({"response": r})));
        }
    }

    fn close_text(&mut self, out: &mut Vec<Bytes>) {
        if let Some((idx, id, text)) = self.text.take() {
            out.push(self.ev(
                "response.output_text.done",
                json!({"item_id": id, "output_index": idx, "content_index": 0, "text": text}),
            ));
            out.push(self.ev(
                "response.content_part.done",
                json!({"item_id": id, "output_index": idx, "content_index": 0,
                "part": {"type": "output_text", "text": text, "annotations": []}}),
            ));
            let item = message_item(&id, &text, "completed");
            out.push(self.ev(
                "response.output_item.done",
                json!({"output_index": idx, "item": item.clone()}),
            ));
            self.done.push((idx, item));
        }
    }

    fn close_calls(&mut self, out: &mut Vec<Bytes>) {
        for (_, idx, mut item) in std::mem::take(&mut self.calls) {
            item["status"] = json!("completed");
            out.push(self.ev(
                "response.function_call_arguments.done",
                json!({"item_id": item["id"].clone(),
                "output_index": idx, "arguments": item["arguments"].clone()}),
            ));
            out.push(self.ev(
                "response.output_item.done",
                json!({"output_index": idx, "item": item.clone()}),
            ));
            self.done.push((idx, item));
        }
    }
}

impl StreamRenderer for Renderer {
    fn chunk(&mut self, chunk: &Value) -> Vec<Bytes> {
        let mut out = Vec::new();
        self.start(&mut out);
        if let Some((p, c)) = canonical::usage_of(chunk) {
            self.usage = (if p > 0 { p } else { self.usage.0 }, c);
        }
        let Some(choice) = chunk.pointer("/choices/0") else {
            return out;
        };
        if let Some(t) = choice
            .pointer("/delta/content")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            if self.text.is_none() {
                let idx = self.next_output;
                self.next_output += 1;
                let id = canonical::new_id("msg_");
                out.push(self.ev("response.output_item.added", json!({"output_index": idx,
                    "item": {"type": "message", "id": id, "status": "in_progress", "role": "assistant", "content": []}})));
                out.push(self.ev(
                    "response.content_part.added",
                    json!({"item_id": id, "output_index": idx, "content_index": 0,
                    "part": {"type": "output_text", "text": "", "annotations": []}}),
                ));
                self.text = Some((idx, id, String::new()));
            }
            let (idx, id) = match &mut self.text {
                Some((idx, id, text)) => {
                    text.push_str(t);
                    (*idx, id.clone())
                }
                None => (0, String::new()),
            };
            out.push(self.ev(
                "response.output_text.delta",
                json!({"item_id": id, "output_index": idx, "content_index": 0, "delta": t}),
            ));
        }
        for c in choice
            .pointer("/delta/tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let ti = c.get("index").and_then(Value::as_u64).unwrap_or(0);
            if !self.calls.iter().any(|(t, _, _)| *t == ti) {
                self.close_text(&mut out);
                let idx = self.next_output;
                self.next_output += 1;
                let item = json!({"type": "function_call", "id": canonical::new_id("fc_"),
                    "call_id": c.get("id").cloned().unwrap_or(json!("")),
                    "name": c.pointer("/function/name").cloned().unwrap_or(json!("")),
                    "arguments": "", "status": "in_progress"});
                out.push(self.ev(
                    "response.output_item.added",
                    json!({"output_index": idx, "item": item.clone()}),
                ));
                self.calls.push((ti, idx, item));
            }
            if let Some(a) = c
                .pointer("/function/arguments")
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty())
            {
                let mut target = None;
                for (t, idx, item) in &mut self.calls {
                    if *t == ti {
                        let joined = format!("{}{a}", item["arguments"].as_str().unwrap_or(""));
                        item["arguments"] = json!(joined);
                        target = Some((*idx, item["id"].clone()));
                    }
                }
                if let Some((idx, id)) = target {
                    out.push(self.ev(
                        "response.function_call_arguments.delta",
                        json!({"item_id": id, "output_index": idx, "delta": a}),
                    ));
                }
            }
        }
        if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish = Some(f.to_owned());
        }
        out
    }

    fn finish(&mut self) -> Vec<Bytes> {
        let mut out = Vec::new();
        self.start(&mut out);
        self.close_text(&mut out);
        self.close_calls(&mut out);
        let mut done = std::mem::take(&mut self.done);
        done.sort_by_key(|d| d.0);
        let output = done.into_iter().map(|d| d.1).collect();
        let incomplete = matches!(self.finish.as_deref(), Some("length" | "content_filter"));
        let mut r = response_object(
            &self.id,
            &self.ingress,
            if incomplete {
                "incomplete"
            } else {
                "completed"
            },
            output,
            self.usage,
        );
        if incomplete {
            let reason = if self.finish.as_deref() == Some("length") {
                "max_output_tokens"
            } else {
                "content_filter"
            };
            r["incomplete_details"] = json!({"reason": reason});
            out.push(self.ev("response.incomplete", json!({"response": r})));
        } else {
            out.push(self.ev("response.completed", json!({"response": r})));
        }
        out
    }

    fn error(&mut self, error: &ApiError) -> Vec<Bytes> {
        vec![self.ev(
            "error",
            json!({"code": error.code(), "message": error.message, "param": error.param}),
        )]
    }
}
