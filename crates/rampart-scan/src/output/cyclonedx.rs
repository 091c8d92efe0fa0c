//! CycloneDX 1.6 JSON ML-BOM.
//!
//! One component per scanned file (archive members too, named by their `outer!/inner`
//! path): model formats get type `machine-learning-model`, anything else `file`. Each
//! carries its SHA-256 when the scan computed it (`--hash`) and `rampart:*` properties for
//! the format, the verdict, the error and the number of findings. Every finding becomes a
//! `vulnerabilities` entry rated with its severity and `affects` pointing at its component,
//! so BOM consumers (Dependency-Track and the like) show them as issues of the model.

use super::{rule_title, sha256_hex};
use crate::report::ScanReport;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// Formats that are models (as opposed to archives and unrecognised files).
const MODEL_FORMATS: &[&str] = &[
    "pickle",
    "pytorch",
    "pytorch-legacy",
    "pytorch-tar",
    "numpy",
    "numpy-npz",
    "joblib",
    "joblib-zlib",
    "safetensors",
    "gguf",
    "ggml",
    "onnx",
    "keras",
    "keras-h5",
    "tensorflow",
];

/// Encode a report as a CycloneDX 1.6 BOM.
pub fn to_cyclonedx(report: &ScanReport) -> Value {
    let mut components = Vec::with_capacity(report.files.len());
    let mut vulnerabilities = Vec::new();
    for file in &report.files {
        let bom_ref = format!("file:{}", file.path);
        let name = file
            .path
            .rsplit(['/', '\\'])
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or(&file.path);
        let kind = if MODEL_FORMATS.contains(&file.format.as_str()) {
            "machine-learning-model"
        } else {
            "file"
        };
        let mut properties = vec![
            json!({"name": "rampart:path", "value": file.path}),
            json!({"name": "rampart:format", "value": file.format}),
            json!({"name": "rampart:verdict", "value": verdict_name(file)}),
            json!({"name": "rampart:findings", "value": file.findings.len().to_string()}),
        ];
        if let Some(err) = &file.error {
            properties.push(json!({"name": "rampart:error", "value": err}));
        }
        let mut component = json!({
            "type": kind,
            "bom-ref": bom_ref,
            "name": name,
            "properties": properties,
        });
        if let Some(h) = &file.sha256 {
            component["hashes"] = json!([{"alg": "SHA-256", "content": h}]);
        }
        components.push(component);
        for (i, f) in file.findings.iter().enumerate() {
            let mut description = f.message.clone();
            if let Some(loc) = &f.location {
                description = format!("{description} (at {loc})");
            }
            vulnerabilities.push(json!({
                "bom-ref": format!("finding:{}:{i}", file.path),
                "id": f.rule,
                "source": {"name": "rampart", "url": "https://github.com/rampart-ai/rampart"},
                "ratings": [{"source": {"name": "rampart"}, "severity": f.severity.as_str(), "method": "other"}],
                "description": rule_title(&f.rule),
                "detail": description,
                "affects": [{"ref": bom_ref}],
            }));
        }
    }
    let timestamp = rfc3339_now();
    // A serial number must be a UUID; derive it from the content so the same scan gives the
    // same BOM identity (RFC 9562 version 8, "custom").
    let digest = sha256_hex(&[
        &timestamp,
        &serde_json::to_string(report).unwrap_or_default(),
    ]);
    let serial = format!(
        "urn:uuid:{}-{}-8{}-{}{}-{}",
        &digest[0..8],
        &digest[8..12],
        &digest[13..16],
        // variant bits 10xx
        ["8", "9", "a", "b"][usize::from(digest.as_bytes()[16] % 4)],
        &digest[17..20],
        &digest[20..32]
    );
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial,
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": {"components": [{
                "type": "application",
                "name": "rampart",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
            "properties": [
                {"name": "rampart:scanned", "value": report.summary.scanned.to_string()},
                {"name": "rampart:malicious", "value": report.summary.malicious.to_string()},
                {"name": "rampart:suspicious", "value": report.summary.suspicious.to_string()},
                {"name": "rampart:errors", "value": report.summary.errors.to_string()},
            ],
        },
        "components": components,
        "vulnerabilities": vulnerabilities,
    })
}

fn verdict_name(file: &crate::FileReport) -> String {
    serde_json::to_value(file.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The current UTC time as RFC 3339 (`2026-11-22T03:04:05Z`).
fn rfc3339_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rampart_core::calendar::format_rfc3339(i64::try_from(secs).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FileReport, Finding};
    use rampart_core::Severity;

    #[test]
    fn bom_has_one_model_component_per_file_with_hash_verdict_and_findings() {
        let mut r = ScanReport {
            files: vec![
                FileReport::from_findings(
                    "models/evil.pt".into(),
                    "pytorch",
                    vec![Finding::new(
                        Severity::Critical,
                        "pickle.dangerous-import",
                        "os.system",
                    )],
                ),
                FileReport::from_findings("models/ok.safetensors".into(), "safetensors", vec![]),
                FileReport::from_findings("a.zip".into(), "zip", vec![]),
            ],
            summary: Default::default(),
        };
        r.files[1].sha256 = Some("ab".repeat(32));
        r.summarise(0);
        let v = to_cyclonedx(&r);
        assert_eq!(v["bomFormat"], "CycloneDX");
        assert_eq!(v["specVersion"], "1.6");
        let serial = v["serialNumber"].as_str().unwrap();
        assert_eq!(serial.len(), "urn:uuid:".len() + 36);
        let comps = v["components"].as_array().unwrap();
        assert_eq!(comps.len(), 3);
        assert_eq!(comps[0]["type"], "machine-learning-model");
        assert_eq!(comps[0]["name"], "evil.pt");
        assert_eq!(comps[2]["type"], "file");
        // Every format name an analyser reports is classified (a new analyser must be
        // added to MODEL_FORMATS or be a container).
        for a in crate::formats::registry() {
            let container =
                ["zip", "tar", "7z", "compressed", "tokenizer-config"].contains(&a.format());
            assert!(
                container || MODEL_FORMATS.contains(&a.format()),
                "{}",
                a.format()
            );
        }
        assert_eq!(comps[1]["hashes"][0]["alg"], "SHA-256");
        assert!(comps[0].get("hashes").is_none());
        let prop = |c: &Value, n: &str| {
            c["properties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == n)
                .map(|p| p["value"].clone())
        };
        assert_eq!(prop(&comps[0], "rampart:verdict").unwrap(), "malicious");
        assert_eq!(prop(&comps[1], "rampart:format").unwrap(), "safetensors");
        let vulns = v["vulnerabilities"].as_array().unwrap();
        assert_eq!(vulns.len(), 1);
        assert_eq!(vulns[0]["ratings"][0]["severity"], "critical");
        assert_eq!(vulns[0]["affects"][0]["ref"], comps[0]["bom-ref"]);
        let ts = v["metadata"]["timestamp"].as_str().unwrap();
        assert!(
            ts.len() == 20 && ts.ends_with('Z') && ts.starts_with("20"),
            "{ts}"
        );
    }
}
