//! Archives and compressed streams: zip, tar, 7z, gzip, bzip2 and xz (and tar inside them).
//!
//! Each member is scanned as its own entry, `outer!/inner/path`, through
//! [`ScanContext::scan_member`], so nesting (a zip in a tar.gz in a zip) is followed up to
//! `Limits::max_depth`. Everything is bounded: members listed (`max_members`), bytes of one
//! member (`max_member_bytes`), total bytes decompressed from one archive
//! ([`TOTAL_BUDGET_FACTOR`] × `max_member_bytes`), and the decompressed/compressed ratio
//! (`max_compression_ratio`). Crossing a bound is a finding (`archive.bomb`,
//! `archive.too-many-members`, `archive.member-not-scanned`), never a hang. Irregular zip
//! structure reported by [`crate::zipread`] becomes findings too: overlapping members are
//! the overlapping-entry zip bomb.
//!
//! Decoders are pure Rust: `flate2` (miniz_oxide), `bzip2` (libbz2-rs-sys), `lzma-rs`. The
//! xz decoder has no pull interface, so an xz stream is decompressed into memory up to the
//! member limit before its tar is walked.

use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::report::Finding;
use crate::scanner::Limits;
use crate::zipread::{Anomaly, ZipArchive, ZipError, is_zip};
use rampart_core::Severity;
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// Total bytes decompressed from one archive, as a multiple of `max_member_bytes`.
pub const TOTAL_BUDGET_FACTOR: u64 = 8;
/// Decompressed bytes below which the ratio check does not apply (tiny inputs compress
/// extremely well without being bombs).
const RATIO_FLOOR: u64 = 1 << 20;
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const BZIP2_MAGIC: &[u8] = b"BZh";
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];
const SEVEN_Z_MAGIC: &[u8] = &[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c];
/// Largest 7z header read (file list and coder settings); real ones are kilobytes.
const MAX_7Z_HEADER: u64 = 64 << 20;

/// A generic zip archive (after the zip-based model formats in the registry).
#[derive(Debug, Default)]
pub struct Zip;

/// A tar archive, plain.
#[derive(Debug, Default)]
pub struct Tar;

/// A gzip, bzip2 or xz stream: a compressed tar is walked as a tar, anything else is
/// scanned as one member.
#[derive(Debug, Default)]
pub struct Compressed;

impl Analyzer for Zip {
    fn format(&self) -> &'static str {
        "zip"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        is_zip(head)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let limits = cx.limits.clone();
        let zip = ZipArchive::open(&mut *input.reader, input.len, &limits)
            .map_err(|e| ScanError::Malformed(format!("zip: {e}")))?;
        let mut findings: Vec<Finding> = zip.anomalies().iter().map(anomaly_finding).collect();
        let mut budget = limits.max_member_bytes.saturating_mul(TOTAL_BUDGET_FACTOR);
        for (i, m) in zip.members().iter().enumerate() {
            if m.is_dir() {
                continue;
            }
            let name = m.name();
            if m.uncompressed_size > limits.max_member_bytes {
                findings.push(not_scanned(&name, m.uncompressed_size, &limits));
                continue;
            }
            if budget == 0 {
                findings.push(budget_exhausted(&limits));
                break;
            }
            match zip.read(&mut *input.reader, i, &limits) {
                Ok(bytes) => {
                    budget = budget.saturating_sub(bytes.len() as u64);
                    cx.scan_member(input.path, &name, &bytes);
                }
                Err(ZipError::Bomb { compressed, ratio, .. }) => findings.push(
                    Finding::new(
                        Severity::High,
                        "archive.bomb",
                        format!(
                            "member decompresses beyond {ratio}× its {compressed} compressed bytes: a decompression bomb"
                        ),
                    )
                    .at(format!("member {name}")),
                ),
                Err(ZipError::TooLarge { limit, .. }) => {
                    findings.push(not_scanned(&name, limit, &limits))
                }
                Err(e) => findings.push(
                    Finding::new(
                        Severity::Medium,
                        "archive.unreadable-member",
                        format!("member cannot be read, so it was not scanned: {e}"),
                    )
                    .at(format!("member {name}")),
                ),
            }
        }
        Ok(findings)
    }
}

