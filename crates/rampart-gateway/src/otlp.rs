//! Optional OpenTelemetry traces over OTLP/HTTP with the JSON encoding
//! (`POST {otlp_endpoint}/v1/traces`), configured by `[telemetry] otlp_endpoint`.
//!
//! Each request yields one server span (`rampart {surface}`) with a child span per
//! pipeline phase that ran (`authenticate`, `ingress`, `authorize`, `limit`,
//! `guard_input`, `upstream`, `guard_output`, `audit`). An incoming W3C `traceparent`
//! makes the request span its child; the `upstream` span's context is sent to the provider
//! as `traceparent` (through [`UPSTREAM_TRACEPARENT`], read by `providers::send`).
//!
//! The request path only pushes finished spans into a bounded channel (`try_send`): when
//! it is full the spans are dropped and counted (`rampart_otlp_spans_dropped_total`). A
//! background task batches them (up to [`MAX_BATCH`] spans, or every
//! [`FLUSH_INTERVAL`]) and posts them; a failed export is logged and counted
//! (`rampart_otlp_export_failures_total`), never retried into the request path.
//! Attributes carry ids, names, statuses and counts: never prompt text, completions, keys
//! or detected values.

use crate::config::Config;
use serde_json::{Value, json};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Spans buffered between the request path and the exporter.
const QUEUE: usize = 8_192;
/// Spans per export request at most.
pub const MAX_BATCH: usize = 512;
/// Longest wait before buffered spans are exported.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

tokio::task_local! {
    /// The `traceparent` to send upstream, set by the pipeline around the provider call.
    pub static UPSTREAM_TRACEPARENT: String;
}

/// The exporter handle of one runtime: cheap to clone, never blocks.
#[derive(Debug, Clone)]
pub struct Tracer {
    sender: mpsc::Sender<Value>,
}

impl Tracer {
    /// A tracer for `config`, or `None` without `[telemetry] otlp_endpoint`. The exporter
    /// task starts on the current Tokio runtime; without one (e.g. `rampart config
    /// check`), spans are dropped.
    pub fn from_config(config: &Config) -> Option<Tracer> {
        let endpoint = config.telemetry.otlp_endpoint.as_ref()?.get_ref().as_str();
        let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
        let service = config.telemetry.service_name.as_str().to_owned();
        let (sender, receiver) = mpsc::channel(QUEUE);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(export(url, service, receiver));
        }
        Some(Tracer { sender })
    }

    /// Starts the trace of one request, continuing an incoming `traceparent` if valid.
    pub fn start(&self, headers: &http::HeaderMap) -> RequestTrace {
        let incoming = headers
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_traceparent);
        let (trace_id, parent) = match incoming {
            Some((trace, parent)) => (trace, Some(parent)),
            None => (random_id::<16>(), None),
        };
        RequestTrace {
            trace_id,
            span_id: random_id::<8>(),
            parent,
            started: Instant::now(),
            started_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
            phases: Vec::with_capacity(8),
        }
    }

    /// Queues the request span and its phase spans for export.
    pub fn finish(
        &self,
        trace: RequestTrace,
        name: &str,
        attributes: Vec<(&str, Attr)>,
        error: bool,
    ) {
        let end = trace.unix(Instant::now());
        let trace_hex = hex::encode(trace.trace_id);
        let root_hex = hex::encode(trace.span_id);
        let mut spans = Vec::with_capacity(trace.phases.len() + 1);
        spans.push(span_json(
            &trace_hex,
            &root_hex,
            trace.parent.map(hex::encode).as_deref(),
            name,
            SPAN_KIND_SERVER,
            trace.started_unix,
            end,
            &attributes,
            error,
        ));
        for phase in &trace.phases {
            let kind = if phase.name == "upstream" {
                SPAN_KIND_CLIENT
            } else {
                SPAN_KIND_INTERNAL
            };
            spans.push(span_json(
                &trace_hex,
                &hex::encode(phase.span_id),
                Some(&root_hex),
                phase.name,
                kind,
                phase.start,
                phase.end,
                &[],
                false,
            ));
        }
        for span in spans {
            if self.sender.try_send(span).is_err() {
                metrics::counter!("rampart_otlp_spans_dropped_total").increment(1);
            }
        }
    }
}

