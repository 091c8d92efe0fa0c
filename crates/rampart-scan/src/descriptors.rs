//! Raw weight files described by a descriptor.
//!
//! Several writers store tensors as raw bytes in a file of their own, typically named
//! `.bin`, and describe them in a separate file the loader reads first: OpenVINO IR
//! (`X.xml` with a `<net>` root names `X.bin`), TensorFlow.js (`model.json`,
//! `weightsManifest[].paths`) and ONNX external data (`TensorProto.external_data`
//! `location`). Raw bytes cannot execute, but a file named like a model that no analyser
//! accepts is an error (issue 18), so such files are called `clean` with format
//! `raw-weights` only when a descriptor the scanner parses, in the same scan, names them.
//! Anything else named `.bin` keeps its verdict: a pickle or zip is scanned as such before
//! this pass, and an unnamed unrecognised file stays `error`.

use crate::formats::{self, onnx};
use crate::report::{FileReport, Finding, Verdict};
use rampart_core::Severity;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

/// Largest descriptor read (OpenVINO XML and TensorFlow.js JSON are small; an ONNX model
/// is walked without reading tensor payloads, so it has no such bound).
const MAX_DESCRIPTOR_BYTES: u64 = 64 * 1024 * 1024;

/// Rewrites the reports of unrecognised files that a descriptor among `reports` names.
pub(crate) fn apply(reports: &mut [FileReport]) {
    let mut named: BTreeMap<PathBuf, (String, &'static str)> = BTreeMap::new();
    for r in reports.iter() {
        if r.path.contains("!/") || r.verdict == Verdict::Error {
            continue;
        }
        let path = Path::new(&r.path);
        let Some(dir) = path.parent() else { continue };
        for (target, kind) in references(path, &r.format) {
            if let Some(full) = resolve(dir, &target) {
                named.entry(full).or_insert_with(|| (r.path.clone(), kind));
            }
        }
    }
    if named.is_empty() {
        return;
    }
    for r in reports.iter_mut() {
        if !formats::is_unrecognised_claim(r) {
            continue;
        }
        let Some((descriptor, kind)) = named.get(Path::new(&r.path)) else {
            continue;
        };
        let finding = Finding::new(
            Severity::Info,
            "raw-weights.described",
            format!(
                "raw tensor bytes named by the {kind} descriptor `{descriptor}`, which the loader reads; raw bytes do not execute"
            ),
        );
        let sha256 = r.sha256.take();
        *r = FileReport::from_findings(std::mem::take(&mut r.path), "raw-weights", vec![finding]);
        r.sha256 = sha256;
    }
}

/// `dir/target` when `target` is a plain relative path that stays inside `dir`.
fn resolve(dir: &Path, target: &str) -> Option<PathBuf> {
    let rel = Path::new(target);
    if target.is_empty() || target.contains('\\') || target.contains('\0') {
        return None;
    }
    let mut out = dir.to_path_buf();
    for c in rel.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The files a descriptor names, relative to its directory, and the descriptor kind.
fn references(path: &Path, format: &str) -> Vec<(String, &'static str)> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    if format == "onnx" {
        let Ok(file) = File::open(path) else {
            return Vec::new();
        };
        let Ok(len) = file.metadata().map(|m| m.len()) else {
            return Vec::new();
        };
        return onnx::external_locations(BufReader::new(file), len)
            .map(|l| l.into_iter().map(|t| (t, "ONNX external-data")).collect())
            .unwrap_or_default();
    }
    if format != "unknown" {
        return Vec::new();
    }
    if let Some(stem) = lower.strip_suffix(".xml") {
        let Some(text) = read_bounded(path) else {
            return Vec::new();
        };
        if is_openvino_ir(&text) {
            // The loader opens the `.bin` with the XML's own stem, in its spelling.
            return vec![(format!("{}.bin", &name[..stem.len()]), "OpenVINO IR")];
        }
        return Vec::new();
    }
    if lower.ends_with(".json") {
        let Some(text) = read_bounded(path) else {
            return Vec::new();
        };
        return tfjs_paths(&text)
            .into_iter()
            .map(|p| (p, "TensorFlow.js weightsManifest"))
            .collect();
    }
    Vec::new()
}

fn read_bounded(path: &Path) -> Option<String> {
    let file = File::open(path).ok()?;
    if file.metadata().ok()?.len() > MAX_DESCRIPTOR_BYTES {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_DESCRIPTOR_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// An OpenVINO IR: XML whose root element is `<net …>` (after an optional prolog and
/// comments).
fn is_openvino_ir(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            let Some(end) = r.find("?>") else {
                return false;
            };
            rest = r[end + 2..].trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            let Some(end) = r.find("-->") else {
                return false;
            };
            rest = r[end + 3..].trim_start();
        } else {
            break;
        }
    }
    rest.strip_prefix("<net")
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_whitespace() || c == '>'))
}

/// `weightsManifest[].paths[]` of a TensorFlow.js `model.json`.
fn tfjs_paths(text: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(text)
    else {
        return Vec::new();
    };
    let Some(serde_json::Value::Array(groups)) = root.get("weightsManifest") else {
        return Vec::new();
    };
    groups
        .iter()
        .filter_map(|g| g.get("paths")?.as_array())
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openvino_root_is_recognised_only_as_net() {
        assert!(is_openvino_ir(
            "<?xml version=\"1.0\"?>\n<!-- c -->\n<net name=\"m\" version=\"11\">"
        ));
        assert!(!is_openvino_ir("<network name=\"m\">"));
        assert!(!is_openvino_ir("<html><net name=\"m\">"));
    }

    #[test]
    fn references_stay_inside_the_directory() {
        let d = Path::new("/m");
        assert_eq!(resolve(d, "w/a.bin"), Some(PathBuf::from("/m/w/a.bin")));
        assert_eq!(resolve(d, "../a.bin"), None);
        assert_eq!(resolve(d, "/etc/a.bin"), None);
        assert_eq!(resolve(d, ""), None);
    }
}
