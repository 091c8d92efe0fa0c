//! `mock`: a deterministic, offline model inside the gateway, for the quick start and tests.
//!
//! Every answer says it comes from the mock. The upstream model picks the behaviour:
//! - `echo`: answers with the text of the last message it received, so a reader can see
//!   exactly what reached the model after the guard (a redacted secret stays redacted).
//! - anything else: a fixed greeting that counts the words of the last message.
//!
//! With `tools` in the request and no tool result yet, it calls the first tool, filling each
//! required parameter as its schema says (strings with `"mock"`); after a tool result it
//! reports that result.
//! With a `json_schema` response format (and no tool to call first) it answers a small
//! JSON value that satisfies the schema. Streamed answers are split into word-sized
//! chunks. Embeddings are unit vectors derived from a hash of the input, so equal inputs
//! give equal vectors.

use super::{ChatCall, ChatReply, Provider, UpstreamError};
use crate::BoxFuture;
use crate::canonical::{self, content_text};
use crate::config::ProviderKind;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Debug)]
pub struct MockProvider;

/// Dimensions of the mock's embedding vectors.
const EMBEDDING_DIMS: usize = 16;

impl MockProvider {
    fn answer(body: &Value) -> (Option<String>, Vec<Value>, &'static str) {
        let model = body.get("model").and_then(Value::as_str).unwrap_or("mock");
        let messages = body
            .get("messages")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let last = messages.last();
        let last_role = last
            .and_then(|m| m.get("role"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let last_text = last
            .and_then(|m| m.get("content"))
            .map(content_text)
            .unwrap_or_default();
        let tools = body
            .get("tools")
            .and_then(Value::as_array)
            .filter(|t| !t.is_empty());
        let schema = body
            .get("response_format")
            .filter(|f| f.get("type").and_then(Value::as_str) == Some("json_schema"))
            .and_then(|f| f.pointer("/json_schema/schema"));
        if let Some(schema) = schema.filter(|_| last_role == "tool" || tools.is_none()) {
            return (
                Some(schema_instance(schema, 0).to_string()),
                Vec::new(),
                "stop",
            );
        }
        if last_role == "tool" {
            return (
                Some(format!("[mock] The tool returned: {last_text}")),
                Vec::new(),
                "stop",
            );
        }
        if let Some(tool) = tools.and_then(|t| t.first())
            && body.get("tool_choice").and_then(Value::as_str) != Some("none")
        {
            let f = tool.get("function").unwrap_or(&Value::Null);
            let name = f.get("name").and_then(Value::as_str).unwrap_or("tool");
            // Every required parameter, typed as the schema says (strings are "mock").
            let args = match f.get("parameters").map(|p| schema_instance(p, 0)) {
                Some(v @ Value::Object(_)) => v,
                _ => json!({}),
            };
            let call = json!({
                "id": canonical::new_id("call_"),
                "type": "function",
                "function": {"name": name, "arguments": args.to_string()},
            });
            return (None, vec![call], "tool_calls");
        }
        let text = if model == "echo" {
            last_text
        } else {
            format!(
                "Hello from Rampart's mock model (offline, deterministic). Your message had {} words.",
                last_text.split_whitespace().count()
            )
        };
        (Some(text), Vec::new(), "stop")
    }
}

impl Provider for MockProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Mock
    }

    fn chat(&self, call: ChatCall) -> BoxFuture<'_, Result<ChatReply, UpstreamError>> {
        let body = call.body;
        Box::pin(async move {
            let model = body
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or("mock")
                .to_owned();
            let (content, tool_calls, finish) = MockProvider::answer(&body);
            let prompt_tokens = canonical::estimate_tokens(canonical::request_text_bytes(&body));
            let completion_tokens = canonical::estimate_tokens(
                content.as_ref().map_or(0, String::len)
                    + tool_calls
                        .iter()
                        .map(|c| c.to_string().len())
                        .sum::<usize>(),
            );
            if !call.stream {
                return Ok(ChatReply::Complete(canonical::completion(
                    &model,
                    content,
                    tool_calls,
                    finish,
                    prompt_tokens,
                    completion_tokens,
                )));
            }
            let id = canonical::new_id("chatcmpl-");
            let mut chunks = vec![canonical::chunk(
                &id,
                &model,
                json!({"role": "assistant", "content": ""}),
                None,
            )];
            if let Some(text) = &content {
                for piece in text.split_inclusive(' ') {
                    chunks.push(canonical::chunk(
                        &id,
                        &model,
                        json!({"content": piece}),
                        None,
                    ));
                }
            }
            for (i, call) in tool_calls.iter().enumerate() {
                let mut head = call.clone();
                head["index"] = json!(i);
                head["function"]["arguments"] = json!("");
                chunks.push(canonical::chunk(
                    &id,
                    &model,
                    json!({"tool_calls": [head]}),
                    None,
                ));
                let args = call
                    .pointer("/function/arguments")
                    .cloned()
                    .unwrap_or(json!(""));
                chunks.push(canonical::chunk(
                    &id,
                    &model,
                    json!({"tool_calls": [{"index": i, "function": {"arguments": args}}]}),
                    None,
                ));
            }
            chunks.push(canonical::chunk(&id, &model, json!({}), Some(finish)));
            chunks.push(canonical::usage_chunk(
                &id,
                &model,
                prompt_tokens,
                completion_tokens,
            ));
            let stream = futures_util::stream::iter(chunks.into_iter().map(Ok));
            Ok(ChatReply::Stream(Box::pin(stream)))
        })
    }

    fn embeddings(&self, body: Value) -> BoxFuture<'_, Result<Value, UpstreamError>> {
        Box::pin(async move {
            let model = body
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or("mock")
                .to_owned();
            // Text, or token ids (one array, or one array per input): ids are embedded
            // by their JSON spelling, which is deterministic too.
            let inputs: Vec<String> = match body.get("input") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(ids @ Value::Array(a)) if a.first().is_some_and(Value::is_number) => {
                    vec![ids.to_string()]
                }
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            let mut tokens = 0;
            let data: Vec<Value> = inputs
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    tokens += canonical::estimate_tokens(text.len());
                    json!({"object": "embedding", "index": i, "embedding": embed(text)})
                })
                .collect();
            Ok(json!({
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }))
        })
    }
}

