//! The whole default guard on text on its way to a model, from every role: no panic, the
//! injection score in [0, 1], and every finding's span inside the original text (in code
//! points). The first input byte picks the role, so the fuzzer reaches the rules that
//! only count in tool results and documents; the rest is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_guard::{Context, Guard, Policy, Role, Session};
use std::sync::OnceLock;

fn guard() -> &'static Guard {
    static GUARD: OnceLock<Guard> = OnceLock::new();
    GUARD.get_or_init(|| Guard::new(Policy::default()).expect("default policy builds"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let role = [Role::User, Role::System, Role::Tool, Role::Document][usize::from(pick % 4)];
    let inspection = guard()
        .inspect_bytes(text, Context::input(role), &mut Session::new())
        .expect("inspection does not fail");
    let chars = String::from_utf8_lossy(text).chars().count();
    assert!((0.0..=1.0).contains(&inspection.injection_score));
    for f in &inspection.findings {
        assert!(f.start <= f.end && f.end <= chars, "{f:?} outside 0..{chars}");
    }
});
