//! ONNX models: external-data paths and custom operator domains.
//!
//! An ONNX file is a protobuf `ModelProto`. Two things in it reach outside the model:
//! tensors whose data lives in an external file (`TensorProto.external_data`, key
//! `location`), which a loader opens relative to the model directory — an absolute path or
//! one with `..` reads any file the loader can (CVE-2024-27318 / CVE-2024-5187 class), and
//! a link can do the same — and nodes in custom operator domains, which need a native
//! library registered at load time. Every graph is walked: the main graph, subgraphs in
//! node attributes (`If`, `Loop`, `Scan`), functions and training graphs. Tensor payloads
//! (`raw_data` and typed data) are skipped, never read.

use super::protowire::{Field, Wire, WireError, WireType, head_fields_match};
use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::report::Finding;
use rampart_core::Severity;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek};

/// Operator domains of the ONNX standard and ONNX Runtime's built-in contrib ops.
const STANDARD_DOMAINS: &[&str] = &[
    "",
    "ai.onnx",
    "ai.onnx.ml",
    "ai.onnx.training",
    "ai.onnx.preview.training",
    "com.microsoft",
];
/// Longest string kept from the file (names, domains, paths).
const MAX_STRING: usize = 4096;
/// Most external-data locations remembered from one model.
const MAX_LOCATIONS: usize = 100_000;
const MAX_FINDINGS: usize = 100;

#[derive(Debug, Default)]
pub struct Onnx;

impl Analyzer for Onnx {
    fn format(&self) -> &'static str {
        "onnx"
    }

    /// ONNX has no magic. Writers emit `ir_version` (field 1, a small varint) first, then
    /// other `ModelProto` fields; the head must parse as such a field sequence.
    fn sniff(&self, head: &[u8], len: u64) -> bool {
        let ir_version_first =
            head.first() == Some(&0x08) && head.get(1).is_some_and(|&v| (1..=30).contains(&v));
        ir_version_first && head_fields_match(head, len, &[1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25], 2)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let mut walk = Walk {
            w: Wire::new(&mut *input.reader),
            findings: Vec::new(),
            custom_domains: BTreeMap::new(),
            opset_domains: BTreeSet::new(),
            locations: BTreeSet::new(),
        };
        walk.w.rewind().map_err(malformed)?;
        let result = walk.model(input.len);
        let Walk {
            mut findings,
            custom_domains,
            opset_domains,
            ..
        } = walk;
        for (domain, op) in &custom_domains {
            findings.push(
                Finding::new(
                    Severity::Medium,
                    "onnx.custom-operator-domain",
                    format!(
                        "graph uses operators of the custom domain `{domain}` (e.g. `{op}`); loading it requires a native operator library, which runs code"
                    ),
                )
                .at(format!("domain {domain}")),
            );
        }
        for domain in opset_domains
            .iter()
            .filter(|d| !custom_domains.contains_key(*d))
        {
            findings.push(
                Finding::new(
                    Severity::Medium,
                    "onnx.custom-operator-domain",
                    format!(
                        "model imports the custom operator set `{domain}`; loading it requires a native operator library, which runs code"
                    ),
                )
                .at(format!("opset_import {domain}")),
            );
        }
        findings.truncate(MAX_FINDINGS);
        match result {
            Ok(()) => Ok(findings),
            Err(e) if findings.is_empty() => Err(malformed(e)),
            Err(e) => {
                findings.push(Finding::new(
                    Severity::Medium,
                    "onnx.malformed",
                    format!("parsing stopped: {e}"),
                ));
                Ok(findings)
            }
        }
    }
}

fn malformed(e: WireError) -> ScanError {
    ScanError::Malformed(format!("ONNX: {e}"))
}

struct Walk<R: Read + Seek> {
    w: Wire<R>,
    findings: Vec<Finding>,
    /// Custom domain → the first operator seen in it.
    custom_domains: BTreeMap<String, String>,
    opset_domains: BTreeSet<String>,
    /// Every external-data `location`, as written.
    locations: BTreeSet<String>,
}

