//! What a provider may receive: the canonical chat request (OpenAI Chat Completions plus
//! Rampart's internal extensions, see `canonical.rs`) and the embeddings request, field
//! by field. Every surface translates into these shapes and every provider translates out
//! of them, so a field missing here reaches no provider.

use super::Node::{
    Array, Bool, Digits, Drop, Either, Enum, ImageUrl, Integer, Json, JsonText, Map, Message, Name,
    Number, Object, Opaque, Signed, Tagged, Text,
};
use super::Reader::{Fixed, Message as Own};
use super::{Field, Node, field};
use rampart_guard::Role;

const CACHE_CONTROL: Node = Object(&[
    field("type", Enum(&["ephemeral"])),
    field("ttl", Enum(&["5m", "1h"])),
]);

/// A document's citation setting (Anthropic `citations: {"enabled": true}`).
const CITATIONS: Node = Object(&[field("enabled", Bool)]);

/// Content parts of a message, by `type`. Parts that carry what the guard cannot read
/// (audio, files) are refused.
const PART: Node = Tagged(&[
    (
        "text",
        &[
            field("type", Enum(&["text"])),
            field("text", Text(Own)),
            field("cache_control", CACHE_CONTROL),
        ],
    ),
    (
        "image_url",
        &[
            field("type", Enum(&["image_url"])),
            field(
                "image_url",
                Object(&[
                    field("url", ImageUrl(Own)),
                    field("detail", Enum(&["auto", "low", "high"])),
                ]),
            ),
            field("cache_control", CACHE_CONTROL),
        ],
    ),
    (
        "refusal",
        &[
            field("type", Enum(&["refusal"])),
            field("refusal", Text(Own)),
        ],
    ),
    (
        "document",
        &[
            field("type", Enum(&["document"])),
            field("text", Text(Fixed(Role::Document))),
            field("title", Text(Fixed(Role::Document))),
            field("context", Text(Fixed(Role::Document))),
            field("citations", CITATIONS),
            field("cache_control", CACHE_CONTROL),
        ],
    ),
]);

const PARTS: Node = Array(&PART);

/// A JSON Schema (tool parameters, structured output): descriptions, enums, defaults and
/// examples are text the model reads; property names are names.
const SCHEMA: Node = Json(Fixed(Role::System));

const FUNCTION_CALL: Node = Object(&[
    field("name", Name),
    field("arguments", JsonText(Fixed(Role::Assistant))),
]);

const TOOL_CALL: Node = Object(&[
    field("id", Name),
    field("type", Enum(&["function"])),
    field("function", FUNCTION_CALL),
    field("cache_control", CACHE_CONTROL),
]);

/// Anthropic thinking blocks sent back in assistant history (see `canonical.rs`).
const THINKING_BLOCK: Node = Tagged(&[
    (
        "thinking",
        &[
            field("type", Enum(&["thinking"])),
            field("thinking", Signed),
            field("signature", Opaque),
        ],
    ),
    (
        "redacted_thinking",
        &[
            field("type", Enum(&["redacted_thinking"])),
            field("data", Opaque),
        ],
    ),
]);

const MESSAGE: Node = Message(&[
    field(
        "role",
        Enum(&[
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
            "function",
        ]),
    ),
    field("content", Either(&[Text(Own), PARTS])),
    field("thinking_blocks", Array(&THINKING_BLOCK)),
    field("tool_calls", Array(&TOOL_CALL)),
    field("tool_call_id", Name),
    // A participant's name, or the function a legacy `function` message answers.
    field("name", Name),
    // Legacy assistant `function_call`.
    field("function_call", FUNCTION_CALL),
    field("refusal", Text(Own)),
    field("cache_control", CACHE_CONTROL),
    // `{ "id": … }` of an earlier audio answer: audio is neither produced nor inspected.
    field("audio", Drop),
]);

const FUNCTION: Node = Object(&[
    field("name", Name),
    field("description", Text(Fixed(Role::System))),
    field("parameters", SCHEMA),
    field("strict", Bool),
]);

const TOOL: Node = Object(&[
    field("type", Enum(&["function"])),
    field("function", FUNCTION),
    field("cache_control", CACHE_CONTROL),
]);

const NAMED_FUNCTION: Node = Object(&[
    field("type", Enum(&["function"])),
    field("function", Object(&[field("name", Name)])),
]);

const RESPONSE_FORMAT: Node = Tagged(&[
    ("text", &[field("type", Enum(&["text"]))]),
    ("json_object", &[field("type", Enum(&["json_object"]))]),
    (
        "json_schema",
        &[
            field("type", Enum(&["json_schema"])),
            field(
                "json_schema",
                Object(&[
                    field("name", Name),
                    field("description", Text(Fixed(Role::System))),
                    field("schema", SCHEMA),
                    field("strict", Bool),
                ]),
            ),
        ],
    ),
]);