fn anomaly_finding(a: &Anomaly) -> Finding {
    let (severity, rule) = match a {
        // Several entries sharing compressed data: the overlapping-entry zip bomb.
        Anomaly::OverlappingMembers { .. } => (Severity::High, "archive.bomb"),
        // Readers disagree on which member is meant: a scanner bypass.
        Anomaly::NameMismatch { .. } | Anomaly::DuplicateName { .. } => {
            (Severity::High, "archive.ambiguous-member")
        }
        Anomaly::SuspiciousName { .. } => (Severity::Medium, "archive.path-traversal"),
        Anomaly::TooManyMembers { .. } => (Severity::Medium, "archive.too-many-members"),
        _ => (Severity::Medium, "archive.irregular-zip"),
    };
    Finding::new(severity, rule, a.to_string())
}

fn not_scanned(name: &str, size: u64, limits: &Limits) -> Finding {
    Finding::new(
        Severity::Medium,
        "archive.member-not-scanned",
        format!(
            "member of {size} bytes exceeds the {}-byte member limit and was not scanned",
            limits.max_member_bytes
        ),
    )
    .at(format!("member {}", printable(name)))
}

fn budget_exhausted(limits: &Limits) -> Finding {
    Finding::new(
        Severity::High,
        "archive.bomb",
        format!(
            "archive decompresses to more than {} bytes in total; the rest was not scanned",
            limits.max_member_bytes.saturating_mul(TOTAL_BUDGET_FACTOR)
        ),
    )
}

/// Whether a 512-byte block is a tar header: `ustar` magic, or a v7 header whose checksum
/// (field at 148, octal) matches the sum of its bytes with the checksum field as spaces.
pub fn is_tar_header(block: &[u8]) -> bool {
    if block.len() < 512 {
        return false;
    }
    if &block[257..262] == b"ustar" {
        return true;
    }
    let field = &block[148..156];
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_digit(8))
        .collect();
    let Ok(declared) = u32::from_str_radix(&digits, 8) else {
        return false;
    };
    let sum: u32 = block[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    declared == sum && block[0] != 0
}

impl Analyzer for Tar {
    fn format(&self) -> &'static str {
        "tar"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        is_tar_header(head)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let path = input.path.to_owned();
        let limits = cx.limits.clone();
        walk_tar(&mut *input.reader, &path, &limits, cx, None)
    }
}

impl Analyzer for Compressed {
    fn format(&self) -> &'static str {
        "compressed"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        head.starts_with(GZIP_MAGIC)
            || (head.starts_with(BZIP2_MAGIC)
                && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)))
            || head.starts_with(XZ_MAGIC)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let limits = cx.limits.clone();
        let path = input.path.to_owned();
        let consumed = Rc::new(Cell::new(0u64));
        let counted = Counting {
            inner: &mut *input.reader,
            count: consumed.clone(),
        };
        let (kind, decoder): (&str, Box<dyn Read + '_>) = if input.head.starts_with(GZIP_MAGIC) {
            ("gzip", Box::new(flate2::read::MultiGzDecoder::new(counted)))
        } else if input.head.starts_with(BZIP2_MAGIC) {
            ("bzip2", Box::new(bzip2::read::MultiBzDecoder::new(counted)))
        } else {
            // lzma-rs decodes xz push-style only: decompress up to the member limit.
            let mut out = Bounded {
                buf: Vec::new(),
                cap: limits.max_member_bytes,
            };
            let mut reader = io::BufReader::new(counted);
            let result = lzma_rs::xz_decompress(&mut reader, &mut out);
            let over = out.buf.len() as u64 >= limits.max_member_bytes;
            if let Err(e) = result
                && !over
            {
                return Err(ScanError::Malformed(format!("xz: {e}")));
            }
            ("xz", Box::new(io::Cursor::new(out.buf)))
        };
        let mut stream = Ratio {
            inner: decoder,
            produced: 0,
            consumed,
            ratio: limits.max_compression_ratio,
            tripped: false,
        };
        // Peek one tar block to decide between a compressed tar and a compressed file.
        let mut first = Vec::with_capacity(512);
        (&mut stream)
            .take(512)
            .read_to_end(&mut first)
            .map_err(|e| ScanError::Malformed(format!("{kind}: {e}")))?;
        let chained = io::Cursor::new(first.clone()).chain(stream);
        if is_tar_header(&first) {
            return walk_tar(chained, &path, &limits, cx, Some(kind));
        }
        // A single compressed file: its content is the one member.
        let mut findings = Vec::new();
        let mut content = Vec::new();
        let mut chained = chained;
        let read = (&mut chained)
            .take(limits.max_member_bytes.saturating_add(1))
            .read_to_end(&mut content);
        let tripped = chained.get_ref().1.tripped;
        match read {
            _ if tripped => findings.push(ratio_finding(kind, &limits)),
            Ok(_) if content.len() as u64 > limits.max_member_bytes => findings.push(not_scanned(
                "(decompressed content)",
                content.len() as u64,
                &limits,
            )),
            Ok(_) => {
                let inner = path
                    .rsplit(['/', '\\'])
                    .next()
                    .and_then(|n| n.rsplit_once('.').map(|(stem, _)| stem.to_owned()))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "content".to_owned());
                cx.scan_member(&path, &inner, &content);
            }
            Err(e) => return Err(ScanError::Malformed(format!("{kind}: {e}"))),
        }
        Ok(findings)
    }
}

