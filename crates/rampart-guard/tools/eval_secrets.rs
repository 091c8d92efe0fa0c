//! Text-level precision and recall of the secret detector on a labelled JSONL corpus
//! (`{"text", "label": "secret"|"not_secret", "rule"}`, e.g. the gitleaks samples), plus
//! the throughput of the whole default guard (or of `--policy`) on the same texts.
//!
//! ```text
//! cargo run --release -p rampart-guard --features training --bin eval_secrets -- FILE.jsonl [--errors N] \
//!     [--policy bench/guard/secrets_only.toml]
//! ```
//!
//! A text is predicted secret when the guard reports at least one `secret` finding.

use rampart_guard::training::measure::{self, policy_arg};
use rampart_guard::{Context, FindingKind, Guard, Role};
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: eval_secrets FILE.jsonl [--errors N] [--policy FILE.toml]");
    let show_errors: usize = args
        .iter()
        .position(|a| a == "--errors")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let data = std::fs::read_to_string(path).expect("read corpus");
    let rows: Vec<serde_json::Value> = data
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let t = Instant::now();
    let guard = Guard::new(policy_arg(&args)).expect("policy");
    let build = t.elapsed();
    let ctx = Context::input(Role::User);
    let (mut tp, mut fp, mut fneg, mut tn) = (0usize, 0usize, 0usize, 0usize);
    let mut missed_by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut flagged_by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for row in &rows {
        let text = row["text"].as_str().unwrap_or_default();
        let secret = row["label"] == "secret";
        let rule = row["rule"].as_str().unwrap_or("?").to_owned();
        let found = guard.detect(text, ctx).expect("detect");
        let types: Vec<&str> = found
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Secret)
            .map(|f| f.entity.as_str())
            .collect();
        match (secret, !types.is_empty()) {
            (true, true) => tp += 1,
            (true, false) => {
                fneg += 1;
                *missed_by_rule.entry(rule.clone()).or_default() += 1;
                errors.push(format!("FN [{rule}] {:?}", clip(text)));
            }
            (false, true) => {
                fp += 1;
                *flagged_by_rule.entry(rule.clone()).or_default() += 1;
                errors.push(format!("FP [{rule}] {types:?} {:?}", clip(text)));
            }
            (false, false) => tn += 1,
        }
    }
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / (tp + fneg).max(1) as f64;
    let f1 = 2.0 * p * r / (p + r).max(f64::MIN_POSITIVE);
    println!("corpus: {path} ({} texts)", rows.len());
    println!("TP {tp}  FP {fp}  FN {fneg}  TN {tn}");
    println!("precision {p:.3}  recall {r:.3}  F1 {f1:.3}");
    println!("guard build time: {:.1} ms", build.as_secs_f64() * 1e3);
    let mut missed: Vec<_> = missed_by_rule.into_iter().collect();
    missed.sort_by_key(|m| std::cmp::Reverse(m.1));
    println!("missed secrets by gitleaks rule: {missed:?}");
    let mut flagged: Vec<_> = flagged_by_rule.into_iter().collect();
    flagged.sort_by_key(|m| std::cmp::Reverse(m.1));
    println!("flagged non-secrets by gitleaks rule: {flagged:?}");

    let texts: Vec<&str> = rows
        .iter()
        .map(|r| r["text"].as_str().unwrap_or_default())
        .collect();
    measure::print_detect_throughput(&guard, &texts, ctx);
    for e in errors.iter().take(show_errors) {
        println!("{e}");
    }
}

fn clip(s: &str) -> String {
    s.chars().take(160).collect()
}
