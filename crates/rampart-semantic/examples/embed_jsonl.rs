//! Embed the texts of JSONL files for training the semantic head
//! (`training/train_head.py`). Each text is first normalised as the guard normalises it
//! (`rampart_guard::normalize::Normalized::text()`: invisible characters dropped, NFKC,
//! look-alikes folded, encoded payloads decoded and appended), then cut into windows of
//! windows exactly as the shipped tier cuts them (`TierSettings::windows`: the first 4,000
//! characters, 1,500 every 1,000), each embedded.
//!
//! Output: `PREFIX.f32` (little-endian f32, one 512-value row per window) and
//! `PREFIX.tsv` (`row`, `window` per line, rows numbered over all input lines in order,
//! skipped lines included in neither). Lines whose `source` contains
//! `different_user_input_language` are skipped, as `train_injection` skips them, so row
//! numbers line up with its `DUMP_SCORES` output when the same files are given in the
//! same order.
//!
//! `cargo run --release -p rampart-semantic --example embed_jsonl -- PREFIX FILE...`

use std::io::Write;

use rampart_guard::normalize::Normalized;
use rampart_semantic::{Encoder, TierSettings, default_model_path};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let prefix = args.next().ok_or("usage: embed_jsonl PREFIX FILE...")?;
    let path = std::env::var_os("RAMPART_SEMANTIC_MODEL")
        .map(Into::into)
        .or_else(default_model_path)
        .ok_or("no model path")?;
    let encoder = Encoder::load(&path)?;
    let cut = TierSettings::default();
    let mut vectors = std::io::BufWriter::new(std::fs::File::create(format!("{prefix}.f32"))?);
    let mut index = String::new();
    let mut row = 0usize;
    for file in args {
        let content = std::fs::read_to_string(&file)?;
        for line in content.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let source = v["source"].as_str().unwrap_or("");
            if source.contains("different_user_input_language") {
                continue;
            }
            let raw = v["text"].as_str().unwrap_or("");
            let normalized = Normalized::new(raw);
            for (w, window) in cut.windows(normalized.text()).into_iter().enumerate() {
                for x in encoder.embed(window).as_slice() {
                    vectors.write_all(&x.to_le_bytes())?;
                }
                index.push_str(&format!("{row}\t{w}\n"));
            }
            row += 1;
        }
        eprintln!("{file}: {row} rows so far");
    }
    vectors.flush()?;
    std::fs::write(format!("{prefix}.tsv"), index)?;
    Ok(())
}
