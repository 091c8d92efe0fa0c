//! Format analysers and their registry.
//!
//! A format is one file implementing [`Analyzer`] plus one line in [`registry`]. The
//! scanner reads the head of each file and gives it to the first analyser whose `sniff`
//! accepts it, so order matters: specific container formats (PyTorch zip, Keras v3, NPZ)
//! come before generic ones (zip archive). Analysers that find embedded content (an
//! archive member, a pickle inside a NumPy file) scan it with [`ScanContext::scan_member`],
//! which reports it as its own entry, `outer!/inner`.

use crate::error::ScanError;
use crate::report::{FileReport, Finding};
use crate::scanner::Limits;
use std::fmt::Debug;
use std::io::{Cursor, Read, Seek};

pub mod archive;
pub mod ggml;
pub mod gguf;
pub mod jinja;
pub mod joblib;
pub mod keras;
pub mod numpy;
pub mod onnx;
pub mod pickle;
pub mod protowire;
pub mod pytorch;
pub mod safetensors;
pub mod tensorflow;
pub mod tokenizer_config;

/// A readable, seekable view of one file or member.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// What an analyser is given.
pub struct Input<'a> {
    /// The display path (`dir/model.pt`, `outer.zip!/inner.pkl`).
    pub path: &'a str,
    /// Length in bytes.
    pub len: u64,
    /// The first bytes (up to [`HEAD_LEN`]), already read for sniffing.
    pub head: &'a [u8],
    /// The whole content, positioned at 0. Read only what you need: tensor bytes are
    /// never to be read.
    pub reader: &'a mut dyn ReadSeek,
}

impl Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("path", &self.path)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// How many bytes are read for sniffing.
pub const HEAD_LEN: usize = 64 * 1024;

/// One model or archive format.
pub trait Analyzer: Send + Sync + Debug {
    /// The format name reported in `FileReport::format`.
    fn format(&self) -> &'static str;

    /// Whether this analyser recognises the content. Must be cheap and must not trust
    /// the file name.
    fn sniff(&self, head: &[u8], len: u64) -> bool;

    /// Analyse the content and return findings. Embedded content is scanned through `cx`.
    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError>;
}

/// Every analyser, in sniffing order.
pub fn registry() -> Vec<Box<dyn Analyzer>> {
    vec![
        // Magic- or header-checked formats.
        Box::new(safetensors::Safetensors),
        Box::new(gguf::Gguf),
        Box::new(ggml::Ggml),
        Box::new(keras::KerasH5),
        Box::new(numpy::Npy),
        // Zip- and tar-based model formats, before generic archives.
        Box::new(pytorch::PyTorchZip),
        Box::new(numpy::Npz),
        Box::new(keras::KerasV3),
        Box::new(pytorch::PyTorchTar),
        // Pickle-based formats; generic pickle last among them: its sniffer accepts any
        // stream that parses as a pickle.
        Box::new(pytorch::PyTorchLegacy),
        Box::new(joblib::Joblib),
        Box::new(joblib::ZlibPickle),
        Box::new(pickle::Pickle),
        // Schema-less protobuf, sniffed by field structure (SavedModel's is narrower).
        Box::new(tensorflow::SavedModel),
        Box::new(onnx::Onnx),
        // JSON carrying a chat template.
        Box::new(tokenizer_config::TokenizerConfig),
        // Generic containers last: every more specific format above claims its files first.
        Box::new(archive::Zip),
        Box::new(archive::Tar),
        Box::new(archive::SevenZ),
        Box::new(archive::Compressed),
    ]
}

/// State shared by the analysers of one top-level file: the limits, the nesting depth,
/// and the reports of embedded members.
#[derive(Debug)]
pub struct ScanContext<'r> {
    pub limits: &'r Limits,
    analyzers: &'r [Box<dyn Analyzer>],
    depth: usize,
    members: Vec<FileReport>,
}

impl<'r> ScanContext<'r> {
    pub(crate) fn new(analyzers: &'r [Box<dyn Analyzer>], limits: &'r Limits) -> Self {
        ScanContext {
            limits,
            analyzers,
            depth: 0,
            members: Vec::new(),
        }
    }

    /// How deep in nested containers the current content is (0 for a top-level file).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Scan embedded content as its own report entry `parent!/name`. Beyond the nesting
    /// limit the member is reported as an error instead of being scanned.
    pub fn scan_member(&mut self, parent: &str, name: &str, bytes: &[u8]) {
        let path = format!("{parent}!/{}", name.trim_start_matches('/'));
        if self.depth + 1 > self.limits.max_depth {
            let reason = format!("nested deeper than {} levels", self.limits.max_depth);
            self.members.push(FileReport::from_findings(
                path,
                "unknown",
                vec![Finding::new(
                    crate::Severity::Medium,
                    "archive.depth-limit",
                    reason,
                )],
            ));
            return;
        }
        self.depth += 1;
        let report = analyze_content(self, path, &mut Cursor::new(bytes), bytes.len() as u64);
        self.depth -= 1;
        self.members.push(report);
    }

    pub(crate) fn take_members(&mut self) -> Vec<FileReport> {
        std::mem::take(&mut self.members)
    }
}

