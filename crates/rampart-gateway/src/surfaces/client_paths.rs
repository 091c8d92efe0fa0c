//! Error paths as the client wrote them.
//!
//! The guard and the mediation table name fields by their path in the canonical request
//! (`messages[3].content`, `tools[0].function.parameters…`). A surface whose shape differs
//! records, while translating, where each canonical message came from (`input[2]`,
//! `messages[1]`, the string field `instructions`), where each of its content parts and
//! tool calls came from, and how its other fields are spelled, so that an error names the
//! field the client can find in what it sent.

use crate::error::ApiError;

/// Where one canonical message came from.
#[derive(Debug, Clone, Default)]
struct Origin {
    /// The client's message (or string field).
    path: String,
    /// The message's whole content is the string field `path`.
    whole: bool,
    /// The client path of each canonical content part, when the surface renumbered them.
    parts: Vec<String>,
    /// The client path of each canonical tool call.
    calls: Vec<String>,
}

/// How one surface's canonical paths map back to the client's request.
#[derive(Debug, Clone, Default)]
pub struct ClientPaths {
    /// By canonical message index; empty for a surface that is the canonical shape.
    messages: Vec<Origin>,
    /// Other canonical path prefixes and the client's spelling, longest first.
    prefixes: Vec<(String, String)>,
}

impl ClientPaths {
    /// The next canonical message comes from the client message at `path`.
    pub fn message(&mut self, path: impl Into<String>) {
        self.messages.push(Origin {
            path: path.into(),
            ..Origin::default()
        });
    }

    /// The next canonical message's content is the client's string field `path`
    /// (`instructions`, `system`, a string `input`, a tool output).
    pub fn field(&mut self, path: impl Into<String>) {
        self.messages.push(Origin {
            path: path.into(),
            whole: true,
            ..Origin::default()
        });
    }

    /// The next content part of the last recorded message comes from `path`.
    pub fn part(&mut self, path: impl Into<String>) {
        if let Some(o) = self.messages.last_mut() {
            o.parts.push(path.into());
        }
    }

    /// The next tool call of the last recorded message comes from `path`.
    pub fn call(&mut self, path: impl Into<String>) {
        if let Some(o) = self.messages.last_mut() {
            o.calls.push(path.into());
        }
    }

    /// Canonical paths starting with `canonical` are spelled `client` by this surface.
    pub fn prefix(&mut self, canonical: impl Into<String>, client: impl Into<String>) {
        self.prefixes.push((canonical.into(), client.into()));
        self.prefixes
            .sort_by_key(|(c, _)| std::cmp::Reverse(c.len()));
    }

    /// `path` (canonical) as the client sent it; unchanged when nothing was recorded.
    pub fn client_path(&self, path: &str) -> String {
        if let Some((i, tail)) = indexed(path, "messages")
            && let Some(origin) = self.messages.get(i)
        {
            if origin.whole {
                return origin.path.clone();
            }
            if let Some(rest) = tail.strip_prefix(".content")
                && let Some((p, rest)) = indexed(rest, "")
                && let Some(part) = origin.parts.get(p)
            {
                return format!("{part}{rest}");
            }
            if let Some(rest) = tail.strip_prefix(".tool_calls")
                && let Some((c, rest)) = indexed(rest, "")
                && let Some(call) = origin.calls.get(c)
            {
                let rest = rest.strip_prefix(".function").unwrap_or(rest);
                return format!("{call}{rest}");
            }
            return format!("{}{tail}", origin.path);
        }
        for (canonical, client) in &self.prefixes {
            if let Some(tail) = path.strip_prefix(canonical.as_str())
                && (tail.is_empty() || tail.starts_with(['.', '[']))
            {
                return format!("{client}{tail}");
            }
        }
        path.to_owned()
    }

    /// `error` with its `param` (and the path quoted in its message) as the client sent it.
    pub fn rewrite(&self, mut error: ApiError) -> ApiError {
        if self.messages.is_empty() && self.prefixes.is_empty() {
            return error;
        }
        if let Some(param) = error.param.take() {
            let client = self.client_path(&param);
            error.message = error
                .message
                .replace(&format!("`{param}`"), &format!("`{client}`"));
            error.param = Some(client);
        }
        error
    }
}

/// `name[i]rest` → `(i, rest)`.
fn indexed<'a>(path: &'a str, name: &str) -> Option<(usize, &'a str)> {
    let (index, rest) = path
        .strip_prefix(name)?
        .strip_prefix('[')?
        .split_once(']')?;
    Some((index.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ClientPaths {
        let mut p = ClientPaths::default();
        p.field("instructions");
        p.message("input[0]");
        p.message("messages[1]");
        p.part("messages[1].content[2]");
        p.call("messages[1].content[0]");
        p.prefix("tools[0].function", "tools[0]");
        p.prefix("response_format.json_schema", "text.format");
        p
    }

    #[test]
    fn messages_parts_calls_and_prefixes_map_back() {
        let p = sample();
        assert_eq!(p.client_path("messages[0].content"), "instructions");
        assert_eq!(
            p.client_path("messages[1].content[0].text"),
            "input[0].content[0].text"
        );
        assert_eq!(
            p.client_path("messages[2].content[0].text"),
            "messages[1].content[2].text"
        );
        assert_eq!(
            p.client_path("messages[2].tool_calls[0].function.arguments"),
            "messages[1].content[0].arguments"
        );
        assert_eq!(
            p.client_path("tools[0].function.parameters"),
            "tools[0].parameters"
        );
        assert_eq!(
            p.client_path("response_format.json_schema.schema"),
            "text.format.schema"
        );
        // Nothing recorded: unchanged.
        assert_eq!(p.client_path("messages[9].content"), "messages[9].content");
        assert_eq!(p.client_path("tools[10].function"), "tools[10].function");
        assert_eq!(p.client_path("temperature"), "temperature");
    }

    #[test]
    fn errors_are_rewritten_in_param_and_message() {
        let e = sample().rewrite(ApiError::invalid("messages[1].content", "bad"));
        assert_eq!(e.param.as_deref(), Some("input[0].content"));
        assert!(e.message.contains("`input[0].content`"), "{}", e.message);
    }
}
