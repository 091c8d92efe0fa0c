//! Elasticsearch and OpenSearch `_bulk`, from the documented NDJSON wire format: `POST
//! URL/_bulk` (`Content-Type: application/x-ndjson`), for each event an action line
//! `{"create":{"_index":INDEX,"_id":EVENT_ID}}` and the ECS document, each ending in a
//! newline. `create` with the event id as `_id` makes a resend idempotent: a document
//! already there answers 409, which counts as delivered (and `create` is what data
//! streams accept). The answer's `errors` and per-item `status` decide: 429 and 5xx items
//! retry the batch, other refused items are dropped and logged (by status and error type,
//! never the document). `token_env` is sent as `Authorization: ApiKey TOKEN`.

use super::{BoxFuture, Sink, SinkError, classify, http_client, redact, transport};
use crate::event::Event;
use std::time::Duration;

/// The `elasticsearch` sink (always ECS). Its `Debug` leaves the API key out.
pub struct BulkSink {
    endpoint: String,
    shown: String,
    index: String,
    authorization: Option<String>,
    client: reqwest::Client,
}

impl std::fmt::Debug for BulkSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkSink")
            .field("shown", &self.shown)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl BulkSink {
    pub fn new(
        url: &str,
        index: &str,
        api_key: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let endpoint = format!("{}/_bulk", url.trim_end_matches('/'));
        Ok(BulkSink {
            shown: redact(&endpoint),
            endpoint,
            index: index.to_owned(),
            authorization: api_key.map(|k| format!("ApiKey {k}")),
            client: http_client(timeout)?,
        })
    }

    /// The NDJSON body for `events`.
    pub fn body(&self, events: &[Event]) -> Vec<u8> {
        let mut body = Vec::with_capacity(events.len() * 900);
        for event in events {
            let action = serde_json::json!({"create": {"_index": self.index, "_id": event.id}});
            body.extend_from_slice(&serde_json::to_vec(&action).unwrap_or_default());
            body.push(b'\n');
            body.extend_from_slice(&crate::encode::ecs::encode(event));
            body.push(b'\n');
        }
        body
    }
}

/// Reads a `_bulk` answer: `Ok(refused)` with the items refused for good, or a retryable
/// error when an item may succeed later.
fn judge(answer: &serde_json::Value) -> Result<u64, SinkError> {
    if answer["errors"] != serde_json::Value::Bool(true) {
        return Ok(0);
    }
    let mut refused = 0;
    for item in answer["items"].as_array().into_iter().flatten() {
        let result = item
            .as_object()
            .and_then(|o| o.values().next())
            .cloned()
            .unwrap_or_default();
        let status = result["status"].as_u64().unwrap_or(0);
        match status {
            200..=299 | 409 => {}
            429 | 500..=599 => {
                return Err(SinkError::Retryable(format!(
                    "_bulk item answered {status}"
                )));
            }
            _ => {
                refused += 1;
                tracing::error!(
                    status,
                    error = %result["error"]["type"].as_str().unwrap_or("unknown"),
                    "Elasticsearch refused an event"
                );
            }
        }
    }
    Ok(refused)
}

impl Sink for BulkSink {
    fn send<'a>(&'a self, events: &'a [Event]) -> BoxFuture<'a, Result<(), SinkError>> {
        Box::pin(async move {
            let what = format!("Elasticsearch {}", self.shown);
            let mut request = self
                .client
                .post(&self.endpoint)
                .header("content-type", "application/x-ndjson")
                .body(self.body(events));
            if let Some(auth) = &self.authorization {
                request = request.header("authorization", auth);
            }
            let answer = request.send().await.map_err(|e| transport(&what, e))?;
            classify(&what, answer.status())?;
            let bytes = answer.bytes().await.map_err(|e| transport(&what, e))?;
            let parsed: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|_| SinkError::Retryable(format!("{what}: the answer is not JSON")))?;
            let refused = judge(&parsed)?;
            if refused > 0 {
                tracing::warn!(sink = %what, refused, "some events were refused and dropped");
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_are_delivered_busy_items_retry_and_bad_items_are_refused() {
        let ok = serde_json::json!({"errors": true, "items": [
            {"create": {"status": 201}}, {"create": {"status": 409}}]});
        assert_eq!(judge(&ok).unwrap(), 0);
        let busy = serde_json::json!({"errors": true, "items": [{"create": {"status": 429}}]});
        assert!(matches!(judge(&busy), Err(SinkError::Retryable(_))));
        let bad = serde_json::json!({"errors": true, "items": [
            {"create": {"status": 400, "error": {"type": "mapper_parsing_exception"}}}]});
        assert_eq!(judge(&bad).unwrap(), 1);
    }
}
