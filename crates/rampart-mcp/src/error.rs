//! The errors of the proxy: what the operator must fix (config, lock file) and what an
//! upstream did wrong. Refusals to a client are JSON-RPC errors ([`crate::jsonrpc`]).

use std::path::PathBuf;

/// A failure of the proxy or of one upstream.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum McpError {
    /// The config cannot be served (no `[mcp]` section, no servers, ...).
    #[error("{0}")]
    Config(String),
    /// The lock file cannot be read or written.
    #[error("lock file {path}: {message}")]
    LockFile { path: PathBuf, message: String },
    /// An upstream server could not be started, reached or understood. The message never
    /// carries the server's own words (they are untrusted).
    #[error("MCP server `{server}`: {message}")]
    Upstream { server: String, message: String },
    /// The upstream did not answer in time.
    #[error("MCP server `{server}` did not answer within {secs} s")]
    Timeout { server: String, secs: u64 },
    /// The upstream answered with a JSON-RPC error.
    #[error("MCP server `{server}` answered with error {code}")]
    Remote {
        server: String,
        code: i64,
        message: String,
    },
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl McpError {
    pub(crate) fn upstream(server: &str, message: impl Into<String>) -> McpError {
        McpError::Upstream {
            server: server.to_owned(),
            message: message.into(),
        }
    }
}
