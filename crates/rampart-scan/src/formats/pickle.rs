//! Plain pickle streams (`.pkl`, `.pickle`, `.bin`, `.dat`, anything whose content is a
//! pickle), protocols 0–5, including several concatenated pickles.

use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::pickle::findings::{StreamOptions, looks_like_pickle, scan_pickle_stream};
use crate::report::Finding;
use std::io::BufReader;

#[derive(Debug, Default)]
pub struct Pickle;

impl Analyzer for Pickle {
    fn format(&self) -> &'static str {
        "pickle"
    }

    fn sniff(&self, head: &[u8], len: u64) -> bool {
        looks_like_pickle(head, len)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let mut reader = BufReader::with_capacity(64 * 1024, &mut *input.reader);
        let scanned = scan_pickle_stream(&mut reader, input.len, &StreamOptions::default());
        Ok(scanned.findings)
    }
}
