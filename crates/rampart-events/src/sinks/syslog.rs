//! Syslog, RFC 5424 messages:
//! `<PRI>1 TIMESTAMP HOSTNAME rampart PROCID MSGID - MSG`, facility 13 (log audit),
//! severity from the event's (critical 2, high 3, medium 4, low 5, info 6), `MSGID` the
//! event class, `MSG` the event in the sink's format (CEF by default).
//!
//! Transports: `udp://` one message per datagram (RFC 5426; no delivery guarantee, a lost
//! datagram is not seen); `tcp://` and `tls://` octet counting, `LEN SP MSG` (RFC 6587
//! §3.4.1, the framing RFC 5425 requires for TLS), one connection kept open and opened
//! again after an error. TLS trusts `ca_file` when given, else the system's roots, and
//! checks the server name of the address. Syslog has no application acknowledgement: a
//! batch counts as delivered once written and flushed to the connection.

use super::{BoxFuture, Sink, SinkError, SyslogAddress};
use crate::encode::Format;
use crate::event::Event;
use rampart_core::Severity;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

/// Facility 13: log audit.
const FACILITY: u8 = 13;
/// Longest message sent in one UDP datagram; longer ones are cut (RFC 5426 allows it).
const MAX_DATAGRAM: usize = 65_000;

trait Stream: AsyncWrite + Unpin + Send {}
impl<T: AsyncWrite + Unpin + Send> Stream for T {}

/// The `syslog` sink.
pub struct SyslogSink {
    address: SyslogAddress,
    format: Format,
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    )>,
    connection: Mutex<Option<Box<dyn Stream>>>,
    timeout: Duration,
    hostname: String,
}

impl std::fmt::Debug for SyslogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyslogSink")
            .field("address", &self.address)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl SyslogSink {
    pub fn new(
        address: SyslogAddress,
        ca_file: Option<&Path>,
        format: Format,
        timeout: Duration,
    ) -> Result<Self, String> {
        let tls = match &address {
            SyslogAddress::Tls(hostport) => Some(tls_connector(hostport, ca_file)?),
            _ => None,
        };
        Ok(SyslogSink {
            address,
            format,
            tls,
            connection: Mutex::new(None),
            timeout,
            hostname: hostname(),
        })
    }

    /// One RFC 5424 message.
    pub fn message(&self, event: &Event) -> Vec<u8> {
        let severity = match event.severity {
            Severity::Critical => 2,
            Severity::High => 3,
            Severity::Medium => 4,
            Severity::Low => 5,
            Severity::Info => 6,
        };
        let mut msg = format!(
            "<{}>1 {} {} rampart {} {} - ",
            FACILITY * 8 + severity,
            rampart_core::calendar::format_rfc3339_millis(event.time_ms),
            self.hostname,
            std::process::id(),
            event.class().as_str(),
        )
        .into_bytes();
        msg.extend_from_slice(&self.format.encode(event));
        msg
    }

    async fn connect(&self, hostport: &str) -> Result<Box<dyn Stream>, SinkError> {
        let what = format!("syslog {hostport}");
        let tcp = tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(hostport))
            .await
            .map_err(|_| SinkError::Retryable(format!("{what}: connection timed out")))?
            .map_err(|e| SinkError::Retryable(format!("{what}: {e}")))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => Ok(Box::new(tcp)),
            Some((connector, name)) => {
                let tls = tokio::time::timeout(self.timeout, connector.connect(name.clone(), tcp))
                    .await
                    .map_err(|_| SinkError::Retryable(format!("{what}: TLS handshake timed out")))?
                    .map_err(|e| SinkError::Retryable(format!("{what}: TLS: {e}")))?;
                Ok(Box::new(tls))
            }
        }
    }
}

impl Sink for SyslogSink {
    fn send<'a>(&'a self, events: &'a [Event]) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            match &self.address {
                SyslogAddress::Udp(hostport) => {
                    let what = format!("syslog udp {hostport}");
                    let socket = tokio::net::UdpSocket::bind(if hostport.starts_with('[') {
                        "[::]:0"
                    } else {
                        "0.0.0.0:0"
                    })
                    .await
                    .map_err(|e| SinkError::Retryable(format!("{what}: {e}")))?;
                    socket
                        .connect(hostport)
                        .await
                        .map_err(|e| SinkError::Retryable(format!("{what}: {e}")))?;
                    for event in events {
                        let mut msg = self.message(event);
                        msg.truncate(MAX_DATAGRAM);
                        socket
                            .send(&msg)
                            .await
                            .map_err(|e| SinkError::Retryable(format!("{what}: {e}")))?;
                    }
                    Ok(())
                }
                SyslogAddress::Tcp(hostport) | SyslogAddress::Tls(hostport) => {
                    let mut frames = Vec::with_capacity(events.len() * 700);
                    for event in events {
                        let msg = self.message(event);
                        frames.extend_from_slice(format!("{} ", msg.len()).as_bytes());
                        frames.extend_from_slice(&msg);
                    }
                    let mut connection = self.connection.lock().await;
                    if connection.is_none() {
                        *connection = Some(self.connect(hostport).await?);
                    }
                    let Some(stream) = connection.as_mut() else {
                        return Err(SinkError::Retryable("syslog: not connected".into()));
                    };
                    let written = async {
                        stream.write_all(&frames).await?;
                        stream.flush().await
                    }
                    .await;
                    if let Err(err) = written {
                        *connection = None;
                        return Err(SinkError::Retryable(format!("syslog {hostport}: {err}")));
                    }
                    Ok(())
                }
            }
        })
    }
}

fn tls_connector(
    hostport: &str,
    ca_file: Option<&Path>,
) -> Result<
    (
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    ),
    String,
> {
    use rustls_pki_types::pem::PemObject as _;
    let host = hostport
        .rsplit_once(':')
        .map_or(hostport, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    let name = rustls_pki_types::ServerName::try_from(host.to_owned())
        .map_err(|_| format!("`address`: `{host}` is not a valid server name"))?;
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("`ca_file` {}: {e}", path.display()))?;
            for cert in certs {
                let cert = cert.map_err(|e| format!("`ca_file` {}: {e}", path.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("`ca_file` {}: {e}", path.display()))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((tokio_rustls::TlsConnector::from(Arc::new(config)), name))
}

/// The host name for the HOSTNAME field (`-`, the nil value, when unknown).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(|| "-".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::audit::AuditRecord;

    #[test]
    fn a_message_has_the_rfc5424_header() {
        let sink = SyslogSink::new(
            SyslogAddress::Tcp("127.0.0.1:1".into()),
            None,
            Format::Cef,
            Duration::from_secs(1),
        )
        .unwrap();
        let record = AuditRecord::new(1_700_000_000_123, "r1", "openai.chat_completions");
        let msg = sink.message(&Event::from_audit(&record)[0]);
        let text = String::from_utf8(msg).unwrap();
        // Facility 13 × 8 + informational 6.
        assert!(
            text.starts_with("<110>1 2023-11-14T22:13:20.123Z "),
            "{text}"
        );
        assert!(text.contains(" rampart "));
        assert!(
            text.contains(" api_activity - CEF:0|Rampart|Rampart|"),
            "{text}"
        );
    }
}
