//! The pickle walker and the stream scan on arbitrary bytes: no panic, bounded work, and
//! offsets that stay inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_scan::pickle::findings::{StreamOptions, scan_pickle_stream};
use rampart_scan::pickle::walker::{WalkOptions, walk_bytes};
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    for joblib in [false, true] {
        let w = walk_bytes(data, WalkOptions { joblib });
        assert!(w.end <= data.len() as u64);
        for i in &w.imports {
            assert!(i.offset < data.len() as u64);
        }
    }
    let _ = rampart_scan::pickle::looks_like_pickle(data, data.len() as u64);
    let _ = scan_pickle_stream(
        &mut Cursor::new(data),
        data.len() as u64,
        &StreamOptions::default(),
    );
});
