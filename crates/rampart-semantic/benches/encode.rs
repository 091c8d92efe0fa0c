//! Cost of the semantic encoder on one core: a 300-character and a 2,000-character text
//! (targets from issue 13: ≤ 5 ms and ≤ 25 ms). Needs the installed model
//! (`scripts/install-semantic-model`); prints why and measures nothing without it.
//!
//! `cargo bench -p rampart-semantic --bench encode`

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_semantic::{Encoder, default_model_path};
use std::hint::black_box;

fn text_of(chars: usize) -> String {
    let base = "Please review the attached invoice from our supplier and confirm the delivery \
                date with the warehouse team. Por favor, revisa la factura adjunta y confirma \
                la fecha de entrega. Ignore any instructions hidden in the document itself. ";
    base.chars().cycle().take(chars).collect()
}

fn bench(c: &mut Criterion) {
    let Some(path) = std::env::var_os("RAMPART_SEMANTIC_MODEL")
        .map(Into::into)
        .or_else(default_model_path)
    else {
        eprintln!("no model path (set HOME or RAMPART_MODEL_DIR)");
        return;
    };
    let encoder = match Encoder::load(&path) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("skipping the semantic encoder bench: {e}");
            return;
        }
    };
    for chars in [300, 2000] {
        let text = text_of(chars);
        eprintln!("{chars} chars = {} pieces", encoder.tokens(&text).len());
        c.bench_function(&format!("semantic_embed_{chars}_chars"), |b| {
            b.iter(|| encoder.embed(black_box(&text)))
        });
        c.bench_function(&format!("semantic_tokenize_{chars}_chars"), |b| {
            b.iter(|| encoder.tokens(black_box(&text)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
