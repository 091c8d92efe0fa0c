//! PyTorch checkpoints in their three layouts:
//!
//! - zip (`torch.save` since 1.6): every member whose *content* is a pickle is walked —
//!   `archive/data.pkl`, `constants.pkl`, or any oddly named member — whatever the names
//!   say; tensor members are only sniffed (a few hundred bytes), never read. The zip is read
//!   with [`crate::zipread`], which accepts what PyTorch's loader accepts and reports each
//!   irregularity;
//! - legacy stacked pickles (`_use_new_zipfile_serialization=False`): magic-number pickle,
//!   protocol pickle, sys-info pickle, the model pickle and the storage-key pickle, then raw
//!   tensor bytes; every pickle before the tensor bytes is walked;
//! - legacy tar (PyTorch < 0.4): members `sys_info`, `pickle`, `tensors`, `storages`.

use super::{Analyzer, Input, ScanContext};
use crate::error::ScanError;
use crate::pickle::findings::{StreamOptions, looks_like_pickle, scan_pickle_stream};
use crate::pickle::walker;
use crate::report::Finding;
use crate::scanner::Limits;
use crate::zipread::{self, Anomaly, ZipArchive, ZipError};
use rampart_core::Severity;
use std::io::{BufReader, Cursor, Read};

/// The magic number of legacy checkpoints (`torch.serialization.MAGIC_NUMBER`).
pub const LEGACY_MAGIC_NUMBER: i128 = 0x1950a86a20f9469cfc6c;
/// The first pickle of a legacy checkpoint: protocol 2, `LONG1` 0x1950a86a20f9469cfc6c.
pub const LEGACY_MAGIC_PICKLE: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";

/// Bytes of each zip member read to decide whether it is a pickle.
const MEMBER_SNIFF: usize = 512;

/// Findings for the irregularities of a zip container (shared by PyTorch and NPZ),
/// including members whose declared sizes make them zip bombs.
pub fn zip_anomaly_findings(zip: &ZipArchive, limits: &Limits) -> Vec<Finding> {
    zip.anomalies()
        .iter()
        .chain(zip.declared_bombs(limits).iter())
        .take(50)
        .map(|a| {
            let (severity, rule) = match a {
                Anomaly::NameMismatch { .. } => (Severity::Medium, "zip.name-mismatch"),
                Anomaly::DuplicateName { .. } => (Severity::Medium, "zip.duplicate-name"),
                Anomaly::CentralDirectoryMissing { .. } => {
                    (Severity::Medium, "zip.central-directory-missing")
                }
                Anomaly::OverlappingMembers { .. } => (Severity::Medium, "zip.overlapping-members"),
                Anomaly::OddFlags { .. } => (Severity::Medium, "zip.odd-flags"),
                Anomaly::UnsupportedMethod { .. } => (Severity::Medium, "zip.unsupported-method"),
                Anomaly::SuspiciousName { .. } => (Severity::Medium, "zip.suspicious-name"),
                Anomaly::TooManyMembers { .. } => (Severity::Medium, "zip.too-many-members"),
                Anomaly::BadLocalHeader { .. } => (Severity::Medium, "zip.bad-local-header"),
                Anomaly::PrependedData { .. } => (Severity::Medium, "zip.prepended-data"),
                Anomaly::CompressionRatio { .. } => (Severity::High, "zip.bomb"),
                _ => (Severity::Low, "zip.irregular"),
            };
            Finding::new(
                severity,
                rule,
                format!("{a}: strict zip readers reject this while PyTorch loads it"),
            )
        })
        .collect()
}

/// The finding for a member that could not be read.
pub fn zip_error_finding(member: &str, e: &ZipError) -> Finding {
    let (severity, rule) = match e {
        ZipError::Bomb { .. } => (Severity::High, "zip.bomb"),
        ZipError::TooLarge { .. } => (Severity::Medium, "zip.member-too-large"),
        _ => (Severity::Medium, "zip.unreadable-member"),
    };
    Finding::new(
        severity,
        rule,
        format!("{e}; its content could not be checked"),
    )
    .at(member)
}

