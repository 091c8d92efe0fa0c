//! NumPy `.npy` arrays and `.npz` archives.
//!
//! An `.npy` file is a magic string, a version, a header length and a Python dict literal
//! (`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`); the array data follows.
//! Arrays of dtype `object` are stored as a pickle after the header, which `np.load`
//! unpickles when `allow_pickle=True` (and every `np.load` before NumPy 1.16.3): that pickle
//! is walked like any other. The header is parsed with a small, bounded literal parser;
//! numeric data is never read. An `.npz` is a zip of `.npy` members, read with
//! [`crate::zipread`].

use super::pytorch::{zip_anomaly_findings, zip_error_finding};
use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::pickle::findings::{StreamOptions, scan_pickle_stream};
use crate::pickle::walker::dtype_itemsize;
use crate::report::Finding;
use crate::zipread::{self, ZipArchive};
use rampart_core::Severity;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};

pub const NPY_MAGIC: &[u8] = b"\x93NUMPY";
/// `np.load` refuses longer headers by default (`max_header_size`).
const NUMPY_MAX_HEADER: usize = 10_000;
/// Longest header this parser reads at all.
const MAX_HEADER: usize = 1 << 20;
const MAX_DEPTH: usize = 32;

/// A Python literal as found in `.npy` headers.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Literal>),
    List(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

/// Why an `.npy` header could not be used.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum NpyError {
    #[error("not an .npy file (no \\x93NUMPY magic)")]
    NotNpy,
    #[error("the header is truncated")]
    Truncated,
    #[error("unsupported .npy version {0}.{1}")]
    Version(u8, u8),
    #[error("the header is longer than {0} bytes")]
    TooLong(usize),
    #[error("the header is not a valid literal: {0}")]
    Syntax(String),
    #[error("the header lacks `{0}` or has the wrong type for it")]
    Field(&'static str),
}

/// A parsed `.npy` header.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyHeader {
    pub major: u8,
    pub minor: u8,
    /// Offset of the array data (after the header).
    pub data_offset: u64,
    pub header_len: usize,
    pub descr: Literal,
    pub fortran_order: bool,
    pub shape: Vec<i128>,
    /// Keys the header repeats: `ast.literal_eval` keeps the last value (as this parser
    /// does), other parsers the first, so a repeated key is a parser differential.
    pub duplicate_keys: Vec<String>,
}

impl NpyHeader {
    /// Whether the dtype holds Python objects (stored as a pickle).
    pub fn is_object(&self) -> bool {
        fn has_object(d: &Literal, depth: usize) -> bool {
            if depth > MAX_DEPTH {
                return true;
            }
            match d {
                Literal::Str(s) => s.contains('O') || s.contains("object"),
                Literal::List(fields) => fields.iter().any(|f| match f {
                    Literal::Tuple(parts) => parts.get(1).is_some_and(|t| has_object(t, depth + 1)),
                    _ => true,
                }),
                Literal::Tuple(parts) => parts.iter().any(|p| has_object(p, depth + 1)),
                _ => true,
            }
        }
        has_object(&self.descr, 0)
    }

    /// Size in bytes of the array data, when the dtype is a simple one.
    pub fn data_len(&self) -> Option<u64> {
        let Literal::Str(d) = &self.descr else {
            return None;
        };
        let item = dtype_itemsize(d)?;
        let count = self
            .shape
            .iter()
            .try_fold(1u64, |a, &b| a.checked_mul(u64::try_from(b).ok()?))?;
        count.checked_mul(item)
    }
}

