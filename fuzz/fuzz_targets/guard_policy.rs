//! The policy parser on arbitrary text: errors, never panics; a policy that parses builds
//! a guard (validation compiles every user regular expression), unless it names a model
//! file that was not loaded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_guard::{Guard, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = Policy::from_toml_str(text) {
        // A policy naming its own model file needs the caller to read it; without it,
        // building fails with an error naming the key.
        let needs_model = policy.injection_model.is_some();
        match Guard::new(policy) {
            Ok(_) => assert!(!needs_model),
            Err(e) => assert!(needs_model && e.to_string().contains("injection_model"), "{e}"),
        }
    }
});
