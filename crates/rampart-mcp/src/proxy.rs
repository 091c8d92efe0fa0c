//! The proxy core: one client message in, at most one answer out, whatever the transport.
//!
//! Phases of a `tools/call`, in order (each refusal is a JSON-RPC error whose message
//! names the check and never echoes what was refused):
//!
//! 1. resolve `<server>__<tool>` against the servers' current definitions (fetched now, so
//!    a definition changed since the last listing is seen); two tools with one exposed
//!    name are a collision and both are refused;
//! 2. pinning ([`crate::pinning`]): the definition must be the approved one;
//! 3. guard on the definition ([`crate::inspect::tool_definition`]);
//! 4. policy: `[authz]` decides `Action::"call_tool"` on `Tool::"<server>/<tool>"`;
//! 5. forward `name` and `arguments` only;
//! 6. guard on the result ([`crate::inspect::tool_result`]).
//!
//! `tools/list` runs phases 1–4 for every tool of every server and lists those that pass,
//! so a caller sees exactly what it may call.

use crate::error::McpError;
use crate::inspect::{self, ResultVerdict};
use crate::jsonrpc::{self, Message, RpcError};
use crate::methods::{ClientNotification, ClientRequest};
use crate::pinning::{PinStatus, Pins, tool_hash};
use crate::upstream::Upstream;
use rampart_gateway::auth::Principal;
use rampart_gateway::authz::{Authorizer, AuthzAction, AuthzQuery, AuthzResource};
use rampart_guard::{FindingKind, Guard};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub source_ip: Option<IpAddr>,
}

impl Caller {
    /// The one client of `rampart mcp --stdio`: the local user who launched it, seen by
    /// the policies as `Key::"stdio"` in `Tenant::"local"`.
    pub fn stdio() -> Caller {
        Caller {
            principal: Principal {
                key_id: "stdio".into(),
                tenant: "local".into(),
                name: "stdio".into(),
                models: None,
                rpm: None,
                tpm: None,
                daily_token_budget: None,
                monthly_token_budget: None,
                token: None,
            },
            source_ip: None,
        }
    }
}

/// The separator of exposed tool names.
pub const SEPARATOR: &str = "__";

/// The members of a tool definition passed to clients (and hashed by pinning).
const DEFINITION_MEMBERS: [&str; 6] = [
    "name",
    "title",
    "description",
    "inputSchema",
    "outputSchema",
    "annotations",
];

/// Whether an upstream tool name is one the proxy exposes (MCP's recommended alphabet).
fn valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Why a tool cannot be listed or called, before policy.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Usable,
    BadName,
    Pin(PinStatus),
    Guard(Vec<FindingKind>),
    Collision,
}

/// One upstream tool as judged now.
#[derive(Debug)]
struct Judged {
    server: String,
    tool: String,
    exposed: String,
    definition: Value,
    verdict: Verdict,
}

/// The proxy: its upstreams and checks, shared by every client.
#[derive(Debug)]
pub struct Proxy {
    upstreams: Vec<Arc<Upstream>>,
    pins: Pins,
    guard: Arc<Guard>,
    authorizer: Option<Arc<dyn Authorizer>>,
    /// Guard verdicts on definitions, by hash (a definition is scanned once).
    scanned: Mutex<HashMap<String, Option<Vec<FindingKind>>>>,
}

/// The most definition verdicts remembered before the cache is emptied.
const MAX_SCANNED: usize = 16_384;

impl Proxy {
    pub fn new(
        upstreams: Vec<Arc<Upstream>>,
        pins: Pins,
        guard: Arc<Guard>,
        authorizer: Option<Arc<dyn Authorizer>>,
    ) -> Proxy {
        Proxy {
            upstreams,
            pins,
            guard,
            authorizer,
            scanned: Mutex::new(HashMap::new()),
        }
    }