/// Extensions of model formats (loaders choose by extension or try every loader, so a file
/// named like a model is one to them whatever its bytes are).
// `.model` (SentencePiece protobufs) and `.sav` (also SPSS data) are left out: too many
// files that are not models use them.
const MODEL_EXTENSIONS: &[&str] = &[
    "pt",
    "pth",
    "bin",
    "ckpt",
    "pkl",
    "pickle",
    "joblib",
    "npy",
    "npz",
    "safetensors",
    "gguf",
    "onnx",
    "keras",
    "h5",
    "hdf5",
    "pb",
    "dill",
];

/// Why unrecognised content is still a model to some loader: its name's extension or its
/// first bytes claim a model format. `None` for anything else (text, images, …).
pub fn claimed_format(path: &str, head: &[u8]) -> Option<String> {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if let Some((_, ext)) = file.rsplit_once('.') {
        let ext = ext.to_ascii_lowercase();
        if MODEL_EXTENSIONS.contains(&ext.as_str()) {
            return Some(format!("the name claims a model format (`.{ext}`)"));
        }
    }
    let magic: &[(&[u8], &str)] = &[
        (b"GGUF", "GGUF"),
        (b"\x93NUMPY", "NumPy"),
        (b"\x89HDF\r\n\x1a\n", "HDF5 (Keras .h5)"),
        (b"PK\x03\x04", "zip (PyTorch, Keras, NPZ)"),
    ];
    if let Some((_, name)) = magic.iter().find(|(m, _)| head.starts_with(m)) {
        return Some(format!("the first bytes claim {name}"));
    }
    if let [0x80, p, ..] = head
        && (2..=5).contains(p)
    {
        return Some(format!("the first bytes claim a protocol {p} pickle"));
    }
    if head.len() > 8 && head[8] == b'{' && head[6..8] == [0, 0] {
        return Some("the first bytes claim safetensors (a header length, then JSON)".into());
    }
    None
}

/// What the error of an unrecognised file claiming a model format says.
const UNRECOGNISED: &str = "but no analyser accepts the content";

/// Whether `report` is that of a file claiming a model format that no analyser accepted
/// (and nothing else: read errors and malformed recognised files do not qualify).
pub(crate) fn is_unrecognised_claim(report: &FileReport) -> bool {
    report.format == "unknown"
        && report.verdict == crate::Verdict::Error
        && report.findings.is_empty()
        && report
            .error
            .as_deref()
            .is_some_and(|e| e.contains(UNRECOGNISED))
}

/// Sniff and analyse one piece of content.
pub(crate) fn analyze_content(
    cx: &mut ScanContext<'_>,
    path: String,
    reader: &mut dyn ReadSeek,
    len: u64,
) -> FileReport {
    let mut head = Vec::with_capacity(HEAD_LEN.min(len as usize));
    if let Err(e) = (&mut *reader).take(HEAD_LEN as u64).read_to_end(&mut head) {
        return FileReport::error(path, "unknown", format!("cannot read: {e}"));
    }
    let analyzers = cx.analyzers;
    let Some(analyzer) = analyzers.iter().find(|a| a.sniff(&head, len)) else {
        // Unrecognised is not clean when the name or the first bytes claim a model format:
        // a loader may still accept what no analyser here does.
        if let Some(claim) = claimed_format(&path, &head) {
            return FileReport::error(
                path,
                "unknown",
                format!(
                    "{claim}, {UNRECOGNISED}; a loader may still run it, so it is not called clean"
                ),
            );
        }
        return FileReport::from_findings(path, "unknown", Vec::new());
    };
    if let Err(e) = reader.rewind() {
        return FileReport::error(path, analyzer.format(), format!("cannot read: {e}"));
    }
    let mut input = Input {
        path: &path,
        len,
        head: &head,
        reader,
    };
    match analyzer.analyze(&mut input, cx) {
        Ok(findings) => FileReport::from_findings(path, analyzer.format(), findings),
        Err(e) => FileReport::error(path, analyzer.format(), e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verdict;

    fn scan(path: &str, bytes: &[u8]) -> FileReport {
        let analyzers = registry();
        let limits = Limits::default();
        let mut cx = ScanContext::new(&analyzers, &limits);
        analyze_content(
            &mut cx,
            path.to_owned(),
            &mut Cursor::new(bytes),
            bytes.len() as u64,
        )
    }

    /// Issue 18: a file named or shaped like a model that no analyser accepts is an error,
    /// never clean.
    #[test]
    fn unrecognised_model_claims_are_errors_not_clean() {
        for (path, bytes) in [
            ("model.pt", &b"\x00\x01 not anything"[..]),
            ("weights.SAFETENSORS", b"garbage"),
            ("dir/model.pkl", b""),
            ("archive.zip!/inner.bin", b"\xff\xfe"),
            ("noext", b"\x80\x04"),
            ("noext", b"GGUF"),
            ("noext", b"\x89HDF\r\n\x1a\n"),
        ] {
            let r = scan(path, bytes);
            assert_eq!(r.verdict, Verdict::Error, "{path}: {r:?}");
        }
    }

    #[test]
    fn unrecognised_text_without_a_claim_stays_clean() {
        for (path, bytes) in [
            ("README.md", &b"# hello"[..]),
            ("config.json", b"{\"a\": 1}"),
            ("noext", b"plain text"),
            ("tokenizer.model", b"\x0a\x0b\x0a\x05hello"),
        ] {
            assert_eq!(scan(path, bytes).verdict, Verdict::Clean, "{path}");
        }
    }
}
