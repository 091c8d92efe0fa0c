//! Structured logs: JSON lines on standard error through `tracing`, filtered by
//! `RAMPART_LOG` (default `info`). Logs carry request ids, statuses and timings; never a
//! prompt, a completion, a key or a detected value. Traces (OTLP) are in `otlp.rs`.

/// Install the JSON log subscriber (idempotent: a second call does nothing).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_target(true)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