const USER_TEXT: Node = Text(Fixed(Role::User));

const STOP: Node = Either(&[USER_TEXT, Array(&USER_TEXT)]);

const WEB_SEARCH_OPTIONS: Node = Object(&[
    field("search_context_size", Enum(&["low", "medium", "high"])),
    field(
        "user_location",
        Object(&[
            field("type", Enum(&["approximate"])),
            field(
                "approximate",
                Object(&[
                    field("city", USER_TEXT),
                    field("country", USER_TEXT),
                    field("region", USER_TEXT),
                    field("timezone", USER_TEXT),
                ]),
            ),
        ]),
    ),
]);

/// Anthropic-only request fields (`canonical::ANTHROPIC`).
const ANTHROPIC: Node = Object(&[
    field(
        "thinking",
        Object(&[
            field("type", Enum(&["enabled", "disabled", "adaptive"])),
            field("budget_tokens", Integer),
        ]),
    ),
    field("metadata", Object(&[field("user_id", USER_TEXT)])),
    field("top_k", Integer),
    field(
        "tool_choice",
        Object(&[
            field("type", Enum(&["auto", "any", "tool", "none"])),
            field("name", Name),
            field("disable_parallel_tool_use", Bool),
        ]),
    ),
    field("service_tier", Enum(&["auto", "standard_only"])),
    // Its `format` became the canonical `response_format` (inspected as a schema there).
    field(
        "output_config",
        Object(&[field("effort", Enum(&["low", "medium", "high", "max"]))]),
    ),
]);

/// The canonical chat request.
pub const CHAT: Node = Object(&[
    // Replaced by the deployment's model name before any provider sees it.
    field("model", Opaque),
    field("messages", Array(&MESSAGE)),
    field("tools", Array(&TOOL)),
    field(
        "tool_choice",
        Either(&[Enum(&["none", "auto", "required"]), NAMED_FUNCTION]),
    ),
    field("parallel_tool_calls", Bool),
    // Legacy function calling.
    field("functions", Array(&FUNCTION)),
    field(
        "function_call",
        Either(&[Enum(&["none", "auto"]), Object(&[field("name", Name)])]),
    ),
    field("response_format", RESPONSE_FORMAT),
    field("temperature", Number),
    field("top_p", Number),
    field("frequency_penalty", Number),
    field("presence_penalty", Number),
    field("max_tokens", Integer),
    field("max_completion_tokens", Integer),
    field("n", Integer),
    field("seed", Integer),
    field("logprobs", Bool),
    field("top_logprobs", Integer),
    field(
        "logit_bias",
        Map {
            key: &Digits,
            value: &Number,
        },
    ),
    field("stop", STOP),
    field("stream", Bool),
    field("user", USER_TEXT),
    field("safety_identifier", USER_TEXT),
    field("prompt_cache_key", USER_TEXT),
    field(
        "metadata",
        Map {
            key: &Name,
            value: &USER_TEXT,
        },
    ),
    field("store", Bool),
    field(
        "reasoning_effort",
        Enum(&["none", "minimal", "low", "medium", "high", "xhigh"]),
    ),
    field("verbosity", Enum(&["low", "medium", "high"])),
    field(
        "service_tier",
        Enum(&["auto", "default", "flex", "scale", "priority"]),
    ),
    // Audio output could not be inspected: only text is asked for.
    field("modalities", Array(&Enum(&["text"]))),
    field(
        "prediction",
        Object(&[
            field("type", Enum(&["content"])),
            field(
                "content",
                Either(&[Text(Fixed(Role::Assistant)), Array(&PREDICTION_PART)]),
            ),
        ]),
    ),
    field("web_search_options", WEB_SEARCH_OPTIONS),
    field(crate::canonical::ANTHROPIC, ANTHROPIC),
]);

const PREDICTION_PART: Node = Object(&[
    field("type", Enum(&["text"])),
    field("text", Text(Fixed(Role::Assistant))),
]);

/// The embeddings request. Inputs are read as documents.
pub const EMBEDDINGS: Node = Object(&[
    field("model", Opaque),
    field(
        "input",
        Either(&[
            Text(Fixed(Role::Document)),
            Array(&Text(Fixed(Role::Document))),
        ]),
    ),
    field("encoding_format", Enum(&["float", "base64"])),
    field("dimensions", Integer),
    field("user", USER_TEXT),
]);

/// Every key the chat table names at its top level (for the tests and the docs).
pub fn chat_keys() -> Vec<&'static str> {
    match &CHAT {
        Node::Object(fields) => fields.iter().map(|f: &Field| f.key).collect(),
        _ => Vec::new(),
    }
}
