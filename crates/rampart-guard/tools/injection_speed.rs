//! Throughput and latency of the injection detector's layers, and of the whole default
//! guard, on realistic benign text (the generated business e-mails, code and tool results).
//!
//! ```text
//! cargo run --release -p rampart-guard --features training --bin injection_speed -- \
//!     [crates/rampart-guard/training/generated.jsonl]
//! ```
//!
//! Peer in the same run: the first version's single override regex.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_guard::training::{classifier, heuristics};

use rampart_guard::{Context, Guard, Policy, Role};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// CPU time of this thread (user + system), from /proc: the machine is shared, and wall
/// time would count the time other processes held the core.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn throughput(name: &str, text: &str, mut f: impl FnMut(&str)) {
    f(text);
    let mut runs = 0u32;
    let start = Instant::now();
    let cpu_start = cpu_time();
    while cpu_time() - cpu_start < Duration::from_secs(2) {
        f(text);
        runs += 1;
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = (cpu_time() - cpu_start).as_secs_f64();
    let bytes = text.len() as f64 * f64::from(runs);
    println!(
        "| {name} | 1 MiB | {:.0} MB/s per CPU-second ({:.0} MB/s wall) |",
        bytes / cpu / 1e6,
        bytes / wall / 1e6
    );
}

fn latency(name: &str, prompts: &[String], mut f: impl FnMut(&str)) {
    let mut times = Vec::new();
    for _ in 0..20 {
        for p in prompts {
            let start = Instant::now();
            f(p);
            times.push(start.elapsed());
        }
    }
    times.sort();
    let q = |x: f64| times[((times.len() - 1) as f64 * x) as usize];
    println!(
        "| {name} | 4 KiB | p50 {:.1} µs, p99 {:.1} µs |",
        q(0.5).as_secs_f64() * 1e6,
        q(0.99).as_secs_f64() * 1e6
    );
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "crates/rampart-guard/training/generated.jsonl".into());
    let data = std::fs::read_to_string(&path).expect("read generated data");
    let benign: Vec<String> = data
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["label"] == "benign")
        .filter_map(|v| v["text"].as_str().map(str::to_owned))
        .collect();
    let mut mib = String::new();
    let mut i = 0;
    while mib.len() < 1 << 20 {
        mib.push_str(&benign[i % benign.len()]);
        mib.push('\n');
        i += 1;
    }
    let mut prompts = Vec::new();
    let mut p = String::new();
    for t in benign.iter().cycle().take(2000) {
        p.push_str(t);
        p.push('\n');
        if p.len() >= 4096 {
            let mut end = 4096;
            while !p.is_char_boundary(end) {
                end -= 1;
            }
            prompts.push(p[..end].to_owned());
            p.clear();
        }
    }
    let heur = heuristics::Heuristics::shared();
    let model = classifier::Model::embedded();
    let guard = Guard::new(Policy::default()).unwrap();
    let peer = regex::Regex::new(r"(?i)\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|directions|rules|prompts?)\b|\bignora\s+(?:todas\s+)?las\s+instrucciones\s+(?:anteriores|previas)\b").unwrap();
    println!("| what | input | result |\n|---|---|---|");
    throughput("peer: first-version override regex", &mib, |t| {
        black_box(peer.find_iter(t).count());
    });
    let (anchors, windows) = heur.anchor_stats(&mib);
    println!("<!-- 1 MiB: {anchors} anchor hits, {windows} rule windows -->");
    throughput("heuristics: prefilter alone", &mib, |t| {
        black_box(heur.anchor_stats(t));
    });
    throughput("heuristics (prefilter + rules)", &mib, |t| {
        let mut hits = Vec::new();
        heur.scan(t, false, &mut hits);
        black_box(hits.len());
    });
    throughput("classifier (hashed n-grams, windows)", &mib, |t| {
        black_box(model.score(t, false));
    });
    throughput(
        "whole default guard (Guard::detect, all detectors)",
        &mib,
        |t| {
            black_box(guard.detect(t, Context::input(Role::User)).unwrap());
        },
    );
    latency("heuristics + classifier", &prompts, |t| {
        let mut hits = Vec::new();
        heur.scan(t, false, &mut hits);
        black_box(model.score(t, false));
    });
    latency("whole default guard (Guard::detect)", &prompts, |t| {
        black_box(guard.detect(t, Context::input(Role::User)).unwrap());
    });
}
