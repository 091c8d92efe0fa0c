//! Sinks: where events go. One file per sink implementing [`Sink`], plus one line in
//! [`build`]. A sink only delivers a batch, in order, and says whether a failure may be
//! retried; batching, retries with back-off, the spool, filters and metrics are the
//! dispatcher's ([`crate::dispatch`]), the same for every sink.

pub mod elasticsearch;
pub mod file;
pub mod nats;
pub mod splunk_hec;
pub mod syslog;
pub mod webhook;

use crate::encode::Format;
use crate::event::Event;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A boxed future, as [`Sink::send`] returns it.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Delivers batches of events to one destination.
pub trait Sink: Send + Sync + fmt::Debug {
    /// Delivers `events` in order. `Ok` once the destination has all of them (as far as
    /// its protocol can tell); a failure says whether sending the batch again may help.
    fn send<'a>(&'a self, events: &'a [Event]) -> BoxFuture<'a, Result<(), SinkError>>;
}

/// Why a batch was not delivered. Messages name the sink's destination without
/// credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The destination is down, slow or busy: the batch stays in the spool and is sent
    /// again after a back-off.
    #[error("{0}")]
    Retryable(String),
    /// The destination refused the batch for good (bad request, bad credentials): it is
    /// dropped and counted, so one bad batch does not stop the sink.
    #[error("{0}")]
    Permanent(String),
}

/// Where a syslog sink sends, from `address = "udp://…" | "tcp://…" | "tls://…"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyslogAddress {
    Udp(String),
    Tcp(String),
    Tls(String),
}

impl SyslogAddress {
    /// Parses `udp://HOST:PORT`, `tcp://HOST:PORT` or `tls://HOST:PORT`.
    pub fn parse(address: &str) -> Result<SyslogAddress, String> {
        let (scheme, rest) = address
            .split_once("://")
            .ok_or("expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT")?;
        let valid = rest
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !valid {
            return Err("expected HOST:PORT after the scheme".into());
        }
        match scheme {
            "udp" => Ok(SyslogAddress::Udp(rest.to_owned())),
            "tcp" => Ok(SyslogAddress::Tcp(rest.to_owned())),
            "tls" => Ok(SyslogAddress::Tls(rest.to_owned())),
            _ => Err(format!(
                "unknown scheme `{scheme}`: expected udp, tcp or tls"
            )),
        }
    }
}

/// What each kind of sink needs, with its credentials already read from the
/// environment.
#[derive(Clone)]
#[non_exhaustive]
pub enum Target {
    /// JSONL (or CEF lines) appended to `path`, rotated past `max_bytes` into
    /// `path.1` … `path.keep`.
    File {
        path: PathBuf,
        max_bytes: u64,
        keep: u32,
    },
    /// Standard Webhooks: one signed POST per event.
    Webhook { url: String, secret: Vec<u8> },
    /// RFC 5424 messages; octet-counted over TCP and TLS (RFC 5425), one per datagram
    /// over UDP.
    Syslog {
        address: SyslogAddress,
        ca_file: Option<PathBuf>,
    },
    /// Splunk HTTP Event Collector.
    SplunkHec { url: String, token: String },
    /// Elasticsearch / OpenSearch `_bulk`.
    Elasticsearch {
        url: String,
        index: String,
        api_key: Option<String>,
    },
    /// NATS JetStream: `url` is `nats://HOST:PORT`.
    Nats {
        url: String,
        subject: String,
        token: Option<String>,
    },
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the token or secret.
        match self {
            Target::File { path, .. } => write!(f, "File({})", path.display()),
            Target::Webhook { url, .. } => write!(f, "Webhook({})", redact(url)),
            Target::Syslog { address, .. } => write!(f, "Syslog({address:?})"),
            Target::SplunkHec { url, .. } => write!(f, "SplunkHec({})", redact(url)),
            Target::Elasticsearch { url, index, .. } => {
                write!(f, "Elasticsearch({}, {index})", redact(url))
            }
            Target::Nats { url, subject, .. } => write!(f, "Nats({}, {subject})", redact(url)),
        }
    }
}

