//! The policy parser on arbitrary text: errors, never panics; a policy that parses builds
//! a guard (validation compiles every user regular expression).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_guard::{Guard, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = Policy::from_toml_str(text) {
        Guard::new(policy).expect("a validated policy builds");
    }
});
