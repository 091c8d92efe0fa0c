//! The proxy as an MCP client of each `[[mcp.servers]]` entry: a launched program spoken
//! to over stdio ([`stdio`]) or a remote Streamable HTTP endpoint ([`http`]).
//!
//! An [`Upstream`] opens its connection on first use (the initialize handshake included)
//! and opens a new one after a failure, so a server that crashed is restarted by the next
//! call while the call that was running gets a clean error. Every request is bounded by
//! `[mcp] request_timeout_secs` and every message by `[mcp] max_message_bytes`.

pub mod http;
pub mod stdio;

use crate::error::McpError;
use crate::jsonrpc::RpcError;
use rampart_gateway::config::{Config, McpServerConfig};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The most `tools/list` pages read from one server, and the most tools kept.
const MAX_PAGES: usize = 64;
const MAX_TOOLS: usize = 4096;

/// How to reach a server.
#[derive(Debug)]
enum Transport {
    Stdio(stdio::Launch),
    Http(http::Endpoint),
}

/// A live connection.
#[derive(Debug)]
enum Connection {
    Stdio(stdio::Conn),
    Http(http::Conn),
}

impl Connection {
    fn alive(&self) -> bool {
        match self {
            Connection::Stdio(c) => c.alive(),
            Connection::Http(_) => true,
        }
    }
}

/// One upstream server.
#[derive(Debug)]
pub struct Upstream {
    name: String,
    transport: Transport,
    timeout: Duration,
    max_message_bytes: usize,
    conn: tokio::sync::Mutex<Option<Arc<Connection>>>,
}

/// The client information the proxy gives upstreams.
pub(crate) fn initialize_params() -> Value {
    json!({
        "protocolVersion": crate::methods::PROTOCOL_VERSIONS[0],
        "capabilities": {},
        "clientInfo": { "name": "rampart-mcp", "version": env!("CARGO_PKG_VERSION") },
    })
}

impl Upstream {
    /// The upstreams of `config`'s `[[mcp.servers]]`, in order.
    pub fn all_from_config(config: &Config) -> Result<Vec<Arc<Upstream>>, McpError> {
        let mcp = config
            .mcp
            .as_ref()
            .ok_or_else(|| McpError::Config("the config has no [mcp] section".into()))?;
        if mcp.servers.is_empty() {
            return Err(McpError::Config(
                "[mcp] has no [[mcp.servers]]: name at least one server to proxy".into(),
            ));
        }
        mcp.servers
            .iter()
            .map(|s| {
                Upstream::from_config(
                    s.get_ref(),
                    config,
                    Duration::from_secs(mcp.request_timeout_secs),
                    mcp.max_message_bytes,
                )
                .map(Arc::new)
            })
            .collect()
    }

    fn from_config(
        server: &McpServerConfig,
        config: &Config,
        timeout: Duration,
        max_message_bytes: usize,
    ) -> Result<Upstream, McpError> {
        let transport = match (&server.command, &server.url) {
            (Some(command), None) => Transport::Stdio(stdio::Launch {
                command: command.iter().map(|c| c.as_str().to_owned()).collect(),
                env: server
                    .env
                    .iter()
                    .map(|(k, v)| (k.clone(), v.expose().into_owned()))
                    .collect(),
                cwd: server
                    .cwd
                    .as_ref()
                    .map(|c| config.relative_path(c.as_str())),
            }),
            (None, Some(url)) => Transport::Http(http::Endpoint::new(
                &server.name,
                url.as_str(),
                &server.headers,
                timeout,
            )?),
            _ => {
                return Err(McpError::Config(format!(
                    "[[mcp.servers]] `{}`: set exactly one of `command` or `url`",
                    server.name
                )));
            }
        };
        Ok(Upstream {
            name: server.name.clone(),
            transport,
            timeout,
            max_message_bytes,
            conn: tokio::sync::Mutex::new(None),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    async fn connection(&self) -> Result<Arc<Connection>, McpError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| c.alive()) {
            return Ok(c.clone());
        }
        let conn = match &self.transport {
            Transport::Stdio(launch) => Connection::Stdio(
                stdio::Conn::open(&self.name, launch, self.max_message_bytes, self.timeout).await?,
            ),
            Transport::Http(endpoint) => Connection::Http(
                http::Conn::open(&self.name, endpoint, self.max_message_bytes).await?,
            ),
        };
        let conn = Arc::new(conn);
        *slot = Some(conn.clone());
        Ok(conn)
    }

    async fn forget(&self, conn: &Arc<Connection>) {
        let mut slot = self.conn.lock().await;
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
            *slot = None;
        }
    }

    /// Send one request and wait for its result. A JSON-RPC error from the server is
    /// [`McpError::Remote`]; a failed connection is dropped so that the next request
    /// opens a new one.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, McpError> {
        let secs = self.timeout.as_secs();
        let work = async {
            let conn = self.connection().await?;
            let answer = match conn.as_ref() {
                Connection::Stdio(c) => c.request(&self.name, method, params).await,
                Connection::Http(c) => c.request(&self.name, method, params).await,
            };
            if answer.is_err() {
                self.forget(&conn).await;
            }
            answer
        };
        match tokio::time::timeout(self.timeout, work).await {
            Err(_) => {
                // The connection may be wedged: start afresh next time.
                *self.conn.lock().await = None;
                Err(McpError::Timeout {
                    server: self.name.clone(),
                    secs,
                })
            }
            Ok(Ok(Ok(result))) => Ok(result),
            Ok(Ok(Err(RpcError { code, message, .. }))) => Err(McpError::Remote {
                server: self.name.clone(),
                code,
                message,
            }),
            Ok(Err(e)) => Err(e),
        }
    }

    /// Every tool the server lists now (all pages, bounded).
    pub async fn list_tools(&self) -> Result<Vec<Value>, McpError> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = match &cursor {
                Some(c) => json!({ "cursor": c }),
                None => json!({}),
            };
            let page = self.request("tools/list", params).await?;
            let Some(list) = page.get("tools").and_then(Value::as_array) else {
                return Err(McpError::upstream(
                    &self.name,
                    "tools/list answer without `tools`",
                ));
            };
            tools.extend(list.iter().filter(|t| t.is_object()).cloned());
            if tools.len() > MAX_TOOLS {
                return Err(McpError::upstream(&self.name, "more than 4096 tools"));
            }
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(c) if !c.is_empty() => cursor = Some(c.to_owned()),
                _ => return Ok(tools),
            }
        }
        Err(McpError::upstream(
            &self.name,
            "more than 64 pages of tools",
        ))
    }
}
