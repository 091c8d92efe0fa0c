//! Legacy GGML-family files (llama.cpp, whisper.cpp before GGUF), often named `.bin`.
//!
//! Layout (little-endian): a `u32` magic — `ggml` (unversioned), `ggmf` (version 1),
//! `ggjt` (versions 1–3) or `ggla` (LoRA adapters, version 1) — then, for all but `ggml`,
//! a `u32` version, then model hyperparameters, a vocabulary of raw byte strings and raw
//! tensors. Nothing in the format names code or templates, so a file with a known magic and
//! version is clean, with an info finding; an unknown version is an error (no analyser
//! knows what follows). Current llama.cpp no longer loads these files at all.

use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::report::Finding;
use rampart_core::Severity;

/// The magics as stored on disk (a little-endian `u32`, so the letters appear reversed),
/// the format name, and the versions its writers produced (`None`: unversioned).
type Magic = (&'static [u8; 4], &'static str, Option<(u32, u32)>);

const MAGICS: &[Magic] = &[
    (b"lmgg", "ggml", None),
    (b"fmgg", "ggmf", Some((1, 1))),
    (b"tjgg", "ggjt", Some((1, 3))),
    (b"algg", "ggla", Some((1, 1))),
];

#[derive(Debug, Default)]
pub struct Ggml;

fn kind(head: &[u8]) -> Option<&'static Magic> {
    MAGICS.iter().find(|(m, _, _)| head.starts_with(&m[..]))
}

impl Analyzer for Ggml {
    fn format(&self) -> &'static str {
        "ggml"
    }

    fn sniff(&self, head: &[u8], len: u64) -> bool {
        len >= 8 && kind(head).is_some()
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let Some((_, name, versions)) = kind(input.head) else {
            return Err(ScanError::Malformed("GGML: unknown magic".into()));
        };
        let version = match versions {
            None => "unversioned".to_owned(),
            Some((lo, hi)) => {
                let v = input
                    .head
                    .get(4..8)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .ok_or_else(|| {
                        ScanError::Malformed(format!("GGML ({name}): truncated header"))
                    })?;
                if !(*lo..=*hi).contains(&v) {
                    return Err(ScanError::Malformed(format!(
                        "GGML ({name}): version {v} was never written (known {lo}..={hi})"
                    )));
                }
                format!("version {v}")
            }
        };
        Ok(vec![Finding::new(
            Severity::Info,
            "ggml.legacy",
            format!(
                "legacy GGML-family file (`{name}`, {version}): hyperparameters, vocabulary and raw tensors, no code; current llama.cpp does not load it"
            ),
        )])
    }
}