/// Walk every pickle member of an open zip; returns the findings and how many pickles.
pub fn scan_zip_pickles(
    zip: &ZipArchive,
    reader: &mut dyn super::ReadSeek,
    limits: &Limits,
) -> (Vec<Finding>, usize) {
    let mut findings = Vec::new();
    let mut pickles = 0;
    for (i, m) in zip.members().iter().enumerate() {
        if m.is_dir() {
            continue;
        }
        let name = m.name();
        let named_pickle = name.ends_with(".pkl") || name.ends_with(".pickle");
        let head = match zip.read_head(reader, i, MEMBER_SNIFF) {
            Ok(h) => h,
            Err(e) => {
                if named_pickle {
                    findings.push(zip_error_finding(&name, &e));
                }
                continue;
            }
        };
        let sniffed = head.first() == Some(&0x80) && looks_like_pickle(&head, m.uncompressed_size);
        if !named_pickle && !sniffed {
            continue;
        }
        let bytes = match zip.read(reader, i, limits) {
            Ok(b) => b,
            Err(e) => {
                findings.push(zip_error_finding(&name, &e));
                continue;
            }
        };
        if !m.crc_matches(&bytes) {
            findings.push(
                Finding::new(
                    Severity::Medium,
                    "zip.bad-crc",
                    "the member's CRC-32 does not match its content: strict readers refuse it, PyTorch loads it",
                )
                .at(name.clone()),
            );
        }
        pickles += 1;
        let opts = StreamOptions {
            location: format!("{name}: "),
            ..StreamOptions::default()
        };
        let scanned = scan_pickle_stream(&mut Cursor::new(&bytes), bytes.len() as u64, &opts);
        findings.extend(scanned.findings);
    }
    (findings, pickles)
}

/// `torch.save` zip checkpoints (and TorchScript archives).
#[derive(Debug, Default)]
pub struct PyTorchZip;

/// Names of the local headers visible in `head`.
fn local_names(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .filter_map(move |(i, _)| {
            let n = u16::from_le_bytes([*head.get(i + 26)?, *head.get(i + 27)?]) as usize;
            head.get(i + 30..i + 30 + n)
        })
}

impl Analyzer for PyTorchZip {
    fn format(&self) -> &'static str {
        "pytorch"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        zipread::is_zip(head)
            && local_names(head).any(|n| {
                n.ends_with(b"data.pkl")
                    || n.ends_with(b"constants.pkl")
                    || n.ends_with(b"/byteorder")
                    || n.ends_with(b".data/version")
            })
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let zip = ZipArchive::open(&mut *input.reader, input.len, cx.limits)
            .map_err(|e| ScanError::Malformed(format!("not a readable zip: {e}")))?;
        let mut findings = zip_anomaly_findings(&zip, cx.limits);
        let (pickle_findings, pickles) = scan_zip_pickles(&zip, &mut *input.reader, cx.limits);
        findings.extend(pickle_findings);
        if pickles == 0 {
            findings.push(Finding::new(
                Severity::Medium,
                "pytorch.no-pickle",
                "a PyTorch-style archive without a readable data.pkl: the checkpoint's content could not be checked",
            ));
        }
        if zip
            .members()
            .iter()
            .any(|m| m.raw_name.windows(5).any(|w| w == b"code/"))
        {
            findings.push(Finding::new(
                Severity::Low,
                "pytorch.torchscript",
                "TorchScript archive: torch.jit.load compiles and runs the code it contains",
            ));
        }
        Ok(findings)
    }
}

/// Legacy (pre-1.6 and `_use_new_zipfile_serialization=False`) stacked-pickle checkpoints.
#[derive(Debug, Default)]
pub struct PyTorchLegacy;