/// A 7z archive (LZMA/LZMA2, solid or not).
#[derive(Debug, Default)]
pub struct SevenZ;

impl Analyzer for SevenZ {
    fn format(&self) -> &'static str {
        "7z"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        head.starts_with(SEVEN_Z_MAGIC)
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        // The start header (offset 12) gives the next header's offset and size; refuse a
        // header larger than any real archive's before the reader allocates for it.
        let next_header_size = input
            .head
            .get(20..28)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| ScanError::Malformed("7z: truncated start header".into()))?;
        if next_header_size > MAX_7Z_HEADER.min(input.len) {
            return Err(ScanError::Limit(format!(
                "7z header of {next_header_size} bytes exceeds {}",
                MAX_7Z_HEADER.min(input.len)
            )));
        }
        let limits = cx.limits.clone();
        let path = input.path.to_owned();
        let len = input.len;
        let mut archive =
            sevenz_rust2::SevenZReader::new(&mut *input.reader, sevenz_rust2::Password::empty())
                .map_err(|e| ScanError::Malformed(format!("7z: {e}")))?;
        let mut findings = Vec::new();
        let listed = archive.archive().files.len();
        if listed > limits.max_members {
            findings.push(Finding::new(
                Severity::Medium,
                "archive.too-many-members",
                format!(
                    "{listed} members, more than {}; the rest were not scanned",
                    limits.max_members
                ),
            ));
        }
        let total_cap = limits
            .max_member_bytes
            .saturating_mul(TOTAL_BUDGET_FACTOR)
            .min(
                len.max(1)
                    .saturating_mul(limits.max_compression_ratio)
                    .max(RATIO_FLOOR),
            );
        let mut total = 0u64;
        let mut count = 0usize;
        let mut members: Vec<(String, Vec<u8>)> = Vec::new();
        let mut stop: Option<Finding> = None;
        let result = archive.for_each_entries(|entry, reader| {
            if entry.is_directory() || !entry.has_stream() {
                return Ok(true);
            }
            count += 1;
            if count > limits.max_members {
                return Ok(false);
            }
            let name = entry.name().to_owned();
            if escapes(&name) {
                findings.push(
                    Finding::new(
                        Severity::Medium,
                        "archive.path-traversal",
                        "member path is absolute or climbs with `..`: extracting it writes outside the target directory",
                    )
                    .at(format!("member {}", printable(&name))),
                );
            }
            let mut bytes = Vec::new();
            let cap = limits.max_member_bytes.min(total_cap.saturating_sub(total));
            reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
            total += bytes.len() as u64;
            if bytes.len() as u64 > cap {
                stop = Some(if cap < limits.max_member_bytes {
                    ratio_finding("7z", &limits)
                } else {
                    not_scanned(&name, entry.size(), &limits)
                });
                return Ok(false);
            }
            members.push((name, bytes));
            // Members are scanned after the walk, so at most one member's bytes beyond
            // the ones already kept are held; keep that bounded too.
            Ok(total < total_cap)
        });
        if let Err(e) = result {
            findings.push(Finding::new(
                Severity::Medium,
                "archive.malformed",
                format!("7z stream broken after {} members: {e}", members.len()),
            ));
        }
        findings.extend(stop);
        for (name, bytes) in members {
            cx.scan_member(&path, &name, &bytes);
        }
        Ok(findings)
    }
}

