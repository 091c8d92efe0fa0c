//! Prometheus metrics, all prefixed `rampart_`.
//!
//! - `rampart_requests_total{surface, model, status}`
//! - `rampart_guard_blocks_total{detector, direction}` and
//!   `rampart_guard_redactions_total{detector, direction}` (`detector` is the finding kind)
//! - `rampart_guard_errors_total`, `rampart_audit_failures_total`
//! - with `[guard.external_classifier]`: `rampart_guard_external_total{outcome}` (`ok`,
//!   `cached`, `timeout`, `error`: one per text the model server is asked about)
//! - with `[guard.llm_judge]`: `rampart_guard_judge_total{outcome}` (`ok`, `cached`,
//!   `timeout`, `invalid`, `error`, `budget`) and `rampart_guard_judge_flagged_total`
//! - `rampart_tokens_total{model, direction}`
//! - with `[authz]`: `rampart_authz_decisions_total{decision}` (`allow`, `deny`: one per
//!   candidate deployment the policies decided)
//! - `rampart_unauthenticated_total{reason}` (every request that never authenticated;
//!   only a sample of them is logged and audited)
//! - with `[auth.brute_force]`: `rampart_auth_blocks_total{reason}` (`source_address`,
//!   `key_prefix`: one per block started); with `[auth.suspend]`:
//!   `rampart_key_suspensions_total`; from `rampart-identity`:
//!   `rampart_abuse_counter_errors_total` (Redis failed; this node counted alone)
//! - with `[secrets]` references: `rampart_secret_refresh_total{outcome}` (`ok`, `error`:
//!   one per refresh round after the first fetch)
//! - `rampart_upstream_latency_seconds{provider}` (histogram, one per attempt)
//! - `rampart_gateway_overhead_seconds` (histogram: request time minus upstream time)
//! - from `rampart-audit`'s writer: `rampart_audit_spooled_total`,
//!   `rampart_audit_replayed_total`, `rampart_audit_spool_backlog` (records waiting for
//!   the store) and `rampart_audit_lost_total{reason}` (`buffer_full`, `spool_full`,
//!   `spool_error`, `store_failed`, `spool_corrupt`)
//! - with `[telemetry] otlp_endpoint`: `rampart_otlp_spans_dropped_total` (exporter queue
//!   full) and `rampart_otlp_export_failures_total`
//!
//! Every label value comes from a closed set: static strings, the configured providers,
//! or a [`ModelLabel`], which is a configured model name or `unknown`. Nothing a client
//! sends (a model name, a path) becomes a label, so no request can grow the registry or
//! `/metrics` (each label value is kept for the life of the process).
//!
//! The recorder is installed once per process; [`render`] produces the exposition text.
//! A background thread drains the histograms' sample buffers every few seconds: the
//! recorder keeps every sample until an upkeep, so a gateway nobody scrapes would grow by
//! about 16 bytes per request without it.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use rampart_guard::{Action, Direction, FindingKind};
use std::sync::OnceLock;
use std::time::Duration;

/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Install the recorder (idempotent). Returns false when another recorder was installed.
pub fn install() -> bool {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("rampart_gateway_overhead_seconds".into()),
                    &[
                        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                    ],
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("rampart_upstream_latency_seconds".into()),
                        &[
                            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                            60.0,
                        ],
                    )
                })
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            let upkeep = handle.clone();
            // A thread rather than a task: the recorder outlives any one async runtime.
            let spawned = std::thread::Builder::new()
                .name("rampart-metrics".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_EVERY);
                        upkeep.run_upkeep();
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "no metrics upkeep thread: histograms drain only when scraped");
            }
            Some(handle)
        })
        .is_some()
}

/// The Prometheus text exposition.
pub fn render() -> String {
    HANDLE
        .get()
        .and_then(|h| h.as_ref())
        .map(|h| {
            h.run_upkeep();
            h.render()
        })
        .unwrap_or_default()
}

