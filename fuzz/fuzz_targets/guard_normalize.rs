//! The normaliser on arbitrary text: no panic, and every span maps back inside the
//! original text, monotonically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_guard::normalize::Normalized;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let chars = text.chars().count();
    let n = Normalized::new(&text);
    let normalized = n.text();
    let mut previous = 0;
    for (i, _) in normalized.char_indices().chain([(normalized.len(), ' ')]) {
        let (s, e) = n.span_to_original(i, normalized.len());
        assert!(s <= e && e <= chars, "span {s}..{e} outside 0..{chars}");
        assert!(s >= previous, "offsets go backwards at byte {i}");
        previous = s;
    }
});
