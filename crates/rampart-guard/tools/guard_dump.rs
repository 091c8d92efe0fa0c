//! Everything the default guard reports for a set of texts, for before/after comparison
//! of a change that must not alter detection: `Guard::detect` and `Guard::inspect`
//! (findings, scores, rewritten text) for user input, tool content and output, and the
//! steps of a streamed answer in uneven chunks. Files ending in `.jsonl` contribute the
//! `text` of each line; any other file is taken whole and by paragraph.
//!
//! ```text
//! cargo build --release -p rampart-guard --features training --bin guard_dump
//! target/release/guard_dump $RAMPART_DATA/*.jsonl FILES... > before.txt
//! # change, rebuild, run again into after.txt, then: cmp before.txt after.txt
//! target/release/guard_dump --policy bench/guard/secrets_only.toml FILES...
//! ```
//!
//! `--policy FILE.toml` replaces the default policy (e.g. the single-detector policies
//! of `bench/guard/`, whose per-call paths differ).
use rampart_guard::{Context, Guard, Policy, Role, Session};
use std::io::Write;

fn main() {
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    let policy = match files.iter().position(|a| a == "--policy") {
        Some(i) => {
            let path = files.get(i + 1).expect("--policy FILE.toml").clone();
            files.drain(i..i + 2);
            let text = std::fs::read_to_string(path).expect("read the policy");
            Policy::from_toml_str(&text).expect("valid policy")
        }
        None => Policy::default(),
    };
    let guard = Guard::new(policy).expect("policy");
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for f in &files {
        let data = match std::fs::read(f) {
            Ok(d) => d,
            Err(_) => continue,
        };
        let data = String::from_utf8_lossy(&data).into_owned();
        let mut texts = Vec::new();
        if f.ends_with(".jsonl") {
            for l in data.lines() {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(l)
                    && let Some(t) = v["text"].as_str()
                {
                    texts.push(t.to_owned());
                }
            }
        } else {
            texts.push(data.clone());
            for p in data.split("\n\n") {
                texts.push(p.to_owned());
            }
        }
        for (i, t) in texts.iter().enumerate() {
            writeln!(out, "== {f} #{i}").expect("dump");
            for ctx in [
                Context::input(Role::User),
                Context::input(Role::Tool),
                Context::output(),
            ] {
                let d = guard.detect(t, ctx).expect("dump");
                writeln!(out, "D {:?} {:?}", ctx, d).expect("dump");
                let mut s = Session::new();
                let r = guard.inspect(t, ctx, &mut s).expect("dump");
                writeln!(out, "I {:?}", r).expect("dump");
            }
            if t.len() < 20_000 {
                let mut s = Session::new();
                let mut st = guard.stream(Context::output());
                let mut pos = 0;
                let mut k = 0;
                while pos < t.len() {
                    let mut end = (pos + 13 + (k * 7) % 50).min(t.len());
                    while !t.is_char_boundary(end) {
                        end += 1;
                    }
                    let step = st.push(&t[pos..end], &mut s).expect("dump");
                    writeln!(out, "S {:?}", step).expect("dump");
                    pos = end;
                    k += 1;
                }
                let step = st.finish(&mut s).expect("dump");
                writeln!(out, "S {:?}", step).expect("dump");
            }
        }
    }
}
