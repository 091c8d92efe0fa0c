//! An upstream launched by the proxy and spoken to over its standard input and output
//! (newline-delimited JSON-RPC). Its standard error goes to the proxy's.
//!
//! The program gets a clean environment (`PATH`, `HOME`, `LANG` and the server's own
//! `env`), so the proxy's credentials are not inherited. One reader task matches answers
//! to waiting requests by id; requests the server sends (sampling, elicitation, roots) are
//! refused, `ping` is answered, notifications are read and dropped. When the program
//! exits, every waiting request fails at once and the next request launches it again.

use crate::error::McpError;
use crate::framing::{Frame, LineSplitter};
use crate::jsonrpc::{self, Id, Message, RpcError};
use crate::methods::UpstreamRequest;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin};
use tokio::sync::oneshot;

/// What to launch.
#[derive(Debug, Clone)]
pub struct Launch {
    pub command: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub cwd: Option<PathBuf>,
}

type Waiting = Arc<Mutex<HashMap<i64, oneshot::Sender<Result<Value, RpcError>>>>>;

/// A running server.
#[derive(Debug)]
pub struct Conn {
    stdin: Arc<tokio::sync::Mutex<ChildStdin>>,
    waiting: Waiting,
    next_id: AtomicI64,
    alive: Arc<AtomicBool>,
    /// Killed when the connection is dropped.
    _child: Child,
}

/// Variables passed through from the proxy's environment.
const INHERITED_ENV: [&str; 3] = ["PATH", "HOME", "LANG"];

impl Conn {
    /// Launch the program and complete the initialize handshake.
    pub async fn open(
        server: &str,
        launch: &Launch,
        max_message_bytes: usize,
        timeout: Duration,
    ) -> Result<Conn, McpError> {
        let Some((program, args)) = launch.command.split_first() else {
            return Err(McpError::upstream(server, "empty command"));
        };
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for var in INHERITED_ENV {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        cmd.envs(&launch.env);
        if let Some(dir) = &launch.cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| McpError::upstream(server, format!("cannot launch `{program}`: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(McpError::upstream(
                server,
                "no pipes to the launched program",
            ));
        };
        let stdin = Arc::new(tokio::sync::Mutex::new(stdin));
        let waiting: Waiting = Arc::default();
        let alive = Arc::new(AtomicBool::new(true));
        tokio::spawn(read_loop(
            server.to_owned(),
            stdout,
            stdin.clone(),
            waiting.clone(),
            alive.clone(),
            max_message_bytes,
        ));
        let conn = Conn {
            stdin,
            waiting,
            next_id: AtomicI64::new(1),
            alive,
            _child: child,
        };
        let init = tokio::time::timeout(
            timeout,
            conn.request(server, "initialize", super::initialize_params()),
        )
        .await
        .map_err(|_| McpError::upstream(server, "no answer to initialize"))??;
        if let Err(e) = init {
            return Err(McpError::upstream(
                server,
                format!("initialize refused with error {}", e.code),
            ));
        }
        conn.send(&jsonrpc::notification("notifications/initialized", None))
            .await
            .map_err(|e| McpError::upstream(server, e.to_string()))?;
        Ok(conn)
    }

    pub fn alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    async fn send(&self, message: &Value) -> std::io::Result<()> {
        write_line(&self.stdin, message).await
    }

    /// One request; `Err` when the program is gone or never answers on a closed pipe.
    pub async fn request(
        &self,
        server: &str,
        method: &str,
        params: Value,
    ) -> Result<Result<Value, RpcError>, McpError> {
        if !self.alive() {
            return Err(McpError::upstream(server, "the server is not running"));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        if !self.alive() {
            // The reader may have cleared the table before this entry went in.
            self.waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            return Err(McpError::upstream(server, "the server is not running"));
        }
        let message = jsonrpc::request(&Id::Number(id), method, Some(params));
        if let Err(e) = self.send(&message).await {
            self.waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            return Err(McpError::upstream(
                server,
                format!("cannot write to the server: {e}"),
            ));
        }
        rx.await
            .map_err(|_| McpError::upstream(server, "the server exited before answering"))
    }
}

async fn write_line(
    stdin: &tokio::sync::Mutex<ChildStdin>,
    message: &Value,
) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut stdin = stdin.lock().await;
    stdin.write_all(&line).await?;
    stdin.flush().await
}

async fn read_loop(
    server: String,
    mut stdout: tokio::process::ChildStdout,
    stdin: Arc<tokio::sync::Mutex<ChildStdin>>,
    waiting: Waiting,
    alive: Arc<AtomicBool>,
    max: usize,
) {
    let mut splitter = LineSplitter::new(max);
    let mut buf = vec![0u8; 64 * 1024];
    let mut frames = Vec::new();
    loop {
        let n = match stdout.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        splitter.push(&buf[..n], &mut frames);
        for frame in frames.drain(..) {
            let Frame::Message(bytes) = frame else {
                tracing::warn!(server, "MCP server sent an over-long message; dropped");
                continue;
            };
            match jsonrpc::parse(&bytes, max) {
                Ok(Message::Response {
                    id: Id::Number(n),
                    outcome,
                }) => {
                    let tx = waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(&n);
                    if let Some(tx) = tx {
                        let _ = tx.send(outcome);
                    }
                }
                Ok(Message::Request { id, method, .. }) => {
                    let answer = match UpstreamRequest::classify(&method) {
                        UpstreamRequest::Ping => jsonrpc::result_response(&id, json!({})),
                        UpstreamRequest::Refused => {
                            tracing::info!(server, method = %method, "MCP server request refused");
                            jsonrpc::error_response(
                                Some(&id),
                                &RpcError::new(
                                    jsonrpc::METHOD_NOT_FOUND,
                                    "refused by rampart: the proxy does not relay this request",
                                ),
                            )
                        }
                    };
                    if write_line(&stdin, &answer).await.is_err() {
                        break;
                    }
                }
                Ok(Message::Notification { method, .. }) => {
                    tracing::debug!(server, method = %method, "MCP server notification dropped");
                }
                Ok(Message::Response { .. }) | Err(_) => {
                    tracing::warn!(
                        server,
                        "MCP server sent a message that is not JSON-RPC; dropped"
                    );
                }
            }
        }
    }
    alive.store(false, Ordering::Release);
    // Dropping the senders fails every waiting request at once.
    waiting.lock().unwrap_or_else(|p| p.into_inner()).clear();
    tracing::warn!(server, "MCP server's output closed (it exited)");
}
