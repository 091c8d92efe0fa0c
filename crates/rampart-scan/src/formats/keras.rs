//! Keras models: `.keras` v3 zips (`config.json`) and legacy `.h5` files (the
//! `model_config` attribute).
//!
//! Loading a Keras model rebuilds every object named in its configuration. The dangerous
//! parts are well known: `Lambda` layers carry a marshalled Python function that runs when
//! called (CVE-2024-3660 for the `safe_mode` bypass), any `module` outside Keras makes the
//! loader import and call arbitrary code, `enable_unsafe_deserialization` and
//! `keras.utils.get_file` have been used as gadgets to switch off safe mode or fetch files
//! (CVE-2025-1550, CVE-2025-8747), `TFOpLambda` calls any `tf.*` function by name
//! (`tf.io.write_file`), and `TorchModuleWrapper` embeds a `torch.save` pickle. The
//! configuration is walked as JSON at any nesting depth (functional models, nested
//! `Sequential`s, wrappers such as `TimeDistributed` and `Bidirectional`), and a
//! `TorchModuleWrapper`'s pickle is scanned as a member.
//!
//! HDF5 is not parsed in full: the `model_config` attribute is stored contiguously (inline
//! in the root group's object header for the fixed-length strings Keras writes, or in a
//! global heap for variable-length ones), so a bounded search of the file's head and tail
//! for the attribute's JSON finds it without reading weights.

use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::report::Finding;
use crate::zipread::{ZipArchive, is_zip};
use rampart_core::Severity;
use serde_json::Value;
use std::io::{Read, SeekFrom};

/// Largest `config.json` read from a `.keras` zip.
const MAX_CONFIG_BYTES: u64 = 64 << 20;
/// How much of an `.h5` file's head and tail is searched for the configuration.
const H5_SEARCH_HEAD: u64 = 64 << 20;
const H5_SEARCH_TAIL: u64 = 8 << 20;
const MAX_JSON_DEPTH: usize = 256;
const MAX_FINDINGS: usize = 100;

/// Module prefixes whose classes Keras itself provides.
const KERAS_MODULES: &[&str] = &[
    "keras",
    "tf_keras",
    "tensorflow.keras",
    "tensorflow.python.keras",
];

/// Functions that must never appear as objects in a configuration: each is a known
/// safe-mode bypass or file gadget.
const GADGET_FUNCTIONS: &[(&str, &str)] = &[
    (
        "enable_unsafe_deserialization",
        "switches off Keras safe mode for everything loaded after it",
    ),
    (
        "get_file",
        "downloads or writes files on the loading machine",
    ),
    (
        "load_model",
        "loads another model, with its own code, from a path",
    ),
    (
        "load_weights",
        "reads files from a path chosen by the model",
    ),
    (
        "set_random_seed",
        "changes global state of the loading process",
    ),
    ("save_model", "writes a model file on the loading machine"),
    (
        "save_weights",
        "writes a weights file on the loading machine",
    ),
    ("save_img", "writes an image file on the loading machine"),
    ("load_img", "reads a file chosen by the model"),
    (
        "plot_model",
        "writes an image file and runs the Graphviz `dot` program",
    ),
    ("model_to_dot", "runs the Graphviz `dot` program"),
    (
        "image_dataset_from_directory",
        "lists and reads a directory chosen by the model",
    ),
    (
        "text_dataset_from_directory",
        "lists and reads a directory chosen by the model",
    ),
    (
        "audio_dataset_from_directory",
        "lists and reads a directory chosen by the model",
    ),
];

/// `tf.*` functions a `TFOpLambda` layer may call that touch files or run Python.
const DANGEROUS_TF_FUNCTIONS: &[&str] = &[
    "io.read_file",
    "io.write_file",
    "io.matching_files",
    "io.gfile",
    "read_file",
    "write_file",
    "py_function",
    "numpy_function",
    "compat.v1.py_func",
    "py_func",
    "print",
    "debugging",
    "raw_ops.ReadFile",
    "raw_ops.WriteFile",
    "raw_ops.PyFunc",
    "raw_ops.EagerPyFunc",
];

#[derive(Debug, Default)]
pub struct KerasV3;

#[derive(Debug, Default)]
pub struct KerasH5;

