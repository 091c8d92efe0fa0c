//! GGUF (llama.cpp): bounded metadata parsing and chat-template analysis.
//!
//! Layout (little-endian): magic `GGUF`, `u32` version, then — for versions 2 and 3 —
//! `u64` tensor count and `u64` metadata count (version 1 used `u32` counts), the metadata
//! key/value pairs (`string` key, `u32` type, value; strings are a `u64` length and bytes;
//! arrays are a `u32` element type, a `u64` count and the elements, nested arrays allowed),
//! then one info record per tensor (name, `u32` dimension count, `u64` dimensions, `u32`
//! ggml type, `u64` offset into the aligned data section). Tensor data is never read.
//!
//! Every count and length is bounded before anything is allocated: oversized counts,
//! string lengths, dimension counts and element-count overflows are the llama.cpp
//! heap-overflow class of 2024 (GGUF parser CVEs), so they are findings. Every
//! `tokenizer.chat_template*` value goes through [`super::jinja`].

use super::{Analyzer, Input, ScanContext, jinja};
use crate::error::ScanError;
use crate::report::Finding;
use rampart_core::Severity;
use std::io::{BufReader, Read, SeekFrom};

pub const MAGIC: &[u8; 4] = b"GGUF";
/// Bounds far above what real files use (the largest vocabularies have ~256k tokens).
pub const MAX_KV: u64 = 1 << 20;
pub const MAX_ARRAY_LEN: u64 = 1 << 24;
pub const MAX_STRING_LEN: u64 = 64 << 20;
pub const MAX_TENSORS: u64 = 1 << 20;
const MAX_NESTING: usize = 4;
/// llama.cpp's GGML_MAX_DIMS.
const MAX_DIMS: u32 = 4;
/// Bytes of metadata read in total, whatever the counts say.
const MAX_METADATA_BYTES: u64 = 1 << 30;

#[derive(Debug, Default)]
pub struct Gguf;

impl Analyzer for Gguf {
    fn format(&self) -> &'static str {
        "gguf"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        head.starts_with(MAGIC)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        input
            .reader
            .seek(SeekFrom::Start(0))
            .map_err(|e| ScanError::Io {
                path: input.path.to_owned(),
                source: e,
            })?;
        let mut parser = Parser {
            r: BufReader::with_capacity(256 * 1024, (&mut *input.reader).take(MAX_METADATA_BYTES)),
            pos: 0,
            file_len: input.len,
            findings: Vec::new(),
            alignment: 32,
            version: 0,
        };
        match parser.parse() {
            Ok(()) => Ok(parser.findings),
            Err(Stop::Finding) => Ok(parser.findings),
            // A truncated or broken file after a finding still reports the finding.
            Err(Stop::Malformed(why)) if parser.findings.is_empty() => {
                Err(ScanError::Malformed(format!("GGUF: {why}")))
            }
            Err(Stop::Malformed(why)) => {
                parser.findings.push(
                    Finding::new(
                        Severity::Medium,
                        "gguf.malformed",
                        format!("GGUF parsing stopped: {why}"),
                    )
                    .at(format!("offset {}", parser.pos)),
                );
                Ok(parser.findings)
            }
        }
    }
}

/// Why parsing stopped early.
#[derive(Debug)]
enum Stop {
    /// A bound was crossed; the finding has been recorded.
    Finding,
    Malformed(String),
}

struct Parser<R> {
    r: R,
    pos: u64,
    file_len: u64,
    findings: Vec<Finding>,
    alignment: u64,
    version: u32,
}

/// The metadata value types of the GGUF specification.
mod ty {
    pub const U8: u32 = 0;
    pub const I8: u32 = 1;
    pub const U16: u32 = 2;
    pub const I16: u32 = 3;
    pub const U32: u32 = 4;
    pub const I32: u32 = 5;
    pub const F32: u32 = 6;
    pub const BOOL: u32 = 7;
    pub const STRING: u32 = 8;
    pub const ARRAY: u32 = 9;
    pub const U64: u32 = 10;
    pub const I64: u32 = 11;
    pub const F64: u32 = 12;
}

/// (elements per block, bytes per block) of the ggml types whose layout is stable, to
/// check that tensor data lies inside the file. Types not listed are not size-checked.
fn ggml_block(t: u32) -> Option<(u64, u64)> {
    Some(match t {
        0 => (1, 4),     // F32
        1 => (1, 2),     // F16
        2 => (32, 18),   // Q4_0
        3 => (32, 20),   // Q4_1
        6 => (32, 22),   // Q5_0
        7 => (32, 24),   // Q5_1
        8 => (32, 34),   // Q8_0
        10 => (256, 84), // Q2_K
        11 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210), // Q6_K
        24 => (1, 1),     // I8
        25 => (1, 2),     // I16
        26 => (1, 4),     // I32
        27 => (1, 8),     // I64
        28 => (1, 8),     // F64
        30 => (1, 2),     // BF16
        _ => return None,
    })
}

