//! The `audit` seam: one record per request.
//!
//! The pipeline hands every request's [`AuditRecord`] to an [`AuditSink`] once the request
//! is over (for a stream: when the last chunk was sent or the client went away). A record
//! holds what happened, never what was said: no prompt, completion, key or detected value.
//! The built-in [`LogAuditSink`] writes each record as one JSON log line (target
//! `rampart::audit`); `rampart-audit` stores them in SQLite.

use crate::BoxFuture;
use rampart_core::{Decision, Finding, FindingKind};
use serde::Serialize;

/// A finding as the audit log keeps it: its kind and type, never the matched value or
/// its position in a text nobody keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFinding {
    pub kind: FindingKind,
    #[serde(rename = "type")]
    pub entity: String,
    /// `input` or `output`.
    pub direction: &'static str,
}

impl AuditFinding {
    pub fn from_finding(f: &Finding, direction: rampart_core::Direction) -> Self {
        AuditFinding {
            kind: f.kind,
            entity: f.entity.clone(),
            direction: direction.as_str(),
        }
    }
}

/// What happened to one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// When the request arrived, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// The request id (also returned to the client as `x-request-id`).
    pub request_id: String,
    /// `None` when the request was not authenticated.
    pub tenant: Option<String>,
    pub key_id: Option<String>,
    /// The API the client called: `openai.chat`, `openai.completions`, `openai.responses`,
    /// `openai.embeddings`, `openai.models`, `anthropic.messages`,
    /// `anthropic.count_tokens`, or `unknown`.
    pub surface: &'static str,
    /// The client-facing model name, when the request named one.
    pub model: Option<String>,
    /// The provider that served it (`[[providers]] name`), when one was called.
    pub provider: Option<String>,
    /// The upstream model of the deployment that served it.
    pub deployment: Option<String>,
    /// The strictest guard decision over every text of the request and the answer.
    pub decision: Decision,
    /// Every guard finding, input and output, kind and type only.
    pub findings: Vec<AuditFinding>,
    /// The HTTP status returned to the client.
    pub status: u16,
    /// Short reason for a refused request (`unauthenticated`, `model_not_allowed`,
    /// `rate_limited`, `blocked`, `upstream_error`, ...); `None` for a success.
    pub error: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Time spent waiting for the provider (all attempts; for a stream, until it ended).
    pub upstream_latency_ms: Option<f64>,
    /// Total time minus upstream time: what the gateway itself cost.
    pub gateway_overhead_ms: f64,
}

/// Could not record. The pipeline logs it (without the record's content) and counts it in
/// `rampart_audit_failures_total`; the response has already been sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    #[error("audit store unavailable: {0}")]
    Unavailable(String),
}

/// Receives one record per request.
pub trait AuditSink: Send + Sync + std::fmt::Debug {
    fn record(&self, record: AuditRecord) -> BoxFuture<'_, Result<(), AuditError>>;
}

/// Writes each record as one JSON line through `tracing` (target `rampart::audit`).
#[derive(Debug, Default)]
pub struct LogAuditSink;

impl AuditSink for LogAuditSink {
    fn record(&self, record: AuditRecord) -> BoxFuture<'_, Result<(), AuditError>> {
        let line = serde_json::to_string(&record).unwrap_or_default();
        tracing::info!(target: "rampart::audit", audit = %line, "request audited");
        Box::pin(async { Ok(()) })
    }
}

/// Current UTC time as RFC 3339 with milliseconds, without a date crate.
pub fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let (y, mo, d, h, mi, s) = crate::providers::sigv4::civil_from_unix(now.as_secs());
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        now.subsec_millis()
    )
}