/// Parse the header at the start of `bytes` (which needs to hold only the header).
pub fn parse_npy_header(bytes: &[u8]) -> Result<NpyHeader, NpyError> {
    if !bytes.starts_with(NPY_MAGIC) {
        return Err(NpyError::NotNpy);
    }
    let (major, minor) = (
        *bytes.get(6).ok_or(NpyError::Truncated)?,
        *bytes.get(7).ok_or(NpyError::Truncated)?,
    );
    let (len, start) = match major {
        1 => {
            let b = bytes.get(8..10).ok_or(NpyError::Truncated)?;
            (u16::from_le_bytes([b[0], b[1]]) as usize, 10)
        }
        2 | 3 => {
            let b = bytes.get(8..12).ok_or(NpyError::Truncated)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        _ => return Err(NpyError::Version(major, minor)),
    };
    if len > MAX_HEADER {
        return Err(NpyError::TooLong(MAX_HEADER));
    }
    let text = bytes.get(start..start + len).ok_or(NpyError::Truncated)?;
    // Version 3 headers are UTF-8, earlier ones Latin-1.
    let text: String = if major == 3 {
        String::from_utf8_lossy(text).into_owned()
    } else {
        text.iter().map(|&c| c as char).collect()
    };
    let mut p = LiteralParser {
        s: text.as_bytes(),
        i: 0,
    };
    let lit = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(NpyError::Syntax(
            "trailing characters after the dict".into(),
        ));
    }
    let Literal::Dict(pairs) = lit else {
        return Err(NpyError::Syntax("the header is not a dict".into()));
    };
    // `ast.literal_eval` builds the dict pair by pair: the last value of a key wins.
    let get = |k: &str| {
        pairs
            .iter()
            .rfind(|(key, _)| *key == Literal::Str(k.into()))
            .map(|(_, v)| v.clone())
    };
    let mut duplicate_keys = Vec::new();
    for (i, (k, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(earlier, _)| earlier == k) {
            duplicate_keys.push(format!("{k:?}"));
        }
    }
    let descr = get("descr").ok_or(NpyError::Field("descr"))?;
    let fortran_order = match get("fortran_order") {
        Some(Literal::Bool(b)) => b,
        _ => return Err(NpyError::Field("fortran_order")),
    };
    let shape = match get("shape") {
        Some(Literal::Tuple(items)) => items
            .iter()
            .map(|v| match v {
                Literal::Int(n) if *n >= 0 => Ok(*n),
                _ => Err(NpyError::Field("shape")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(NpyError::Field("shape")),
    };
    Ok(NpyHeader {
        major,
        minor,
        data_offset: (start + len) as u64,
        header_len: len,
        descr,
        fortran_order,
        shape,
        duplicate_keys,
    })
}

struct LiteralParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl LiteralParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, NpyError> {
        Err(NpyError::Syntax(format!("{what} at character {}", self.i)))
    }

    /// The length of a string prefix (`r`, `b`, `u`, `rb`, `br`, any case) directly followed
    /// by a quote at the current position, and whether it makes the string raw.
    fn string_prefix(&self) -> Option<(usize, bool)> {
        let rest = self.s.get(self.i..)?;
        let is_quote = |c: Option<&u8>| matches!(c, Some(b'\'' | b'"'));
        let lower = |n: usize| rest.get(n).map(u8::to_ascii_lowercase);
        match (lower(0), lower(1)) {
            (Some(b'r'), Some(b'b')) | (Some(b'b'), Some(b'r')) if is_quote(rest.get(2)) => {
                Some((2, true))
            }
            (Some(b'r'), _) if is_quote(rest.get(1)) => Some((1, true)),
            (Some(b'b' | b'u'), _) if is_quote(rest.get(1)) => Some((1, false)),
            _ => None,
        }
    }

    /// One or more adjacent string literals, concatenated as Python does (`'<' 'O'`).
    fn strings(&mut self) -> Result<Literal, NpyError> {
        let mut out = String::new();
        loop {
            let raw = match self.string_prefix() {
                Some((n, raw)) => {
                    self.i += n;
                    raw
                }
                None => false,
            };
            self.string(raw, &mut out)?;
            self.ws();
            let next_is_string =
                matches!(self.s.get(self.i), Some(b'\'' | b'"')) || self.string_prefix().is_some();
            if !next_is_string {
                return Ok(Literal::Str(out));
            }
        }
    }

    /// One quoted string with Python's escapes (`\x4f` is `O`), appended to `out`.
    fn string(&mut self, raw: bool, out: &mut String) -> Result<(), NpyError> {
        let Some(&q) = self.s.get(self.i) else {
            return self.err("expected a string");
        };
        self.i += 1;
        // Triple-quoted strings, as Python reads them.
        let triple = self.s.get(self.i..self.i + 2) == Some(&[q, q][..]);
        if triple {
            self.i += 2;
        }
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return self.err("unterminated string");
            };
            self.i += 1;
            if c == q {
                if !triple {
                    return Ok(());
                }
                if self.s.get(self.i..self.i + 2) == Some(&[q, q][..]) {
                    self.i += 2;
                    return Ok(());
                }
                out.push(c as char);
                continue;
            }
            if c == b'\n' && !triple {
                return self.err("newline in a string");
            }
            if c != b'\\' {
                out.push(c as char);
                continue;
            }
            let Some(&e) = self.s.get(self.i) else {
                return self.err("unterminated string");
            };
            self.i += 1;
            if raw {
                // A raw string keeps the backslash; it still cannot end on an escaped quote.
                out.push('\\');
                out.push(e as char);
                continue;
            }
            match e {
                b'\n' => {}
                b'\\' | b'\'' | b'"' => out.push(e as char),
                b'a' => out.push('\u{7}'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'v' => out.push('\u{b}'),
                b'0'..=b'7' => {
                    let mut v = u32::from(e - b'0');
                    for _ in 0..2 {
                        match self.s.get(self.i) {
                            Some(&d @ b'0'..=b'7') => {
                                v = v * 8 + u32::from(d - b'0');
                                self.i += 1;
                            }
                            _ => break,
                        }
                    }
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                }
                b'x' | b'u' | b'U' => {
                    let n = match e {
                        b'x' => 2,
                        b'u' => 4,
                        _ => 8,
                    };
                    let digits = self
                        .s
                        .get(self.i..self.i + n)
                        .and_then(|d| std::str::from_utf8(d).ok())
                        .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
                        .and_then(|d| u32::from_str_radix(d, 16).ok());
                    let Some(v) = digits else {
                        return self.err("bad escape");
                    };
                    self.i += n;
                    let Some(ch) = char::from_u32(v) else {
                        return self.err("escape outside Unicode");
                    };
                    out.push(ch);
                }
                // `\N{NAME}` needs Python's Unicode name table: not guessed.
                b'N' => return self.err("\\N{...} escape"),
                other => {
                    // Python keeps unknown escapes as written.
                    out.push('\\');
                    out.push(other as char);
                }
            }
        }
    }

    /// An integer as Python writes it: sign, `0x`/`0o`/`0b` prefixes, `_` separators, and
    /// the Python 2 `L` suffix NumPy once wrote.
    fn int(&mut self) -> Result<Literal, NpyError> {
        let mut negative = false;
        while let Some(&c @ (b'-' | b'+')) = self.s.get(self.i) {
            negative ^= c == b'-';
            self.i += 1;
            self.ws();
        }
        let start = self.i;
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.i += 1;
        }
        let text = String::from_utf8_lossy(&self.s[start..self.i]).replace('_', "");
        let text = text.strip_suffix(['L', 'l']).unwrap_or(&text);
        let lower = text.to_ascii_lowercase();
        let (radix, digits) = match lower.get(..2) {
            Some("0x") => (16, &lower[2..]),
            Some("0o") => (8, &lower[2..]),
            Some("0b") => (2, &lower[2..]),
            _ => (10, lower.as_str()),
        };
        match i128::from_str_radix(digits, radix) {
            Ok(n) if !digits.is_empty() => Ok(Literal::Int(if negative { -n } else { n })),
            _ => self.err("bad integer"),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Literal, NpyError> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut pairs = Vec::new();
                loop {
                    self.ws();
                    if self.s.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        return Ok(Literal::Dict(pairs));
                    }
                    let k = self.value(depth + 1)?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return self.err("expected `:`");
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    pairs.push((k, v));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {}
                        _ => return self.err("expected `,` or `}`"),
                    }
                }
            }
            Some(&open @ (b'(' | b'[')) => {
                let close = if open == b'(' { b')' } else { b']' };
                self.i += 1;
                let mut items = Vec::new();
                let mut trailing_comma = false;
                loop {
                    self.ws();
                    if self.s.get(self.i) == Some(&close) {
                        self.i += 1;
                        // `(3)` is an int in Python, `(3,)` a tuple; shapes are written
                        // with the comma, so keep a one-element tuple either way.
                        let _ = trailing_comma;
                        return Ok(if open == b'(' {
                            Literal::Tuple(items)
                        } else {
                            Literal::List(items)
                        });
                    }
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    trailing_comma = false;
                    match self.s.get(self.i) {
                        Some(b',') => {
                            self.i += 1;
                            trailing_comma = true;
                        }
                        Some(c) if *c == close => {}
                        _ => return self.err("expected `,` or a closing bracket"),
                    }
                }
            }
            Some(b'\'' | b'"') => self.strings(),
            Some(b'r' | b'R' | b'b' | b'B' | b'u' | b'U') if self.string_prefix().is_some() => {
                self.strings()
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' || *c == b'+' => self.int(),
            _ => {
                for (word, lit) in [
                    ("True", Literal::Bool(true)),
                    ("False", Literal::Bool(false)),
                    ("None", Literal::None),
                ] {
                    if self.s[self.i..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        return Ok(lit);
                    }
                }
                self.err("unexpected character")
            }
        }
    }
}

