//! The Jinja chat-template tokeniser and rules, on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rampart_scan::formats::jinja::analyze_template(text, "fuzz");
    }
});
