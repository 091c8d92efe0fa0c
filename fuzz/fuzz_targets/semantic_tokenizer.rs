//! The semantic tier's tokenizer and forward pass on any bytes: the bytes decoded as the
//! gateway and the CLI decode them (lossily), then normalised, segmented (unigram Viterbi)
//! and embedded, whole and in the tier's windows. No panic, at most `MAX_TOKENS` pieces,
//! a finite 512-value embedding, and the raw piece ids (any u32, as a caller could pass)
//! read as `<unk>` when out of range.
//!
//! The model: the installed one when `RAMPART_MODEL_DIR` (or the installer's default
//! location) holds it, so the real normaliser map and 128k vocabulary are walked;
//! otherwise a made-up model in the real format (`rampart_semantic::synthetic`: real
//! dimensions, tiny vocabulary, identity normaliser). Loaded once per process.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_semantic::{DIM, Encoder, MAX_TOKENS, TierSettings};
use std::sync::OnceLock;

static ENCODER: OnceLock<Encoder> = OnceLock::new();

fn encoder() -> &'static Encoder {
    ENCODER.get_or_init(|| {
        let installed = rampart_semantic::default_model_path().filter(|p| p.exists());
        match installed {
            Some(path) => Encoder::load(&path).expect("the installed model loads"),
            None => {
                let bytes = rampart_semantic::synthetic::model_bytes();
                Encoder::from_bytes(&bytes, "synthetic".as_ref()).expect("the made-up model loads")
            }
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let encoder = encoder();
    let text = String::from_utf8_lossy(data);
    let ids = encoder.tokens(&text);
    assert!(ids.len() <= MAX_TOKENS, "{} pieces", ids.len());
    let v = encoder.embed_tokens(&ids);
    assert_eq!(v.as_slice().len(), DIM);
    assert!(v.as_slice().iter().all(|x| x.is_finite()));
    // Small windows, so that short inputs are cut too.
    let settings = TierSettings {
        max_chars: 64,
        window_chars: 16,
        stride_chars: 8,
        ..TierSettings::default()
    };
    for window in settings.windows(&text) {
        assert!(window.chars().count() <= 16);
        let w = encoder.embed(window);
        assert!(w.as_slice().iter().all(|x| x.is_finite()));
    }
    // The same bytes as raw piece ids.
    let raw: Vec<u32> = data
        .chunks(4)
        .map(|c| c.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)))
        .collect();
    let r = encoder.embed_tokens(&raw);
    assert!(r.as_slice().iter().all(|x| x.is_finite()));
});