/// Findings for one `.npy` stream (file or npz member) read from `r` (positioned at the
/// magic), `len` bytes long.
fn scan_npy<R: Read + Seek + ?Sized>(r: &mut R, len: u64, loc: &str) -> Vec<Finding> {
    let mut head = Vec::new();
    if let Err(e) = (&mut *r)
        .take(MAX_HEADER as u64 + 12)
        .read_to_end(&mut head)
    {
        return vec![Finding::new(Severity::Medium, "numpy.unreadable", e.to_string()).at(loc)];
    }
    let header = match parse_npy_header(&head) {
        Ok(h) => h,
        Err(e) => {
            // numpy writes headers with `repr`; one this parser cannot read is either cut
            // off or crafted to be read differently by `ast.literal_eval`.
            let severity = match e {
                NpyError::Syntax(_) => Severity::High,
                _ => Severity::Medium,
            };
            return vec![
                Finding::new(
                    severity,
                    "numpy.malformed-header",
                    format!("{e}: the file's content could not be checked"),
                )
                .at(loc),
            ];
        }
    };
    let mut findings = Vec::new();
    if !header.duplicate_keys.is_empty() {
        findings.push(
            Finding::new(
                Severity::High,
                "numpy.header-differential",
                format!(
                    "the header repeats {}; numpy keeps the last value, other parsers the first",
                    header.duplicate_keys.join(", ")
                ),
            )
            .at(loc),
        );
    }
    if header.header_len > NUMPY_MAX_HEADER {
        findings.push(
            Finding::new(
                Severity::Low,
                "numpy.long-header",
                format!(
                    "the header is {} bytes; np.load refuses more than {NUMPY_MAX_HEADER} by default",
                    header.header_len
                ),
            )
            .at(loc),
        );
    }
    if header.is_object() {
        findings.push(
            Finding::new(
                Severity::Low,
                "numpy.object-array",
                "object array: np.load(allow_pickle=True) unpickles the data that follows the header",
            )
            .at(loc),
        );
        if r.seek(SeekFrom::Start(header.data_offset)).is_ok() {
            let mut reader = BufReader::new(r);
            let opts = StreamOptions {
                max_pickles: Some(1),
                location: loc.to_owned(),
                ..StreamOptions::default()
            };
            let data_len = len.saturating_sub(header.data_offset);
            let scanned = scan_pickle_stream(&mut reader, data_len, &opts);
            findings.extend(scanned.findings);
        }
    } else if let Some(expected) = header.data_len()
        && header.data_offset.saturating_add(expected) != len
    {
        findings.push(
            Finding::new(
                Severity::Low,
                "numpy.size-mismatch",
                format!(
                    "the header describes {expected} data bytes but {} follow it",
                    len.saturating_sub(header.data_offset)
                ),
            )
            .at(loc),
        );
    }
    findings
}

