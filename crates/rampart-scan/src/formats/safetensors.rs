//! safetensors: strict validation of the header, never the tensor bytes.
//!
//! Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON (an object mapping
//! tensor names to `{"dtype", "shape", "data_offsets": [begin, end]}` plus an optional
//! `__metadata__` map of strings to strings), then the byte buffer. The real loader refuses
//! a file whose tensors do not tile the buffer exactly from offset 0 to its end; a file that
//! violates that is either broken or crafted (bytes hidden in gaps or after the last tensor,
//! overlapping tensors, parser differentials through duplicate keys), so every violation is
//! a finding. Only the header is read.

use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::report::Finding;
use rampart_core::Severity;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::{Read, SeekFrom};

/// The real loader refuses headers above 100 MB; so do we.
pub const MAX_HEADER_LEN: u64 = 100 * 1024 * 1024;
/// No real file has more tensors than this; it bounds the work on a crafted header.
const MAX_TENSORS: usize = 1_000_000;
const MAX_FINDINGS: usize = 50;

#[derive(Debug, Default)]
pub struct Safetensors;

/// Bits per element of every dtype the reference implementation knows.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        _ => return None,
    })
}

impl Analyzer for Safetensors {
    fn format(&self) -> &'static str {
        "safetensors"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        let Some(n) = head.get(..8) else { return false };
        let n = u64::from_le_bytes(n.try_into().unwrap_or_default());
        // The JSON header must start right after the length (the reference writer never
        // pads in front). A length past the end of the file or above the limit is still
        // this format's claim: `analyze` reports it as an error, never as unknown and clean.
        // The top two bytes of the length must be zero (no header is 2^48 bytes), which
        // keeps text that happens to have `{` at offset 8 out.
        n >= 2 && head[6..8] == [0, 0] && head.get(8) == Some(&b'{')
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let header = read_header(input)?;
        Ok(validate_header(&header, input.len))
    }
}

fn read_header(input: &mut Input<'_>) -> Result<Vec<u8>, ScanError> {
    let io = |e| ScanError::Io {
        path: input.path.to_owned(),
        source: e,
    };
    let mut len_bytes = [0u8; 8];
    input.reader.seek(SeekFrom::Start(0)).map_err(io)?;
    input.reader.read_exact(&mut len_bytes).map_err(io)?;
    let n = u64::from_le_bytes(len_bytes);
    if n > MAX_HEADER_LEN {
        return Err(ScanError::Limit(format!(
            "safetensors header of {n} bytes exceeds {MAX_HEADER_LEN}"
        )));
    }
    if n.saturating_add(8) > input.len {
        return Err(ScanError::Malformed(format!(
            "safetensors header length {n} runs past the end of the file"
        )));
    }
    let mut header = Vec::with_capacity(n as usize);
    (&mut *input.reader)
        .take(n)
        .read_to_end(&mut header)
        .map_err(io)?;
    if (header.len() as u64) != n {
        return Err(ScanError::Malformed("truncated safetensors header".into()));
    }
    Ok(header)
}

