//! Every analyser through content sniffing (ONNX, SavedModel, Keras, archives and the
//! rest), with small limits so that nested archives stay fast.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_scan::{Limits, ScanOptions, Scanner};
use std::sync::LazyLock;

static SCANNER: LazyLock<Scanner> = LazyLock::new(|| {
    Scanner::new(ScanOptions {
        hash: false,
        limits: Limits {
            max_member_bytes: 1 << 20,
            max_members: 64,
            ..Limits::default()
        },
    })
});

fuzz_target!(|data: &[u8]| {
    let reports = SCANNER.scan_bytes("fuzz.bin", data);
    assert!(!reports.is_empty());
});