/// How deep [`schema_instance`] follows nested schemas before answering `null`.
const MAX_SCHEMA_DEPTH: usize = 8;

/// A small JSON value that satisfies `schema` (structured output from the mock): every
/// required property, strings `"mock"`, numbers 0, the first `enum` value, `$ref`s to
/// `#/$defs/…` or `#/definitions/…` followed from the root.
fn schema_instance(root: &Value, depth: usize) -> Value {
    fn walk(root: &Value, schema: &Value, depth: usize) -> Value {
        if depth > MAX_SCHEMA_DEPTH {
            return Value::Null;
        }
        if let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| root.pointer(p))
        {
            return walk(root, target, depth + 1);
        }
        if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
            return first.clone();
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(first) = schema.get(key).and_then(|a| a.get(0)) {
                return walk(root, first, depth + 1);
            }
        }
        let ty = match schema.get("type") {
            Some(Value::Array(types)) => types.first().and_then(Value::as_str).unwrap_or("null"),
            Some(t) => t.as_str().unwrap_or("null"),
            None if schema.get("properties").is_some() => "object",
            None => "string",
        };
        match ty {
            "object" => {
                let mut out = serde_json::Map::new();
                let props = schema.get("properties").and_then(Value::as_object);
                for name in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    let sub = props.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
                    out.insert(name.to_owned(), walk(root, sub, depth + 1));
                }
                Value::Object(out)
            }
            "array" => json!([]),
            "string" => json!("mock"),
            "integer" | "number" => json!(0),
            "boolean" => json!(false),
            _ => Value::Null,
        }
    }
    walk(root, root, depth)
}

/// A deterministic unit vector for `text`.
fn embed(text: &str) -> Vec<f32> {
    let digest = Sha256::digest(text.as_bytes());
    let raw: Vec<f32> = digest
        .chunks(2)
        .take(EMBEDDING_DIMS)
        .map(|b| (f32::from(u16::from_be_bytes([b[0], b[1]])) / 32768.0) - 1.0)
        .collect();
    let norm = raw
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
        .max(f32::EPSILON);
    raw.into_iter().map(|x| x / norm).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn echo_returns_the_last_message() {
        let body = json!({"model": "echo", "messages": [{"role": "user", "content": "hi [AWS_ACCESS_KEY]"}]});
        let ChatReply::Complete(v) = MockProvider
            .chat(ChatCall {
                body,
                stream: false,
                client_key: None,
            })
            .await
            .unwrap()
        else {
            panic!("expected a complete answer")
        };
        assert_eq!(v["choices"][0]["message"]["content"], "hi [AWS_ACCESS_KEY]");
    }

    #[test]
    fn tools_are_called_with_required_arguments() {
        let body = json!({"model": "mock", "messages": [{"role": "user", "content": "weather?"}],
            "tools": [{"type": "function", "function": {"name": "get_weather",
              "parameters": {"type": "object", "required": ["city"]}}}]});
        let (content, calls, finish) = MockProvider::answer(&body);
        assert!(content.is_none());
        assert_eq!(finish, "tool_calls");
        assert_eq!(calls[0]["function"]["arguments"], "{\"city\":\"mock\"}");
    }

    #[test]
    fn structured_output_satisfies_the_schema() {
        let schema = json!({"type": "object", "required": ["name", "age", "kind", "tags", "pet"],
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
                "kind": {"enum": ["cat", "dog"]}, "tags": {"type": "array"},
                "pet": {"$ref": "#/$defs/Pet"}},
            "$defs": {"Pet": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}}});
        let body = json!({"model": "mock", "messages": [{"role": "user", "content": "x"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "o", "schema": schema}}});
        let (content, calls, _) = MockProvider::answer(&body);
        assert!(calls.is_empty());
        let v: Value = serde_json::from_str(&content.unwrap()).unwrap();
        assert_eq!(
            v,
            json!({"name": "mock", "age": 0, "kind": "cat", "tags": [], "pet": {"ok": false}})
        );
    }

    #[test]
    fn embeddings_are_deterministic_unit_vectors() {
        let a = embed("x");
        assert_eq!(a, embed("x"));
        assert_ne!(a, embed("y"));
        let norm: f32 = a.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4);
    }
}
