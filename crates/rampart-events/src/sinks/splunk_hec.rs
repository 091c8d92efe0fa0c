//! Splunk HTTP Event Collector, from Splunk's documented wire format: `POST
//! URL/services/collector/event` with `Authorization: Splunk TOKEN` and a body of
//! concatenated JSON objects, one per event: `{"time": SECONDS.MILLIS, "host": …,
//! "source": "rampart", "sourcetype": "rampart:ocsf", "event": EVENT}`. Splunk answers
//! `{"text":"Success","code":0}`; 5xx and 429 (busy) are retried, other refusals (bad
//! token, bad data) drop the batch.

use super::{BoxFuture, Sink, SinkError, classify, http_client, redact, transport};
use crate::encode::Format;
use crate::event::Event;
use std::time::Duration;

/// The `splunk_hec` sink. Its `Debug` leaves the credentials out.
pub struct HecSink {
    endpoint: String,
    shown: String,
    authorization: String,
    format: Format,
    client: reqwest::Client,
}

impl std::fmt::Debug for HecSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HecSink")
            .field("shown", &self.shown)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl HecSink {
    /// `url` is the collector's base (`https://splunk:8088`) or its full event endpoint.
    pub fn new(url: &str, token: &str, format: Format, timeout: Duration) -> Result<Self, String> {
        let base = url.trim_end_matches('/');
        let endpoint = if base.ends_with("/services/collector/event") {
            base.to_owned()
        } else {
            format!("{base}/services/collector/event")
        };
        Ok(HecSink {
            shown: redact(&endpoint),
            endpoint,
            authorization: format!("Splunk {token}"),
            format,
            client: http_client(timeout)?,
        })
    }

    /// The request body for `events`.
    pub fn body(&self, events: &[Event]) -> Vec<u8> {
        let mut body = Vec::with_capacity(events.len() * 800);
        for event in events {
            let data = match self.format {
                Format::Ocsf => crate::encode::ocsf::to_value(event),
                Format::Ecs => crate::encode::ecs::to_value(event),
                Format::Cef => String::from_utf8_lossy(&crate::encode::cef::encode(event))
                    .into_owned()
                    .into(),
            };
            let mut wrapper = serde_json::json!({
                // Seconds since the epoch with milliseconds, as HEC's `time` takes them.
                "time": event.time_ms as f64 / 1000.0,
                "source": "rampart",
                "sourcetype": format!("rampart:{}", self.format.as_str()),
                "event": data,
            });
            if let Some(t) = &event.tenant {
                wrapper["fields"] = serde_json::json!({"tenant": t});
            }
            body.extend_from_slice(&serde_json::to_vec(&wrapper).unwrap_or_default());
            body.push(b'\n');
        }
        body
    }
}

impl Sink for HecSink {
    fn send<'a>(&'a self, events: &'a [Event]) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let what = format!("Splunk HEC {}", self.shown);
            let answer = self
                .client
                .post(&self.endpoint)
                .header("authorization", &self.authorization)
                .header("content-type", "application/json")
                .body(self.body(events))
                .send()
                .await
                .map_err(|e| transport(&what, e))?;
            classify(&what, answer.status())
        })
    }
}
