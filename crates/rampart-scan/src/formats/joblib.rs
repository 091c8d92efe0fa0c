//! joblib files: a pickle in which each NumPy array is a `NumpyArrayWrapper` object
//! followed, right after its `BUILD` opcode, by the raw array bytes (or, for object arrays,
//! a nested pickle). The walker skips those bytes exactly as `joblib.load` reads them, and
//! walks nested pickles. Files written with `compress=` use zlib by default; those are
//! inflated under the scan limits (size and ratio) first.

use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::pickle::findings::{StreamOptions, looks_like_pickle, scan_pickle_stream};
use crate::pickle::walker::WalkOptions;
use crate::report::Finding;
use flate2::read::ZlibDecoder;
use rampart_core::Severity;
use std::io::{BufReader, Cursor, Read};

fn is_joblib_pickle(head: &[u8], len: u64) -> bool {
    let marker = b"NumpyArrayWrapper";
    head.windows(marker.len()).any(|w| w == marker) && looks_like_pickle(head, len)
}

fn is_zlib(head: &[u8]) -> bool {
    head.len() >= 2
        && head[0] & 0x0F == 8
        && head[0] >> 4 <= 7
        && (u16::from(head[0]) * 256 + u16::from(head[1])) % 31 == 0
}

fn joblib_options() -> StreamOptions {
    StreamOptions {
        max_pickles: Some(1),
        walk: WalkOptions { joblib: true },
        ..StreamOptions::default()
    }
}

/// Uncompressed joblib pickles.
#[derive(Debug, Default)]
pub struct Joblib;

impl Analyzer for Joblib {
    fn format(&self) -> &'static str {
        "joblib"
    }

    fn sniff(&self, head: &[u8], len: u64) -> bool {
        is_joblib_pickle(head, len)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let mut reader = BufReader::with_capacity(64 * 1024, &mut *input.reader);
        Ok(scan_pickle_stream(&mut reader, input.len, &joblib_options()).findings)
    }
}

/// zlib-compressed pickles (`joblib.dump(..., compress=True)`), joblib or plain.
#[derive(Debug, Default)]
pub struct ZlibPickle;

impl Analyzer for ZlibPickle {
    fn format(&self) -> &'static str {
        "joblib-zlib"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        if !is_zlib(head) {
            return false;
        }
        let mut out = Vec::new();
        let _ = ZlibDecoder::new(head).take(4096).read_to_end(&mut out);
        looks_like_pickle(&out, u64::MAX)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let limits = cx.limits;
        let ratio_cap = input
            .len
            .saturating_mul(limits.max_compression_ratio)
            .max(1 << 20);
        let cap = limits.max_member_bytes.min(ratio_cap);
        let mut bytes = Vec::new();
        let read = ZlibDecoder::new(&mut *input.reader)
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes);
        let mut findings = Vec::new();
        if let Err(e) = read {
            findings.push(Finding::new(
                Severity::Medium,
                "joblib.corrupt",
                format!(
                    "the zlib stream is corrupt after {} bytes ({e}); what was inflated is checked",
                    bytes.len()
                ),
            ));
        }
        if bytes.len() as u64 > cap {
            let rule = if cap == ratio_cap {
                "zip.bomb"
            } else {
                "joblib.too-large"
            };
            findings.push(Finding::new(
                if cap == ratio_cap {
                    Severity::High
                } else {
                    Severity::Medium
                },
                rule,
                format!("inflates beyond {cap} bytes; only the first {cap} bytes were checked"),
            ));
            bytes.truncate(cap as usize);
        }
        let len = bytes.len() as u64;
        let opts = if is_joblib_pickle(&bytes[..bytes.len().min(64 * 1024)], len) {
            joblib_options()
        } else {
            StreamOptions::default()
        };
        findings.extend(scan_pickle_stream(&mut Cursor::new(bytes), len, &opts).findings);
        Ok(findings)
    }
}