/// `.npy` arrays.
#[derive(Debug, Default)]
pub struct Npy;

impl Analyzer for Npy {
    fn format(&self) -> &'static str {
        "numpy"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        head.starts_with(NPY_MAGIC)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        Ok(scan_npy(&mut *input.reader, input.len, ""))
    }
}

/// `.npz` archives (zip of `.npy`).
#[derive(Debug, Default)]
pub struct Npz;

impl Analyzer for Npz {
    fn format(&self) -> &'static str {
        "numpy-npz"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        if !zipread::is_zip(head) {
            return false;
        }
        let n = head
            .get(26..28)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
            .unwrap_or(0);
        head.get(30..30 + n)
            .is_some_and(|name| name.ends_with(b".npy"))
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let zip = ZipArchive::open(&mut *input.reader, input.len, cx.limits)
            .map_err(|e| ScanError::Malformed(format!("not a readable zip: {e}")))?;
        let mut findings = zip_anomaly_findings(&zip, cx.limits);
        for (i, m) in zip.members().iter().enumerate() {
            if m.is_dir() {
                continue;
            }
            let name = m.name();
            let head = match zip.read_head(&mut *input.reader, i, MAX_HEADER + 12) {
                Ok(h) => h,
                Err(e) => {
                    findings.push(zip_error_finding(&name, &e));
                    continue;
                }
            };
            if !head.starts_with(NPY_MAGIC) {
                continue;
            }
            let loc = format!("{name}: ");
            match parse_npy_header(&head) {
                Ok(h) if h.is_object() => match zip.read(&mut *input.reader, i, cx.limits) {
                    Ok(bytes) => {
                        let len = bytes.len() as u64;
                        findings.extend(scan_npy(&mut Cursor::new(bytes), len, &loc));
                    }
                    Err(e) => findings.push(zip_error_finding(&name, &e)),
                },
                Ok(_) => {}
                Err(_) => {
                    let len = head.len() as u64;
                    findings.extend(scan_npy(&mut Cursor::new(head), len, &loc));
                }
            }
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str) -> Vec<u8> {
        let mut h = header.to_owned();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut out = NPY_MAGIC.to_vec();
        out.extend([1, 0]);
        out.extend((h.len() as u16).to_le_bytes());
        out.extend(h.as_bytes());
        out
    }

