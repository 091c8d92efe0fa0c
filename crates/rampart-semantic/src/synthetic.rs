//! A made-up model in Rampart's file format, for fuzzing and for the bad-input tests that
//! must run where the real model is not installed.
//!
//! Its vectors mean nothing. Its code paths are the real ones: the dimensions are fixed by
//! the architecture (so the forward pass does the same work per piece as the real model),
//! the vocabulary is a few dozen pieces (ASCII letters, a few words, multi-byte pieces), so
//! most of any input is unknown pieces, and the normaliser is the identity (the real map
//! is exercised by the real model's tests). Weights come from a fixed linear congruential
//! sequence: the same bytes on every build.

use crate::encoder::{ARCHITECTURE, DIM};
use crate::format::{Data, write};

const CNN_DIM: usize = 256;
const ORDERS: [usize; 3] = [2, 3, 5];
const HIDDEN: usize = 320;
const FEAT_DIM: usize = DIM + ORDERS.len() * CNN_DIM;

/// The pieces of the made-up vocabulary after the three control pieces.
const PIECES: &[&str] = &[
    "\u{2581}",
    "\u{2581}the",
    "\u{2581}ignore",
    "\u{2581}all",
    "\u{2581}previous",
    "\u{2581}instructions",
    "ing",
    "ion",
    "\u{e9}",
    "\u{f1}",
    "\u{2581}\u{e9}",
    "ne",
    "er",
];

/// Small values in `[-scale, scale)`, deterministic.
fn values(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
            (unit * 2.0 - 1.0) * scale
        })
        .collect()
}

/// The bytes of the made-up model file (about 14 MB: the real dimensions, a tiny
/// vocabulary). Load it with [`Encoder::from_bytes`](crate::Encoder::from_bytes).
pub fn model_bytes() -> Vec<u8> {
    let mut pieces: Vec<String> = ["<unk>", "<s>", "</s>"].map(String::from).to_vec();
    pieces.extend(PIECES.iter().map(|p| p.to_string()));
    pieces.extend(('a'..='z').map(String::from));
    let vocab = pieces.len();
    let mut offsets = vec![0u32];
    let mut joined = Vec::new();
    for p in &pieces {
        joined.extend_from_slice(p.as_bytes());
        offsets.push(joined.len() as u32);
    }
    // Longer pieces are more probable, as in a trained unigram model.
    let scores: Vec<f32> = pieces
        .iter()
        .map(|p| -10.0 + p.chars().count() as f32)
        .collect();
    let table: Vec<u8> = (0..vocab * DIM).map(|i| (i * 31 % 251) as u8).collect();

    let mut seed = 0;
    let mut f32s = |n: usize, scale: f32| {
        seed += 1;
        Data::F32(values(n, seed, scale))
    };
    let ones = |n: usize| Data::F32(vec![1.0; n]);
    let proj = ORDERS.len() * CNN_DIM;
    let mut tensors: Vec<(String, Vec<usize>, Data)> = vec![
        ("vocab.pieces".into(), vec![joined.len()], Data::U8(joined)),
        ("vocab.offsets".into(), vec![vocab + 1], Data::U32(offsets)),
        ("vocab.scores".into(), vec![vocab], Data::F32(scores)),
        ("normalizer.charsmap".into(), vec![0], Data::U8(Vec::new())),
        ("embed.q".into(), vec![vocab, DIM], Data::U8(table)),
        ("embed.scale".into(), vec![vocab], f32s(vocab, 0.01)),
        ("embed.offset".into(), vec![vocab], f32s(vocab, 0.5)),
        ("proj.w".into(), vec![DIM, proj], f32s(DIM * proj, 0.05)),
        ("proj.b".into(), vec![proj], f32s(proj, 0.1)),
        ("proj.ln_g".into(), vec![proj], ones(proj)),
        ("proj.ln_b".into(), vec![proj], f32s(proj, 0.1)),
    ];
    for order in ORDERS {
        let rows = order * CNN_DIM;
        for (w, b) in [("w1", "b1"), ("w2", "b2")] {
            tensors.push((
                format!("cnn{order}.{w}"),
                vec![rows, CNN_DIM],
                f32s(rows * CNN_DIM, 0.05),
            ));
            tensors.push((format!("cnn{order}.{b}"), vec![CNN_DIM], f32s(CNN_DIM, 0.1)));
        }
    }
    let mut dense = |name: &str, rows: usize, cols: usize| {
        (
            format!("dense.{name}"),
            vec![rows, cols],
            f32s(rows * cols, 0.05),
        )
    };
    let dense = [
        dense("d0", DIM, HIDDEN),
        dense("p1", DIM, HIDDEN),
        dense("d1", HIDDEN, HIDDEN),
        dense("d2", HIDDEN, DIM),
        dense("p3", HIDDEN, DIM),
        dense("d3", DIM, DIM),
    ];
    tensors.extend(dense);
    tensors.push(("feat.ln_g".into(), vec![FEAT_DIM], ones(FEAT_DIM)));
    tensors.push((
        "feat.ln_b".into(),
        vec![FEAT_DIM],
        Data::F32(vec![0.0; FEAT_DIM]),
    ));
    tensors.push((
        "out.w".into(),
        vec![FEAT_DIM, DIM],
        Data::F32(values(FEAT_DIM * DIM, 99, 0.05)),
    ));
    tensors.push(("out.b".into(), vec![DIM], Data::F32(vec![0.0; DIM])));
    tensors.push(("eps".into(), vec![1], Data::F32(vec![1e-6])));
    let (names, shapes): (Vec<String>, Vec<Vec<usize>>) = tensors
        .iter()
        .map(|(n, s, _)| (n.clone(), s.clone()))
        .unzip();
    let refs: Vec<(&str, &[usize], Data)> = tensors
        .into_iter()
        .zip(names.iter().zip(&shapes))
        .map(|((_, _, data), (name, shape))| (name.as_str(), shape.as_slice(), data))
        .collect();
    write(ARCHITECTURE, &refs)
}