impl Analyzer for PyTorchLegacy {
    fn format(&self) -> &'static str {
        "pytorch-legacy"
    }

    /// By what `torch.load` accepts, not by the bytes `torch.save` writes: the first
    /// pickle of the stream unpickles to the magic number, however it is spelled (`LONG1`
    /// as written, `INT`/`LONG` text in any base the unpickler parses, another protocol).
    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        if head.starts_with(LEGACY_MAGIC_PICKLE) {
            return true;
        }
        if !head.first().is_some_and(|&b| walker::is_opcode(b)) {
            return false;
        }
        let w = walker::walk_bytes(head, walker::WalkOptions::default());
        w.complete
            && w.imports.is_empty()
            && w.result == Some(walker::Val::Int(Some(LEGACY_MAGIC_NUMBER)))
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        _cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let mut reader = BufReader::with_capacity(64 * 1024, &mut *input.reader);
        // magic, protocol version, sys info, the model, the storage keys: then tensor bytes.
        let opts = StreamOptions {
            max_pickles: Some(5),
            ..StreamOptions::default()
        };
        let scanned = scan_pickle_stream(&mut reader, input.len, &opts);
        let mut findings = scanned.findings;
        if scanned.pickles < 5 && !findings.iter().any(|f| f.rule == "pickle.malformed") {
            findings.push(Finding::new(
                Severity::Medium,
                "pytorch.truncated",
                format!(
                    "a legacy checkpoint holds five pickles before its tensor bytes; this one has {}",
                    scanned.pickles
                ),
            ));
        }
        Ok(findings)
    }
}

/// Legacy tar checkpoints (PyTorch < 0.4).
#[derive(Debug, Default)]
pub struct PyTorchTar;

const TAR_MEMBERS: [&str; 4] = ["sys_info", "pickle", "tensors", "storages"];

impl Analyzer for PyTorchTar {
    fn format(&self) -> &'static str {
        "pytorch-tar"
    }

    fn sniff(&self, head: &[u8], _len: u64) -> bool {
        head.len() >= 512
            && &head[257..262] == b"ustar"
            && TAR_MEMBERS.iter().any(|m| {
                let name = &head[..100];
                let end = name.iter().position(|&b| b == 0).unwrap_or(100);
                &name[..end] == m.as_bytes()
            })
    }

    fn analyze(
        &self,
        input: &mut Input<'_>,
        cx: &mut ScanContext<'_>,
    ) -> Result<Vec<Finding>, ScanError> {
        let mut archive = tar::Archive::new(&mut *input.reader);
        let entries = archive
            .entries()
            .map_err(|e| ScanError::Malformed(format!("unreadable tar: {e}")))?;
        let mut findings = Vec::new();
        let mut pickles = 0;
        for (count, entry) in entries.enumerate() {
            if count >= cx.limits.max_members {
                findings.push(Finding::new(
                    Severity::Medium,
                    "tar.too-many-members",
                    format!("more than {} members", cx.limits.max_members),
                ));
                break;
            }
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    findings.push(Finding::new(
                        Severity::Medium,
                        "tar.malformed",
                        format!("the archive stops being readable: {e}"),
                    ));
                    break;
                }
            };
            let name = entry
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "?".into());
            let size = entry.size();
            // Only the first pickles of `tensors`/`storages` are pickles; raw data follows.
            let max_pickles = match name.as_str() {
                "sys_info" | "pickle" => None,
                "tensors" | "storages" => Some(1),
                _ => continue,
            };
            if size > cx.limits.max_member_bytes && max_pickles.is_none() {
                findings.push(
                    Finding::new(
                        Severity::Medium,
                        "tar.member-too-large",
                        "member larger than the limit; not checked",
                    )
                    .at(name),
                );
                continue;
            }
            let mut bytes = Vec::new();
            let cap = size.min(cx.limits.max_member_bytes).min(64 << 20);
            if let Err(e) = (&mut entry).take(cap).read_to_end(&mut bytes) {
                findings
                    .push(Finding::new(Severity::Medium, "tar.malformed", format!("{e}")).at(name));
                continue;
            }
            pickles += 1;
            let opts = StreamOptions {
                max_pickles,
                location: format!("{name}: "),
                ..StreamOptions::default()
            };
            let scanned = scan_pickle_stream(&mut Cursor::new(&bytes), bytes.len() as u64, &opts);
            findings.extend(scanned.findings);
        }
        if pickles == 0 {
            findings.push(Finding::new(
                Severity::Medium,
                "pytorch.no-pickle",
                "a legacy tar checkpoint without readable pickles",
            ));
        }
        Ok(findings)
    }
}
