//! The normaliser on arbitrary text: no panic, and every span of the normalised text
//! maps back inside the original text. (Offsets are not monotonic: decoded segments are
//! appended after the text and map back to the encoded blob they came from.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_guard::normalize::Normalized;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let chars = text.chars().count();
    let n = Normalized::new(&text);
    let normalized = n.text();
    let boundaries: Vec<usize> = normalized
        .char_indices()
        .map(|(i, _)| i)
        .chain([normalized.len()])
        .collect();
    for pair in boundaries.windows(2) {
        for (start, end) in [(pair[0], pair[1]), (pair[0], normalized.len())] {
            let (s, e) = n.span_to_original(start, end);
            assert!(
                s <= e && e <= chars,
                "span {start}..{end} maps to {s}..{e}, outside 0..{chars}"
            );
        }
    }
});
