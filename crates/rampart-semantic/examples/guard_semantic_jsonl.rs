//! The injection verdicts of the default guard with the semantic tier attached, from this
//! crate alone: `guard_scores` (`rampart-guard`) plus an encoder file and a head, so that a
//! fine-tuned encoder (`training/finetune.py`, `training/export_finetuned.py`) can be
//! measured through the Rust forward pass on the evaluation sets without building the CLI.
//! Reads `{"id", "text", "role"}` lines (`training/eval/score.py input`), writes
//! `{"id", "decision", "injection_score", "tiers"}` lines that `score.py report` reads.
//!
//! ```text
//! RAMPART_SEMANTIC_MODEL=use-m3-ft.rsem cargo run --release -p rampart-semantic \
//!     --example guard_semantic_jsonl -- HEAD.json < input.jsonl > scores.jsonl
//! ```
//!
//! Without `HEAD.json` the shipped head is used; without `RAMPART_SEMANTIC_MODEL` the
//! installed model. Every input role the tier reads by default is scored (cascade: all).

use std::io::{BufRead, Write};
use std::sync::Arc;

use rampart_guard::{Context, Guard, Policy, Role, Session};
use rampart_semantic::{Encoder, Head, SemanticTier, TierSettings, default_model_path};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let head = match std::env::args().nth(1) {
        Some(path) => Head::from_json(&std::fs::read_to_string(path)?)?,
        None => Head::shipped()?,
    };
    let path = std::env::var_os("RAMPART_SEMANTIC_MODEL")
        .map(Into::into)
        .or_else(default_model_path)
        .ok_or("no model path")?;
    let encoder = Arc::new(Encoder::load(&path)?);
    let tier = SemanticTier::new(encoder, head, TierSettings::default());
    let guard = Guard::builder(Policy::default())
        .semantic_injection(Arc::new(tier))
        .build()?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)?;
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
        let verdict = guard.inspect(text, Context::input(role), &mut session)?;
        let tiers = verdict.injection_tiers.map(|t| {
            serde_json::json!({"heuristic": t.heuristic, "classifier": t.classifier, "semantic": t.semantic})
        });
        let line = serde_json::json!({
            "id": id,
            "decision": verdict.decision,
            "injection_score": verdict.injection_score,
            "tiers": tiers,
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}
