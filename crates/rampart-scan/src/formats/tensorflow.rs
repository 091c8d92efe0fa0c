//! TensorFlow SavedModel (`saved_model.pb`): operations that reach outside the graph.
//!
//! A SavedModel is a protobuf `SavedModel { meta_graphs: [MetaGraphDef { graph_def:
//! GraphDef { node: [NodeDef], library: { function: [FunctionDef { node_def }] } } }] }`.
//! Loading and serving it runs its operations, and a few operations touch the host: files
//! are read, written, listed or memory-mapped, and Python callbacks are invoked. Every node
//! of every graph and function is checked against [`DANGEROUS_OPS`]; checkpoint operations
//! (`Save*`, `Restore*`), which every SavedModel has, are reported only when their path is
//! a hard-coded absolute or climbing constant. Tensor contents are skipped.

use super::protowire::{Field, Wire, WireError, WireType};
use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::report::Finding;
use rampart_core::Severity;
use std::io::{Read, Seek};

/// Operations that reach the host, with why each is dangerous.
pub const DANGEROUS_OPS: &[(&str, Severity, &str)] = &[
    // Writes any file the serving process can write (persistence, overwriting code).
    (
        "WriteFile",
        Severity::Critical,
        "writes a file on the loading machine",
    ),
    // Reads any file into a tensor the model can return: exfiltration through inference.
    (
        "ReadFile",
        Severity::High,
        "reads a file of the loading machine into a tensor",
    ),
    // Python callbacks by token: run whatever function the process registered; used by
    // trojaned graphs and refused by TF Serving.
    ("PyFunc", Severity::Critical, "calls a Python function"),
    (
        "PyFuncStateless",
        Severity::Critical,
        "calls a Python function",
    ),
    ("EagerPyFunc", Severity::Critical, "calls a Python function"),
    // Memory-maps a file named in its attributes.
    (
        "ImmutableConst",
        Severity::High,
        "memory-maps a file named in the graph",
    ),
    // Lists the file system: reconnaissance, and input to ReadFile.
    (
        "MatchingFiles",
        Severity::Medium,
        "lists files matching a pattern",
    ),
    // Dataset readers open files named by tensors.
    (
        "TFRecordDataset",
        Severity::Medium,
        "reads files named by the graph",
    ),
    (
        "TFRecordDatasetV2",
        Severity::Medium,
        "reads files named by the graph",
    ),
    (
        "TextLineDataset",
        Severity::Medium,
        "reads files named by the graph",
    ),
    (
        "FixedLengthRecordDataset",
        Severity::Medium,
        "reads files named by the graph",
    ),
    (
        "FixedLengthRecordDatasetV2",
        Severity::Medium,
        "reads files named by the graph",
    ),
    (
        "LoadDataset",
        Severity::Medium,
        "reads a saved dataset from a path",
    ),
    ("SaveDataset", Severity::High, "writes a dataset to a path"),
    (
        "SaveDatasetV2",
        Severity::High,
        "writes a dataset to a path",
    ),
    // Debug ops can stream tensors to `debug_urls` (file:// or grpc://).
    (
        "DebugIdentity",
        Severity::Medium,
        "can dump tensors to files or remote endpoints",
    ),
    (
        "DebugIdentityV2",
        Severity::Medium,
        "can dump tensors to files or remote endpoints",
    ),
    (
        "DebugNanCount",
        Severity::Medium,
        "can dump tensors to files or remote endpoints",
    ),
    (
        "DebugNumericSummary",
        Severity::Medium,
        "can dump tensors to files or remote endpoints",
    ),
    (
        "DebugNumericSummaryV2",
        Severity::Medium,
        "can dump tensors to files or remote endpoints",
    ),
];

/// Checkpoint operations: normal in every SavedModel, dangerous with a fixed path that
/// points outside the model.
const CHECKPOINT_OPS: &[&str] = &[
    "Save",
    "SaveV2",
    "SaveSlices",
    "Restore",
    "RestoreV2",
    "RestoreSlice",
    "MergeV2Checkpoints",
];

const MAX_STRING: usize = 4096;
const MAX_FINDINGS: usize = 100;

#[derive(Debug, Default)]
pub struct SavedModel;