pub const HDF5_MAGIC: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

impl Analyzer for KerasV3 {
    fn format(&self) -> &'static str {
        "keras"
    }

    /// A zip whose first members are Keras's `metadata.json` / `config.json` (the v3
    /// saver writes them first, so their local headers are in the head).
    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        is_zip(head) && contains(head, b"config.json") && contains(head, b"metadata.json")
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let mut limits = cx.limits.clone();
        limits.max_member_bytes = limits.max_member_bytes.min(MAX_CONFIG_BYTES);
        let zip = ZipArchive::open(&mut *input.reader, input.len, &limits)
            .map_err(|e| ScanError::Malformed(format!("keras zip: {e}")))?;
        let mut findings: Vec<Finding> = zip
            .anomalies()
            .iter()
            .map(|a| Finding::new(Severity::Medium, "keras.irregular-zip", a.to_string()))
            .collect();
        let mut saw_config = false;
        for (i, m) in zip.members().iter().enumerate() {
            let name = m.name();
            if name != "config.json" && name != "metadata.json" {
                continue;
            }
            let bytes = match zip.read(&mut *input.reader, i, &limits) {
                Ok(b) => b,
                Err(e) => {
                    findings.push(Finding::new(
                        Severity::Medium,
                        "keras.unreadable-config",
                        format!("`{name}` cannot be read: {e}"),
                    ));
                    continue;
                }
            };
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) if name == "config.json" => {
                    saw_config = true;
                    analyze_config(&v, "config.json", input.path, cx, &mut findings);
                }
                Ok(v) => analyze_metadata(&v, &mut findings),
                Err(e) => findings.push(Finding::new(
                    Severity::Medium,
                    "keras.unreadable-config",
                    format!("`{name}` is not valid JSON: {e}"),
                )),
            }
        }
        if !saw_config {
            findings.push(Finding::new(
                Severity::Medium,
                "keras.unreadable-config",
                "the archive has no readable `config.json`; its model cannot be checked",
            ));
        }
        findings.truncate(MAX_FINDINGS);
        Ok(findings)
    }
}

impl Analyzer for KerasH5 {
    fn format(&self) -> &'static str {
        "keras-h5"
    }

    /// An HDF5 file (signature at 0, or after a user block of 512·2ⁿ bytes — only the
    /// ones inside the head are checked) that mentions `model_config` in its head.
    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        let hdf5 = [0usize, 512, 1024, 2048, 4096, 8192, 16384, 32768]
            .iter()
            .any(|&off| head.get(off..off + 8) == Some(HDF5_MAGIC));
        hdf5 && (contains(head, b"model_config") || contains(head, b"keras_version"))
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let io = |e| ScanError::Io {
            path: input.path.to_owned(),
            source: e,
        };
        let mut findings = Vec::new();
        let mut regions = vec![(0, H5_SEARCH_HEAD.min(input.len))];
        if input.len > H5_SEARCH_HEAD {
            let tail = H5_SEARCH_TAIL.min(input.len - H5_SEARCH_HEAD);
            regions.push((input.len - tail, tail));
        }
        let mut configs = 0;
        for (start, len) in regions {
            input.reader.seek(SeekFrom::Start(start)).map_err(io)?;
            let mut buf = Vec::with_capacity(len as usize);
            (&mut *input.reader)
                .take(len)
                .read_to_end(&mut buf)
                .map_err(io)?;
            for (offset, config) in find_configs(&buf) {
                configs += 1;
                let location = format!("model_config @ offset {}", start + offset as u64);
                analyze_config(&config, &location, input.path, cx, &mut findings);
            }
        }
        if configs == 0 && contains(input.head, b"model_config") {
            findings.push(Finding::new(
                Severity::Medium,
                "keras.unreadable-config",
                "the file has a `model_config` attribute whose JSON this scanner cannot read; its model cannot be checked",
            ));
        } else if configs == 0 {
            findings.push(Finding::new(
                Severity::Low,
                "keras.no-model-config",
                "HDF5 file without a readable `model_config` (a weights-only file, or a configuration stored where this scanner does not look)",
            ));
        }
        findings.truncate(MAX_FINDINGS);
        Ok(findings)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// How many candidate `{` positions are tried per region (bounds the work on crafted files).
