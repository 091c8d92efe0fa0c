//! The `audit` seam: one record per request.
//!
//! The pipeline hands every request's [`AuditRecord`] to an [`AuditSink`] once the request
//! is over (for a stream: when the last chunk was sent or the client went away). A record
//! holds what happened, never what was said: no prompt, completion, key or detected value.
//! The built-in [`LogAuditSink`] writes each record as one JSON log line (target
//! `rampart::audit`); `rampart-audit` stores them in SQLite or PostgreSQL. The record is
//! `rampart_core::audit::AuditRecord`, the one the store persists (times in milliseconds
//! since the epoch, overhead in microseconds, `reason` for a refusal), so a sink stores
//! what it is given without converting it.

use crate::BoxFuture;
pub use rampart_core::audit::{AuditRecord, FindingSummary};

/// The most bytes of a client-chosen string (a model name from a body or a path) that a
/// record or a log line keeps.
pub const MAX_RECORDED_TEXT: usize = 128;

/// `text` cut to [`MAX_RECORDED_TEXT`] bytes (at a character boundary), saying how many
/// bytes were cut: `name…[+N bytes]`. A record carries at most this much of what a client
/// chose, however long the client made it.
pub fn bounded_text(text: &str) -> String {
    if text.len() <= MAX_RECORDED_TEXT {
        return text.to_owned();
    }
    let kept = rampart_core::text::truncate_to_char_boundary(text, MAX_RECORDED_TEXT);
    format!("{kept}…[+{} bytes]", text.len() - kept.len())
}

/// How many records of unauthenticated failures are written per second; the rest are
/// counted (`rampart_unauthenticated_total{reason}`) and the next written record says how
/// many it stands for.
pub const UNAUTHENTICATED_RECORDS_PER_SECOND: u32 = 10;

/// Samples the records of requests that never authenticated (no key, a wrong key, an
/// unknown path), so that nobody without a key can fill the audit buffer, the spool or
/// the store: at most [`UNAUTHENTICATED_RECORDS_PER_SECOND`] a second are written.
#[derive(Debug)]
pub struct UnauthenticatedSampler {
    state: std::sync::Mutex<SamplerState>,
}

#[derive(Debug)]
struct SamplerState {
    window_start: std::time::Instant,
    written: u32,
    suppressed: u64,
}

impl Default for UnauthenticatedSampler {
    fn default() -> Self {
        UnauthenticatedSampler {
            state: std::sync::Mutex::new(SamplerState {
                window_start: std::time::Instant::now(),
                written: 0,
                suppressed: 0,
            }),
        }
    }
}

impl UnauthenticatedSampler {
    /// `Some(n)`: write this record, which stands for itself and the `n` unrecorded before
    /// it; `None`: count it only.
    pub fn admit(&self) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        if now.duration_since(s.window_start) >= std::time::Duration::from_secs(1) {
            s.window_start = now;
            s.written = 0;
        }
        if s.written < UNAUTHENTICATED_RECORDS_PER_SECOND {
            s.written += 1;
            Some(std::mem::take(&mut s.suppressed))
        } else {
            s.suppressed = s.suppressed.saturating_add(1);
            None
        }
    }
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

/// Current UTC time in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_text_is_cut_and_counted() {
        assert_eq!(bounded_text("gpt-4o"), "gpt-4o");
        let long = "é".repeat(200);
        let cut = bounded_text(&long);
        assert!(cut.starts_with(&"é".repeat(64)), "{cut}");
        assert!(cut.ends_with("…[+272 bytes]"), "{cut}");
        assert!(cut.len() < MAX_RECORDED_TEXT + 20);
    }

    #[test]
    fn the_sampler_writes_a_few_a_second_and_counts_the_rest() {
        let s = UnauthenticatedSampler::default();
        for _ in 0..UNAUTHENTICATED_RECORDS_PER_SECOND {
            assert_eq!(s.admit(), Some(0));
        }
        for _ in 0..500 {
            assert_eq!(s.admit(), None);
        }
        s.state.lock().unwrap().window_start -= std::time::Duration::from_secs(2);
        assert_eq!(
            s.admit(),
            Some(500),
            "the next record stands for the unrecorded"
        );
        assert_eq!(s.admit(), Some(0));
    }
}