    /// Answer one message; `None` for notifications and responses.
    pub async fn handle(&self, caller: &Caller, message: Message) -> Option<Value> {
        match message {
            Message::Request { id, method, params } => {
                let params = params.unwrap_or_default();
                let outcome = match ClientRequest::classify(&method) {
                    None => Err(RpcError::new(
                        jsonrpc::METHOD_NOT_FOUND,
                        "method not found: rampart mcp serves initialize, ping, tools/list and tools/call",
                    )),
                    Some(ClientRequest::Initialize) => Ok(initialize(&params)),
                    Some(ClientRequest::Ping) => Ok(json!({})),
                    Some(ClientRequest::ToolsList) => Ok(self.list(caller).await),
                    Some(ClientRequest::ToolsCall) => self.call(caller, &params).await,
                };
                Some(match outcome {
                    Ok(result) => jsonrpc::result_response(&id, result),
                    Err(e) => jsonrpc::error_response(Some(&id), &e),
                })
            }
            Message::Notification { method, .. } => {
                if ClientNotification::classify(&method).is_none() {
                    tracing::info!(method = %method, "MCP client notification refused");
                }
                None
            }
            Message::Response { id, .. } => {
                tracing::info!(id = %id, "unsolicited response from an MCP client dropped");
                None
            }
        }
    }

