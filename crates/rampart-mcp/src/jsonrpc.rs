//! JSON-RPC 2.0 messages as MCP uses them, parsed strictly and bounded.
//!
//! One message per parse: MCP removed batches in 2025-06-18, so an array is refused
//! explicitly rather than half-understood. A message is an object with `"jsonrpc": "2.0"`
//! and only the members its kind allows; an id is an integer or a string of bounded
//! length; a method is a bounded string; `params` is an object. Anything else is a
//! [`ParseFailure`] carrying the JSON-RPC error to send back (and the id, when it could be
//! read), never a panic. Depth is bounded by `serde_json`'s recursion limit (128).

use serde_json::{Map, Value, json};
use std::fmt;

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// A check of the proxy refused the request: policy, pinning, guard, collision. The
/// message names the reason; `data.reason` says which check.
pub const REFUSED: i64 = -32001;
/// The upstream server failed (crashed, timed out, answered nonsense).
pub const UPSTREAM_FAILED: i64 = -32002;

/// The longest id string and method name accepted.
pub const MAX_ID_LEN: usize = 256;
pub const MAX_METHOD_LEN: usize = 256;

/// A request id: an integer or a string (JSON-RPC also allows fractions and null; MCP
/// does not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Id {
    Number(i64),
    String(String),
}

impl Id {
    pub fn to_value(&self) -> Value {
        match self {
            Id::Number(n) => Value::from(*n),
            Id::String(s) => Value::from(s.as_str()),
        }
    }

    fn parse(v: &Value) -> Option<Id> {
        match v {
            Value::Number(n) => n.as_i64().map(Id::Number),
            Value::String(s) if s.len() <= MAX_ID_LEN => Some(Id::String(s.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// A refusal by one of the proxy's checks; `reason` is the check (`policy`,
    /// `pinning`, `guard`, `collision`, ...), also put in `data.reason`.
    pub fn refused(reason: &str, message: impl Into<String>) -> RpcError {
        RpcError {
            code: REFUSED,
            message: message.into(),
            data: Some(json!({ "reason": reason })),
        }
    }

    pub fn with_data(mut self, key: &str, value: Value) -> RpcError {
        let mut data = match self.data.take() {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        data.insert(key.to_owned(), value);
        self.data = Some(Value::Object(data));
        self
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), Value::from(self.code));
        m.insert("message".into(), Value::from(self.message.as_str()));
        if let Some(d) = &self.data {
            m.insert("data".into(), d.clone());
        }
        Value::Object(m)
    }
}

/// One parsed message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Request {
        id: Id,
        method: String,
        params: Option<Map<String, Value>>,
    },
    Notification {
        method: String,
        params: Option<Map<String, Value>>,
    },
    Response {
        id: Id,
        outcome: Result<Value, RpcError>,
    },
}

/// Why a message could not be used, as the error to answer with.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseFailure {
    /// The id of the offending request, when it could be read (else the answer has
    /// `"id": null`).
    pub id: Option<Id>,
    /// Boxed: a `Result` carrying it stays small on the hot path.
    pub error: Box<RpcError>,
}

impl ParseFailure {
    fn invalid(id: Option<Id>, message: &str) -> ParseFailure {
        ParseFailure {
            id,
            error: Box::new(RpcError::new(INVALID_REQUEST, message)),
        }
    }

    /// The error response to send back.
    pub fn response(&self) -> Value {
        error_response(self.id.as_ref(), &self.error)
    }
}

/// Parse one message of at most `max_bytes`.
pub fn parse(bytes: &[u8], max_bytes: usize) -> Result<Message, ParseFailure> {
    if bytes.len() > max_bytes {
        return Err(ParseFailure::invalid(None, "message too large"));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|_| ParseFailure {
        id: None,
        error: Box::new(RpcError::new(PARSE_ERROR, "parse error: not valid JSON")),
    })?;
    from_value(value)
}

