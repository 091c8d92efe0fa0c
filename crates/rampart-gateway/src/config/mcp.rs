//! `[mcp]` and `[[mcp.servers]]`: the MCP proxy of `rampart mcp`.
//!
//! The section lives here, next to the other sections of the one config file, because
//! this crate owns the file's parser, its `${VAR}` interpolation, its line-numbered errors
//! and its schema; `rampart-mcp` reads it and `rampart serve` ignores it.

use super::*;
use std::collections::BTreeMap;

/// `[mcp]`: the MCP proxy (`rampart mcp`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// Address of the Streamable HTTP endpoint `http://<listen>/mcp`. Default
    /// `127.0.0.1:8788`.
    #[serde(default = "default_mcp_listen")]
    #[schemars(with = "Interpolated")]
    pub listen: Spanned<Interpolated>,
    /// How tool definitions are approved: `first-use` (the first definition seen is
    /// approved and recorded in `lock_file` when one is set) or `lock` (only the
    /// definitions in `lock_file`, written by `rampart mcp lock`). Default `first-use`.
    #[serde(default)]
    pub pinning: PinningMode,
    /// The lock file of pinned tool definitions (JSON), relative to the config file's
    /// folder. Required with `pinning = "lock"`.
    #[serde(default)]
    #[schemars(with = "Option<Interpolated>")]
    pub lock_file: Option<Spanned<Interpolated>>,
    /// The largest JSON-RPC message accepted from a client or an upstream, in bytes.
    /// Default 4 MiB.
    #[serde(default = "default_mcp_max_message_bytes")]
    pub max_message_bytes: usize,
    /// How long an upstream may take to answer one request, in seconds. Default 60.
    #[serde(default = "default_mcp_request_timeout_secs")]
    pub request_timeout_secs: u64,
    /// The URL at which clients reach the proxy's endpoint, when it differs from
    /// `http://<listen>/mcp` (behind a TLS terminator or a load balancer), e.g.
    /// `https://mcp.corp.example/mcp`. It is the `resource` of the proxy's OAuth
    /// protected-resource metadata (RFC 9728, MCP authorization), which names the
    /// `[[auth.oidc]]` issuers as its authorization servers; their tokens for the proxy
    /// should carry it as audience. Default: the request's own `Host`.
    #[serde(default)]
    #[schemars(with = "Option<Interpolated>")]
    pub public_url: Option<Spanned<Interpolated>>,
    /// The MCP servers behind the proxy; their tools are exposed as `<name>__<tool>`.
    #[serde(default)]
    #[schemars(with = "Vec<McpServerConfig>")]
    pub servers: Vec<Spanned<McpServerConfig>>,
}

/// `[mcp] pinning`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PinningMode {
    /// Approve a tool's definition the first time it is seen; any later change is refused.
    #[default]
    FirstUse,
    /// Approve only the definitions recorded in `lock_file`.
    Lock,
}

/// `[[mcp.servers]]`: one upstream MCP server, launched (`command`) or reached (`url`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpServerConfig {
    /// The server's name: letters, digits, `-` and `_`, without `__` (the separator of
    /// exposed tool names).
    pub name: String,
    /// The program and its arguments, for a server spoken to over stdio.
    #[serde(default)]
    pub command: Option<Vec<Interpolated>>,
    /// Environment variables of the launched server (its environment is otherwise only
    /// `PATH`, `HOME` and `LANG`, so the proxy's own credentials do not leak to it).
    #[serde(default)]
    pub env: BTreeMap<String, Secret>,
    /// The launched server's working folder, relative to the config file's folder.
    #[serde(default)]
    pub cwd: Option<Interpolated>,
    /// The Streamable HTTP endpoint of a remote server (`http://host:port/mcp`).
    #[serde(default)]
    pub url: Option<Interpolated>,
    /// Headers sent to a remote server (its credentials, such as `Authorization`). Held by
    /// Rampart: the client's own credentials are never passed through.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
}

fn default_mcp_listen() -> Spanned<Interpolated> {
    Spanned::new(0..0, Interpolated("127.0.0.1:8788".into()))
}

fn default_mcp_max_message_bytes() -> usize {
    4 << 20
}

fn default_mcp_request_timeout_secs() -> u64 {
    60
}

