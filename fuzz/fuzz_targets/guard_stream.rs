//! The streaming inspector against whole-text inspection: any chunking of any text must
//! emit exactly the text (and findings) that inspecting the whole text and restoring it
//! with `Session::restore_checked` gives, and never panic. The first bytes of the input
//! choose the chunk sizes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_guard::{Context, Guard, Policy, Session};
use std::sync::OnceLock;

fn guard() -> &'static Guard {
    static GUARD: OnceLock<Guard> = OnceLock::new();
    GUARD.get_or_init(|| {
        // Output direction, every action per span (no block), custom rules and allow-list
        // on, so that the whole output is comparable byte for byte.
        let policy = Policy::from_toml_str(
            r#"
[output]
custom = "redact"
[[rules]]
name = "EMPLOYEE_ID"
pattern = '\bEMP-[0-9]{6}\b'
[[rules]]
name = "CODENAME"
keywords = ["project falcon", "osprey"]
[allow]
values = ["support@acme.example"]
"#,
        )
        .expect("fuzz policy parses");
        Guard::new(policy).expect("fuzz policy builds")
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (sizes, text) = data.split_at(4);
    let text = String::from_utf8_lossy(text);
    let guard = guard();

    let mut whole_session = Session::new();
    whole_session.pseudonym("EMAIL_ADDRESS", "bo@example.org");
    let whole = guard
        .inspect(&text, Context::output(), &mut whole_session)
        .expect("inspection does not fail");
    let (expected, withheld) = whole_session.restore_checked(&whole.text);

    let mut session = Session::new();
    session.pseudonym("EMAIL_ADDRESS", "bo@example.org");
    let mut stream = guard.stream(Context::output());
    let (mut out, mut findings) = (String::new(), Vec::new());
    let mut rest: &str = &text;
    let mut k = 0;
    while !rest.is_empty() {
        let mut n = (1 + usize::from(sizes[k % 4]) % 64).min(rest.len());
        k += 1;
        while !rest.is_char_boundary(n) {
            n += 1;
        }
        let step = stream.push(&rest[..n], &mut session).expect("push");
        out.push_str(&step.emit);
        findings.extend(step.findings);
        rest = &rest[n..];
    }
    let step = stream.finish(&mut session).expect("finish");
    out.push_str(&step.emit);
    findings.extend(step.findings);
    assert_eq!(
        out, expected,
        "streamed output differs from whole-text output"
    );
    // Tokens withheld from URLs: as many as whole-text restoration withholds (their
    // offsets are in rewritten text, which a stream counts per window).
    let (in_url, findings): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|f| f.entity.ends_with("_IN_URL"));
    assert_eq!(in_url.len(), withheld.len(), "withheld tokens differ");
    // As in the crate's random-chunking test: scores may differ, and the classifier's
    // window-level finding may be missing, because the injection classifier scores the
    // stream window, not the whole text (the known gap in ARCHITECTURE.md). Every other
    // finding, and where it is, may not differ.
    let spans = |f: &[rampart_guard::Finding]| -> Vec<_> {
        f.iter()
            .filter(|f| f.entity != "INJECTION_CLASSIFIER")
            .map(|f| (f.kind, f.entity.clone(), f.start, f.end))
            .collect()
    };
    assert_eq!(
        spans(&findings),
        spans(&whole.findings),
        "streamed findings differ"
    );
});