/// The `model` label of a request: a configured model name, or `unknown` for any name
/// the configuration does not have (and for requests that named none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLabel<'a>(&'a str);

impl<'a> ModelLabel<'a> {
    /// The label for `name` given the configured models: the configured key itself, so the
    /// label's text is the operator's, never the client's.
    pub fn of<V>(name: Option<&str>, configured: &'a std::collections::HashMap<String, V>) -> Self {
        match name.and_then(|n| configured.get_key_value(n)) {
            Some((known, _)) => ModelLabel(known.as_str()),
            None => ModelLabel::UNKNOWN,
        }
    }

    pub const UNKNOWN: ModelLabel<'static> = ModelLabel("unknown");

    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

pub fn request(surface: &'static str, model: ModelLabel<'_>, status: u16) {
    // Statuses are 100..=999 at most: a closed set.
    let status = match status_label(status) {
        Some(s) => metrics::SharedString::const_str(s),
        None => metrics::SharedString::from(status.min(999).to_string()),
    };
    metrics::counter!("rampart_requests_total", "surface" => surface, "model" => model.as_str().to_owned(), "status" => status)
        .increment(1);
}

/// The statuses the gateway answers most, as static labels (no allocation per request).
fn status_label(status: u16) -> Option<&'static str> {
    Some(match status {
        200 => "200",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        408 => "408",
        413 => "413",
        422 => "422",
        429 => "429",
        499 => "499",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        _ => return None,
    })
}

pub fn finding(kind: FindingKind, direction: Direction, action: Action) {
    let name = match action {
        Action::Block => "rampart_guard_blocks_total",
        Action::Redact | Action::Mask | Action::Pseudonymize | Action::Sanitize => {
            "rampart_guard_redactions_total"
        }
        _ => return,
    };
    metrics::counter!(name, "detector" => kind.as_str(), "direction" => direction.as_str())
        .increment(1);
}

/// A request that never authenticated; `reason` is the pipeline's static error code.
pub fn unauthenticated(reason: &'static str) {
    metrics::counter!("rampart_unauthenticated_total", "reason" => reason).increment(1);
}

/// A brute-force block started (`reason`: `source_address`, `key_prefix`).
pub fn auth_block(reason: &'static str) {
    metrics::counter!("rampart_auth_blocks_total", "reason" => reason).increment(1);
}

/// A key was suspended automatically (`[auth.suspend]`).
pub fn key_suspension() {
    metrics::counter!("rampart_key_suspensions_total").increment(1);
}

pub fn guard_error() {
    metrics::counter!("rampart_guard_errors_total").increment(1);
}

/// One answer (or failure) of the external injection classifier.
pub fn guard_external(outcome: &'static str) {
    metrics::counter!("rampart_guard_external_total", "outcome" => outcome).increment(1);
}

/// One policy decision (`[authz]`) about one deployment.
pub fn authz_decision(allowed: bool) {
    let decision = if allowed { "allow" } else { "deny" };
    metrics::counter!("rampart_authz_decisions_total", "decision" => decision).increment(1);
}

pub fn audit_failure() {
    metrics::counter!("rampart_audit_failures_total").increment(1);
}

pub fn tokens(model: ModelLabel<'_>, input: u64, output: u64) {
    let model = model.as_str();
    metrics::counter!("rampart_tokens_total", "model" => model.to_owned(), "direction" => "input")
        .increment(input);
    metrics::counter!("rampart_tokens_total", "model" => model.to_owned(), "direction" => "output")
        .increment(output);
}

/// `provider` is a `[[providers]] name` from the configuration.
pub fn upstream_latency(provider: &str, d: Duration) {
    metrics::histogram!("rampart_upstream_latency_seconds", "provider" => provider.to_owned())
        .record(d.as_secs_f64());
}

pub fn overhead(d: Duration) {
    metrics::histogram!("rampart_gateway_overhead_seconds").record(d.as_secs_f64());
}
