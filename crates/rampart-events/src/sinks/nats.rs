//! NATS JetStream, over the NATS client protocol written out here (text commands over one
//! TCP connection; <https://docs.nats.io/reference/reference-protocols/nats-protocol>):
//! `CONNECT` with headers and no-responders on, one `SUB` on a private inbox, then per
//! event `HPUB SUBJECT INBOX.N` with the header `Nats-Msg-Id: EVENT_ID` (JetStream drops a
//! duplicate within its window, so a resend is idempotent). A batch counts as delivered
//! when JetStream has acknowledged every message (`{"stream":…,"seq":…}` on the inbox);
//! an error answer, a 503 no-responders status (no stream takes the subject) or silence
//! until the timeout fails the batch, retryable. Server `PING`s are answered. The
//! connection is kept and opened again after an error.

use super::{BoxFuture, Sink, SinkError};
use crate::encode::Format;
use crate::event::Event;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Mutex;

/// The longest line or payload read from the server.
const MAX_READ: usize = 1024 * 1024;

#[derive(Debug)]
struct Connection {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    inbox: String,
}

/// The `nats` sink. Its `Debug` leaves the credentials out.
pub struct NatsSink {
    /// `HOST:PORT`.
    address: String,
    subject: String,
    token: Option<String>,
    format: Format,
    timeout: Duration,
    connection: Mutex<Option<Connection>>,
}

/// Parses `nats://HOST:PORT` into `HOST:PORT`.
pub fn parse_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("nats://")
        .ok_or("expected nats://HOST:PORT")?;
    let valid = rest
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && !h.contains('@') && p.parse::<u16>().is_ok());
    if !valid {
        return Err("expected nats://HOST:PORT (credentials go in token_env)".into());
    }
    Ok(rest.to_owned())
}

/// A subject is tokens of printable characters without spaces or wildcards.
pub fn valid_subject(subject: &str) -> bool {
    !subject.is_empty()
        && subject.len() <= 256
        && subject.split('.').all(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'*' && b != b'>')
        })
}