    /// Judge every tool of `upstreams` now.
    async fn judge(&self, upstreams: &[&Arc<Upstream>]) -> Vec<Judged> {
        let fetched =
            futures_util::future::join_all(upstreams.iter().map(|u| u.list_tools())).await;
        let mut judged = Vec::new();
        for (up, tools) in upstreams.iter().zip(fetched) {
            let tools = match tools {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(server = up.name(), error = %e, "MCP server's tools unavailable");
                    continue;
                }
            };
            let named: Vec<(String, Value)> = tools
                .into_iter()
                .map(|t| {
                    let name = t
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    let mut def = Map::new();
                    for key in DEFINITION_MEMBERS {
                        if let Some(v) = t.get(key) {
                            def.insert(key.into(), v.clone());
                        }
                    }
                    (name, Value::Object(def))
                })
                .collect();
            let hashes: Vec<(String, String)> = named
                .iter()
                .map(|(n, d)| (n.clone(), tool_hash(d)))
                .collect();
            let pins = self.pins.check(up.name(), &hashes);
            for (((tool, definition), (_, hash)), pin) in named.into_iter().zip(hashes).zip(pins) {
                let verdict = if !valid_tool_name(&tool) {
                    Verdict::BadName
                } else if pin != PinStatus::Approved {
                    Verdict::Pin(pin)
                } else {
                    match self.scan(&hash, &definition) {
                        Some(kinds) => Verdict::Guard(kinds),
                        None => Verdict::Usable,
                    }
                };
                if verdict != Verdict::Usable {
                    tracing::warn!(server = up.name(), verdict = ?verdict, "MCP tool withheld");
                }
                judged.push(Judged {
                    exposed: format!("{}{SEPARATOR}{tool}", up.name()),
                    server: up.name().to_owned(),
                    tool,
                    definition,
                    verdict,
                });
            }
        }
        let mut count: HashMap<&str, usize> = HashMap::new();
        for j in &judged {
            *count.entry(j.exposed.as_str()).or_default() += 1;
        }
        let collided: Vec<bool> = judged
            .iter()
            .map(|j| count[j.exposed.as_str()] > 1)
            .collect();
        for (j, c) in judged.iter_mut().zip(collided) {
            if c {
                j.verdict = Verdict::Collision;
            }
        }
        judged
    }

    /// The guard's verdict on a definition, scanned once per hash. An engine error hides
    /// the tool (fail closed).
    fn scan(&self, hash: &str, definition: &Value) -> Option<Vec<FindingKind>> {
        if let Some(v) = self
            .scanned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(hash)
        {
            return v.clone();
        }
        let verdict = match inspect::tool_definition(&self.guard, definition) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "guard failed on a tool definition: withheld");
                return Some(vec![FindingKind::Custom]);
            }
        };
        let mut scanned = self.scanned.lock().unwrap_or_else(|p| p.into_inner());
        if scanned.len() >= MAX_SCANNED {
            scanned.clear();
        }
        scanned.insert(hash.to_owned(), verdict.clone());
        verdict
    }

    /// `[authz]` on one tool; `Err` is the refusal to send.
    fn authorize(&self, caller: &Caller, server: &str, tool: &str) -> Result<(), RpcError> {
        let Some(authorizer) = &self.authorizer else {
            return Ok(());
        };
        let name = format!("{server}/{tool}");
        let time_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let decision = authorizer.decide(&AuthzQuery {
            principal: &caller.principal,
            action: AuthzAction::CallTool,
            resource: AuthzResource::Tool { name: &name },
            findings: &[],
            source_ip: caller.source_ip,
            time_ms,
            tokens: 0,
        });
        if decision.allowed {
            return Ok(());
        }
        let policy = decision.determining().to_owned();
        Err(
            RpcError::refused("policy", format!("tool call refused by policy `{policy}`"))
                .with_data("policy", Value::from(policy)),
        )
    }

    async fn list(&self, caller: &Caller) -> Value {
        let all: Vec<&Arc<Upstream>> = self.upstreams.iter().collect();
        let tools: Vec<Value> = self
            .judge(&all)
            .await
            .into_iter()
            .filter(|j| j.verdict == Verdict::Usable)
            .filter(|j| self.authorize(caller, &j.server, &j.tool).is_ok())
            .map(|j| {
                let mut def = j.definition;
                if let Some(m) = def.as_object_mut() {
                    m.insert("name".into(), Value::from(j.exposed));
                }
                def
            })
            .collect();
        json!({ "tools": tools })
    }

    async fn call(&self, caller: &Caller, params: &Map<String, Value>) -> Result<Value, RpcError> {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return Err(RpcError::new(
                jsonrpc::INVALID_PARAMS,
                "`name` must be a string",
            ));
        };
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => None,
            Some(Value::Object(a)) => Some(Value::Object(a.clone())),
            Some(_) => {
                return Err(RpcError::new(
                    jsonrpc::INVALID_PARAMS,
                    "`arguments` must be an object",
                ));
            }
        };
        let candidates: Vec<&Arc<Upstream>> = self
            .upstreams
            .iter()
            .filter(|u| {
                name.strip_prefix(u.name())
                    .is_some_and(|rest| rest.starts_with(SEPARATOR))
            })
            .collect();
        let unknown = || RpcError::new(jsonrpc::INVALID_PARAMS, "unknown tool");
        if candidates.is_empty() {
            return Err(unknown());
        }
        let judged = self.judge(&candidates).await;
        let Some(j) = judged.into_iter().find(|j| j.exposed == name) else {
            // Either the tool does not exist or its server is unreachable now.
            return Err(unknown());
        };
        match &j.verdict {
            Verdict::Usable => {}
            Verdict::BadName => return Err(unknown()),
            Verdict::Collision => {
                return Err(RpcError::refused(
                    "collision",
                    "tool refused: two tools are exposed under this name",
                ));
            }
            Verdict::Pin(status) => {
                return Err(RpcError::refused(
                    "pinning",
                    format!(
                        "tool refused by pinning: {}; re-approve it with `rampart mcp lock`",
                        status.describe()
                    ),
                ));
            }
            Verdict::Guard(kinds) => {
                return Err(RpcError::refused(
                    "guard",
                    format!(
                        "tool refused by the guard: its definition has {}",
                        inspect::kinds_list(kinds)
                    ),
                ));
            }
        }
        if let Err(refusal) = self.authorize(caller, &j.server, &j.tool) {
            tracing::info!(
                caller = %caller.principal.key_id, server = %j.server, tool = %j.tool,
                "MCP tool call refused by policy"
            );
            return Err(refusal);
        }
        let Some(upstream) = candidates.iter().find(|u| u.name() == j.server) else {
            return Err(unknown());
        };
        let mut forwarded = Map::new();
        forwarded.insert("name".into(), Value::from(j.tool.as_str()));
        if let Some(a) = arguments {
            forwarded.insert("arguments".into(), a);
        }
        let result = match upstream
            .request("tools/call", Value::Object(forwarded))
            .await
        {
            Ok(r) => r,
            Err(McpError::Remote { code, message, .. }) => {
                return Err(self.remote_error(&j.server, code, &message));
            }
            Err(e) => {
                tracing::warn!(server = %j.server, error = %e, "MCP tool call failed");
                return Err(RpcError::new(jsonrpc::UPSTREAM_FAILED, e.to_string()));
            }
        };
        match inspect::tool_result(&self.guard, &result) {
            Ok(ResultVerdict::Pass(v)) => {
                tracing::info!(caller = %caller.principal.key_id, server = %j.server, tool = %j.tool, "MCP tool call");
                Ok(v)
            }
            Ok(ResultVerdict::Blocked(kinds)) => {
                tracing::warn!(server = %j.server, tool = %j.tool, kinds = %inspect::kinds_list(&kinds), "MCP tool result blocked");
                Err(RpcError::refused(
                    "guard",
                    format!(
                        "tool result blocked by the guard: {}",
                        inspect::kinds_list(&kinds)
                    ),
                )
                .with_data(
                    "findings",
                    Value::from(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()),
                ))
            }
            Err(e) => {
                tracing::warn!(error = %e, "guard failed on a tool result: blocked");
                Err(RpcError::refused(
                    "guard",
                    "tool result blocked: the guard failed",
                ))
            }
        }
    }

    /// An upstream's JSON-RPC error, its message read as untrusted text.
    fn remote_error(&self, server: &str, code: i64, message: &str) -> RpcError {
        let shown = match inspect::tool_result(
            &self.guard,
            &json!({ "content": [{ "type": "text", "text": message }] }),
        ) {
            Ok(ResultVerdict::Pass(v)) => v["content"][0]["text"].as_str().unwrap_or("").to_owned(),
            _ => "[withheld by the guard]".to_owned(),
        };
        RpcError::new(
            jsonrpc::UPSTREAM_FAILED,
            format!("the server `{server}` answered with error {code}: {shown}"),
        )
    }

    /// Whether a client notification is one the proxy knows (HTTP answers 202, else 400).
    pub fn knows_notification(method: &str) -> bool {
        ClientNotification::classify(method).is_some()
    }
}

fn initialize(params: &Map<String, Value>) -> Value {
    let version = crate::methods::negotiate(params.get("protocolVersion").and_then(Value::as_str));
    json!({
        "protocolVersion": version,
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": { "name": "rampart-mcp", "version": env!("CARGO_PKG_VERSION") },
    })
}

/// The current definitions of every server, as a lock file (`rampart mcp lock`). Fails if
/// any server cannot be listed: a lock file is complete or not written.
pub async fn snapshot(upstreams: &[Arc<Upstream>]) -> Result<crate::pinning::LockFile, McpError> {
    let mut lock = crate::pinning::LockFile {
        version: 1,
        servers: Default::default(),
    };
    for up in upstreams {
        let tools = up.list_tools().await?;
        let mut entry = std::collections::BTreeMap::new();
        for t in tools {
            let name = t
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let mut def = Map::new();
            for key in DEFINITION_MEMBERS {
                if let Some(v) = t.get(key) {
                    def.insert(key.into(), v.clone());
                }
            }
            entry.insert(name, tool_hash(&Value::Object(def)));
        }
        lock.servers.insert(up.name().to_owned(), entry);
    }
    Ok(lock)
}
