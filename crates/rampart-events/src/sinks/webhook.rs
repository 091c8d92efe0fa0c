//! A generic webhook for SOAR, signed per Standard Webhooks
//! (<https://www.standardwebhooks.com/>): one `POST` per event, in order, with
//!
//! - `webhook-id`: the event id (the same on a retry, so receivers can drop duplicates),
//! - `webhook-timestamp`: Unix seconds when sent (receivers refuse old ones: replays),
//! - `webhook-signature`: `v1,` + base64 of HMAC-SHA256 over `ID.TIMESTAMP.BODY`, keyed
//!   with the secret (`whsec_` + base64 of the key bytes, from `secret_env`).
//!
//! The body is `{"type": "rampart.CLASS", "timestamp": RFC 3339, "data": EVENT}` with the
//! event in the sink's format (OCSF or ECS JSON; CEF as a string).

use super::{BoxFuture, Sink, SinkError, classify, http_client, redact, transport};
use crate::encode::Format;
use crate::event::Event;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// Decodes a `whsec_…` secret into the HMAC key.
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, String> {
    let b64 = secret
        .strip_prefix("whsec_")
        .ok_or("a Standard Webhooks secret starts with `whsec_`")?;
    let key = STANDARD
        .decode(b64.trim())
        .map_err(|_| "the part after `whsec_` is not base64")?;
    if key.len() < 16 {
        return Err("the secret must hold at least 16 bytes".into());
    }
    Ok(key)
}

/// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length.
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook` sink. Its `Debug` leaves the credentials out.
pub struct WebhookSink {
    url: String,
    shown: String,
    key: Vec<u8>,
    format: Format,
    client: reqwest::Client,
}

impl std::fmt::Debug for WebhookSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSink")
            .field("shown", &self.shown)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl WebhookSink {
    pub fn new(url: &str, key: Vec<u8>, format: Format, timeout: Duration) -> Result<Self, String> {
        Ok(WebhookSink {
            url: url.to_owned(),
            shown: redact(url),
            key,
            format,
            client: http_client(timeout)?,
        })
    }

    fn body(&self, event: &Event) -> Vec<u8> {
        let data = match self.format {
            Format::Ocsf => crate::encode::ocsf::to_value(event),
            Format::Ecs => crate::encode::ecs::to_value(event),
            Format::Cef => String::from_utf8_lossy(&crate::encode::cef::encode(event))
                .into_owned()
                .into(),
        };
        let body = serde_json::json!({
            "type": format!("rampart.{}", event.class().as_str()),
            "timestamp": rampart_core::calendar::format_rfc3339_millis(event.time_ms),
            "data": data,
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl Sink for WebhookSink {
    fn send<'a>(&'a self, events: &'a [Event]) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            for event in events {
                let body = self.body(event);
                let timestamp = now_secs();
                let signature = sign(&self.key, &event.id, timestamp, &body);
                let answer = self
                    .client
                    .post(&self.url)
                    .header("content-type", "application/json")
                    .header("webhook-id", &event.id)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signature)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| transport(&format!("webhook {}", self.shown), e))?;
                classify(&format!("webhook {}", self.shown), answer.status())?;
            }
            Ok(())
        })
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn the_signature_matches_the_specifications_example() {
        let key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_secret_without_the_prefix_or_too_short_is_refused() {
        assert!(decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(decode_secret("whsec_AAAA").is_err());
        assert!(decode_secret("whsec_***").is_err());
    }
}
