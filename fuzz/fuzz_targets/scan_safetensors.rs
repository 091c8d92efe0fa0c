//! safetensors header validation: the input is the JSON header, framed with a correct
//! length, followed by a data buffer whose length comes from the first two bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_scan::{ScanOptions, Scanner};
use std::sync::LazyLock;

static SCANNER: LazyLock<Scanner> = LazyLock::new(|| Scanner::new(ScanOptions::default()));

fuzz_target!(|data: &[u8]| {
    // The sniffer needs at least a two-byte header (`{` plus one byte).
    let (data_len, header) = match data {
        [a, b, rest @ ..] if !rest.is_empty() => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => return,
    };
    let mut file = (header.len() as u64 + 1).to_le_bytes().to_vec();
    file.push(b'{');
    file.extend(header);
    file.resize(file.len() + data_len, 0);
    let reports = SCANNER.scan_bytes("fuzz.safetensors", &file);
    assert_eq!(reports[0].format, "safetensors");
});