fn ratio_finding(kind: &str, limits: &Limits) -> Finding {
    Finding::new(
        Severity::High,
        "archive.bomb",
        format!(
            "{kind} stream decompresses beyond {}× its compressed size: a decompression bomb",
            limits.max_compression_ratio
        ),
    )
}

/// Walk a tar stream, scanning every regular file as a member.
fn walk_tar<R: Read>(
    reader: R,
    path: &str,
    limits: &Limits,
    cx: &mut ScanContext<'_>,
    compression: Option<&str>,
) -> Result<Vec<Finding>, ScanError> {
    let mut findings = Vec::new();
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| ScanError::Malformed(format!("tar: {e}")))?;
    let mut budget = limits.max_member_bytes.saturating_mul(TOTAL_BUDGET_FACTOR);
    let mut count = 0usize;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let bomb = e.to_string().contains(RATIO_MESSAGE);
                findings.push(if bomb {
                    ratio_finding(compression.unwrap_or("tar"), limits)
                } else {
                    Finding::new(
                        Severity::Medium,
                        "archive.malformed",
                        format!("tar stream broken after {count} members: {e}"),
                    )
                });
                break;
            }
        };
        count += 1;
        if count > limits.max_members {
            findings.push(Finding::new(
                Severity::Medium,
                "archive.too-many-members",
                format!(
                    "more than {} members; the rest were not scanned",
                    limits.max_members
                ),
            ));
            break;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default();
            if escapes(&target) || (kind.is_hard_link() && escapes(&name)) {
                findings.push(
                    Finding::new(
                        Severity::Medium,
                        "archive.path-traversal",
                        format!("link points outside the archive: `{}`", printable(&target)),
                    )
                    .at(format!("member {}", printable(&name))),
                );
            }
            continue;
        }
        if !kind.is_file() && !kind.is_contiguous() && !kind.is_gnu_sparse() {
            continue;
        }
        if escapes(&name) {
            findings.push(
                Finding::new(
                    Severity::Medium,
                    "archive.path-traversal",
                    "member path is absolute or climbs with `..`: extracting it writes outside the target directory",
                )
                .at(format!("member {}", printable(&name))),
            );
        }
        // `tar -C dir .` writes `./a/b`; report `outer!/a/b`.
        let name = name.trim_start_matches("./").to_owned();
        let size = entry.size();
        if size > limits.max_member_bytes {
            findings.push(not_scanned(&name, size, limits));
            continue;
        }
        if budget < size {
            findings.push(budget_exhausted(limits));
            break;
        }
        let mut bytes = Vec::with_capacity(size.min(1 << 26) as usize);
        match (&mut entry).take(size).read_to_end(&mut bytes) {
            Ok(_) => {
                budget -= bytes.len() as u64;
                cx.scan_member(path, &name, &bytes);
            }
            Err(e) if e.to_string().contains(RATIO_MESSAGE) => {
                findings.push(ratio_finding(compression.unwrap_or("tar"), limits));
                break;
            }
            Err(e) => {
                findings.push(
                    Finding::new(
                        Severity::Medium,
                        "archive.malformed",
                        format!("member is truncated: {e}"),
                    )
                    .at(format!("member {}", printable(&name))),
                );
                break;
            }
        }
    }
    Ok(findings)
}

fn escapes(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/') || n.as_bytes().get(1) == Some(&b':') || n.split('/').any(|c| c == "..")
}

fn printable(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(160)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 160 {
        out.push('…');
    }
    out
}

/// Counts the compressed bytes a decoder pulls.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

const RATIO_MESSAGE: &str = "decompression ratio limit exceeded";

/// Fails the stream once the decompressed output exceeds `ratio` × the compressed input.
struct Ratio<R> {
    inner: R,
    produced: u64,
    consumed: Rc<Cell<u64>>,
    ratio: u64,
    tripped: bool,
}

