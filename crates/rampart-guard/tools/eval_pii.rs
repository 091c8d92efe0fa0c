//! Entity-level precision, recall and F1 of the personal-data detector on a labelled
//! JSONL corpus (`{"text", "spans": [{"start", "end", "type"}]}`, code-point offsets),
//! plus the throughput of the whole default guard (or of `--policy`) on the same texts.
//!
//! ```text
//! cargo run --release -p rampart-guard --features training --bin eval_pii -- FILE.jsonl [--errors N] \
//!     [--policy bench/guard/pii_only.toml]
//! ```
//!
//! Only types that both the corpus and Rampart name are scored; Presidio's names for them
//! are the same as ours. A prediction counts for the "strict" figure when type and span
//! are exact, for the "overlap" figure when the type matches and the spans overlap.

use rampart_guard::training::measure::{self, policy_arg};
use rampart_guard::{Context, FindingKind, Guard, Role};
use std::collections::{BTreeMap, BTreeSet};

const SCORED: &[&str] = &[
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "ES_NIF",
    "ES_NIE",
    "ES_CIF",
    "MAC_ADDRESS",
    "DATE_OF_BIRTH",
];

#[derive(Default)]
struct Counts {
    tp_strict: usize,
    tp_overlap: usize,
    predicted: usize,
    gold: usize,
}

fn prf(tp: usize, predicted: usize, gold: usize) -> (f64, f64, f64) {
    let p = if predicted == 0 {
        1.0
    } else {
        tp as f64 / predicted as f64
    };
    let r = if gold == 0 {
        1.0
    } else {
        tp as f64 / gold as f64
    };
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: eval_pii FILE.jsonl [--errors N] [--policy FILE.toml]");
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
    let gold_types: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r["spans"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["type"].as_str().map(str::to_owned))
        .filter(|t| SCORED.contains(&t.as_str()))
        .collect();

    let guard = Guard::new(policy_arg(&args)).expect("policy");
    let ctx = Context::input(Role::User);
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let mut errors = Vec::new();
    for row in &rows {
        let text = row["text"].as_str().unwrap_or_default();
        let gold: Vec<(usize, usize, String)> = row["spans"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| {
                        let t = s["type"].as_str()?;
                        gold_types.contains(t).then(|| {
                            (
                                s["start"].as_u64().unwrap_or(0) as usize,
                                s["end"].as_u64().unwrap_or(0) as usize,
                                t.to_owned(),
                            )
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let found = guard.detect(text, ctx).expect("detect");
        let predicted: Vec<(usize, usize, String)> = found
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Pii && gold_types.contains(&f.entity))
            .map(|f| (f.start, f.end, f.entity.clone()))
            .collect();
        let mut used = vec![false; gold.len()];
        for (ps, pe, pt) in &predicted {
            let c = counts.entry(pt.clone()).or_default();
            c.predicted += 1;
            let hit = gold
                .iter()
                .enumerate()
                .find(|(i, (gs, ge, gt))| !used[*i] && gt == pt && *gs < *pe && *ps < *ge);
            match hit {
                Some((i, (gs, ge, _))) => {
                    used[i] = true;
                    c.tp_overlap += 1;
                    if (gs, ge) == (ps, pe) {
                        c.tp_strict += 1;
                    }
                }
                None => errors.push(format!(
                    "FP {pt}: {:?} in {:?}",
                    slice(text, *ps, *pe),
                    slice(text, ps.saturating_sub(30), pe + 30)
                )),
            }
        }
        for (i, (gs, ge, gt)) in gold.iter().enumerate() {
            counts.entry(gt.clone()).or_default().gold += 1;
            if !used[i] {
                errors.push(format!(
                    "FN {gt}: {:?} in {:?}",
                    slice(text, *gs, *ge),
                    slice(text, gs.saturating_sub(30), ge + 30)
                ));
            }
        }
    }

    println!("corpus: {path} ({} texts)", rows.len());
    println!(
        "{:<15} {:>5} {:>5} | {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6}",
        "type", "gold", "pred", "P", "R", "F1", "P~", "R~", "F1~"
    );
    let mut total = Counts::default();
    for (t, c) in &counts {
        let (p, r, f) = prf(c.tp_strict, c.predicted, c.gold);
        let (po, ro, fo) = prf(c.tp_overlap, c.predicted, c.gold);
        println!(
            "{t:<15} {:>5} {:>5} | {p:>6.3} {r:>6.3} {f:>6.3} | {po:>6.3} {ro:>6.3} {fo:>6.3}",
            c.gold, c.predicted
        );
        total.tp_strict += c.tp_strict;
        total.tp_overlap += c.tp_overlap;
        total.predicted += c.predicted;
        total.gold += c.gold;
    }
    let (p, r, f) = prf(total.tp_strict, total.predicted, total.gold);
    let (po, ro, fo) = prf(total.tp_overlap, total.predicted, total.gold);
    println!(
        "{:<15} {:>5} {:>5} | {p:>6.3} {r:>6.3} {f:>6.3} | {po:>6.3} {ro:>6.3} {fo:>6.3}",
        "micro", total.gold, total.predicted
    );
    println!("(P/R/F1: exact span and type; ~: same type, overlapping span)");

    let texts: Vec<&str> = rows
        .iter()
        .map(|r| r["text"].as_str().unwrap_or_default())
        .collect();
    measure::print_detect_throughput(&guard, &texts, ctx);
    for e in errors.iter().take(show_errors) {
        println!("{e}");
    }
}

fn slice(text: &str, start: usize, end: usize) -> String {
    text.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}
