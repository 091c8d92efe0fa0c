//! What a client may receive: the canonical chat answer, the canonical chunk and the
//! embeddings answer, field by field. Every provider's answer is translated into these
//! shapes and every surface renders from them, so a field missing here reaches no client.
//!
//! `logprobs` are not in the tables: their tokens spell the answer, so the guard keeps
//! them only for a choice whose text it did not change and whose tokens spell exactly
//! that text (`guard.rs`), and drops them from every chunk (a chunk's tokens would show
//! text the stream inspector still holds back).

use super::Node::{
    Array, Drop, Either, Enum, Integer, JsonText, Map, Name, Number, Object, Opaque, Signed,
    Tagged, TextOrParts,
};
use super::Reader::Fixed;
use super::{Node, field};
use rampart_guard::Role;

/// Answer text: read as the model's output (the guard inspects it as such).
const OUT: Node = TextOrParts(Fixed(Role::Assistant));

const FINISH_REASON: Node = Enum(&[
    "stop",
    "length",
    "tool_calls",
    "content_filter",
    "function_call",
]);

const USAGE: Node = Object(&[
    field("prompt_tokens", Integer),
    field("completion_tokens", Integer),
    field("total_tokens", Integer),
    field(
        "prompt_tokens_details",
        Map {
            key: &Name,
            value: &Integer,
        },
    ),
    field(
        "completion_tokens_details",
        Map {
            key: &Name,
            value: &Integer,
        },
    ),
    field("cache_creation_input_tokens", Integer),
    field("cache_read_input_tokens", Integer),
]);

const FUNCTION_CALL: Node = Object(&[
    field("name", Name),
    field("arguments", JsonText(Fixed(Role::Assistant))),
]);

const TOOL_CALL: Node = Object(&[
    field("id", Name),
    field("type", Enum(&["function"])),
    field("function", FUNCTION_CALL),
]);

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

const MESSAGE: Node = Object(&[
    field("role", Enum(&["assistant"])),
    field("content", OUT),
    field("refusal", OUT),
    // Reasoning text of vLLM, DeepSeek and other OpenAI-compatible servers.
    field("reasoning_content", OUT),
    field("tool_calls", Array(&TOOL_CALL)),
    field("function_call", FUNCTION_CALL),
    field("thinking_blocks", Array(&THINKING_BLOCK)),
    // URL citations of web search, and audio answers: neither is inspected, so neither
    // is returned.
    field("annotations", Drop),
    field("audio", Drop),
]);

const CHOICE: Node = Object(&[
    field("index", Integer),
    field("message", MESSAGE),
    field("finish_reason", FINISH_REASON),
    // The stop sequence that ended an Anthropic answer: the client's own (inspected)
    // stop sequence, read again as output.
    field("stop_sequence", OUT),
    field("logprobs", LOGPROBS),
]);

const TOP_LOGPROB: Node = Object(&[
    field("token", Opaque),
    field("logprob", Number),
    field("bytes", Array(&Integer)),
]);

const TOKEN_LOGPROB: Node = Object(&[
    field("token", Opaque),
    field("logprob", Number),
    field("bytes", Array(&Integer)),
    field("top_logprobs", Array(&TOP_LOGPROB)),
]);

/// Kept only under the conditions in the module documentation (`guard.rs` checks them).
const LOGPROBS: Node = Object(&[
    field("content", Array(&TOKEN_LOGPROB)),
    field("refusal", Array(&TOKEN_LOGPROB)),
]);

/// The canonical `chat.completion`.
pub const CHAT: Node = Object(&[
    field("id", Name),
    field("object", Enum(&["chat.completion"])),
    field("created", Integer),
    field("model", Name),
    field("system_fingerprint", Name),
    field("service_tier", Name),
    field("choices", Array(&CHOICE)),
    field("usage", USAGE),
]);

const DELTA_TOOL_CALL: Node = Object(&[
    field("index", Integer),
    field("id", Name),
    field("type", Enum(&["function"])),
    field(
        "function",
        Object(&[
            field("name", Name),
            field("arguments", JsonText(Fixed(Role::Assistant))),
        ]),
    ),
]);

/// A streamed thinking piece (see `canonical.rs`): the stream guard holds the text until
/// the signature and inspects the block whole.
const DELTA_THINKING: Node = Object(&[
    field("text", Signed),
    field("signature", Opaque),
    field("redacted", Opaque),
]);

const DELTA: Node = Object(&[
    field("role", Enum(&["assistant"])),
    field("content", OUT),
    field("refusal", OUT),
    field("reasoning_content", OUT),
    field("tool_calls", Array(&DELTA_TOOL_CALL)),
    field("thinking", DELTA_THINKING),
    field("annotations", Drop),
    field("audio", Drop),
]);

const CHUNK_CHOICE: Node = Object(&[
    field("index", Integer),
    field("delta", DELTA),
    field("finish_reason", FINISH_REASON),
    field("stop_sequence", OUT),
    field("logprobs", Drop),
]);

/// The canonical `chat.completion.chunk`.
pub const CHUNK: Node = Object(&[
    field("id", Name),
    field("object", Enum(&["chat.completion.chunk"])),
    field("created", Integer),
    field("model", Name),
    field("system_fingerprint", Name),
    field("service_tier", Name),
    field("choices", Array(&CHUNK_CHOICE)),
    field("usage", USAGE),
]);

/// The embeddings answer: vectors (or base64 vectors) and counts, nothing readable.
pub const EMBEDDINGS: Node = Object(&[
    field("object", Enum(&["list"])),
    field(
        "data",
        Array(&Object(&[
            field("object", Enum(&["embedding"])),
            field("index", Integer),
            field("embedding", Either(&[Array(&Number), Opaque])),
        ])),
    ),
    field("model", Name),
    field(
        "usage",
        Object(&[
            field("prompt_tokens", Integer),
            field("total_tokens", Integer),
        ]),
    ),
]);
