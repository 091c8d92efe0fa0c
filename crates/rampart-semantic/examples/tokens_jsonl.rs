//! Piece ids of the texts of JSONL files, for fine-tuning the encoder outside Rust
//! (`training/finetune.py`). Rows, windows and the skip rule are exactly those of
//! `embed_jsonl` (the guard's normalised text, cut by `TierSettings::windows` as the shipped
//! tier cuts it), so a torch forward pass over these ids reproduces `embed_jsonl`'s vectors.
//!
//! Output: `PREFIX.ids` (little-endian u32, every window's ids, `<s>` and `</s>` included,
//! one after another) and `PREFIX.tsv` (`row`, `window`, number of ids per line).
//!
//! `cargo run --release -p rampart-semantic --example tokens_jsonl -- PREFIX FILE...`

use std::io::Write;

use rampart_guard::normalize::Normalized;
use rampart_semantic::{Encoder, TierSettings, default_model_path};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let prefix = args.next().ok_or("usage: tokens_jsonl PREFIX FILE...")?;
    let path = std::env::var_os("RAMPART_SEMANTIC_MODEL")
        .map(Into::into)
        .or_else(default_model_path)
        .ok_or("no model path")?;
    let encoder = Encoder::load(&path)?;
    let cut = TierSettings::default();
    let mut ids_out = std::io::BufWriter::new(std::fs::File::create(format!("{prefix}.ids"))?);
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
                let ids = encoder.tokens(window);
                for id in &ids {
                    ids_out.write_all(&id.to_le_bytes())?;
                }
                index.push_str(&format!("{row}\t{w}\t{}\n", ids.len()));
            }
            row += 1;
        }
        eprintln!("{file}: {row} rows so far");
    }
    ids_out.flush()?;
    std::fs::write(format!("{prefix}.tsv"), index)?;
    Ok(())
}