/// The external-data `location`s of an ONNX model, when the whole model parses (a model
/// that does not parse describes nothing). Used to recognise raw tensor files that the
/// model names.
pub(crate) fn external_locations<R: Read + Seek>(reader: R, len: u64) -> Option<BTreeSet<String>> {
    let mut walk = Walk {
        w: Wire::new(reader),
        findings: Vec::new(),
        custom_domains: BTreeMap::new(),
        opset_domains: BTreeSet::new(),
        locations: BTreeSet::new(),
    };
    walk.w.rewind().ok()?;
    walk.model(len).ok()?;
    Some(walk.locations)
}

fn is_standard(domain: &str) -> bool {
    STANDARD_DOMAINS.contains(&domain)
}

impl<R: Read + Seek> Walk<R> {
    fn model(&mut self, end: u64) -> Result<(), WireError> {
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (7, WireType::Len) => self.sub(f, Self::graph)?,
                (8, WireType::Len) => self.sub(f, Self::opset)?,
                // training_info: initialization (1) and algorithm (2) graphs.
                (20, WireType::Len) => self.sub(f, |s, end| {
                    while let Some(f) = s.w.next(end)? {
                        match (f.number, f.wire) {
                            (1 | 2, WireType::Len) => s.sub(f, Self::graph)?,
                            _ => s.w.skip(f)?,
                        }
                    }
                    Ok(())
                })?,
                (25, WireType::Len) => self.sub(f, Self::function)?,
                _ => self.w.skip(f)?,
            }
        }
        Ok(())
    }

    fn sub(
        &mut self,
        f: Field,
        walk: impl FnOnce(&mut Self, u64) -> Result<(), WireError>,
    ) -> Result<(), WireError> {
        let end = self.w.enter(f)?;
        walk(self, end)?;
        self.w.leave(end)
    }

    fn opset(&mut self, end: u64) -> Result<(), WireError> {
        while let Some(f) = self.w.next(end)? {
            if (f.number, f.wire) == (1, WireType::Len) {
                let d = self.w.string(f, MAX_STRING)?;
                if !is_standard(&d) {
                    self.opset_domains.insert(printable(&d));
                }
            } else {
                self.w.skip(f)?;
            }
        }
        Ok(())
    }

    fn graph(&mut self, end: u64) -> Result<(), WireError> {
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (1, WireType::Len) => self.sub(f, Self::node)?,
                (5, WireType::Len) => self.sub(f, Self::tensor)?,
                // sparse_initializer: values (1) and indices (2) are tensors.
                (15, WireType::Len) => self.sub(f, |s, end| {
                    while let Some(f) = s.w.next(end)? {
                        match (f.number, f.wire) {
                            (1 | 2, WireType::Len) => s.sub(f, Self::tensor)?,
                            _ => s.w.skip(f)?,
                        }
                    }
                    Ok(())
                })?,
                _ => self.w.skip(f)?,
            }
        }
        Ok(())
    }

    fn function(&mut self, end: u64) -> Result<(), WireError> {
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (7, WireType::Len) => self.sub(f, Self::node)?,
                (9, WireType::Len) => self.sub(f, Self::opset)?,
                _ => self.w.skip(f)?,
            }
        }
        Ok(())
    }

    fn node(&mut self, end: u64) -> Result<(), WireError> {
        let mut op_type = String::new();
        let mut domain = String::new();
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (4, WireType::Len) => op_type = self.w.string(f, MAX_STRING)?,
                (7, WireType::Len) => domain = self.w.string(f, MAX_STRING)?,
                (5, WireType::Len) => self.sub(f, Self::attribute)?,
                _ => self.w.skip(f)?,
            }
        }
        if !is_standard(&domain) {
            self.custom_domains
                .entry(printable(&domain))
                .or_insert_with(|| printable(&op_type));
        }
        Ok(())
    }

    fn attribute(&mut self, end: u64) -> Result<(), WireError> {
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                // t, tensors
                (5 | 10, WireType::Len) => self.sub(f, Self::tensor)?,
                // g, graphs: If/Loop/Scan bodies
                (6 | 11, WireType::Len) => self.sub(f, Self::graph)?,
                _ => self.w.skip(f)?,
            }
        }
        Ok(())
    }

    fn tensor(&mut self, end: u64) -> Result<(), WireError> {
        let mut name = String::new();
        let mut external: Vec<(String, String)> = Vec::new();
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (8, WireType::Len) => name = self.w.string(f, MAX_STRING)?,
                (13, WireType::Len) => {
                    let end = self.w.enter(f)?;
                    let (mut k, mut v) = (String::new(), String::new());
                    while let Some(f) = self.w.next(end)? {
                        match (f.number, f.wire) {
                            (1, WireType::Len) => k = self.w.string(f, MAX_STRING)?,
                            (2, WireType::Len) => v = self.w.string(f, MAX_STRING)?,
                            _ => self.w.skip(f)?,
                        }
                    }
                    self.w.leave(end)?;
                    external.push((k, v));
                }
                // raw_data and every typed payload: skipped without reading.
                _ => self.w.skip(f)?,
            }
        }
        for (k, v) in external {
            if k == "location" {
                self.check_location(&name, &v);
                if self.locations.len() < MAX_LOCATIONS {
                    self.locations.insert(v);
                }
            }
        }
        Ok(())
    }

    fn check_location(&mut self, tensor: &str, location: &str) {
        let at = format!("tensor {}", printable(tensor));
        let shown = printable(location);
        let normalized = location.replace('\\', "/");
        let absolute = normalized.starts_with('/')
            || normalized.as_bytes().get(1) == Some(&b':')
            || normalized.starts_with("//");
        let climbs = normalized.split('/').any(|c| c == "..");
        let (rule, severity, why) = if absolute {
            (
                "onnx.external-data-absolute-path",
                Severity::High,
                "an absolute path: the loader reads that file from anywhere on the machine",
            )
        } else if climbs {
            (
                "onnx.external-data-path-traversal",
                Severity::High,
                "`..` climbs out of the model directory: the loader reads files outside it",
            )
        } else if location.is_empty() || location.contains('\0') || location.contains(':') {
            (
                "onnx.external-data-suspicious-path",
                Severity::Medium,
                "an empty, NUL-containing or scheme/drive-like path",
            )
        } else {
            return;
        };
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(
                Finding::new(
                    severity,
                    rule,
                    format!("external data location `{shown}` is {why}"),
                )
                .at(at),
            );
        }
    }
}

