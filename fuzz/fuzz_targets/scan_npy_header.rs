//! The `.npy` header parser on arbitrary bytes, with and without a valid preamble.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_scan::formats::numpy::parse_npy_header;

fuzz_target!(|data: &[u8]| {
    let _ = parse_npy_header(data);
    // Also with a valid magic, version and length so the literal parser is reached.
    let mut framed = b"\x93NUMPY\x01\x00".to_vec();
    framed.extend((data.len().min(u16::MAX as usize) as u16).to_le_bytes());
    framed.extend(data);
    if let Ok(h) = parse_npy_header(&framed) {
        let _ = h.is_object();
        let _ = h.data_len();
    }
});