impl std::fmt::Debug for NatsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSink")
            .field("address", &self.address)
            .field("subject", &self.subject)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl NatsSink {
    pub fn new(
        url: &str,
        subject: &str,
        token: Option<String>,
        format: Format,
        timeout: Duration,
    ) -> Result<Self, String> {
        if !valid_subject(subject) {
            return Err("`subject`: expected a NATS subject such as rampart.events".into());
        }
        Ok(NatsSink {
            address: parse_url(url).map_err(|m| format!("`url`: {m}"))?,
            subject: subject.to_owned(),
            token,
            format,
            timeout,
            connection: Mutex::new(None),
        })
    }

    fn err(&self, message: impl std::fmt::Display) -> SinkError {
        SinkError::Retryable(format!("NATS {}: {message}", self.address))
    }

    async fn connect(&self) -> Result<Connection, SinkError> {
        let stream = TcpStream::connect(&self.address)
            .await
            .map_err(|e| self.err(e))?;
        let _ = stream.set_nodelay(true);
        let (read, mut writer) = stream.into_split();
        let mut reader = BufReader::new(read);
        let info = read_line(&mut reader).await.map_err(|e| self.err(e))?;
        if !info.starts_with("INFO ") {
            return Err(self.err("the server did not start with INFO"));
        }
        let mut connect = serde_json::json!({
            "verbose": false, "pedantic": false, "lang": "rust", "name": "rampart-events",
            "version": env!("CARGO_PKG_VERSION"), "protocol": 1, "headers": true, "no_responders": true,
        });
        if let Some(token) = &self.token {
            connect["auth_token"] = token.as_str().into();
        }
        let inbox = format!("_INBOX.rampart.{}.{}", std::process::id(), unique());
        let hello = format!("CONNECT {connect}\r\nSUB {inbox}.* 1\r\nPING\r\n");
        writer
            .write_all(hello.as_bytes())
            .await
            .map_err(|e| self.err(e))?;
        loop {
            let line = read_line(&mut reader).await.map_err(|e| self.err(e))?;
            match line.as_str() {
                "PONG" => break,
                "+OK" => {}
                l if l.starts_with("-ERR") => {
                    // e.g. `-ERR 'Authorization Violation'`: a refusal, not an outage.
                    return Err(SinkError::Permanent(format!("NATS {}: {l}", self.address)));
                }
                _ => {}
            }
        }
        Ok(Connection {
            reader,
            writer,
            inbox,
        })
    }

    async fn publish(&self, conn: &mut Connection, events: &[Event]) -> Result<(), SinkError> {
        let mut out = Vec::with_capacity(events.len() * 900);
        for (i, event) in events.iter().enumerate() {
            let headers = format!(
                "NATS/1.0\r\nNats-Msg-Id: {}\r\n\r\n",
                header_value(&event.id)
            );
            let payload = self.format.encode(event);
            out.extend_from_slice(
                format!(
                    "HPUB {} {}.{i} {} {}\r\n",
                    self.subject,
                    conn.inbox,
                    headers.len(),
                    headers.len() + payload.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(headers.as_bytes());
            out.extend_from_slice(&payload);
            out.extend_from_slice(b"\r\n");
        }
        conn.writer.write_all(&out).await.map_err(|e| self.err(e))?;
        let mut acked = vec![false; events.len()];
        let mut left = events.len();
        while left > 0 {
            let line = read_line(&mut conn.reader).await.map_err(|e| self.err(e))?;
            if line == "PING" {
                conn.writer
                    .write_all(b"PONG\r\n")
                    .await
                    .map_err(|e| self.err(e))?;
                continue;
            }
            if line.starts_with("-ERR") {
                return Err(self.err(line));
            }
            let parts: Vec<&str> = line.split(' ').collect();
            // MSG subject sid [reply] len | HMSG subject sid [reply] hdr_len total_len
            let (is_h, subject, total, header_len) = match parts.first() {
                Some(&"MSG") if parts.len() >= 4 => {
                    (false, parts[1], parse_len(parts[parts.len() - 1])?, 0)
                }
                Some(&"HMSG") if parts.len() >= 5 => (
                    true,
                    parts[1],
                    parse_len(parts[parts.len() - 1])?,
                    parse_len(parts[parts.len() - 2])?,
                ),
                _ => continue,
            };
            if total > MAX_READ || header_len > total {
                return Err(self.err("answer too large"));
            }
            let mut body = vec![0; total + 2];
            conn.reader
                .read_exact(&mut body)
                .await
                .map_err(|e| self.err(e))?;
            body.truncate(total);
            let index = subject
                .strip_prefix(conn.inbox.as_str())
                .and_then(|s| s.strip_prefix('.'))
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|i| *i < events.len());
            let Some(index) = index else { continue };
            if is_h {
                let headers = String::from_utf8_lossy(&body[..header_len]);
                if headers.starts_with("NATS/1.0 503") {
                    return Err(self.err(format!(
                        "no JetStream stream takes subject {}",
                        self.subject
                    )));
                }
            }
            let ack: serde_json::Value =
                serde_json::from_slice(&body[header_len..]).unwrap_or_default();
            if ack.get("error").is_some() {
                let description = ack["error"]["description"].as_str().unwrap_or("error");
                return Err(self.err(format!("JetStream refused a message: {description}")));
            }
            if ack.get("stream").is_none() {
                return Err(self.err("an answer that is not a JetStream acknowledgement"));
            }
            if !acked[index] {
                acked[index] = true;
                left -= 1;
            }
        }
        Ok(())
    }
}

impl Sink for NatsSink {
    fn send<'a>(&'a self, events: &'a [Event]) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let mut guard = self.connection.lock().await;
            if guard.is_none() {
                let conn = tokio::time::timeout(self.timeout, self.connect())
                    .await
                    .map_err(|_| self.err("connection timed out"))??;
                *guard = Some(conn);
            }
            let Some(conn) = guard.as_mut() else {
                return Err(self.err("not connected"));
            };
            let result = match tokio::time::timeout(self.timeout, self.publish(conn, events)).await
            {
                Ok(r) => r,
                Err(_) => Err(self.err("no acknowledgement within the timeout")),
            };
            if result.is_err() {
                // Late acknowledgements of this batch must not count for the next.
                *guard = None;
            }
            result
        })
    }
}

fn parse_len(s: &str) -> Result<usize, SinkError> {
    s.parse()
        .map_err(|_| SinkError::Retryable("NATS: a malformed answer".into()))
}

fn header_value(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn unique() -> u64 {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    nanos ^ (SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed) << 32)
}

/// One protocol line without its CRLF, bounded.
async fn read_line(reader: &mut BufReader<OwnedReadHalf>) -> std::io::Result<String> {
    let mut line = Vec::new();
    let n = (&mut *reader)
        .take(MAX_READ as u64)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    if !line.ends_with(b"\n") {
        return Err(std::io::Error::other("line too long"));
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_subjects_are_checked() {
        assert_eq!(
            parse_url("nats://127.0.0.1:4222").unwrap(),
            "127.0.0.1:4222"
        );
        assert!(parse_url("tls://127.0.0.1:4222").is_err());
        assert!(parse_url("nats://user:pw@host:4222").is_err());
        assert!(valid_subject("rampart.events"));
        assert!(!valid_subject("rampart.*"));
        assert!(!valid_subject("rampart events"));
        assert!(!valid_subject("rampart..events"));
    }
}