/// Whether `name` may name an upstream: it becomes the prefix of `<name>__<tool>`.
pub fn valid_mcp_server_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.contains("__")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Config {
    /// `[mcp] listen` as an address.
    pub fn mcp_listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        let listen = self
            .mcp
            .as_ref()
            .map_or_else(default_mcp_listen, |m| m.listen.clone());
        listen
            .get_ref()
            .0
            .parse()
            .map_err(|_| self.invalid(listen.span(), "mcp.listen", "bad address"))
    }

    /// `[mcp] lock_file`, resolved against the config file's folder.
    pub fn mcp_lock_file(&self) -> Option<PathBuf> {
        self.mcp
            .as_ref()
            .and_then(|m| m.lock_file.as_ref())
            .map(|f| self.relative_path(f.get_ref().as_str()))
    }

    /// The checks of `[mcp]`, added to `errors`.
    pub(crate) fn validate_mcp(&self, errors: &mut Vec<ConfigError>) {
        let Some(mcp) = &self.mcp else { return };
        if mcp.listen.get_ref().0.parse::<SocketAddr>().is_err() {
            errors.push(self.invalid(
                mcp.listen.span(),
                "mcp.listen",
                "expected an address such as 127.0.0.1:8788",
            ));
        }
        if mcp.pinning == PinningMode::Lock && mcp.lock_file.is_none() {
            errors.push(self.invalid(
                0..0,
                "mcp.lock_file",
                "`pinning = \"lock\"` needs a lock file (write it with `rampart mcp lock`)",
            ));
        }
        if mcp.max_message_bytes < 1024 || mcp.max_message_bytes > 64 << 20 {
            errors.push(self.invalid(
                0..0,
                "mcp.max_message_bytes",
                "must be between 1024 and 67108864",
            ));
        }
        if mcp.request_timeout_secs == 0 {
            errors.push(self.invalid(0..0, "mcp.request_timeout_secs", "must be greater than 0"));
        }
        if let Some(url) = &mcp.public_url {
            let text = url.get_ref().as_str();
            let rest = text
                .strip_prefix("https://")
                .or_else(|| text.strip_prefix("http://"));
            let clean = rest.is_some_and(|r| {
                let authority = r.split('/').next().unwrap_or("");
                !authority.is_empty()
                    && !authority.contains('@')
                    && r.contains('/')
                    && !r.contains(['?', '#'])
                    && !r.chars().any(|c| c.is_whitespace() || c.is_control())
            });
            if !clean {
                errors.push(self.invalid(
                    url.span(),
                    "mcp.public_url",
                    "expected an https:// URL with a path and no credentials, query or fragment, \
                     such as https://mcp.corp.example/mcp",
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        for s in &mcp.servers {
            let server = s.get_ref();
            if !valid_mcp_server_name(&server.name) {
                errors.push(self.invalid(
                    s.span(),
                    "mcp.servers.name",
                    "use 1-64 letters, digits, `-` or `_`, without `__`",
                ));
            }
            if !names.insert(server.name.as_str()) {
                errors.push(self.invalid(s.span(), "mcp.servers.name", "duplicate server name"));
            }
            match (&server.command, &server.url) {
                (Some(c), None) if c.is_empty() || c[0].as_str().is_empty() => {
                    errors.push(self.invalid(
                        s.span(),
                        "mcp.servers.command",
                        "name the program to launch",
                    ));
                }
                (Some(_), None) => {
                    if !server.headers.is_empty() {
                        errors.push(self.invalid(
                            s.span(),
                            "mcp.servers.headers",
                            "only for a server reached by `url`",
                        ));
                    }
                }
                (None, Some(url)) => {
                    let url = url.as_str();
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        errors.push(self.invalid(
                            s.span(),
                            "mcp.servers.url",
                            "expected an http:// or https:// URL",
                        ));
                    }
                    if !server.env.is_empty() || server.cwd.is_some() {
                        errors.push(self.invalid(
                            s.span(),
                            "mcp.servers.env",
                            "`env` and `cwd` are only for a launched server (`command`)",
                        ));
                    }
                }
                _ => errors.push(self.invalid(
                    s.span(),
                    "mcp.servers",
                    "set exactly one of `command` (a launched server) or `url`",
                )),
            }
        }
    }
}