/// An attribute value.
#[derive(Debug, Clone)]
pub enum Attr {
    Str(String),
    Int(i64),
}

/// The spans of one request in progress.
#[derive(Debug)]
pub struct RequestTrace {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    parent: Option<[u8; 8]>,
    started: Instant,
    started_unix: Duration,
    phases: Vec<Phase>,
}

#[derive(Debug)]
struct Phase {
    name: &'static str,
    span_id: [u8; 8],
    start: Duration,
    end: Duration,
}

impl RequestTrace {
    fn unix(&self, at: Instant) -> Duration {
        self.started_unix + at.saturating_duration_since(self.started)
    }

    /// Records a phase that ran from `start` until now; returns its span id.
    pub fn phase(&mut self, name: &'static str, start: Instant) -> [u8; 8] {
        let span_id = Self::new_span_id();
        self.phase_with_id(name, span_id, start);
        span_id
    }

    /// The `traceparent` naming `span_id` of this trace as the parent (sampled).
    pub fn traceparent(&self, span_id: [u8; 8]) -> String {
        format!(
            "00-{}-{}-01",
            hex::encode(self.trace_id),
            hex::encode(span_id)
        )
    }

    /// A fresh span id, for a phase whose id must be known before it ends (`upstream`).
    pub fn new_span_id() -> [u8; 8] {
        random_id::<8>()
    }

    /// Records a phase with a span id chosen beforehand.
    pub fn phase_with_id(&mut self, name: &'static str, span_id: [u8; 8], start: Instant) {
        let (start, end) = (self.unix(start), self.unix(Instant::now()));
        self.phases.push(Phase {
            name,
            span_id,
            start,
            end,
        });
    }
}

const SPAN_KIND_INTERNAL: u8 = 1;
const SPAN_KIND_SERVER: u8 = 2;
const SPAN_KIND_CLIENT: u8 = 3;

#[allow(clippy::too_many_arguments)]
fn span_json(
    trace_id: &str,
    span_id: &str,
    parent: Option<&str>,
    name: &str,
    kind: u8,
    start: Duration,
    end: Duration,
    attributes: &[(&str, Attr)],
    error: bool,
) -> Value {
    let attributes: Vec<Value> = attributes
        .iter()
        .map(|(key, value)| {
            let value = match value {
                Attr::Str(s) => json!({"stringValue": s}),
                // OTLP/JSON writes 64-bit integers as strings.
                Attr::Int(i) => json!({"intValue": i.to_string()}),
            };
            json!({"key": key, "value": value})
        })
        .collect();
    let mut span = json!({
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": start.as_nanos().to_string(),
        "endTimeUnixNano": end.as_nanos().to_string(),
        "attributes": attributes,
        "status": {"code": if error { 2 } else { 0 }},
    });
    if let Some(parent) = parent {
        span["parentSpanId"] = json!(parent);
    }
    span
}

/// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`; all-zero ids are invalid.
pub fn parse_traceparent(value: &str) -> Option<([u8; 16], [u8; 8])> {
    let mut parts = value.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version.len() != 2 || version == "ff" || flags.len() != 2 {
        return None;
    }
    // Version 00 has exactly four fields; later versions may append more.
    if version == "00" && parts.next().is_some() {
        return None;
    }
    let lower_hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if !(lower_hex(version) && lower_hex(trace) && lower_hex(parent) && lower_hex(flags)) {
        return None;
    }
    let trace: [u8; 16] = hex::decode(trace).ok()?.try_into().ok()?;
    let parent: [u8; 8] = hex::decode(parent).ok()?.try_into().ok()?;
    (trace != [0; 16] && parent != [0; 8]).then_some((trace, parent))
}

fn random_id<const N: usize>() -> [u8; N] {
    let mut id = [0u8; N];
    loop {
        for b in &mut id {
            *b = fastrand::u8(..);
        }
        if id.iter().any(|&b| b != 0) {
            return id;
        }
    }
}

