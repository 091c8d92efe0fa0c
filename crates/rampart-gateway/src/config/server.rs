//! `[server]`: the main listener, its timeouts, inbound TLS and the admin listener.

use super::*;

/// `[server]`: the main listener.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Default `127.0.0.1:8787`.
    #[serde(default = "default_listen")]
    #[schemars(with = "Interpolated")]
    pub listen: Spanned<Interpolated>,
    /// Largest request body accepted, in bytes. Default 4 MiB; larger bodies get 413.
    #[serde(default = "default_body_limit")]
    pub body_limit: usize,
    #[serde(default)]
    pub timeouts: ServerTimeouts,
    /// Inbound TLS; plain HTTP when absent.
    pub tls: Option<TlsConfig>,
    /// Serve `/healthz`, `/readyz` and `/metrics` on their own listener instead of the main one.
    pub admin: Option<AdminConfig>,
    /// Seconds to wait for in-flight requests on shutdown. Default 30.
    #[serde(default = "default_shutdown_grace")]
    pub shutdown_grace_secs: u64,
    /// Seconds between checks of the config file for changes (0 disables). Default 2.
    #[serde(default = "default_reload_poll")]
    pub reload_poll_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            body_limit: default_body_limit(),
            timeouts: ServerTimeouts::default(),
            tls: None,
            admin: None,
            shutdown_grace_secs: default_shutdown_grace(),
            reload_poll_secs: default_reload_poll(),
        }
    }
}

fn default_listen() -> Spanned<Interpolated> {
    Spanned::new(0..0, Interpolated("127.0.0.1:8787".into()))
}
fn default_body_limit() -> usize {
    4 * 1024 * 1024
}
fn default_shutdown_grace() -> u64 {
    30
}
fn default_reload_poll() -> u64 {
    2
}

/// `[server.timeouts]`, in seconds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerTimeouts {
    /// Time allowed to receive request headers. Default 10.
    #[serde(default = "ten")]
    pub header_secs: u64,
    /// Time allowed to receive the request body. Default 30.
    #[serde(default = "thirty")]
    pub body_secs: u64,
    /// Time allowed for a whole request, all upstream attempts included (streams: until the
    /// first byte of the answer). Default 300.
    #[serde(default = "three_hundred")]
    pub request_secs: u64,
}

impl Default for ServerTimeouts {
    fn default() -> Self {
        ServerTimeouts {
            header_secs: 10,
            body_secs: 30,
            request_secs: 300,
        }
    }
}

pub(super) fn ten() -> u64 {
    10
}
fn thirty() -> u64 {
    30
}
pub(super) fn sixty() -> u64 {
    60
}
fn three_hundred() -> u64 {
    300
}

/// `[server.tls]`: inbound TLS, optionally requiring client certificates (mTLS).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain.
    pub cert: Interpolated,
    /// PEM private key.
    pub key: Interpolated,
    /// PEM bundle of CAs whose client certificates are accepted; when set, clients must
    /// present one.
    pub client_ca: Option<Interpolated>,
}

/// `[server.admin]`: a separate listener for health and metrics.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    #[schemars(with = "Interpolated")]
    pub listen: Spanned<Interpolated>,
}