const MAX_JSON_CANDIDATES: usize = 4096;

/// JSON objects in an HDF5 region that are Keras configurations: an object with a
/// `class_name` key, whatever the key order or string escapes (`{"config": …,
/// "class_name": …}`, `"\u0063lass_name"`), with their offsets. The loader reads the
/// `model_config` attribute as JSON, so this parses JSON rather than matching text.
fn find_configs(buf: &[u8]) -> Vec<(usize, Value)> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut tried = 0;
    while let Some(rel) = buf[at..].iter().position(|&b| b == b'{') {
        let start = at + rel;
        at = start + 1;
        // An object that starts with a key: `{` then optional whitespace then `"`.
        let first = buf[at..].iter().take(64).find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'"') {
            continue;
        }
        tried += 1;
        if tried > MAX_JSON_CANDIDATES || out.len() >= 16 {
            break;
        }
        let mut stream = serde_json::Deserializer::from_slice(&buf[start..]).into_iter::<Value>();
        if let Some(Ok(v)) = stream.next() {
            let consumed = stream.byte_offset();
            if v.get("class_name").is_some() {
                out.push((start, v));
            }
            at = start + consumed.max(1);
        }
    }
    out
}

fn analyze_metadata(v: &Value, findings: &mut Vec<Finding>) {
    if let Some(version) = v.get("keras_version").and_then(Value::as_str)
        && !version.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        findings.push(Finding::new(
            Severity::Low,
            "keras.odd-metadata",
            "metadata.json has a non-numeric keras_version",
        ));
    }
}

/// Walk a Keras configuration and report every dangerous construct.
pub fn analyze_config(
    v: &Value,
    location: &str,
    path: &str,
    cx: &mut ScanContext<'_>,
    findings: &mut Vec<Finding>,
) {
    let mut walker = Walker {
        location,
        path,
        cx,
        findings,
    };
    walker.walk(v, &mut Vec::new(), 0);
}

struct Walker<'a, 'c, 'r> {
    location: &'a str,
    path: &'a str,
    cx: &'c mut ScanContext<'r>,
    findings: &'a mut Vec<Finding>,
}