fn printable(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(120)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// Writers of ONNX protobuf for tests and fuzz seeds.
#[cfg(test)]
pub(crate) mod write {
    pub fn varint(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    pub fn len_field(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
        varint(out, u64::from(number) << 3 | 2);
        varint(out, payload.len() as u64);
        out.extend_from_slice(payload);
    }
    pub fn varint_field(out: &mut Vec<u8>, number: u32, v: u64) {
        varint(out, u64::from(number) << 3);
        varint(out, v);
    }
    pub fn node(op: &str, domain: &str, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut n = Vec::new();
        len_field(&mut n, 1, b"x");
        len_field(&mut n, 2, b"y");
        len_field(&mut n, 4, op.as_bytes());
        for a in attrs {
            len_field(&mut n, 5, a);
        }
        if !domain.is_empty() {
            len_field(&mut n, 7, domain.as_bytes());
        }
        n
    }
    pub fn tensor(name: &str, external: Option<&str>, raw: &[u8]) -> Vec<u8> {
        let mut t = Vec::new();
        varint_field(&mut t, 1, 4);
        varint_field(&mut t, 2, 1);
        len_field(&mut t, 8, name.as_bytes());
        if let Some(loc) = external {
            let mut kv = Vec::new();
            len_field(&mut kv, 1, b"location");
            len_field(&mut kv, 2, loc.as_bytes());
            len_field(&mut t, 13, &kv);
            varint_field(&mut t, 14, 1);
        } else {
            len_field(&mut t, 9, raw);
        }
        t
    }
    pub fn model(nodes: &[Vec<u8>], tensors: &[Vec<u8>], opsets: &[(&str, u64)]) -> Vec<u8> {
        let mut g = Vec::new();
        for n in nodes {
            len_field(&mut g, 1, n);
        }
        len_field(&mut g, 2, b"main");
        for t in tensors {
            len_field(&mut g, 5, t);
        }
        let mut m = Vec::new();
        varint_field(&mut m, 1, 9);
        len_field(&mut m, 2, b"pytorch");
        len_field(&mut m, 3, b"2.5.0");
        len_field(&mut m, 7, &g);
        for (d, v) in opsets {
            let mut o = Vec::new();
            len_field(&mut o, 1, d.as_bytes());
            varint_field(&mut o, 2, *v);
            len_field(&mut m, 8, &o);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::write::*;
    use crate::report::Verdict;
    use crate::{FileReport, ScanOptions, Scanner};

    fn scan(bytes: &[u8]) -> FileReport {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m");
        std::fs::write(&p, bytes).unwrap();
        Scanner::new(ScanOptions::default())
            .scan(&[p.display().to_string()])
            .files
            .remove(0)
    }

    fn rules(r: &FileReport) -> Vec<&str> {
        r.findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn standard_model_with_inline_and_relative_external_data_is_clean() {
        let m = model(
            &[
                node("Relu", "", &[]),
                node("FusedMatMul", "com.microsoft", &[]),
            ],
            &[
                tensor("w", None, &[0u8; 16]),
                tensor("big", Some("weights/model.onnx.data"), &[]),
            ],
            &[("", 17), ("ai.onnx.ml", 3)],
        );
        let r = scan(&m);
        assert_eq!(r.format, "onnx");
        assert_eq!(r.verdict, Verdict::Clean, "{:?} {:?}", r.findings, r.error);
    }

    #[test]
    fn absolute_and_traversing_external_data_are_malicious() {
        for (loc, rule) in [
            ("/etc/passwd", "onnx.external-data-absolute-path"),
            ("C:\\Windows\\win.ini", "onnx.external-data-absolute-path"),
            (
                "../../../../home/u/.ssh/id_rsa",
                "onnx.external-data-path-traversal",
            ),
            ("data/..\\..\\secret", "onnx.external-data-path-traversal"),
        ] {
            let r = scan(&model(
                &[node("Relu", "", &[])],
                &[tensor("w", Some(loc), &[])],
                &[("", 17)],
            ));
            assert_eq!(r.verdict, Verdict::Malicious, "{loc}");
            assert_eq!(rules(&r), [rule], "{loc}");
        }
    }

    #[test]
    fn external_data_inside_a_subgraph_attribute_is_found() {
        // An `If` node whose then-branch graph holds a tensor pointing outside.
        let sub = {
            let mut g = Vec::new();
            len_field(&mut g, 5, &tensor("t", Some("/proc/self/environ"), &[]));
            g
        };
        let mut attr = Vec::new();
        len_field(&mut attr, 1, b"then_branch");
        len_field(&mut attr, 6, &sub);
        let r = scan(&model(&[node("If", "", &[attr])], &[], &[("", 17)]));
        assert_eq!(rules(&r), ["onnx.external-data-absolute-path"]);
    }

    #[test]
    fn custom_operator_domains_are_reported_once_each() {
        let r = scan(&model(
            &[
                node("Evil", "com.attacker", &[]),
                node("Evil2", "com.attacker", &[]),
            ],
            &[],
            &[("", 17), ("com.attacker", 1), ("org.other", 1)],
        ));
        assert_eq!(r.verdict, Verdict::Suspicious);
        assert_eq!(
            rules(&r),
            ["onnx.custom-operator-domain", "onnx.custom-operator-domain"]
        );
        assert!(r.findings[0].message.contains("com.attacker"));
        assert!(r.findings[1].message.contains("org.other"));
    }

    #[test]
    fn truncated_models_never_panic() {
        let m = model(
            &[node("Relu", "", &[])],
            &[tensor("w", Some("../x"), &[])],
            &[("", 17)],
        );
        assert_eq!(scan(&m).verdict, Verdict::Malicious);
        // Protobuf has no end marker: a cut on a field boundary is a valid shorter model.
        // Everywhere else the result is an error or a finding, and never a panic.
        for cut in 0..m.len() {
            let r = scan(&m[..cut]);
            assert!(
                ["onnx", "unknown"].contains(&r.format.as_str()),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn raw_data_is_skipped_not_read() {
        // A declared 1 GB raw_data field in a tiny file: skipping by seek reports a
        // truncation error instead of allocating.
        let mut t = Vec::new();
        len_field(&mut t, 8, b"w");
        varint(&mut t, 9 << 3 | 2);
        varint(&mut t, 1 << 30);
        let mut g = Vec::new();
        len_field(&mut g, 5, &t);
        let mut m = Vec::new();
        varint_field(&mut m, 1, 9);
        len_field(&mut m, 2, b"x");
        varint(&mut m, 7 << 3 | 2);
        varint(&mut m, g.len() as u64);
        m.extend(&g);
        let r = scan(&m);
        assert_eq!(r.verdict, Verdict::Error, "{r:?}");
    }
}