impl<R: Read> Parser<R> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
        let mut b = [0u8; N];
        self.r
            .read_exact(&mut b)
            .map_err(|_| Stop::Malformed(format!("truncated at offset {}", self.pos)))?;
        self.pos += N as u64;
        Ok(b)
    }
    fn u32(&mut self) -> Result<u32, Stop> {
        self.bytes::<4>().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, Stop> {
        self.bytes::<8>().map(u64::from_le_bytes)
    }
    /// A count: `u32` in version 1, `u64` after.
    fn count(&mut self) -> Result<u64, Stop> {
        if self.version == 1 {
            self.u32().map(u64::from)
        } else {
            self.u64()
        }
    }

    fn oversized(&mut self, what: &str, value: u64, max: u64) -> Stop {
        self.findings.push(
            Finding::new(
                Severity::High,
                "gguf.oversized-count",
                format!(
                    "{what} of {value} exceeds {max}; oversized GGUF counts and lengths are how the 2024 llama.cpp heap overflows were triggered"
                ),
            )
            .at(format!("offset {}", self.pos)),
        );
        Stop::Finding
    }

    fn string_len(&mut self) -> Result<u64, Stop> {
        let n = self.count()?;
        if n > MAX_STRING_LEN || n > self.file_len.saturating_sub(self.pos) {
            return Err(self.oversized("string length", n, MAX_STRING_LEN.min(self.file_len)));
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, Stop> {
        let n = self.string_len()?;
        let mut buf = Vec::with_capacity(n as usize);
        (&mut self.r)
            .take(n)
            .read_to_end(&mut buf)
            .map_err(|e| Stop::Malformed(e.to_string()))?;
        if buf.len() as u64 != n {
            return Err(Stop::Malformed(format!(
                "truncated string at offset {}",
                self.pos
            )));
        }
        self.pos += n;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    fn skip(&mut self, n: u64) -> Result<(), Stop> {
        let copied = std::io::copy(&mut (&mut self.r).take(n), &mut std::io::sink())
            .map_err(|e| Stop::Malformed(e.to_string()))?;
        if copied != n {
            return Err(Stop::Malformed(format!("truncated at offset {}", self.pos)));
        }
        self.pos += n;
        Ok(())
    }

    fn parse(&mut self) -> Result<(), Stop> {
        let magic = self.bytes::<4>()?;
        if &magic != MAGIC {
            return Err(Stop::Malformed("bad magic".into()));
        }
        self.version = self.u32()?;
        if !(1..=3).contains(&self.version) {
            return Err(Stop::Malformed(format!(
                "unsupported version {}",
                self.version
            )));
        }
        let tensors = self.count()?;
        let kvs = self.count()?;
        if kvs > MAX_KV {
            return Err(self.oversized("metadata count", kvs, MAX_KV));
        }
        if tensors > MAX_TENSORS {
            return Err(self.oversized("tensor count", tensors, MAX_TENSORS));
        }
        for _ in 0..kvs {
            let key = self.string()?;
            let t = self.u32()?;
            self.value(&key, t, 0)?;
        }
        self.tensor_infos(tensors)
    }

    fn value(&mut self, key: &str, t: u32, depth: usize) -> Result<(), Stop> {
        match t {
            ty::U8 | ty::I8 | ty::BOOL => self.skip(1),
            ty::U16 | ty::I16 => self.skip(2),
            ty::U32 | ty::I32 | ty::F32 => {
                let v = self.u32()?;
                if key == "general.alignment" && depth == 0 {
                    self.alignment_from(u64::from(v));
                }
                Ok(())
            }
            ty::U64 | ty::I64 | ty::F64 => self.skip(8),
            ty::STRING if depth == 0 && key.starts_with("tokenizer.chat_template") => {
                let template = self.string()?;
                let location = format!("metadata.{}", key.chars().take(120).collect::<String>());
                self.findings
                    .extend(jinja::analyze_template(&template, &location));
                Ok(())
            }
            ty::STRING => {
                let n = self.string_len()?;
                self.skip(n)
            }
            ty::ARRAY => {
                if depth >= MAX_NESTING {
                    return Err(self.oversized(
                        "array nesting depth",
                        depth as u64 + 1,
                        MAX_NESTING as u64,
                    ));
                }
                let et = self.u32()?;
                let n = self.count()?;
                if n > MAX_ARRAY_LEN {
                    return Err(self.oversized("array length", n, MAX_ARRAY_LEN));
                }
                let fixed = match et {
                    ty::U8 | ty::I8 | ty::BOOL => Some(1),
                    ty::U16 | ty::I16 => Some(2),
                    ty::U32 | ty::I32 | ty::F32 => Some(4),
                    ty::U64 | ty::I64 | ty::F64 => Some(8),
                    _ => None,
                };
                match fixed {
                    Some(size) => {
                        let total = n * size;
                        if total > self.file_len.saturating_sub(self.pos) {
                            return Err(self.oversized(
                                "array byte length",
                                total,
                                self.file_len.saturating_sub(self.pos),
                            ));
                        }
                        self.skip(total)
                    }
                    None => {
                        for _ in 0..n {
                            self.value(key, et, depth + 1)?;
                        }
                        Ok(())
                    }
                }
            }
            other => Err(Stop::Malformed(format!(
                "unknown metadata value type {other} at offset {}",
                self.pos
            ))),
        }
    }

    fn alignment_from(&mut self, v: u64) {
        if v == 0 || !v.is_power_of_two() {
            self.findings.push(Finding::new(
                Severity::Medium,
                "gguf.bad-alignment",
                format!("general.alignment {v} is not a power of two; loaders divide by it"),
            ));
        } else {
            self.alignment = v;
        }
    }

    fn tensor_infos(&mut self, count: u64) -> Result<(), Stop> {
        let mut spans = Vec::with_capacity(count.min(4096) as usize);
        for _ in 0..count {
            let name_len = self.string_len()?;
            self.skip(name_len)?;
            let dims = self.u32()?;
            if dims > MAX_DIMS {
                return Err(self.oversized(
                    "tensor dimension count",
                    u64::from(dims),
                    u64::from(MAX_DIMS),
                ));
            }
            let mut elements: u64 = 1;
            let mut overflow = false;
            for _ in 0..dims {
                let d = self.u64()?;
                match elements.checked_mul(d) {
                    Some(e) if e <= i64::MAX as u64 => elements = e,
                    _ => overflow = true,
                }
            }
            if overflow {
                self.findings.push(
                    Finding::new(
                        Severity::High,
                        "gguf.oversized-count",
                        "tensor element count overflows; a known way to make loaders allocate too little",
                    )
                    .at(format!("offset {}", self.pos)),
                );
                return Err(Stop::Finding);
            }
            let ggml_type = self.u32()?;
            let offset = self.u64()?;
            if let Some((block, size)) = ggml_block(ggml_type)
                && elements.is_multiple_of(block)
            {
                spans.push((offset, elements / block * size));
            }
        }
        // Tensor data starts at the next multiple of the alignment after the infos.
        let data_start = self
            .pos
            .div_ceil(self.alignment)
            .saturating_mul(self.alignment);
        let data_len = self.file_len.saturating_sub(data_start);
        if let Some((off, size)) = spans
            .iter()
            .find(|(off, size)| off.checked_add(*size).is_none_or(|end| end > data_len))
        {
            self.findings.push(
                Finding::new(
                    Severity::Medium,
                    "gguf.tensor-out-of-bounds",
                    format!(
                        "tensor data [{off}, +{size}) lies outside the {data_len}-byte data section"
                    ),
                )
                .at(format!("data offset {off}")),
            );
        }
        Ok(())
    }
}

/// Writers of GGUF files for tests and fixtures.
#[cfg(test)]
pub(crate) mod write {
    pub fn string(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    }
    /// A version-3 file with the given string metadata and one small F32 tensor.
    pub fn file(meta: &[(&str, &str)]) -> Vec<u8> {
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend(1u64.to_le_bytes());
        out.extend((meta.len() as u64 + 2).to_le_bytes());
        string(&mut out, "general.architecture");
        out.extend(8u32.to_le_bytes());
        string(&mut out, "llama");
        // tokenizer.ggml.scores: array of f32, and a nested array of strings.
        string(&mut out, "tokenizer.ggml.tokens");
        out.extend(9u32.to_le_bytes());
        out.extend(8u32.to_le_bytes());
        out.extend(2u64.to_le_bytes());
        string(&mut out, "<s>");
        string(&mut out, "</s>");
        for (k, v) in meta {
            string(&mut out, k);
            out.extend(8u32.to_le_bytes());
            string(&mut out, v);
        }
        string(&mut out, "w");
        out.extend(1u32.to_le_bytes());
        out.extend(4u64.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(0u64.to_le_bytes());
        while !out.len().is_multiple_of(32) {
            out.push(0);
        }
        out.extend([0u8; 16]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verdict;
    use crate::{FileReport, ScanOptions, Scanner};

    fn scan(bytes: &[u8]) -> FileReport {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, bytes).unwrap();
        Scanner::new(ScanOptions::default())
            .scan(&[p.display().to_string()])
            .files
            .remove(0)
    }

    #[test]
    fn standard_chat_templates_scan_clean() {
        for name in [
            "chatml",
            "llama3",
            "llama3_1_tools",
            "mistral",
            "gemma",
            "qwen2_5_tools",
        ] {
            let path = format!(
                "{}/tests/data/templates/{name}.jinja",
                env!("CARGO_MANIFEST_DIR")
            );
            let t = std::fs::read_to_string(path).unwrap();
            let r = scan(&write::file(&[("tokenizer.chat_template", &t)]));
            assert_eq!(r.format, "gguf");
            assert_eq!(
                r.verdict,
                Verdict::Clean,
                "{name}: {:?} {:?}",
                r.findings,
                r.error
            );
        }
    }

    #[test]
    fn template_injection_in_any_chat_template_key_is_malicious() {
        let evil = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
        for key in [
            "tokenizer.chat_template",
            "tokenizer.chat_template.tool_use",
        ] {
            let r = scan(&write::file(&[(key, evil)]));
            assert_eq!(r.verdict, Verdict::Malicious, "{key}");
            assert!(
                r.findings
                    .iter()
                    .any(|f| f.location.as_deref() == Some(&format!("metadata.{key}")[..]))
            );
        }
    }

    #[test]
    fn oversized_counts_are_findings_not_allocations() {
        let mut f = b"GGUF".to_vec();
        f.extend(3u32.to_le_bytes());
        f.extend(0u64.to_le_bytes());
        f.extend(1u64.to_le_bytes());
        f.extend(u64::MAX.to_le_bytes()); // key length
        f.extend([0u8; 32]);
        let r = scan(&f);
        assert_eq!(r.findings[0].rule, "gguf.oversized-count");
        assert_eq!(r.verdict, Verdict::Malicious);

        let mut f = b"GGUF".to_vec();
        f.extend(3u32.to_le_bytes());
        f.extend(0u64.to_le_bytes());
        f.extend(1u64.to_le_bytes());
        write::string(&mut f, "a");
        f.extend(9u32.to_le_bytes());
        f.extend(8u32.to_le_bytes());
        f.extend((MAX_ARRAY_LEN + 1).to_le_bytes());
        assert_eq!(scan(&f).findings[0].rule, "gguf.oversized-count");
    }

    #[test]
    fn deeply_nested_arrays_are_bounded() {
        let mut f = b"GGUF".to_vec();
        f.extend(3u32.to_le_bytes());
        f.extend(0u64.to_le_bytes());
        f.extend(1u64.to_le_bytes());
        write::string(&mut f, "a");
        f.extend(9u32.to_le_bytes());
        for _ in 0..10 {
            f.extend(9u32.to_le_bytes());
            f.extend(1u64.to_le_bytes());
        }
        let r = scan(&f);
        assert!(r.findings[0].message.contains("nesting"), "{:?}", r);
    }

    #[test]
    fn version_1_u32_counts_parse() {
        let mut f = b"GGUF".to_vec();
        f.extend(1u32.to_le_bytes());
        f.extend(0u32.to_le_bytes());
        f.extend(1u32.to_le_bytes());
        f.extend(1u32.to_le_bytes());
        f.push(b'k');
        f.extend(4u32.to_le_bytes());
        f.extend(7u32.to_le_bytes());
        let r = scan(&f);
        assert_eq!(r.verdict, Verdict::Clean, "{r:?}");
    }

    #[test]
    fn tensor_data_beyond_the_end_of_the_file_is_reported() {
        let mut f = write::file(&[]);
        f.truncate(f.len() - 8);
        assert_eq!(scan(&f).findings[0].rule, "gguf.tensor-out-of-bounds");
    }

    #[test]
    fn truncation_anywhere_is_an_error_or_finding_never_a_panic() {
        let full = write::file(&[("tokenizer.chat_template", "{{ x.__class__ }}")]);
        for cut in 4..full.len() {
            let r = scan(&full[..cut]);
            assert_ne!(r.verdict, Verdict::Clean, "cut at {cut}");
        }
    }
}
