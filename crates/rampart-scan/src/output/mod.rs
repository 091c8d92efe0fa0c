//! Report encodings other than the JSON contract: SARIF 2.1.0 for code-scanning tools and
//! CycloneDX 1.6 ML-BOM for inventories. Both are pure functions of a [`ScanReport`] so the
//! CLI only chooses one.
//!
//! [`ScanReport`]: crate::ScanReport

mod cyclonedx;
mod sarif;

pub use cyclonedx::to_cyclonedx;
pub use sarif::to_sarif;

use rampart_core::Severity;

/// The file part of a report path: `outer.zip!/inner` → `outer.zip`.
pub(crate) fn outer_path(path: &str) -> &str {
    path.split_once("!/").map_or(path, |(outer, _)| outer)
}

/// A person-readable title for a rule id: `pickle.dangerous-import` → "Pickle: dangerous import".
pub(crate) fn rule_title(rule: &str) -> String {
    let (area, name) = rule.split_once('.').unwrap_or(("", rule));
    let mut area = area.to_owned();
    if let Some(first) = area.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let name = name.replace(['-', '.', '_'], " ");
    if area.is_empty() {
        name
    } else {
        format!("{area}: {name}")
    }
}

/// CVSS-like score GitHub uses to rank `security-severity`.
pub(crate) fn severity_score(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.8",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Lower-case hex of a SHA-256 digest.
pub(crate) fn sha256_hex(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