    #[test]
    fn parses_real_headers() {
        let b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }");
        let h = parse_npy_header(&b).unwrap();
        assert_eq!(h.shape, vec![3, 4]);
        assert_eq!(h.data_len(), Some(96));
        assert!(!h.is_object());
        assert_eq!(h.data_offset, b.len() as u64);
        assert_eq!(h.data_offset % 64, 0);
        let b = npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }");
        assert!(parse_npy_header(&b).unwrap().is_object());
        let b =
            npy("{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (), }");
        assert!(parse_npy_header(&b).unwrap().is_object());
    }

    #[test]
    fn bad_headers_are_errors_not_panics() {
        for h in [
            "{",
            "{'descr': }",
            "[1, 2]",
            "{'descr': '<f8'}",
            "((((((((((((((((((((((((((((((((((((((((",
            "{'shape': (-1,), 'descr': 'f8', 'fortran_order': False}",
        ] {
            assert!(parse_npy_header(&npy(h)).is_err(), "{h}");
        }
        assert_eq!(parse_npy_header(b"\x93NUMPY\x01"), Err(NpyError::Truncated));
        assert_eq!(
            parse_npy_header(b"\x93NUMPY\x09\x00"),
            Err(NpyError::Version(9, 0))
        );
    }

    #[test]
    fn object_array_pickle_is_walked() {
        let mut b = npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }");
        b.extend(b"\x80\x03cposix\nsystem\nX\x02\x00\x00\x00id\x85R.");
        let len = b.len() as u64;
        let f = scan_npy(&mut Cursor::new(b), len, "");
        assert!(
            f.iter()
                .any(|f| f.rule == "pickle.dangerous-import" && f.severity == Severity::Critical),
            "{f:?}"
        );
    }

    /// Issue 18: the header means what `ast.literal_eval` makes of it.
    #[test]
    fn headers_are_read_like_literal_eval() {
        // `\x4f` is `O`: an object array, so its pickle is walked.
        let b = npy(r"{'descr': '|\x4f', 'fortran_order': False, 'shape': (1,), }");
        assert!(parse_npy_header(&b).unwrap().is_object());
        let b = npy(r"{'descr': '|\117', 'fortran_order': False, 'shape': (1,), }");
        assert!(parse_npy_header(&b).unwrap().is_object());
        let b = npy(r"{'descr': '|' 'O', 'fortran_order': False, 'shape': (1,), }");
        assert!(parse_npy_header(&b).unwrap().is_object());
        let b = npy(r"{'descr': u'\u004f', 'fortran_order': False, 'shape': (0x2, 0b1_0), }");
        let h = parse_npy_header(&b).unwrap();
        assert!(h.is_object());
        assert_eq!(h.shape, vec![2, 2]);
        // Duplicate keys: the last wins, and the repetition is reported.
        let b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'descr': '|O'}");
        let h = parse_npy_header(&b).unwrap();
        assert!(h.is_object());
        assert_eq!(h.duplicate_keys.len(), 1);
        // A raw string keeps its backslashes.
        let b = npy(r"{'descr': r'\x4f', 'fortran_order': False, 'shape': (1,), }");
        assert_eq!(
            parse_npy_header(&b).unwrap().descr,
            Literal::Str(r"\x4f".into())
        );
    }

    #[test]
    fn header_differentials_are_high() {
        let mut b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'descr': '|O'}");
        b.extend(b"\x80\x03cposix\nsystem\nX\x02\x00\x00\x00id\x85R.");
        let len = b.len() as u64;
        let f = scan_npy(&mut Cursor::new(b), len, "");
        assert!(
            f.iter()
                .any(|f| f.rule == "numpy.header-differential" && f.severity == Severity::High),
            "{f:?}"
        );
        assert!(
            f.iter().any(|f| f.rule == "pickle.dangerous-import"),
            "{f:?}"
        );
        let b = npy(
            r"{'descr': '\N{LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': (1,), }",
        );
        let len = b.len() as u64;
        let f = scan_npy(&mut Cursor::new(b), len, "");
        assert_eq!(f[0].severity, Severity::High, "{f:?}");
    }
}
