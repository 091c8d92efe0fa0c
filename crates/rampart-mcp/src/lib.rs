//! `rampart mcp`: a Model Context Protocol proxy that is an MCP server to its client and an
//! MCP client to each upstream server of `[[mcp.servers]]`.
//!
//! Closed by construction: every client message is parsed strictly ([`jsonrpc`]) and
//! classified ([`methods`]); only the methods the proxy understands are answered, and it
//! answers them itself (initialize, ping) or through the checks of [`proxy`]: tools are
//! exposed as `<server>__<tool>`, pinned by hash ([`pinning`]), scanned by the guard at
//! listing, filtered and decided per caller by the `[authz]` policies
//! (`Action::"call_tool"` on `Tool::"<server>/<tool>"`), and their results inspected as
//! untrusted text before the client sees them ([`inspect`]). Identity and policy come
//! through the gateway's seams (`Authenticator`, `authz::Authorizer`), never a copy.
//!
//! Transports: [`serve_stdio`] (one client on standard input and output) and
//! [`serve_http`] (Streamable HTTP at `POST /mcp`); upstreams are launched programs
//! spoken to over stdio or remote Streamable HTTP endpoints ([`upstream`]).

pub mod error;
pub mod framing;
pub mod inspect;
pub mod jsonrpc;
pub mod methods;
pub mod pinning;
pub mod proxy;
pub mod serve_http;
pub mod serve_stdio;
pub mod upstream;

pub use error::McpError;
pub use proxy::{Caller, Proxy};
