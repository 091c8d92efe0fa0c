//! Throughput and latency of the whole default input policy: `Guard::inspect` with
//! `Policy::default()` on a user prompt (normaliser, every detector, policy resolution,
//! redaction), in MB per second of on-CPU time of the measuring thread (read from
//! `/proc/thread-self/schedstat`, so a busy shared machine does not halve the figure;
//! wall-clock figures next to it), and the per-call latency of a 4 KB prompt.
//!
//! ```text
//! cargo run --release -p rampart-guard --features training --bin guard_speed            # full run
//! cargo run --release -p rampart-guard --features training --bin guard_speed -- --mb 1  # shorter
//! ```
//!
//! Under `valgrind --tool=callgrind` pass `--mb 1 --no-latency` (and `--text <name>` to
//! profile one text): the instruction count per byte is stable on a loaded machine,
//! unlike time.

use rampart_guard::training::measure::{Elapsed, Stopwatch};
use rampart_guard::{Context, Guard, Policy, Role, Session};
use std::time::Instant;

fn texts() -> Vec<(&'static str, String)> {
    let prose = "Please summarise the attached quarterly report for the board, and keep the \
                 numbers exact: revenue grew 12% to 4.5M EUR while churn fell to 3.1%. The \
                 team shipped the new onboarding flow in March and support tickets dropped. "
        .repeat(20);
    let code = "fn main() { let x = vec![1, 2, 3]; println!(\"{:?}\", x.iter().map(|v| v * 2).collect::<Vec<_>>()); }\n// TODO: handle the error path when the config file is missing\n".repeat(25);
    let spanish = "El cliente José Núñez pidió la devolución del pedido nº 4512; ¿podéis revisarlo antes del viernes? Gracias. ".repeat(36);
    let mixed = format!(
        "{}\nContact: ana.gomez@example.es, +34 612 345 678, IBAN ES91 2100 0418 4502 0005 1332.\nconfig: DB_PASSWORD=hunter2hunter AWS key AKIAIOSFODNN7EXAMPLE\n",
        prose
    );
    // The repository's own docs: markdown with tables, box drawing, code spans and many
    // `word:` / `a, b` shapes (the input on which the criterion bench once ran at
    // 0.6 MiB/s).
    let markdown = concat!(
        include_str!("../../../README.md"),
        include_str!("../../../ARCHITECTURE.md")
    )
    .to_owned();
    vec![
        ("ascii prose", prose),
        ("ascii code", code),
        ("spanish accents", spanish),
        ("prose + PII + secrets", mixed),
        ("markdown docs", markdown),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mb: usize = args
        .iter()
        .position(|a| a == "--mb")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let latency = !args.iter().any(|a| a == "--no-latency");
    // `--text code`: only the texts whose name contains "code" (one profile per text).
    let only = args
        .iter()
        .position(|a| a == "--text")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_default();
    let texts = || {
        texts()
            .into_iter()
            .filter(|(name, _)| name.contains(only.as_str()))
            .collect::<Vec<_>>()
    };
    let guard = Guard::new(Policy::default()).expect("default policy");
    let ctx = Context::input(Role::User);
    for (name, text) in texts() {
        let rounds = ((mb << 20) / text.len()).max(1);
        let watch = Stopwatch::start();
        let mut total = 0usize;
        for _ in 0..rounds {
            let mut session = Session::new();
            let inspection = guard
                .inspect(std::hint::black_box(&text), ctx, &mut session)
                .expect("inspect");
            total += inspection.findings.len();
        }
        let Elapsed { wall, cpu } = watch.elapsed();
        let bytes = (text.len() * rounds) as f64;
        println!(
            "inspect: {name:<24} {:>7.1} MB/s cpu {:>7.1} MB/s wall  ({} B x {rounds}, {} findings/call)",
            bytes / cpu / 1e6,
            bytes / wall / 1e6,
            text.len(),
            total / rounds,
        );
    }
    if !latency {
        return;
    }
    // A 4 KB prompt: latency per call. Wall-time percentiles on a shared machine mostly
    // measure preemption, so the mean on-CPU time per call is printed too.
    for (name, text) in texts() {
        let prompt = rampart_core::text::truncate_to_char_boundary(&text, 4096);
        let calls = 20_000usize;
        let mut times = Vec::with_capacity(calls);
        let watch = Stopwatch::start();
        for _ in 0..calls {
            let mut session = Session::new();
            let t = Instant::now();
            let inspection = guard
                .inspect(std::hint::black_box(prompt), ctx, &mut session)
                .expect("inspect");
            times.push(t.elapsed().as_nanos() as u64);
            std::hint::black_box(inspection);
        }
        // Without a per-thread CPU clock, `cpu` is the wall time (the note above says why
        // that is a worse figure).
        let cpu_per_call = watch.elapsed().cpu / calls as f64 * 1e6;
        times.sort_unstable();
        let pct = |p: f64| times[((calls as f64 * p) as usize).min(calls - 1)] as f64 / 1e3;
        println!(
            "inspect 4 KB: {name:<21} on-CPU mean {cpu_per_call:>6.1} µs; wall p50 {:>6.1} µs, p90 {:>6.1} µs, p99 {:>7.1} µs",
            pct(0.5),
            pct(0.9),
            pct(0.99),
        );
    }
}
