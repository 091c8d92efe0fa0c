//! The output side on any answer: the CommonMark/HTML pass of the exfiltration detector
//! and the checked pseudonym restoration. No panic; every finding inside the text; every
//! `<EMAIL_ADDRESS_1>` of the answer is either restored or reported as withheld (never
//! both, never neither); with nothing withheld the result is `Session::restore`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_guard::{Context, Guard, Policy, Session};
use std::sync::OnceLock;

fn guard() -> &'static Guard {
    static GUARD: OnceLock<Guard> = OnceLock::new();
    GUARD.get_or_init(|| {
        let policy =
            Policy::from_toml_str("[exfiltration]\nallowed_domains = [\"acme.example\"]\n")
                .expect("policy parses");
        Guard::new(policy).expect("policy builds")
    })
}

const VALUE: &str = "ana@example.es";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let inspection = guard()
        .inspect(&text, Context::output(), &mut Session::new())
        .expect("inspection does not fail");
    let chars = text.chars().count();
    for f in &inspection.findings {
        assert!(
            f.start <= f.end && f.end <= chars,
            "{f:?} outside 0..{chars}"
        );
    }
    let mut session = Session::new();
    let token = session.pseudonym("EMAIL_ADDRESS", VALUE);
    let (restored, withheld) = session.restore_checked(&text);
    let tokens = text.matches(token.as_str()).count();
    let restored_values = restored.matches(VALUE).count() - text.matches(VALUE).count();
    assert_eq!(
        restored_values + withheld.len(),
        tokens,
        "{text:?} -> {restored:?}"
    );
    for f in &withheld {
        assert!(
            f.start < f.end && f.end <= chars,
            "{f:?} outside 0..{chars}"
        );
    }
    if withheld.is_empty() {
        assert_eq!(restored, session.restore(&text));
    }
});