impl Analyzer for SavedModel {
    fn format(&self) -> &'static str {
        "tensorflow"
    }

    /// `saved_model_schema_version = 1` then a `meta_graphs` entry that starts with its
    /// `meta_info_def` (field 1) or `graph_def` (field 2), as TensorFlow writes them.
    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        if !head.starts_with(&[0x08, 0x01, 0x12]) {
            return false;
        }
        let mut i = 3;
        while head.get(i).is_some_and(|b| b & 0x80 != 0) && i < 13 {
            i += 1;
        }
        matches!(head.get(i + 1), Some(0x0a | 0x12))
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let mut walk = Walk {
            w: Wire::new(&mut *input.reader),
            findings: Vec::new(),
        };
        walk.w.rewind().map_err(malformed)?;
        let result = walk.saved_model(input.len);
        let mut findings = walk.findings;
        findings.truncate(MAX_FINDINGS);
        match result {
            Ok(()) => Ok(findings),
            Err(e) if findings.is_empty() => Err(malformed(e)),
            Err(e) => {
                findings.push(Finding::new(
                    Severity::Medium,
                    "tensorflow.malformed",
                    format!("parsing stopped: {e}"),
                ));
                Ok(findings)
            }
        }
    }
}

fn malformed(e: WireError) -> ScanError {
    ScanError::Malformed(format!("SavedModel: {e}"))
}

#[derive(Debug, Default)]
struct Node {
    name: String,
    op: String,
    first_input: String,
    /// The first string of a `Const` node's `value` tensor.
    const_string: Option<String>,
    /// String attributes that name files (`memory_region_name`, `output_stream`).
    path_attrs: Vec<(String, String)>,
}

struct Walk<R: Read + Seek> {
    w: Wire<R>,
    findings: Vec<Finding>,
}

impl<R: Read + Seek> Walk<R> {
    fn sub<T>(
        &mut self,
        f: Field,
        walk: impl FnOnce(&mut Self, u64) -> Result<T, WireError>,
    ) -> Result<T, WireError> {
        let end = self.w.enter(f)?;
        let out = walk(self, end)?;
        self.w.leave(end)?;
        Ok(out)
    }

