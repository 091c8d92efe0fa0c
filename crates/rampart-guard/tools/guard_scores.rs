//! The injection verdicts of `rampart guard --jsonl --tiers --semantic off` (default
//! policy, input direction, a fresh session per line) from this crate alone, so that a
//! change of the detector or its weights can be measured on the evaluation sets without
//! building the gateway and the CLI. Reads `{"id", "text", "role"}` lines (as written by
//! `crates/rampart-semantic/training/eval/score.py input`), writes
//! `{"id", "decision", "injection_score", "tiers"}` lines that `score.py report` reads.
//!
//! ```text
//! cargo build --release -p rampart-guard --features training --bin guard_scores
//! $CARGO_TARGET_DIR/release/guard_scores < /tmp/eval-input.jsonl > /tmp/scores.jsonl
//! ```
//!
//! A line without `id` gets its line number; a missing or unknown role is `user`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_guard::{Context, Guard, Policy, Role, Session};
use std::io::{BufRead, Write};

fn main() {
    let guard = Guard::new(Policy::default()).expect("default policy");
    let stdin = std::io::stdin();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.expect("read standard input");
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON object a line");
        let id = v.get("id").cloned().unwrap_or((n + 1).into());
        let role = match v["role"].as_str().unwrap_or("user") {
            "system" => Role::System,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            "document" => Role::Document,
            _ => Role::User,
        };
        let text = v["text"].as_str().unwrap_or("");
        let mut session = Session::new();
        let verdict = guard
            .inspect(text, Context::input(role), &mut session)
            .expect("the built-in tiers do not fail");
        let tiers = verdict
            .injection_tiers
            .map(|t| serde_json::json!({"heuristic": t.heuristic, "classifier": t.classifier}));
        let line = serde_json::json!({
            "id": id,
            "decision": verdict.decision,
            "injection_score": verdict.injection_score,
            "tiers": tiers,
        });
        writeln!(out, "{line}").expect("write standard output");
    }
}
