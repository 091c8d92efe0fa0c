//! SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! One run, tool `rampart`, one rule per distinct finding rule (with `security-severity`
//! so GitHub ranks alerts), one result per finding. Files that could not be scanned become
//! `scan.unscannable` results: a CI gate must see them. Archive members are located at the
//! archive file (`artifactLocation.uri`) with the member path in the message and in a
//! logical location, because code scanning only knows files of the repository.

use super::{outer_path, rule_title, severity_score, sha256_hex};
use crate::report::{ScanReport, Verdict};
use rampart_core::Severity;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const UNSCANNABLE: &str = "scan.unscannable";

/// Encode a report as a SARIF 2.1.0 log.
pub fn to_sarif(report: &ScanReport) -> Value {
    // rule id → most severe severity seen (a rule's default level).
    let mut rules: BTreeMap<&str, Severity> = BTreeMap::new();
    let mut results = Vec::new();
    for file in &report.files {
        let uri = artifact_uri(outer_path(&file.path));
        let member = file.path.split_once("!/").map(|(_, m)| m);
        for f in &file.findings {
            let e = rules.entry(f.rule.as_str()).or_insert(f.severity);
            *e = (*e).max(f.severity);
            let mut text = f.message.clone();
            if let Some(m) = member {
                text = format!("{text} (in archive member `{m}`)");
            }
            if let Some(loc) = &f.location {
                text = format!("{text} [at {loc}]");
            }
            results.push(result(
                &f.rule,
                f.severity,
                text,
                &uri,
                &file.path,
                f.location.as_deref().unwrap_or(""),
            ));
        }
        if file.verdict == Verdict::Error {
            rules.entry(UNSCANNABLE).or_insert(Severity::Medium);
            let reason = file.error.as_deref().unwrap_or("unknown reason");
            results.push(result(
                UNSCANNABLE,
                Severity::Medium,
                format!("`{}` could not be scanned: {reason}", file.path),
                &uri,
                &file.path,
                "",
            ));
        }
    }
    let rules: Vec<Value> = rules
        .into_iter()
        .map(|(id, severity)| {
            let title = rule_title(id);
            json!({
                "id": id,
                "name": id.replace(['.', '-'], "_"),
                "shortDescription": {"text": title},
                "fullDescription": {"text": rule_help(id)},
                "help": {
                    "text": rule_help(id),
                    "markdown": format!("**{title}**\n\n{}", rule_help(id)),
                },
                "defaultConfiguration": {"level": level(severity)},
                "properties": {
                    "security-severity": severity_score(severity),
                    "tags": ["security", "supply-chain", "ml-model"],
                    "precision": "high",
                },
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rampart",
                "informationUri": "https://github.com/rampart-ai/rampart",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    })
}

fn result(rule: &str, severity: Severity, text: String, uri: &str, path: &str, loc: &str) -> Value {
    json!({
        "ruleId": rule,
        "level": level(severity),
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri}},
            "logicalLocations": [{"fullyQualifiedName": path, "kind": "module"}],
        }],
        // Stable across runs so code scanning tracks one alert per (file, rule, place).
        "partialFingerprints": {"rampartFinding/v1": sha256_hex(&[rule, path, loc])},
        "properties": {"severity": severity.as_str()},
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Guidance per rule family, shown by code scanning next to the alert.
fn rule_help(rule: &str) -> &'static str {
    match rule.split('.').next().unwrap_or("") {
        "pickle" | "pytorch" | "numpy" | "joblib" => {
            "Loading this file runs the Python callables it references. Do not load it; obtain the model in a non-executable format such as safetensors, or from a trusted source."
        }
        "template" | "gguf" => {
            "The model's metadata is malformed or its chat template reaches Python internals; rendering it outside a strict sandbox can run code. Do not load the model; replace the template with a standard one."
        }
        "keras" | "tensorflow" => {
            "The model's configuration or graph references code or operations that run when it is loaded. Do not load it with unsafe deserialisation enabled; rebuild it from standard layers."
        }
        "onnx" => {
            "The ONNX graph refers to files outside the model directory or to custom operators that load native code. Check the external data paths and the operator libraries before loading."
        }
        "safetensors" => {
            "The safetensors header is inconsistent; the real loader refuses it and parsers may disagree about its content. Re-export the file with the reference writer."
        }
        "archive" | "zip" => {
            "The archive is malformed or built to exhaust resources, or it hides members. Do not extract it; re-create it from trusted sources."
        }
        "scan" => {
            "The file could not be scanned, so nothing is known about it. Treat it as untrusted until it can be scanned."
        }
        _ => "Review this finding before loading the file.",
    }
}

/// A relative path stays relative (code scanning resolves it against the repository); an
/// absolute one becomes a `file://` URI. Characters outside RFC 3986's unreserved set and
/// `/` are percent-encoded.
fn artifact_uri(path: &str) -> String {
    let trimmed = path.trim_start_matches("./");
    let mut out = String::with_capacity(trimmed.len() + 8);
    if trimmed.starts_with('/') {
        out.push_str("file://");
    }
    for b in trimmed.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FileReport, Finding, ScanReport};

    pub(crate) fn sample() -> ScanReport {
        let mut r = ScanReport {
            files: vec![
                FileReport::from_findings(
                    "./models/evil model.pt".into(),
                    "pytorch",
                    vec![
                        Finding::new(Severity::Critical, "pickle.dangerous-import", "os.system")
                            .at("offset 2"),
                    ],
                ),
                FileReport::from_findings(
                    "bundle.zip!/inner/t.gguf".into(),
                    "gguf",
                    vec![Finding::new(Severity::Medium, "gguf.bad-alignment", "x")],
                ),
                FileReport::from_findings("ok.safetensors".into(), "safetensors", vec![]),
                FileReport::error("/abs/broken.bin".into(), "unknown", "truncated".into()),
            ],
            summary: Default::default(),
        };
        r.summarise(3);
        r
    }

    /// The structure GitHub code scanning requires (its upload validation rejects logs
    /// without these), checked field by field.
    #[test]
    fn sarif_has_the_structure_code_scanning_requires() {
        let v = to_sarif(&sample());
        assert_eq!(v["version"], "2.1.0");
        assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
        let run = &v["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "rampart");
        let rules = driver["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "gguf.bad-alignment",
                "pickle.dangerous-import",
                "scan.unscannable"
            ]
        );
        for r in rules {
            assert!(r["shortDescription"]["text"].is_string());
            assert!(r["help"]["text"].is_string());
            let score: f64 = r["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&score));
        }
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        for res in results {
            let id = res["ruleId"].as_str().unwrap();
            assert!(ids.contains(&id), "result refers to a declared rule");
            assert!(["error", "warning", "note", "none"].contains(&res["level"].as_str().unwrap()));
            assert!(!res["message"]["text"].as_str().unwrap().is_empty());
            assert!(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
        }
        assert_eq!(results[0]["level"], "error");
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "models/evil%20model.pt"
        );
        // A member is located at its archive; the member path is in the message.
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "bundle.zip"
        );
        assert!(
            results[1]["message"]["text"]
                .as_str()
                .unwrap()
                .contains("inner/t.gguf")
        );
        assert_eq!(
            results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "file:///abs/broken.bin"
        );
        // Fingerprints are stable and distinct.
        assert_eq!(to_sarif(&sample())["runs"][0]["results"], run["results"]);
        assert_ne!(
            results[0]["partialFingerprints"],
            results[1]["partialFingerprints"]
        );
    }

    #[test]
    fn clean_report_is_a_valid_empty_run() {
        let v = to_sarif(&ScanReport::default());
        assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 0);
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
    }
}