/// A JSON object as its ordered entries, keeping duplicates so they can be reported
/// (`serde_json::Map` would silently keep the last one, other parsers the first).
struct Entries(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    if out.len() >= MAX_TENSORS {
                        return Err(serde::de::Error::custom("too many header entries"));
                    }
                    out.push((k, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

struct Tensor<'a> {
    name: &'a str,
    begin: u64,
    end: u64,
}

/// Validate a header against the file length; every violation is a finding.
pub fn validate_header(header: &[u8], file_len: u64) -> Vec<Finding> {
    let mut findings = Vec::new();
    let invalid = |msg: String, at: &str| {
        Finding::new(Severity::Medium, "safetensors.invalid-header", msg).at(at.to_owned())
    };
    // The reference writer pads the header with spaces to an 8-byte boundary.
    let trimmed = match header.iter().rposition(|&b| b != b' ') {
        Some(i) => &header[..=i],
        None => &header[..0],
    };
    let mut de = serde_json::Deserializer::from_slice(trimmed);
    let entries = match serde::Deserialize::deserialize(&mut de).and_then(|e: Entries| {
        de.end()?;
        Ok(e)
    }) {
        Ok(Entries(e)) => e,
        Err(e) => {
            findings.push(invalid(
                format!(
                    "header is not a well-formed JSON object (line {}, column {}); the real loader refuses it",
                    e.line(),
                    e.column()
                ),
                "header",
            ));
            return findings;
        }
    };

    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    let mut tensors = Vec::with_capacity(entries.len());
    for (name, value) in &entries {
        if findings.len() >= MAX_FINDINGS {
            break;
        }
        if !seen.insert(name.as_str()) {
            findings.push(
                Finding::new(
                    Severity::High,
                    "safetensors.duplicate-key",
                    "header repeats a key; parsers disagree on which one wins, a classic way to show a scanner one tensor and the loader another",
                )
                .at(format!("header.{}", printable(name))),
            );
            continue;
        }
        if name == "__metadata__" {
            check_metadata(value, &mut findings);
            continue;
        }
        match parse_tensor(name, value) {
            Ok(t) => tensors.push(t),
            Err(msg) => findings.push(invalid(msg, &format!("header.{}", printable(name)))),
        }
    }

    check_layout(
        &mut tensors,
        file_len.saturating_sub(8 + header.len() as u64),
        &mut findings,
    );
    findings.truncate(MAX_FINDINGS);
    findings
}

fn check_metadata(value: &Value, findings: &mut Vec<Finding>) {
    let Some(map) = value.as_object() else {
        findings.push(
            Finding::new(
                Severity::Medium,
                "safetensors.invalid-header",
                "`__metadata__` must be a map of strings to strings",
            )
            .at("header.__metadata__"),
        );
        return;
    };
    if let Some((k, _)) = map.iter().find(|(_, v)| !v.is_string()) {
        findings.push(
            Finding::new(
                Severity::Medium,
                "safetensors.invalid-header",
                "`__metadata__` value is not a string; the real loader refuses it",
            )
            .at(format!("header.__metadata__.{}", printable(k))),
        );
    }
}

fn parse_tensor<'a>(name: &'a str, value: &Value) -> Result<Tensor<'a>, String> {
    let obj = value
        .as_object()
        .ok_or_else(|| "tensor entry is not an object".to_owned())?;
    if let Some(extra) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "dtype" | "shape" | "data_offsets"))
    {
        return Err(format!(
            "tensor entry has an unknown field `{}`",
            printable(extra)
        ));
    }
    let dtype = obj
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or_else(|| "tensor entry has no string `dtype`".to_owned())?;
    let bits = dtype_bits(dtype).ok_or_else(|| format!("unknown dtype `{}`", printable(dtype)))?;
    let shape = obj
        .get("shape")
        .and_then(Value::as_array)
        .ok_or_else(|| "tensor entry has no `shape` array".to_owned())?;
    let mut elements: u64 = 1;
    for dim in shape {
        let d = dim
            .as_u64()
            .ok_or_else(|| "shape holds something other than a non-negative integer".to_owned())?;
        elements = elements
            .checked_mul(d)
            .ok_or_else(|| "shape element count overflows".to_owned())?;
    }
    let offsets = obj
        .get("data_offsets")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2)
        .ok_or_else(|| "tensor entry has no `data_offsets` pair".to_owned())?;
    let (Some(begin), Some(end)) = (offsets[0].as_u64(), offsets[1].as_u64()) else {
        return Err("`data_offsets` are not non-negative integers".into());
    };
    if end < begin {
        return Err(format!("`data_offsets` end {end} is before begin {begin}"));
    }
    let total_bits = elements
        .checked_mul(bits)
        .ok_or_else(|| "tensor byte length overflows".to_owned())?;
    if !total_bits.is_multiple_of(8) {
        return Err(format!(
            "{elements} elements of {dtype} do not fill whole bytes"
        ));
    }
    if total_bits / 8 != end - begin {
        return Err(format!(
            "dtype {dtype} × shape {elements} elements = {} bytes, but `data_offsets` span {} bytes",
            total_bits / 8,
            end - begin
        ));
    }
    Ok(Tensor { name, begin, end })
}