/// The exporter task: batches spans and posts them until every sender is gone.
async fn export(url: String, service: String, mut receiver: mpsc::Receiver<Value>) {
    // No redirects, like every other client of the gateway: spans go where configured.
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("rampart/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "OTLP exporter disabled: cannot build its HTTP client");
            return;
        }
    };
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let deadline = tokio::time::Instant::now() + FLUSH_INTERVAL;
        let mut closed = false;
        while batch.len() < MAX_BATCH {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(span)) => batch.push(span),
                Ok(None) => {
                    closed = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            let body = json!({"resourceSpans": [{
                "resource": {"attributes": [
                    {"key": "service.name", "value": {"stringValue": service}},
                    {"key": "service.version", "value": {"stringValue": env!("CARGO_PKG_VERSION")}},
                ]},
                "scopeSpans": [{
                    "scope": {"name": "rampart-gateway", "version": env!("CARGO_PKG_VERSION")},
                    "spans": std::mem::take(&mut batch),
                }],
            }]});
            let sent = client
                .post(&url)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.to_string())
                .send()
                .await;
            match sent {
                Ok(resp) if resp.status().is_success() => {}
                Ok(resp) => export_failed(&format!("collector answered {}", resp.status())),
                Err(e) => export_failed(&e.without_url().to_string()),
            }
        }
        if closed {
            return;
        }
    }
}

fn export_failed(why: &str) {
    metrics::counter!("rampart_otlp_export_failures_total").increment(1);
    tracing::warn!(error = why, "OTLP trace export failed; spans dropped");
}

/// Queues the spans of a finished request, with its attributes: ids, names, status,
/// decision and counts (never text, keys or detected values).
pub fn finish_request(tracer: &Tracer, trace: RequestTrace, ctx: &crate::pipeline::RequestCtx) {
    let surface = ctx.surface.name();
    let mut attributes = vec![
        ("rampart.request_id", Attr::Str(ctx.request_id.clone())),
        ("rampart.surface", Attr::Str(surface.to_owned())),
        (
            "http.response.status_code",
            Attr::Int(i64::from(ctx.status)),
        ),
        (
            "rampart.decision",
            Attr::Str(ctx.tally.decision.to_string()),
        ),
        (
            "rampart.findings",
            Attr::Int(i64::try_from(ctx.tally.findings.len()).unwrap_or(i64::MAX)),
        ),
    ];
    // The client chose the model name, however long: bounded like the audit record's.
    let model = ctx.model.as_deref().map(crate::audit::bounded_text);
    let optional = [
        ("gen_ai.request.model", model.as_deref()),
        ("rampart.provider", ctx.provider.as_deref()),
        ("gen_ai.response.model", ctx.deployment.as_deref()),
        (
            "rampart.error",
            ctx.error.as_ref().map(crate::error::Refusal::audit_reason),
        ),
        (
            "rampart.tenant",
            ctx.principal.as_ref().map(|p| p.tenant.as_str()),
        ),
        (
            "rampart.key_id",
            ctx.principal.as_ref().map(|p| p.key_id.as_str()),
        ),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            attributes.push((key, Attr::Str(v.to_owned())));
        }
    }
    let tokens = |n: u64| Attr::Int(i64::try_from(n).unwrap_or(i64::MAX));
    if ctx.tokens_in + ctx.tokens_out > 0 {
        attributes.push(("gen_ai.usage.input_tokens", tokens(ctx.tokens_in)));
        attributes.push(("gen_ai.usage.output_tokens", tokens(ctx.tokens_out)));
    }
    tracer.finish(
        trace,
        &format!("rampart {surface}"),
        attributes,
        ctx.status >= 500,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_parses_valid_headers_only() {
        let (trace, parent) =
            parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(hex::encode(trace), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(hex::encode(parent), "00f067aa0ba902b7");
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
        ] {
            assert!(parse_traceparent(bad).is_none(), "{bad}");
        }
    }
}
