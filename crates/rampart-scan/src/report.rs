//! The scan report: the `rampart scan --format json` contract.
//!
//! `{"files": [{"path", "format", "sha256"?, "verdict", "findings": [{"severity", "rule",
//! "message", "location"?}]}], "summary": {...}}`. A file is `malicious` when it has a
//! finding of severity high or critical, `suspicious` with a medium one, `error` when it
//! could not be scanned.

use rampart_core::Severity;
use serde::{Deserialize, Serialize};

/// One thing an analyser found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// A stable rule id, e.g. `pickle.dangerous-import`.
    pub rule: String,
    /// What was found and why it matters, for a person.
    pub message: String,
    /// Where in the file: a byte offset, a member name, a JSON path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Finding {
    pub fn new(severity: Severity, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity,
            rule: rule.into(),
            message: message.into(),
            location: None,
        }
    }

    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Clean,
    Suspicious,
    Malicious,
    Error,
}

/// The result for one file, or one member of an archive (`outer.zip!/inner/path`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    pub path: String,
    /// The format recognised from the content, e.g. `pickle`, `pytorch`, `safetensors`;
    /// `unknown` when no analyser recognised it.
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// Why the file could not be scanned, when `verdict` is `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl FileReport {
    /// A report whose verdict follows from its findings.
    pub fn from_findings(path: String, format: &str, findings: Vec<Finding>) -> Self {
        let verdict = verdict_of(&findings);
        FileReport {
            path,
            format: format.to_owned(),
            sha256: None,
            verdict,
            findings,
            error: None,
        }
    }

    /// A file that could not be scanned.
    pub fn error(path: String, format: &str, reason: String) -> Self {
        FileReport {
            path,
            format: format.to_owned(),
            sha256: None,
            verdict: Verdict::Error,
            findings: Vec::new(),
            error: Some(reason),
        }
    }

    /// The most severe finding, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// The verdict implied by a set of findings.
pub fn verdict_of(findings: &[Finding]) -> Verdict {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Critical | Severity::High) => Verdict::Malicious,
        Some(Severity::Medium) => Verdict::Suspicious,
        _ => Verdict::Clean,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scanned: usize,
    pub malicious: usize,
    pub suspicious: usize,
    pub clean: usize,
    pub errors: usize,
    pub findings: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub files: Vec<FileReport>,
    pub summary: Summary,
}

impl ScanReport {
    /// Recompute the summary from the files.
    pub fn summarise(&mut self, duration_ms: u64) {
        let mut s = Summary {
            duration_ms,
            ..Summary::default()
        };
        for f in &self.files {
            match f.verdict {
                Verdict::Malicious => s.malicious += 1,
                Verdict::Suspicious => s.suspicious += 1,
                Verdict::Clean => s.clean += 1,
                Verdict::Error => s.errors += 1,
            }
            s.findings += f.findings.len();
        }
        s.scanned = self.files.len() - s.errors;
        self.summary = s;
    }

    /// Whether any finding is at or above `threshold` (the `--fail-on` rule, exit 1).
    pub fn has_finding_at_or_above(&self, threshold: Severity) -> bool {
        self.files
            .iter()
            .any(|f| f.max_severity().is_some_and(|s| s >= threshold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_follows_the_most_severe_finding() {
        let f = |s| Finding::new(s, "r", "m");
        assert_eq!(verdict_of(&[]), Verdict::Clean);
        assert_eq!(verdict_of(&[f(Severity::Low)]), Verdict::Clean);
        assert_eq!(
            verdict_of(&[f(Severity::Low), f(Severity::Medium)]),
            Verdict::Suspicious
        );
        assert_eq!(verdict_of(&[f(Severity::High)]), Verdict::Malicious);
    }

    #[test]
    fn json_shape_matches_the_contract() {
        let mut r = ScanReport {
            files: vec![FileReport::from_findings(
                "m.pkl".into(),
                "pickle",
                vec![
                    Finding::new(Severity::Critical, "pickle.dangerous-import", "os.system")
                        .at("offset 2"),
                ],
            )],
            summary: Summary::default(),
        };
        r.summarise(0);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["files"][0]["verdict"], "malicious");
        assert_eq!(v["files"][0]["findings"][0]["severity"], "critical");
        assert_eq!(v["files"][0]["findings"][0]["location"], "offset 2");
        assert!(v["files"][0].get("sha256").is_none());
        assert_eq!(v["summary"]["malicious"], 1);
    }
}