    fn saved_model(&mut self, end: u64) -> Result<(), WireError> {
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (2, WireType::Len) => self.sub(f, |s, end| {
                    while let Some(f) = s.w.next(end)? {
                        match (f.number, f.wire) {
                            (2, WireType::Len) => s.sub(f, Self::graph_def)?,
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

    fn graph_def(&mut self, end: u64) -> Result<(), WireError> {
        let mut nodes = Vec::new();
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (1, WireType::Len) => nodes.push(self.sub(f, Self::node)?),
                (2, WireType::Len) => self.sub(f, |s, end| {
                    while let Some(f) = s.w.next(end)? {
                        match (f.number, f.wire) {
                            (1, WireType::Len) => s.sub(f, Self::function)?,
                            _ => s.w.skip(f)?,
                        }
                    }
                    Ok(())
                })?,
                _ => self.w.skip(f)?,
            }
        }
        self.check_scope(&nodes, "graph");
        Ok(())
    }

    fn function(&mut self, end: u64) -> Result<(), WireError> {
        let mut nodes = Vec::new();
        let mut name = String::new();
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                // signature: OpDef, whose field 1 is the function name.
                (1, WireType::Len) => {
                    name = self.sub(f, |s, end| {
                        let mut n = String::new();
                        while let Some(f) = s.w.next(end)? {
                            match (f.number, f.wire) {
                                (1, WireType::Len) => n = s.w.string(f, MAX_STRING)?,
                                _ => s.w.skip(f)?,
                            }
                        }
                        Ok(n)
                    })?
                }
                (3, WireType::Len) => nodes.push(self.sub(f, Self::node)?),
                _ => self.w.skip(f)?,
            }
        }
        self.check_scope(&nodes, &format!("function {}", printable(&name)));
        Ok(())
    }

    fn node(&mut self, end: u64) -> Result<Node, WireError> {
        let mut n = Node::default();
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (1, WireType::Len) => n.name = self.w.string(f, MAX_STRING)?,
                (2, WireType::Len) => n.op = self.w.string(f, MAX_STRING)?,
                (3, WireType::Len) if n.first_input.is_empty() => {
                    n.first_input = self.w.string(f, MAX_STRING)?
                }
                (5, WireType::Len) => {
                    let (key, s) = self.sub(f, Self::attr_entry)?;
                    match key.as_str() {
                        "value" if n.const_string.is_none() => n.const_string = s,
                        "memory_region_name" | "output_stream" | "debug_urls" | "file_pattern" => {
                            if let Some(s) = s {
                                n.path_attrs.push((key, s));
                            }
                        }
                        _ => {}
                    }
                }
                _ => self.w.skip(f)?,
            }
        }
        Ok(n)
    }

    /// A `map<string, AttrValue>` entry: the key, and a string value if it has one
    /// (`s`, the first of `list.s`, or the first `string_val` of a tensor).
    fn attr_entry(&mut self, end: u64) -> Result<(String, Option<String>), WireError> {
        let mut key = String::new();
        let mut value = None;
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (1, WireType::Len) => key = self.w.string(f, MAX_STRING)?,
                (2, WireType::Len) => value = self.sub(f, Self::attr_value)?,
                _ => self.w.skip(f)?,
            }
        }
        Ok((key, value))
    }

    fn attr_value(&mut self, end: u64) -> Result<Option<String>, WireError> {
        let mut out = None;
        while let Some(f) = self.w.next(end)? {
            match (f.number, f.wire) {
                (2, WireType::Len) => out = Some(self.w.string(f, MAX_STRING)?),
                // list: its `s` is field 2.
                (1, WireType::Len) => {
                    let s = self.sub(f, |s, end| first_string_field(s, end, 2))?;
                    out = out.or(s);
                }
                // tensor: its `string_val` is field 8; `tensor_content` is skipped.
                (8, WireType::Len) => {
                    let s = self.sub(f, |s, end| first_string_field(s, end, 8))?;
                    out = out.or(s);
                }
                _ => self.w.skip(f)?,
            }
        }
        Ok(out)
    }

    fn check_scope(&mut self, nodes: &[Node], scope: &str) {
        for n in nodes {
            if self.findings.len() >= MAX_FINDINGS {
                return;
            }
            let at = format!("{scope}, node {}", printable(&n.name));
            if let Some((op, severity, why)) = DANGEROUS_OPS.iter().find(|(op, ..)| *op == n.op) {
                self.findings.push(
                    Finding::new(
                        *severity,
                        "tensorflow.dangerous-op",
                        format!("graph runs `{op}`, which {why}"),
                    )
                    .at(at.clone()),
                );
            }
            for (key, value) in &n.path_attrs {
                let file_stream = key == "output_stream" && value.starts_with("file://");
                let remote = key == "debug_urls" && !value.is_empty();
                if file_stream || remote || (key == "memory_region_name" && odd_path(value)) {
                    self.findings.push(
                        Finding::new(
                            Severity::High,
                            "tensorflow.file-attribute",
                            format!(
                                "`{}` sends data to or maps `{}` (attribute `{key}`)",
                                printable(&n.op),
                                printable(value)
                            ),
                        )
                        .at(at.clone()),
                    );
                }
            }
            if CHECKPOINT_OPS.contains(&n.op.as_str()) {
                let source = n
                    .first_input
                    .trim_start_matches('^')
                    .split(':')
                    .next()
                    .unwrap_or("");
                let path = nodes
                    .iter()
                    .find(|c| c.name == source && c.op == "Const")
                    .and_then(|c| c.const_string.as_deref());
                if let Some(path) = path.filter(|p| odd_path(p)) {
                    self.findings.push(
                        Finding::new(
                            Severity::High,
                            "tensorflow.checkpoint-path",
                            format!(
                                "`{}` uses the fixed path `{}`, outside the model directory",
                                n.op,
                                printable(path)
                            ),
                        )
                        .at(at),
                    );
                }
            }
        }
    }
}

fn first_string_field<R: Read + Seek>(
    s: &mut Walk<R>,
    end: u64,
    number: u32,
) -> Result<Option<String>, WireError> {
    let mut out = None;
    while let Some(f) = s.w.next(end)? {
        if f.number == number && f.wire == WireType::Len && out.is_none() {
            out = Some(s.w.string(f, MAX_STRING)?);
        } else {
            s.w.skip(f)?;
        }
    }
    Ok(out)
}

