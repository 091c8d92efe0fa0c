//! Translation between the canonical shape (OpenAI Chat Completions) and the other wire
//! formats: Anthropic Messages (used by the Anthropic surface and the Anthropic provider)
//! and Bedrock Converse. Requests, answers and streams, including tool calls.

pub mod anthropic;
pub mod bedrock;

use serde_json::Value;

/// Canonical `finish_reason` → Anthropic `stop_reason`.
pub fn stop_reason_to_anthropic(finish: &str) -> &'static str {
    match finish {
        "length" => "max_tokens",
        "tool_calls" | "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    }
}

/// Anthropic `stop_reason` → canonical `finish_reason`.
pub fn stop_reason_from_anthropic(stop: &str) -> &'static str {
    match stop {
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    }
}

/// Parse tool-call arguments (a JSON string) into an object; malformed text is kept under
/// `_raw` rather than lost.
pub fn arguments_object(arguments: Option<&Value>) -> Value {
    match arguments {
        Some(Value::String(s)) if s.trim().is_empty() => Value::Object(Default::default()),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object)
            .unwrap_or_else(|| serde_json::json!({"_raw": s})),
        Some(v @ Value::Object(_)) => v.clone(),
        _ => Value::Object(Default::default()),
    }
}