/// Classify an already parsed JSON value as one message.
pub fn from_value(value: Value) -> Result<Message, ParseFailure> {
    let mut obj = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Err(ParseFailure::invalid(
                None,
                "batches are not supported: send one message at a time",
            ));
        }
        _ => {
            return Err(ParseFailure::invalid(
                None,
                "a message must be a JSON object",
            ));
        }
    };
    let id = match obj.remove("id") {
        None => None,
        Some(v) => match Id::parse(&v) {
            Some(id) => Some(id),
            None => {
                return Err(ParseFailure::invalid(
                    None,
                    "`id` must be an integer or a short string",
                ));
            }
        },
    };
    if obj.remove("jsonrpc") != Some(Value::from("2.0")) {
        return Err(ParseFailure::invalid(id, "`jsonrpc` must be \"2.0\""));
    }
    if let Some(method) = obj.remove("method") {
        let Value::String(method) = method else {
            return Err(ParseFailure::invalid(id, "`method` must be a string"));
        };
        if method.is_empty() || method.len() > MAX_METHOD_LEN {
            return Err(ParseFailure::invalid(id, "`method` is empty or too long"));
        }
        let params = match obj.remove("params") {
            None => None,
            Some(Value::Object(p)) => Some(p),
            Some(_) => return Err(ParseFailure::invalid(id, "`params` must be an object")),
        };
        if !obj.is_empty() {
            return Err(ParseFailure::invalid(id, "unexpected members in a request"));
        }
        return Ok(match id {
            Some(id) => Message::Request { id, method, params },
            None => Message::Notification { method, params },
        });
    }
    let Some(id) = id else {
        return Err(ParseFailure::invalid(
            None,
            "a message needs `method` or `id`",
        ));
    };
    let outcome = match (obj.remove("result"), obj.remove("error")) {
        (Some(result), None) => Ok(result),
        (None, Some(error)) => Err(parse_error_object(error)
            .ok_or_else(|| ParseFailure::invalid(Some(id.clone()), "malformed `error`"))?),
        _ => {
            return Err(ParseFailure::invalid(
                Some(id),
                "a response needs exactly one of `result` and `error`",
            ));
        }
    };
    if !obj.is_empty() {
        return Err(ParseFailure::invalid(
            Some(id),
            "unexpected members in a response",
        ));
    }
    Ok(Message::Response { id, outcome })
}

fn parse_error_object(v: Value) -> Option<RpcError> {
    let Value::Object(mut o) = v else { return None };
    let code = o.remove("code")?.as_i64()?;
    let Value::String(message) = o.remove("message")? else {
        return None;
    };
    Some(RpcError {
        code,
        message,
        data: o.remove("data"),
    })
}

pub fn request(id: &Id, method: &str, params: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), Value::from("2.0"));
    m.insert("id".into(), id.to_value());
    m.insert("method".into(), Value::from(method));
    if let Some(p) = params {
        m.insert("params".into(), p);
    }
    Value::Object(m)
}

pub fn notification(method: &str, params: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), Value::from("2.0"));
    m.insert("method".into(), Value::from(method));
    if let Some(p) = params {
        m.insert("params".into(), p);
    }
    Value::Object(m)
}

pub fn result_response(id: &Id, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id.to_value(), "result": result })
}

pub fn error_response(id: Option<&Id>, error: &RpcError) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id.map_or(Value::Null, Id::to_value),
        "error": error.to_value(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Message, ParseFailure> {
        parse(s.as_bytes(), 1 << 20)
    }

    #[test]
    fn request_notification_and_response_are_told_apart() {
        assert!(matches!(
            p(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Ok(Message::Request {
                id: Id::Number(1),
                ..
            })
        ));
        assert!(matches!(
            p(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Ok(Message::Notification { .. })
        ));
        assert!(matches!(
            p(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#),
            Ok(Message::Response { outcome: Ok(_), .. })
        ));
        assert!(matches!(
            p(r#"{"jsonrpc":"2.0","id":"a","error":{"code":-1,"message":"x"}}"#),
            Ok(Message::Response {
                outcome: Err(_),
                ..
            })
        ));
    }

    #[test]
    fn malformed_messages_get_the_json_rpc_error_they_deserve() {
        assert_eq!(p("{nope").unwrap_err().error.code, PARSE_ERROR);
        assert_eq!(p("").unwrap_err().error.code, PARSE_ERROR);
        for bad in [
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","extra":1}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":""}}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0"}"#,
            r#"17"#,
        ] {
            assert_eq!(p(bad).unwrap_err().error.code, INVALID_REQUEST, "{bad}");
        }
        let failure = p(r#"{"jsonrpc":"2.0","id":7,"method":5}"#).unwrap_err();
        assert_eq!(failure.id, Some(Id::Number(7)));
        assert_eq!(failure.response()["id"], 7);
    }

    #[test]
    fn oversized_and_deep_messages_are_refused_without_panic() {
        let big = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"{}"}}"#,
            "a".repeat(100)
        );
        assert_eq!(
            parse(big.as_bytes(), 50).unwrap_err().error.code,
            INVALID_REQUEST
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(p(&deep).unwrap_err().error.code, PARSE_ERROR);
    }
}
