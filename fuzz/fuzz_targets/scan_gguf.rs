//! GGUF metadata parser and chat-template analysis: the input follows the `GGUF` magic and
//! a version, so every run exercises the GGUF analyser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_scan::{ScanOptions, Scanner};
use std::sync::LazyLock;

static SCANNER: LazyLock<Scanner> = LazyLock::new(|| Scanner::new(ScanOptions::default()));

fuzz_target!(|data: &[u8]| {
    let version = data.first().map_or(3, |v| u32::from(v % 4));
    let mut file = b"GGUF".to_vec();
    file.extend(version.to_le_bytes());
    file.extend(data.get(1..).unwrap_or_default());
    let reports = SCANNER.scan_bytes("fuzz.gguf", &file);
    assert_eq!(reports[0].format, "gguf");
});