pub(crate) fn redact(url: &str) -> String {
    rampart_core::redact::redact_url(url).into_owned()
}

/// One sink's settings, as `[[events.sinks]]` gives them.
#[derive(Debug, Clone)]
pub struct SinkSettings {
    pub name: String,
    pub format: Format,
    pub target: Target,
    /// The sink's spool file (every event passes through it).
    pub spool_path: PathBuf,
    pub spool_max_bytes: u64,
    pub filter: crate::Filter,
    /// Most events per delivery.
    pub batch_size: usize,
    /// How long one delivery may take before it counts as failed.
    pub timeout: Duration,
    /// Events held in memory before they overflow to the spool at once.
    pub queue: usize,
}

impl SinkSettings {
    /// Settings with the defaults: batches of 500, 10 s timeout, a queue of 8192.
    pub fn new(
        name: impl Into<String>,
        format: Format,
        target: Target,
        spool_path: PathBuf,
    ) -> Self {
        SinkSettings {
            name: name.into(),
            format,
            target,
            spool_path,
            spool_max_bytes: 256 * 1024 * 1024,
            filter: crate::Filter::default(),
            batch_size: 500,
            timeout: Duration::from_secs(10),
            queue: 8192,
        }
    }
}

/// Why a sink could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("events sink `{sink}`: {message}")]
    Invalid { sink: String, message: String },
}

/// The registry: one line per kind.
pub fn build(settings: &SinkSettings) -> Result<Arc<dyn Sink>, BuildError> {
    let invalid = |message: String| BuildError::Invalid {
        sink: settings.name.clone(),
        message,
    };
    let timeout = settings.timeout;
    let sink: Arc<dyn Sink> = match &settings.target {
        Target::File {
            path,
            max_bytes,
            keep,
        } => Arc::new(file::FileSink::new(
            path.clone(),
            *max_bytes,
            *keep,
            settings.format,
        )),
        Target::Webhook { url, secret } => Arc::new(
            webhook::WebhookSink::new(url, secret.clone(), settings.format, timeout)
                .map_err(invalid)?,
        ),
        Target::Syslog { address, ca_file } => Arc::new(
            syslog::SyslogSink::new(
                address.clone(),
                ca_file.as_deref(),
                settings.format,
                timeout,
            )
            .map_err(invalid)?,
        ),
        Target::SplunkHec { url, token } => Arc::new(
            splunk_hec::HecSink::new(url, token, settings.format, timeout).map_err(invalid)?,
        ),
        Target::Elasticsearch {
            url,
            index,
            api_key,
        } => Arc::new(
            elasticsearch::BulkSink::new(url, index, api_key.as_deref(), timeout)
                .map_err(invalid)?,
        ),
        Target::Nats {
            url,
            subject,
            token,
        } => Arc::new(
            nats::NatsSink::new(url, subject, token.clone(), settings.format, timeout)
                .map_err(invalid)?,
        ),
    };
    Ok(sink)
}

/// An HTTP client for the HTTP sinks: rustls, the given timeout, no redirects (a
/// redirect could carry a token elsewhere).
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Classifies an HTTP answer: 2xx delivered; 408, 429 and 5xx retried; other 4xx
/// permanent.
pub(crate) fn classify(what: &str, status: reqwest::StatusCode) -> Result<(), SinkError> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(SinkError::Retryable(format!("{what} answered {status}")))
    } else {
        Err(SinkError::Permanent(format!(
            "{what} refused the batch: {status}"
        )))
    }
}

/// A transport failure (connection refused, timeout, reset): retried.
pub(crate) fn transport(what: &str, err: reqwest::Error) -> SinkError {
    // reqwest's message may include the URL; strip it to the kind of failure.
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    SinkError::Retryable(format!("{what}: {kind}"))
}