impl Walker<'_, '_, '_> {
    fn push(&mut self, severity: Severity, rule: &str, message: String, json_path: &[String]) {
        if self.findings.len() < MAX_FINDINGS {
            let at = format!("{}:{}", self.location, json_path.join("."));
            self.findings
                .push(Finding::new(severity, rule, message).at(at));
        }
    }

    fn walk(&mut self, v: &Value, jp: &mut Vec<String>, depth: usize) {
        if depth > MAX_JSON_DEPTH {
            return;
        }
        match v {
            Value::Object(map) => {
                self.object(map, jp);
                for (k, child) in map {
                    jp.push(short(k, 40));
                    self.walk(child, jp, depth + 1);
                    jp.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    jp.push(i.to_string());
                    self.walk(child, jp, depth + 1);
                    jp.pop();
                }
            }
            Value::String(s) if s.contains("enable_unsafe_deserialization") => self.push(
                Severity::High,
                "keras.unsafe-deserialization",
                "configuration mentions `enable_unsafe_deserialization`, which switches off Keras safe mode".into(),
                jp,
            ),
            _ => {}
        }
    }

    fn object(&mut self, map: &serde_json::Map<String, Value>, jp: &[String]) {
        let class = map.get("class_name").and_then(Value::as_str).unwrap_or("");
        // `module` names a Python module only in a serialised object (with `class_name`);
        // elsewhere (a TorchModuleWrapper's config) it is data.
        let module = map
            .get("module")
            .filter(|_| map.contains_key("class_name"))
            .and_then(Value::as_str);
        let registered = map.get("registered_name").and_then(Value::as_str);
        let config = map.get("config");
        let layer_name = config
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .map(|n| format!(" `{}`", short(n, 60)))
            .unwrap_or_default();

        match class {
            "Lambda" => {
                let function = config.and_then(|c| c.get("function"));
                let (severity, detail) = describe_function(function);
                self.push(
                    severity,
                    "keras.lambda-layer",
                    format!("Lambda layer{layer_name} carries a Python function that runs when the model is called: {detail}"),
                    jp,
                );
            }
            "TFOpLambda" | "SlicingOpLambda" => {
                let f = config
                    .and_then(|c| c.get("function"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if DANGEROUS_TF_FUNCTIONS
                    .iter()
                    .any(|d| f == *d || f.starts_with(&format!("{d}.")) || f.ends_with(d))
                {
                    self.push(
                        Severity::High,
                        "keras.dangerous-tf-op",
                        format!("{class} layer{layer_name} calls `tf.{}`, which touches files or runs Python", short(f, 80)),
                        jp,
                    );
                }
            }
            "TorchModuleWrapper" => {
                self.push(
                    Severity::High,
                    "keras.torch-module-wrapper",
                    format!("TorchModuleWrapper layer{layer_name} embeds a torch.save pickle that is unpickled on load"),
                    jp,
                );
                if let Some(encoded) = config
                    .and_then(|c| c.get("module"))
                    .and_then(Value::as_str)
                    .and_then(base64_decode)
                {
                    let member = format!("{}:{}.module", self.location, jp.join("."));
                    self.cx.scan_member(self.path, &member, &encoded);
                }
            }
            _ => {}
        }

        // A function reference names its function in `config`:
        // `{"module": "keras.utils", "class_name": "function", "config": "get_file"}`
        // (the CVE-2025-8747 shape: allowed by safe mode because the module is Keras's).
        let function_name = config
            .and_then(Value::as_str)
            .filter(|_| class == "function")
            .map(|c| c.rsplit('.').next().unwrap_or(c));
        if let Some((name, why)) = GADGET_FUNCTIONS.iter().find(|(g, _)| {
            class == *g || function_name == Some(*g) || registered.is_some_and(|r| r.ends_with(g))
        }) {
            self.push(
                Severity::Critical,
                "keras.gadget-function",
                format!("configuration instantiates `{name}`, which {why}"),
                jp,
            );
            return;
        }

        if let Some(module) = module {
            let keras = KERAS_MODULES
                .iter()
                .any(|k| module == *k || module.starts_with(&format!("{k}.")));
            let named_callable = config.and_then(Value::as_str).filter(|c| is_python_name(c));
            if module == "builtins" && class == "function" && named_callable.is_none() {
                // The encoding of a Lambda's function (base64 bytecode): reported with the
                // Lambda.
            } else if let (false, Some(callable)) = (keras, named_callable) {
                // `{"module": "builtins", "class_name": "function", "config": "exec"}`:
                // deserialising it imports the named callable, which layers call through
                // `inbound_nodes`, losses and metrics call on data.
                self.push(
                    Severity::High,
                    "keras.external-function",
                    format!(
                        "configuration names the callable `{}.{}`, which the loader imports and the model calls: code outside Keras",
                        short(module, 80),
                        short(callable, 80)
                    ),
                    jp,
                );
                return;
            } else if !keras {
                self.push(
                    Severity::High,
                    "keras.external-module",
                    format!(
                        "configuration makes the loader import `{}` and build `{}` from it: code outside Keras",
                        short(module, 80),
                        short(class, 80)
                    ),
                    jp,
                );
                return;
            }
        }
        if let Some(r) = registered
            && !r.is_empty()
            && r != class
            && !KERAS_MODULES.iter().any(|k| r.starts_with(k))
        {
            self.push(
                Severity::Medium,
                "keras.custom-object",
                format!(
                    "configuration needs the custom object `{}`, registered by code that must be imported before loading",
                    short(r, 80)
                ),
                jp,
            );
        }
    }
}

/// A Python identifier or dotted name (`exec`, `os.system`): what a function reference's
/// `config` holds, unlike a Lambda's base64 bytecode.
fn is_python_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// What a Lambda's `function` holds: Keras 3 writes `{"module": "builtins", "class_name":
/// "function", "config": BASE64}` or `{"class_name": "__lambda__", "config": {"code":
/// BASE64}}`, Keras 2 `[BASE64, defaults, closure]` or a string;
/// the base64 is marshalled bytecode whose names betray what it calls.
fn describe_function(function: Option<&Value>) -> (Severity, String) {
    let encoded = match function {
        // Keras 3.0–3.x: `{"module": "builtins", "class_name": "function", "config": B64}`;
        // newer: `{"class_name": "__lambda__", "config": {"code": B64, ...}}`.
        Some(Value::Object(o)) => o
            .get("config")
            .and_then(|c| c.as_str().or_else(|| c.get("code").and_then(Value::as_str))),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let Some(encoded) = encoded else {
        return (Severity::High, "the function is referenced by name".into());
    };
    let Some(code) = base64_decode(encoded) else {
        return (
            Severity::High,
            format!("function `{}` (not base64 bytecode)", short(encoded, 60)),
        );
    };
    let names = marshal_names(&code);
    let dangerous: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| DANGEROUS_CODE_NAMES.contains(n))
        .collect();
    if dangerous.is_empty() {
        (
            Severity::High,
            format!(
                "{} bytes of marshalled bytecode; names used: {}",
                code.len(),
                names
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    } else {
        (
            Severity::Critical,
            format!(
                "{} bytes of marshalled bytecode that uses {}",
                code.len(),
                dangerous.join(", ")
            ),
        )
    }
}

/// Names in Python bytecode that mean process, file, network or code access.
const DANGEROUS_CODE_NAMES: &[&str] = &[
    "os",
    "system",
    "popen",
    "subprocess",
    "Popen",
    "eval",
    "exec",
    "__import__",
    "compile",
    "open",
    "socket",
    "builtins",
    "__builtins__",
    "getattr",
    "importlib",
    "import_module",
    "urllib",
    "requests",
    "shutil",
    "remove",
    "unlink",
    "rmtree",
    "pty",
    "spawn",
];

/// Short ASCII strings of a marshalled code object (`z`/`Z` type codes, with or without the
/// reference flag), which hold its names and constants.
fn marshal_names(code: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i + 1 < code.len() {
        let t = code[i] & 0x7f;
        if t == b'z' || t == b'Z' {
            let n = code[i + 1] as usize;
            if let Some(s) = code.get(i + 2..i + 2 + n)
                && n > 0
                && s.iter().all(|b| b.is_ascii_graphic())
            {
                let s = String::from_utf8_lossy(s).into_owned();
                if !out.contains(&s) && out.len() < 64 {
                    out.push(s);
                }
                i += 2 + n;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Standard base64 (padding optional, whitespace ignored); `None` if it is not base64.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    (!out.is_empty()).then_some(out)
}

fn short(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verdict;
    use crate::zipread::build::{Entry, zip};
    use crate::{FileReport, ScanOptions, Scanner};
    use serde_json::json;

    fn scan(bytes: &[u8]) -> Vec<FileReport> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m");
        std::fs::write(&p, bytes).unwrap();
        Scanner::new(ScanOptions::default())
            .scan(&[p.display().to_string()])
            .files
    }

    fn keras_zip(config: &Value) -> Vec<u8> {
        let c = serde_json::to_vec(config).unwrap();
        let meta = br#"{"keras_version": "3.6.0", "date_saved": "2024-10-01@12:00:00"}"#;
        zip(
            &[
                Entry::new("metadata.json", meta),
                Entry::new("config.json", &c),
                Entry::new("model.weights.h5", b"\x89HDF\r\n\x1a\n"),
            ],
            true,
        )
    }

    fn layer(class: &str, config: Value) -> Value {
        json!({"module": "keras.layers", "class_name": class, "config": config, "registered_name": null})
    }

    fn sequential(layers: Vec<Value>) -> Value {
        json!({"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": layers}, "registered_name": null,
               "build_config": {"input_shape": [null, 4]}, "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {}, "registered_name": null}}})
    }

    fn rules(r: &FileReport) -> Vec<&str> {
        r.findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn standard_layers_are_clean() {
        let cfg = sequential(vec![
            layer(
                "InputLayer",
                json!({"batch_shape": [null, 4], "dtype": "float32"}),
            ),
            layer(
                "Dense",
                json!({"name": "dense", "units": 8, "activation": "relu",
                "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
                "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}}),
            ),
            layer("Dropout", json!({"rate": 0.5})),
        ]);
        let r = scan(&keras_zip(&cfg));
        assert_eq!(r[0].format, "keras");
        assert_eq!(r[0].verdict, Verdict::Clean, "{:?}", r[0].findings);
    }

    /// `lambda x: __import__('os').system('id')`, marshalled by CPython 3.11 and base64ed:
    /// the strings table holds `__import__`, `os` and `system`.
    fn evil_lambda_code() -> String {
        let mut code = vec![0xe3u8, 0, 0, 0, 0];
        for name in ["__import__", "os", "system", "id"] {
            code.push(0xda);
            code.push(name.len() as u8);
            code.extend(name.as_bytes());
        }
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for chunk in code.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    #[test]
    fn nested_lambda_is_found_with_its_function() {
        let inner = sequential(vec![layer(
            "Lambda",
            json!({"name": "lam", "function": {"module": "builtins", "class_name": "function", "config": evil_lambda_code(), "registered_name": "function"}}),
        )]);
        let cfg = sequential(vec![layer("TimeDistributed", json!({"layer": inner}))]);
        let r = scan(&keras_zip(&cfg));
        assert_eq!(r[0].verdict, Verdict::Malicious);
        assert_eq!(rules(&r[0]), ["keras.lambda-layer"]);
        let f = &r[0].findings[0];
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.message.contains("system"), "{}", f.message);
        assert!(
            f.location
                .as_deref()
                .unwrap()
                .contains("layers.0.config.layer")
        );
    }

    /// Keras 3.15 writes `{"class_name": "__lambda__", "config": {"code": ...}}`; the first
    /// version of this analyser missed the bytecode in that shape.
    #[test]
    fn regression_keras_3_15_lambda_code_shape_is_decoded() {
        let cfg = sequential(vec![layer(
            "Lambda",
            json!({"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": evil_lambda_code(), "defaults": null, "closure": null}}}),
        )]);
        let r = scan(&keras_zip(&cfg));
        assert_eq!(rules(&r[0]), ["keras.lambda-layer"]);
        assert_eq!(
            r[0].findings[0].severity,
            Severity::Critical,
            "{}",
            r[0].findings[0].message
        );
    }

    #[test]
    fn external_modules_gadgets_and_custom_objects_are_reported() {
        let cfg = sequential(vec![
            json!({"module": "os", "class_name": "system", "config": {"command": "id"}, "registered_name": null}),
            json!({"module": "keras.utils", "class_name": "get_file", "config": {"origin": "http://x/y"}, "registered_name": null}),
            json!({"module": "keras.layers", "class_name": "Dense", "config": {"units": 1}, "registered_name": "MyPkg>FancyDense"}),
            json!({"class_name": "TFOpLambda", "config": {"name": "w", "function": "io.write_file"}}),
            json!({"module": "keras.layers", "class_name": "Dense", "config": {"note": "keras.config.enable_unsafe_deserialization()"}}),
        ]);
        let r = scan(&keras_zip(&cfg));
        assert_eq!(
            rules(&r[0]),
            [
                "keras.external-module",
                "keras.gadget-function",
                "keras.custom-object",
                "keras.dangerous-tf-op",
                "keras.unsafe-deserialization"
            ]
        );
    }

    #[test]
    fn torch_module_wrapper_pickle_is_scanned_as_a_member() {
        let cfg = sequential(vec![
            json!({"module": "keras.layers", "class_name": "TorchModuleWrapper",
            "config": {"name": "t", "module": "gASVAAAAAAAAAAB9lC4="}, "registered_name": null}),
        ]);
        let r = scan(&keras_zip(&cfg));
        assert_eq!(rules(&r[0]), ["keras.torch-module-wrapper"]);
        assert_eq!(r.len(), 2, "the embedded pickle is its own entry");
        assert!(r[1].path.contains("!/config.json:"), "{}", r[1].path);
    }

    #[test]
    fn h5_model_config_is_found_inline_and_lambda_reported() {
        // The shape h5py gives a fixed-length string attribute: name, datatype, then the
        // NUL-padded value, inside an object header after the superblock.
        let cfg = json!({"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "Dense", "config": {"units": 2}},
            {"class_name": "Lambda", "config": {"name": "l", "function": [evil_lambda_code(), null, null], "function_type": "lambda"}}]}});
        let mut f = HDF5_MAGIC.to_vec();
        f.extend([0u8; 88]);
        f.extend(b"keras_version\0\0\0");
        f.extend(b"model_config\0\0\0\0");
        f.extend([0x13, 0, 0, 0]);
        f.extend(serde_json::to_vec(&cfg).unwrap());
        f.extend([0u8; 64]);
        let r = scan(&f);
        assert_eq!(r[0].format, "keras-h5");
        assert_eq!(rules(&r[0]), ["keras.lambda-layer"]);
        assert_eq!(r[0].findings[0].severity, Severity::Critical);

        let clean = json!({"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2}}]}});
        let mut f = HDF5_MAGIC.to_vec();
        f.extend(b"model_config\0");
        f.extend(serde_json::to_vec(&clean).unwrap());
        assert_eq!(scan(&f)[0].verdict, Verdict::Clean);
    }

    #[test]
    fn base64_round_trips_and_rejects_garbage() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert!(base64_decode("not base64!").is_none());
    }

    /// Issue 18: a function reference to `builtins` (or any non-Keras module) naming a
    /// callable, anywhere in the configuration, is high; Keras's own functions are not.
    #[test]
    fn builtins_function_references_are_high_at_any_depth() {
        let evil = json!({"module": "builtins", "class_name": "function", "config": "exec", "registered_name": "function"});
        for cfg in [
            sequential(vec![layer(
                "Dense",
                json!({"units": 1, "activation": evil.clone()}),
            )]),
            sequential(vec![layer(
                "Dense",
                json!({"units": 1, "kernel_regularizer": {"deep": [evil.clone()]}}),
            )]),
            json!({"module": "keras", "class_name": "Functional", "config": {"layers": [
                {"module": "builtins", "class_name": "function", "config": "eval", "inbound_nodes": [[["input", 0, 0, {}]]]}]}}),
        ] {
            let r = scan(&keras_zip(&cfg));
            assert!(
                rules(&r[0]).contains(&"keras.external-function"),
                "{:?}",
                r[0]
            );
            assert_eq!(r[0].verdict, Verdict::Malicious);
        }
        let fine = json!({"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"});
        let r = scan(&keras_zip(&sequential(vec![layer(
            "Dense",
            json!({"units": 1, "activation": fine}),
        )])));
        assert_eq!(r[0].verdict, Verdict::Clean, "{:?}", r[0]);
    }

    /// Issue 18: `.h5` `model_config` is JSON: any key order and string escapes.
    #[test]
    fn h5_model_config_is_parsed_in_any_key_order_and_escape() {
        for cfg in [
            r#"{"config": {"layers": [{"config": {"units": 1}, "class_name": "Dense"}, {"module": "os", "class_name": "system", "config": {}}]}, "class_name": "Sequential"}"#,
            r#"{"\u0063lass_name": "Sequential", "config": {"layers": [{"module": "os", "class_name": "system", "config": {}}]}}"#,
        ] {
            let mut f = HDF5_MAGIC.to_vec();
            f.extend(b"model_config\0");
            f.extend(cfg.as_bytes());
            let r = scan(&f);
            assert_eq!(r[0].format, "keras-h5");
            assert!(
                rules(&r[0]).contains(&"keras.external-module"),
                "{:?}",
                r[0]
            );
        }
        // A model_config that cannot be read is not clean.
        let mut f = HDF5_MAGIC.to_vec();
        f.extend(b"model_config\0{\"class_name\": ");
        assert_eq!(scan(&f)[0].verdict, Verdict::Suspicious);
    }

    /// Issue 18 (CVE-2025-8747 class): a safe-mode-allowed Keras function that fetches or
    /// writes, referenced as a function object from a Keras module.
    #[test]
    fn keras_module_function_references_to_gadgets_are_critical() {
        for (module, f) in [
            ("keras.utils", "get_file"),
            ("keras.src.utils.file_utils", "get_file"),
            ("keras.utils", "plot_model"),
            ("keras.saving", "save_model"),
        ] {
            let gadget = json!({"module": module, "class_name": "function", "config": f, "registered_name": "function"});
            let cfg = sequential(vec![layer(
                "Dense",
                json!({"units": 1, "activation": gadget}),
            )]);
            let r = scan(&keras_zip(&cfg));
            assert!(
                rules(&r[0]).contains(&"keras.gadget-function"),
                "{module}.{f}: {:?}",
                r[0]
            );
            assert_eq!(r[0].findings[0].severity, Severity::Critical);
        }
    }
}