/// Tensors must tile `[0, buffer_len)` exactly: sorted by offset, each begins where the
/// previous one ended, the first at 0 and the last at the end of the file.
fn check_layout(tensors: &mut [Tensor<'_>], buffer_len: u64, findings: &mut Vec<Finding>) {
    tensors.sort_unstable_by_key(|t| (t.begin, t.end));
    let mut cursor = 0u64;
    for t in tensors.iter() {
        if findings.len() >= MAX_FINDINGS {
            return;
        }
        let at = format!("header.{}", printable(t.name));
        if t.end > buffer_len {
            findings.push(
                Finding::new(
                    Severity::High,
                    "safetensors.out-of-bounds",
                    format!(
                        "tensor data [{}, {}) runs past the end of the {buffer_len}-byte buffer",
                        t.begin, t.end
                    ),
                )
                .at(at),
            );
        } else if t.begin < cursor {
            findings.push(
                Finding::new(
                    Severity::High,
                    "safetensors.overlapping-tensors",
                    format!(
                        "tensor data [{}, {}) overlaps the previous tensor (ends at {cursor}); the real loader refuses overlapping tensors",
                        t.begin, t.end
                    ),
                )
                .at(at),
            );
        } else if t.begin > cursor {
            findings.push(
                Finding::new(
                    Severity::High,
                    "safetensors.hidden-data",
                    format!(
                        "{} bytes between offset {cursor} and {} belong to no tensor; data can hide there",
                        t.begin - cursor,
                        t.begin
                    ),
                )
                .at(at),
            );
        }
        cursor = cursor.max(t.end);
    }
    if cursor < buffer_len {
        findings.push(
            Finding::new(
                Severity::High,
                "safetensors.hidden-data",
                format!(
                    "{} bytes after the last tensor (offset {cursor}) belong to no tensor; data can hide there",
                    buffer_len - cursor
                ),
            )
            .at("data"),
        );
    }
}

/// Names come from the file: keep them short and printable in messages.
fn printable(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::Verdict;
    use crate::{ScanOptions, Scanner};

    /// Build a safetensors file the way the reference writer does (space-padded header).
    pub(crate) fn build(header: &str, data_len: usize) -> Vec<u8> {
        let mut h = header.as_bytes().to_vec();
        while !h.len().is_multiple_of(8) {
            h.push(b' ');
        }
        let mut out = (h.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(&h);
        out.extend(std::iter::repeat_n(0u8, data_len));
        out
    }

    fn scan(bytes: &[u8]) -> crate::FileReport {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.bin");
        std::fs::write(&p, bytes).unwrap();
        let mut r = Scanner::new(ScanOptions::default()).scan(&[p.display().to_string()]);
        r.files.remove(0)
    }

    const VALID: &str = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}"#;

    #[test]
    fn a_valid_file_is_clean() {
        let r = scan(&build(VALID, 32));
        assert_eq!(r.format, "safetensors");
        assert_eq!(r.verdict, Verdict::Clean, "{:?}", r.findings);
    }

    #[test]
    fn trailing_bytes_after_the_last_tensor_are_hidden_data() {
        let r = scan(&build(VALID, 40));
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].rule, "safetensors.hidden-data");
    }

    #[test]
    fn overlapping_tensors_are_malicious() {
        let h = r#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#;
        let r = scan(&build(h, 8));
        assert_eq!(r.verdict, Verdict::Malicious);
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule == "safetensors.overlapping-tensors")
        );
    }

    #[test]
    fn gap_and_out_of_bounds_and_size_mismatch_are_reported() {
        let gap = r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#;
        assert_eq!(
            scan(&build(gap, 8)).findings[0].rule,
            "safetensors.hidden-data"
        );
        let oob = r#"{"a":{"dtype":"U8","shape":[16],"data_offsets":[0,16]}}"#;
        assert_eq!(
            scan(&build(oob, 8)).findings[0].rule,
            "safetensors.out-of-bounds"
        );
        let mismatch = r#"{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,4]}}"#;
        let r = scan(&build(mismatch, 4));
        assert!(
            r.findings[0].message.contains("8 bytes"),
            "{:?}",
            r.findings
        );
    }

    #[test]
    fn unknown_dtype_bad_metadata_and_duplicate_keys_are_reported() {
        let h = r#"{"a":{"dtype":"Q4","shape":[4],"data_offsets":[0,4]}}"#;
        assert!(
            scan(&build(h, 4)).findings[0]
                .message
                .contains("unknown dtype")
        );
        let h = r#"{"__metadata__":{"x":1},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#;
        assert_eq!(
            scan(&build(h, 4)).findings[0].rule,
            "safetensors.invalid-header"
        );
        let h = r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#;
        let r = scan(&build(h, 4));
        assert_eq!(r.verdict, Verdict::Malicious);
        assert_eq!(r.findings[0].rule, "safetensors.duplicate-key");
    }

    #[test]
    fn malformed_json_is_a_finding_and_huge_header_is_an_error() {
        let r = scan(&build(r#"{"a":{"dtype":"U8",}"#, 0));
        assert_eq!(r.findings[0].rule, "safetensors.invalid-header");
        // A header length that claims more than the limit, in a file big enough to sniff.
        let mut huge = (MAX_HEADER_LEN + 1).to_le_bytes().to_vec();
        huge.push(b'{');
        let p = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(p.path(), &huge).unwrap();
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(p.path())
            .unwrap();
        f.set_len(MAX_HEADER_LEN + 64).unwrap();
        let r = Scanner::new(ScanOptions::default()).scan(&[p.path().display().to_string()]);
        assert_eq!(r.files[0].verdict, Verdict::Error);
        assert!(r.files[0].error.as_deref().unwrap().contains("limit"));
    }

    /// Issue 18: a header length past the end of the file used to be sniffed as
    /// "unknown, clean"; the real loader refuses it, a scanner must not pass it.
    #[test]
    fn header_length_past_the_end_is_an_error_not_clean() {
        let mut b = 4096u64.to_le_bytes().to_vec();
        b.extend_from_slice(br#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#);
        let r = scan(&b);
        assert_eq!(r.format, "safetensors");
        assert_eq!(r.verdict, Verdict::Error, "{r:?}");
        // Text with `{` at offset 8 is not claimed.
        assert_ne!(scan(br#"{"data":{"x": 1}}"#).format, "safetensors");
    }

    #[test]
    fn layout_violations_are_high() {
        for h in [
            r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#,
            r#"{"a":{"dtype":"U8","shape":[16],"data_offsets":[0,16]}}"#,
        ] {
            assert_eq!(scan(&build(h, 8)).verdict, Verdict::Malicious, "{h}");
        }
        assert_eq!(scan(&build(VALID, 40)).verdict, Verdict::Malicious);
    }

    #[test]
    fn truncated_files_do_not_sniff_and_do_not_panic() {
        let full = build(VALID, 32);
        assert_eq!(scan(&full).format, "safetensors");
        for cut in 0..full.len() {
            // Cut inside the header: findings; cut in the tensor data: the header declares
            // more bytes than the file has. Either way it is not a clean safetensors file.
            let header_end = full.len() - 32;
            if cut > 8 && cut < header_end {
                assert!(
                    !validate_header(&full[8..cut], cut as u64).is_empty(),
                    "cut {cut}: a truncated header raised no finding"
                );
            }
            let r = scan(&full[..cut]);
            assert!(
                r.format != "safetensors" || r.verdict != Verdict::Clean,
                "cut {cut}: {r:?}"
            );
        }
    }
}