impl<R: Read> Read for Ratio<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tripped {
            return Err(io::Error::other(RATIO_MESSAGE));
        }
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        let allowed = self
            .consumed
            .get()
            .max(1)
            .saturating_mul(self.ratio)
            .max(RATIO_FLOOR);
        if self.produced > allowed {
            self.tripped = true;
            return Err(io::Error::other(RATIO_MESSAGE));
        }
        Ok(n)
    }
}

/// A sink that refuses bytes beyond `cap`.
struct Bounded {
    buf: Vec<u8>,
    cap: u64,
}

impl io::Write for Bounded {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.cap.saturating_sub(self.buf.len() as u64) as usize;
        if room == 0 {
            return Err(io::Error::other("decompressed size limit reached"));
        }
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verdict;
    use crate::zipread::build::{Entry, zip};
    use crate::{FileReport, ScanOptions, Scanner};
    use std::io::Write;

    fn scan_with(bytes: &[u8], limits: Limits) -> Vec<FileReport> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bundle");
        std::fs::write(&p, bytes).unwrap();
        Scanner::new(ScanOptions {
            hash: false,
            limits,
        })
        .scan(&[p.display().to_string()])
        .files
    }

    fn scan(bytes: &[u8]) -> Vec<FileReport> {
        scan_with(bytes, Limits::default())
    }

    fn safetensors_bytes() -> Vec<u8> {
        crate::formats::safetensors::tests::build(
            r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#,
            4,
        )
    }

    fn evil_gguf() -> Vec<u8> {
        crate::formats::gguf::write::file(&[("tokenizer.chat_template", "{{ x.__class__ }}")])
    }

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn zip_members_are_their_own_entries_and_nested_zips_are_followed() {
        let st = safetensors_bytes();
        let g = evil_gguf();
        let inner = zip(&[Entry::new("model.gguf", &g)], true);
        let outer = zip(
            &[
                Entry::new("weights/model.safetensors", &st),
                Entry::new("inner.zip", &inner),
            ],
            true,
        );
        let r = scan(&outer);
        let paths: Vec<_> = r
            .iter()
            .map(|f| f.path.rsplit_once("bundle").unwrap().1.to_owned())
            .collect();
        assert_eq!(
            paths,
            [
                "",
                "!/weights/model.safetensors",
                "!/inner.zip!/model.gguf",
                "!/inner.zip"
            ]
        );
        assert_eq!(r[0].format, "zip");
        assert_eq!(r[1].format, "safetensors");
        assert_eq!(r[2].verdict, Verdict::Malicious);
    }

    #[test]
    fn tar_gz_bz2_and_xz_members_are_scanned() {
        let g = evil_gguf();
        let t = tar_of(&[
            ("dir/model.gguf", &g),
            ("ok.safetensors", &safetensors_bytes()),
        ]);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(&t).unwrap();
        let bz = bz.finish().unwrap();
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut io::Cursor::new(&t), &mut xz).unwrap();
        for (kind, bytes) in [
            ("tar", t.clone()),
            ("compressed", gz(&t)),
            ("compressed", bz),
            ("compressed", xz),
        ] {
            let r = scan(&bytes);
            assert_eq!(r[0].format, kind);
            assert_eq!(r.len(), 3, "{kind}: {r:?}");
            assert!(r[1].path.ends_with("!/dir/model.gguf"));
            assert_eq!(r[1].verdict, Verdict::Malicious);
            assert_eq!(r[2].format, "safetensors");
        }
    }

    #[test]
    fn a_gzipped_single_file_is_scanned_as_its_content() {
        let r = scan(&gz(&evil_gguf()));
        assert_eq!(r.len(), 2);
        assert!(r[1].path.ends_with("bundle!/content"), "{}", r[1].path);
        assert_eq!(r[1].format, "gguf");
        assert_eq!(r[1].verdict, Verdict::Malicious);
    }

    #[test]
    fn gzip_bomb_is_a_finding_not_a_hang() {
        let zeros = vec![0u8; 16 << 20];
        let bomb = gz(&tar_of(&[("zeros.bin", &zeros)]));
        assert!(bomb.len() < 200_000);
        let r = scan(&bomb);
        assert_eq!(r[0].verdict, Verdict::Malicious, "{:?}", r[0]);
        assert_eq!(r[0].findings[0].rule, "archive.bomb");
    }

    #[test]
    fn zip_bomb_member_is_a_finding() {
        let zeros = vec![0u8; 16 << 20];
        let mut e = Entry::new("zeros.bin", &zeros);
        e.deflate = true;
        let r = scan(&zip(&[e], true));
        assert_eq!(r[0].findings[0].rule, "archive.bomb", "{:?}", r[0]);
    }

    #[test]
    fn member_count_and_depth_limits_hold() {
        let files: Vec<(String, Vec<u8>)> =
            (0..20).map(|i| (format!("f{i}"), vec![b'x'])).collect();
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let limits = Limits {
            max_members: 5,
            ..Limits::default()
        };
        let r = scan_with(&tar_of(&refs), limits);
        assert!(
            r[0].findings
                .iter()
                .any(|f| f.rule == "archive.too-many-members")
        );
        assert_eq!(r.len(), 6);

        // zip in zip in zip … deeper than the limit.
        let mut z = evil_gguf();
        for _ in 0..6 {
            z = zip(&[Entry::new("x", &z)], true);
        }
        let r = scan(&z);
        assert!(
            r.iter()
                .any(|f| f.findings.iter().any(|x| x.rule == "archive.depth-limit"))
        );
    }

    #[test]
    fn traversal_names_and_links_are_reported() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "link", "/etc/passwd").unwrap();
        let mut h = tar::Header::new_old();
        h.set_size(1);
        // tar::Builder refuses `..`; write the name into the header directly.
        h.as_old_mut().name[..10].copy_from_slice(b"../../evil");
        h.set_cksum();
        b.append(&h, &b"x"[..]).unwrap();
        let r = scan(&b.into_inner().unwrap());
        let rules: Vec<_> = r[0].findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            ["archive.path-traversal", "archive.path-traversal"],
            "{:?}",
            r[0]
        );
    }

    #[test]
    fn seven_z_members_are_scanned_and_bombs_stopped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/evil.gguf"), evil_gguf()).unwrap();
        std::fs::write(dir.path().join("src/ok.safetensors"), safetensors_bytes()).unwrap();
        let archive = dir.path().join("a.7z");
        sevenz_rust2::compress_to_path(dir.path().join("src"), &archive).unwrap();
        let r = scan(&std::fs::read(&archive).unwrap());
        assert_eq!(r[0].format, "7z");
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(
            r.iter()
                .any(|f| f.path.ends_with("!/evil.gguf") && f.verdict == Verdict::Malicious)
        );
        assert!(
            r.iter()
                .any(|f| f.path.ends_with("!/ok.safetensors") && f.verdict == Verdict::Clean)
        );

        std::fs::remove_dir_all(dir.path().join("src")).unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/zeros"), vec![0u8; 4 << 20]).unwrap();
        sevenz_rust2::compress_to_path(dir.path().join("src"), &archive).unwrap();
        let bomb = std::fs::read(&archive).unwrap();
        assert!(bomb.len() < 100_000);
        let r = scan(&bomb);
        assert_eq!(r[0].findings[0].rule, "archive.bomb", "{:?}", r[0]);
    }

    #[test]
    fn truncated_archives_do_not_panic() {
        // Whatever the cut, a report comes back, and a recognised archive whose malicious
        // member was cut short is never called clean: the member is found, or the damage
        // is reported.
        let t = gz(&tar_of(&[("a", &evil_gguf()), ("b", &safetensors_bytes())]));
        let z = zip(&[Entry::new("a", &evil_gguf())], true);
        for archive in [&t, &z] {
            let mut recognised_cuts = 0;
            for cut in 1..archive.len() {
                let reports = scan(&archive[..cut]);
                assert!(!reports.is_empty(), "cut {cut}: no report");
                // Too short to be recognised at all, it is an unknown file, not an archive.
                let recognised = reports.iter().any(|r| r.format != "unknown");
                recognised_cuts += usize::from(recognised);
                assert!(
                    !recognised || reports.iter().any(|r| r.verdict != Verdict::Clean),
                    "cut {cut} of {}: {reports:?}",
                    archive.len()
                );
            }
            assert!(
                recognised_cuts > archive.len() / 2,
                "only {recognised_cuts} of {} cuts were recognised: the check above was vacuous",
                archive.len()
            );
        }
    }
}