fn odd_path(p: &str) -> bool {
    let p = p.replace('\\', "/");
    p.starts_with('/')
        || p.as_bytes().get(1) == Some(&b':')
        || p.split('/').any(|c| c == "..")
        || p.contains("://")
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

#[cfg(test)]
mod tests {
    use crate::formats::onnx::write::{len_field, varint_field};
    use crate::report::Verdict;
    use crate::{FileReport, ScanOptions, Scanner};
    use rampart_core::Severity;

    fn node(name: &str, op: &str, inputs: &[&str], attrs: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut n = Vec::new();
        len_field(&mut n, 1, name.as_bytes());
        len_field(&mut n, 2, op.as_bytes());
        for i in inputs {
            len_field(&mut n, 3, i.as_bytes());
        }
        for (k, v) in attrs {
            let mut e = Vec::new();
            len_field(&mut e, 1, k.as_bytes());
            len_field(&mut e, 2, v);
            len_field(&mut n, 5, &e);
        }
        n
    }

    fn string_tensor_attr(s: &str) -> Vec<u8> {
        let mut t = Vec::new();
        varint_field(&mut t, 1, 7);
        len_field(&mut t, 8, s.as_bytes());
        let mut a = Vec::new();
        len_field(&mut a, 8, &t);
        a
    }

    fn saved_model(graph_nodes: &[Vec<u8>], function_nodes: &[Vec<u8>]) -> Vec<u8> {
        let mut g = Vec::new();
        for n in graph_nodes {
            len_field(&mut g, 1, n);
        }
        if !function_nodes.is_empty() {
            let mut sig = Vec::new();
            len_field(&mut sig, 1, b"__inference_serve_42");
            let mut func = Vec::new();
            len_field(&mut func, 1, &sig);
            for n in function_nodes {
                len_field(&mut func, 3, n);
            }
            let mut lib = Vec::new();
            len_field(&mut lib, 1, &func);
            len_field(&mut g, 2, &lib);
        }
        let mut info = Vec::new();
        len_field(&mut info, 4, b"2.17.0");
        let mut mg = Vec::new();
        len_field(&mut mg, 1, &info);
        len_field(&mut mg, 2, &g);
        let mut sm = Vec::new();
        varint_field(&mut sm, 1, 1);
        len_field(&mut sm, 2, &mg);
        sm
    }

    fn scan(bytes: &[u8]) -> FileReport {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("saved_model.pb");
        std::fs::write(&p, bytes).unwrap();
        Scanner::new(ScanOptions::default())
            .scan(&[p.display().to_string()])
            .files
            .remove(0)
    }

    #[test]
    fn ordinary_graph_with_checkpoint_ops_is_clean() {
        let m = saved_model(
            &[
                node("x", "Placeholder", &[], &[]),
                node("saver_filename", "Placeholder", &[], &[]),
                node("save/SaveV2", "SaveV2", &["saver_filename", "names"], &[]),
                node("save/RestoreV2", "RestoreV2", &["saver_filename:0"], &[]),
            ],
            &[node("MatMul", "MatMul", &["x", "w"], &[])],
        );
        let r = scan(&m);
        assert_eq!(r.format, "tensorflow");
        assert_eq!(r.verdict, Verdict::Clean, "{:?} {:?}", r.findings, r.error);
    }

    #[test]
    fn file_and_python_ops_in_graphs_and_functions_are_reported() {
        let m = saved_model(
            &[node("r", "ReadFile", &["path"], &[])],
            &[
                node("w", "WriteFile", &["p", "c"], &[]),
                node("py", "EagerPyFunc", &["x"], &[]),
            ],
        );
        let r = scan(&m);
        assert_eq!(r.verdict, Verdict::Malicious);
        let ops: Vec<_> = r.findings.iter().map(|f| f.message.as_str()).collect();
        for op in ["ReadFile", "WriteFile", "EagerPyFunc"] {
            assert_eq!(ops.iter().filter(|m| m.contains(op)).count(), 1, "{ops:?}");
        }
        let write = r
            .findings
            .iter()
            .find(|f| f.message.contains("WriteFile"))
            .unwrap();
        assert_eq!(write.severity, Severity::Critical);
        assert!(
            write
                .location
                .as_deref()
                .unwrap()
                .contains("__inference_serve_42")
        );
    }

    #[test]
    fn checkpoint_op_with_fixed_outside_path_is_reported() {
        let m = saved_model(
            &[
                node(
                    "evil_path",
                    "Const",
                    &[],
                    &[("value", string_tensor_attr("/root/.ssh/authorized_keys"))],
                ),
                node("save/SaveV2", "SaveV2", &["evil_path", "names"], &[]),
                node(
                    "ok_path",
                    "Const",
                    &[],
                    &[("value", string_tensor_attr("variables/variables"))],
                ),
                node("r", "RestoreV2", &["ok_path"], &[]),
            ],
            &[],
        );
        let r = scan(&m);
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
        assert_eq!(r.findings[0].rule, "tensorflow.checkpoint-path");
        assert_eq!(r.verdict, Verdict::Malicious);
    }

    #[test]
    fn print_to_file_attribute_is_reported() {
        let mut a = Vec::new();
        len_field(&mut a, 2, b"file:///tmp/leak.txt");
        let r = scan(&saved_model(
            &[node("p", "PrintV2", &["x"], &[("output_stream", a)])],
            &[],
        ));
        assert_eq!(r.findings[0].rule, "tensorflow.file-attribute");
    }

    #[test]
    fn truncated_saved_models_do_not_panic() {
        let m = saved_model(&[node("r", "ReadFile", &["path"], &[])], &[]);
        for cut in 0..m.len() {
            let r = scan(&m[..cut]);
            assert!(["tensorflow", "unknown", "onnx"].contains(&r.format.as_str()));
        }
    }
}
