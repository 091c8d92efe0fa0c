//! A tolerant, bounded zip reader that accepts what PyTorch's loader (miniz) accepts.
//!
//! Scanners that use a strict zip library can be bypassed: a file that `torch.load` opens
//! happily but Python's `zipfile` or the `zip` crate refuses is reported as "unreadable"
//! (or worse, "clean") while the loader still runs its pickle. This reader therefore
//! accepts everything a lenient loader accepts and *records* every irregularity as an
//! [`Anomaly`] for the caller to turn into findings:
//!
//! - the central directory is the source of truth for names and sizes (as in miniz); the
//!   data of a member starts after *its local header*, whose own name and extra-field
//!   lengths are used — a local name that differs from the central one is an anomaly, not
//!   an error;
//! - general-purpose flag bits (encryption, data descriptor, anything odd) are recorded and
//!   otherwise ignored; CRCs are not enforced ([`Member::crc_matches`] tells);
//! - names are raw bytes (non-UTF-8, `..`, absolute paths, NULs are kept and shown lossily);
//! - stored (0) and deflated (8) members are read; other methods are listed but unreadable;
//! - ZIP64 end records and extra fields are understood; data prepended before the archive
//!   (offsets shifted) is compensated the way Python's `zipfile` does;
//! - when the end-of-central-directory record is missing or the central directory is broken,
//!   the reader falls back to walking local headers from the start of the file.
//!
//! Everything is bounded by [`Limits`]: at most `max_members` members are listed (more is an
//! anomaly), and [`ZipArchive::read`] stops at `max_member_bytes` ([`ZipError::TooLarge`]) or
//! when the decompressed size exceeds `max_compression_ratio` × the compressed size
//! ([`ZipError::Bomb`]) — the caller reports those as findings; nothing hangs or exhausts
//! memory.
//!
//! ```no_run
//! # use rampart_scan::{zipread::ZipArchive, Limits};
//! # fn demo(file: &mut std::fs::File, len: u64) -> Result<(), rampart_scan::zipread::ZipError> {
//! let limits = Limits::default();
//! let zip = ZipArchive::open(file, len, &limits)?;
//! for anomaly in zip.anomalies() {
//!     eprintln!("irregular zip: {anomaly}");
//! }
//! for (i, member) in zip.members().iter().enumerate() {
//!     let head = zip.read_head(file, i, 64)?; // cheap sniff, never the whole member
//!     if head.starts_with(b"\x80") {
//!         let bytes = zip.read(file, i, &limits)?; // bounded, bomb-checked
//!         let _ = (member.name(), bytes);
//!     }
//! }
//! # Ok(()) }
//! ```

use crate::scanner::Limits;
use flate2::read::DeflateDecoder;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const LOCAL_LEN: u64 = 30;
const CENTRAL_LEN: usize = 46;
const EOCD_LEN: usize = 22;
/// EOCD plus the longest possible comment.
const EOCD_SEARCH: u64 = EOCD_LEN as u64 + 0xFFFF;
/// Decompressed bytes below which the ratio test does not apply (tiny members compress
/// extremely well without being bombs).
const RATIO_FLOOR: u64 = 1 << 20;
/// How far the local-header fallback searches for the end of a member of unknown size.
const SEARCH_CHUNK: usize = 1 << 16;

/// Why the archive or a member could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZipError {
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    #[error("not a zip archive: no central directory and no local file header")]
    NotZip,
    #[error(
        "member `{member}` decompresses beyond {ratio}x its compressed size ({compressed} bytes): zip bomb"
    )]
    Bomb {
        member: String,
        compressed: u64,
        ratio: u64,
    },
    #[error("member `{member}` is larger than the limit of {limit} bytes")]
    TooLarge { member: String, limit: u64 },
    #[error("member `{member}` uses compression method {method}, which is not supported")]
    UnsupportedMethod { member: String, method: u16 },
    #[error("member `{member}` is corrupt: {reason}")]
    Corrupt { member: String, reason: String },
    #[error("no member with index {0}")]
    NoSuchMember(usize),
}

/// An irregularity that a strict reader would reject but a lenient loader accepts. Each is
/// a reason to distrust the file; the caller decides the severity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Anomaly {
    /// No usable end-of-central-directory record or central directory: members were found by
    /// walking local headers.
    CentralDirectoryMissing { reason: String },
    /// The local header names a member differently from the central directory.
    NameMismatch { central: String, local: String },
    /// A member's local header is missing or unreadable at the offset the central directory
    /// gives.
    BadLocalHeader { member: String },
    /// General-purpose flag bits that legitimate writers of model files do not set
    /// (encryption, patched data, strong encryption, reserved bits).
    OddFlags { member: String, flags: u16 },
    /// A compression method other than stored or deflate.
    UnsupportedMethod { member: String, method: u16 },
    /// Several central entries point at the same data (overlapping-member zip bombs).
    OverlappingMembers { member: String, other: String },
    /// Two members with the same name: different readers pick different ones.
    DuplicateName { member: String },
    /// A name that is absolute, climbs with `..`, contains NUL or control bytes, or is not
    /// UTF-8.
    SuspiciousName { member: String },
    /// More members than the limit; the rest were not listed.
    TooManyMembers { limit: usize },
    /// Offsets are shifted by data prepended before the archive.
    PrependedData { bytes: u64 },
    /// The declared entry count of the end record disagrees with the central directory.
    EntryCountMismatch { declared: u64, found: u64 },
    /// The declared sizes of a member exceed the compression-ratio limit (a zip bomb),
    /// whether or not anyone reads it.
    CompressionRatio {
        member: String,
        compressed: u64,
        uncompressed: u64,
    },
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anomaly::CentralDirectoryMissing { reason } => write!(
                f,
                "central directory missing or broken ({reason}); members found from local headers"
            ),
            Anomaly::NameMismatch { central, local } => write!(
                f,
                "local header names member `{local}` but the central directory says `{central}`"
            ),
            Anomaly::BadLocalHeader { member } => {
                write!(f, "member `{member}` has no valid local header")
            }
            Anomaly::OddFlags { member, flags } => {
                write!(f, "member `{member}` has unusual flag bits {flags:#06x}")
            }
            Anomaly::UnsupportedMethod { member, method } => {
                write!(f, "member `{member}` uses compression method {method}")
            }
            Anomaly::OverlappingMembers { member, other } => {
                write!(f, "members `{member}` and `{other}` share the same data")
            }
            Anomaly::DuplicateName { member } => {
                write!(f, "member name `{member}` appears more than once")
            }
            Anomaly::SuspiciousName { member } => write!(f, "member name `{member}` is unsafe"),
            Anomaly::TooManyMembers { limit } => {
                write!(f, "more than {limit} members; the rest were not listed")
            }
            Anomaly::PrependedData { bytes } => {
                write!(f, "{bytes} bytes of data are prepended before the archive")
            }
            Anomaly::EntryCountMismatch { declared, found } => write!(
                f,
                "end record declares {declared} members but the central directory has {found}"
            ),
            Anomaly::CompressionRatio {
                member,
                compressed,
                uncompressed,
            } => write!(
                f,
                "member `{member}` declares {uncompressed} bytes compressed into {compressed}: a zip bomb"
            ),
        }
    }
}

/// One member of the archive.
#[derive(Debug, Clone)]
pub struct Member {
    /// The name as stored (central directory, or local header in the fallback).
    pub raw_name: Vec<u8>,
    /// The name in the local header when it differs from `raw_name`.
    pub local_name: Option<Vec<u8>>,
    pub flags: u16,
    /// 0 stored, 8 deflate; anything else is unreadable.
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// Offset of the local header.
    pub header_offset: u64,
    /// Offset of the (compressed) data, after the local header.
    pub data_offset: u64,
    /// The compressed size is unknown (data descriptor, found by the local-header walk):
    /// deflate data is read until its end marker.
    pub size_unknown: bool,
}

impl Member {
    /// The name for display (lossy UTF-8).
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.raw_name).into_owned()
    }

    /// Whether `data` (the whole member) matches the CRC-32 the archive declares.
    pub fn crc_matches(&self, data: &[u8]) -> bool {
        crc32fast::hash(data) == self.crc32
    }

    /// Whether the member is a directory entry.
    pub fn is_dir(&self) -> bool {
        self.raw_name.ends_with(b"/") && self.uncompressed_size == 0
    }
}

/// A zip archive's member list and anomalies; members are read on demand from the same
/// reader that was given to [`ZipArchive::open`].
#[derive(Debug, Clone)]
pub struct ZipArchive {
    members: Vec<Member>,
    anomalies: Vec<Anomaly>,
    len: u64,
}

/// Whether the first bytes are those of a zip archive (a local header or an empty
/// archive's end record). This is also how `torch.load` decides.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .unwrap_or(0)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0)
}

fn read_at<R: Read + Seek + ?Sized>(r: &mut R, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    r.seek(SeekFrom::Start(offset))?;
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Values of a ZIP64 extended-information extra field (id 1), in the order the spec gives,
/// present only for the fields whose 32-bit value is saturated.
fn apply_zip64(extra: &[u8], usize_: &mut u64, csize: &mut u64, offset: Option<&mut u64>) {
    let mut i = 0;
    while i + 4 <= extra.len() {
        let id = u16_at(extra, i);
        let len = u16_at(extra, i + 2) as usize;
        let body = extra
            .get(i + 4..(i + 4 + len).min(extra.len()))
            .unwrap_or(&[]);
        if id == 1 {
            let mut p = 0;
            if *usize_ == 0xFFFF_FFFF && p + 8 <= body.len() {
                *usize_ = u64_at(body, p);
                p += 8;
            }
            if *csize == 0xFFFF_FFFF && p + 8 <= body.len() {
                *csize = u64_at(body, p);
                p += 8;
            }
            if let Some(off) = offset
                && *off == 0xFFFF_FFFF
                && p + 8 <= body.len()
            {
                *off = u64_at(body, p);
            }
            return;
        }
        i += 4 + len;
    }
}

fn name_is_suspicious(name: &[u8]) -> bool {
    std::str::from_utf8(name).is_err()
        || name.starts_with(b"/")
        || name.starts_with(b"\\")
        || name.get(1) == Some(&b':')
        || name.split(|&b| b == b'/' || b == b'\\').any(|c| c == b"..")
        || name.iter().any(|&b| b < 0x20)
}

/// Odd flags: anything but bit 1-2 (deflate options), bit 3 (data descriptor) and bit 11
/// (UTF-8 names), which ordinary writers set.
const ORDINARY_FLAGS: u16 = 0b0000_1000_0000_1110;

impl ZipArchive {
    /// Read the member list. Fails only when neither a central directory nor any local
    /// header can be found; every other irregularity becomes an [`Anomaly`].
    pub fn open<R: Read + Seek + ?Sized>(
        r: &mut R,
        len: u64,
        limits: &Limits,
    ) -> Result<ZipArchive, ZipError> {
        let mut zip = ZipArchive {
            members: Vec::new(),
            anomalies: Vec::new(),
            len,
        };
        match zip.read_central(r, limits) {
            Ok(()) => {}
            Err(reason) => {
                zip.members.clear();
                zip.anomalies
                    .retain(|a| matches!(a, Anomaly::PrependedData { .. }));
                zip.anomalies
                    .push(Anomaly::CentralDirectoryMissing { reason });
                zip.walk_local_headers(r, limits)?;
                if zip.members.is_empty() {
                    return Err(ZipError::NotZip);
                }
            }
        }
        zip.check_members();
        Ok(zip)
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// Find the end record, then parse the central directory. `Err` carries why the
    /// central directory cannot be used (the caller falls back to local headers).
    fn read_central<R: Read + Seek + ?Sized>(
        &mut self,
        r: &mut R,
        limits: &Limits,
    ) -> Result<(), String> {
        let tail_len = EOCD_SEARCH.min(self.len);
        let tail_start = self.len - tail_len;
        let mut tail = vec![0u8; tail_len as usize];
        let n = read_at(r, tail_start, &mut tail).map_err(|e| e.to_string())?;
        tail.truncate(n);
        let eocd_rel = (0..tail.len().saturating_sub(EOCD_LEN - 1))
            .rev()
            .find(|&i| u32_at(&tail, i) == EOCD_SIG)
            .ok_or("no end-of-central-directory record")?;
        let eocd_pos = tail_start + eocd_rel as u64;
        let e = &tail[eocd_rel..];
        let mut entries = u16_at(e, 10) as u64;
        let mut cd_size = u32_at(e, 12) as u64;
        let mut cd_offset = u32_at(e, 16) as u64;
        let mut cd_end = eocd_pos;

        // ZIP64: the locator sits right before the end record.
        if eocd_pos >= 20 {
            let mut loc = [0u8; 20];
            if read_at(r, eocd_pos - 20, &mut loc).map_err(|e| e.to_string())? == 20
                && u32_at(&loc, 0) == EOCD64_LOCATOR_SIG
            {
                let e64_pos = u64_at(&loc, 8);
                let mut e64 = [0u8; 56];
                if read_at(r, e64_pos, &mut e64).map_err(|e| e.to_string())? == 56
                    && u32_at(&e64, 0) == EOCD64_SIG
                {
                    entries = u64_at(&e64, 32);
                    cd_size = u64_at(&e64, 40);
                    cd_offset = u64_at(&e64, 48);
                    cd_end = e64_pos;
                } else {
                    return Err("ZIP64 locator points to no ZIP64 end record".into());
                }
            }
        }

        // Data prepended before the archive shifts every offset (as Python's zipfile
        // compensates).
        let shift = cd_end
            .checked_sub(cd_size)
            .and_then(|start| start.checked_sub(cd_offset))
            .ok_or("central directory offset or size is out of range")?;
        if shift > 0 {
            self.anomalies.push(Anomaly::PrependedData { bytes: shift });
        }
        let cd_start = cd_offset + shift;
        if cd_size > limits.max_member_bytes || cd_start + cd_size > self.len {
            return Err("central directory is larger than the file or the limit".into());
        }
        let mut cd = vec![0u8; cd_size as usize];
        let n = read_at(r, cd_start, &mut cd).map_err(|e| e.to_string())?;
        if n < cd.len() {
            return Err("central directory is truncated".into());
        }

        let mut at = 0usize;
        let mut found = 0u64;
        while at + CENTRAL_LEN <= cd.len() && u32_at(&cd, at) == CENTRAL_SIG {
            if self.members.len() >= limits.max_members {
                self.anomalies.push(Anomaly::TooManyMembers {
                    limit: limits.max_members,
                });
                break;
            }
            let h = &cd[at..];
            let flags = u16_at(h, 8);
            let method = u16_at(h, 10);
            let crc32 = u32_at(h, 16);
            let mut csize = u32_at(h, 20) as u64;
            let mut usize_ = u32_at(h, 24) as u64;
            let name_len = u16_at(h, 28) as usize;
            let extra_len = u16_at(h, 30) as usize;
            let comment_len = u16_at(h, 32) as usize;
            let mut offset = u32_at(h, 42) as u64;
            let name_end = CENTRAL_LEN + name_len;
            let Some(raw_name) = h.get(CENTRAL_LEN..name_end) else {
                return Err("central directory entry is truncated".into());
            };
            let extra = h.get(name_end..name_end + extra_len).unwrap_or(&[]);
            apply_zip64(extra, &mut usize_, &mut csize, Some(&mut offset));
            self.members.push(Member {
                raw_name: raw_name.to_vec(),
                local_name: None,
                flags,
                method,
                crc32,
                compressed_size: csize,
                uncompressed_size: usize_,
                header_offset: offset + shift,
                data_offset: 0,
                size_unknown: false,
            });
            found += 1;
            at += CENTRAL_LEN + name_len + extra_len + comment_len;
        }
        if found == 0 && entries > 0 {
            return Err("central directory has no valid entry".into());
        }
        if found != entries && self.members.len() < limits.max_members {
            self.anomalies.push(Anomaly::EntryCountMismatch {
                declared: entries,
                found,
            });
        }

        // Locate each member's data through its local header, as miniz does.
        for i in 0..self.members.len() {
            let m = &self.members[i];
            let mut lh = [0u8; LOCAL_LEN as usize];
            let ok = read_at(r, m.header_offset, &mut lh).map_err(|e| e.to_string())? == lh.len()
                && u32_at(&lh, 0) == LOCAL_SIG;
            if !ok {
                self.anomalies
                    .push(Anomaly::BadLocalHeader { member: m.name() });
                // Keep it listed but unreadable.
                self.members[i].data_offset = u64::MAX;
                continue;
            }
            let local_name_len = u16_at(&lh, 26) as usize;
            let local_extra_len = u16_at(&lh, 28) as u64;
            let mut local_name = vec![0u8; local_name_len];
            let n = read_at(r, m.header_offset + LOCAL_LEN, &mut local_name)
                .map_err(|e| e.to_string())?;
            local_name.truncate(n);
            let data_offset = m.header_offset + LOCAL_LEN + local_name_len as u64 + local_extra_len;
            let m = &mut self.members[i];
            m.data_offset = data_offset;
            if local_name != m.raw_name {
                m.local_name = Some(local_name);
            }
        }
        Ok(())
    }

    /// The fallback: walk local headers from the start of the file.
    fn walk_local_headers<R: Read + Seek + ?Sized>(
        &mut self,
        r: &mut R,
        limits: &Limits,
    ) -> Result<(), ZipError> {
        let mut pos = 0u64;
        while pos + LOCAL_LEN <= self.len {
            if self.members.len() >= limits.max_members {
                self.anomalies.push(Anomaly::TooManyMembers {
                    limit: limits.max_members,
                });
                break;
            }
            let mut lh = [0u8; LOCAL_LEN as usize];
            read_at(r, pos, &mut lh)?;
            if u32_at(&lh, 0) != LOCAL_SIG {
                match self.find_signature(r, pos + 1, &[LOCAL_SIG])? {
                    Some((p, _)) => {
                        pos = p;
                        continue;
                    }
                    None => break,
                }
            }
            let flags = u16_at(&lh, 6);
            let method = u16_at(&lh, 8);
            let crc32 = u32_at(&lh, 14);
            let mut csize = u32_at(&lh, 18) as u64;
            let mut usize_ = u32_at(&lh, 22) as u64;
            let name_len = u16_at(&lh, 26) as usize;
            let extra_len = u16_at(&lh, 28) as usize;
            let mut name_extra = vec![0u8; name_len + extra_len];
            read_at(r, pos + LOCAL_LEN, &mut name_extra)?;
            let raw_name = name_extra[..name_len].to_vec();
            apply_zip64(&name_extra[name_len..], &mut usize_, &mut csize, None);
            let data_offset = pos + LOCAL_LEN + (name_len + extra_len) as u64;
            let size_unknown = flags & 0x08 != 0 && csize == 0;
            let mut member = Member {
                raw_name,
                local_name: None,
                flags,
                method,
                crc32,
                compressed_size: csize,
                uncompressed_size: usize_,
                header_offset: pos,
                data_offset,
                size_unknown,
            };
            let next = if size_unknown {
                // Find where the data ends: the next header or descriptor signature.
                match self.find_signature(
                    r,
                    data_offset,
                    &[DESCRIPTOR_SIG, LOCAL_SIG, CENTRAL_SIG, EOCD_SIG],
                )? {
                    Some((p, sig)) => {
                        member.compressed_size = p - data_offset;
                        if sig == DESCRIPTOR_SIG {
                            let mut d = [0u8; 16];
                            read_at(r, p, &mut d)?;
                            member.crc32 = u32_at(&d, 4);
                            member.uncompressed_size = u32_at(&d, 12) as u64;
                            p + 16
                        } else {
                            p
                        }
                    }
                    None => {
                        member.compressed_size = self.len - data_offset;
                        self.len
                    }
                }
            } else {
                let mut end = data_offset.saturating_add(csize);
                if flags & 0x08 != 0 {
                    // Skip an optional data descriptor (with or without signature).
                    let mut d = [0u8; 4];
                    read_at(r, end, &mut d)?;
                    end += if u32_at(&d, 0) == DESCRIPTOR_SIG {
                        16
                    } else {
                        12
                    };
                }
                end
            };
            member.compressed_size = member
                .compressed_size
                .min(self.len.saturating_sub(data_offset));
            self.members.push(member);
            if next <= pos {
                break;
            }
            pos = next;
        }
        Ok(())
    }

    /// The first offset at or after `from` holding one of `sigs`, bounded by the file.
    fn find_signature<R: Read + Seek + ?Sized>(
        &self,
        r: &mut R,
        from: u64,
        sigs: &[u32],
    ) -> Result<Option<(u64, u32)>, ZipError> {
        let mut pos = from;
        let mut buf = vec![0u8; SEARCH_CHUNK + 3];
        while pos < self.len {
            let n = read_at(r, pos, &mut buf)?;
            if n < 4 {
                return Ok(None);
            }
            for i in 0..=n - 4 {
                let v = u32_at(&buf, i);
                if sigs.contains(&v) {
                    return Ok(Some((pos + i as u64, v)));
                }
            }
            pos += (n - 3) as u64;
        }
        Ok(None)
    }

    /// Members whose *declared* sizes exceed the compression-ratio limit (zip bombs),
    /// found without decompressing anything. Not part of [`ZipArchive::anomalies`], so
    /// that callers which read members anyway report each bomb once.
    pub fn declared_bombs(&self, limits: &Limits) -> Vec<Anomaly> {
        self.members
            .iter()
            .filter(|m| {
                m.uncompressed_size > RATIO_FLOOR
                    && m.uncompressed_size / m.compressed_size.max(1) > limits.max_compression_ratio
            })
            .map(|m| Anomaly::CompressionRatio {
                member: m.name(),
                compressed: m.compressed_size,
                uncompressed: m.uncompressed_size,
            })
            .collect()
    }

    fn check_members(&mut self) {
        let mut by_offset: std::collections::HashMap<u64, usize> = Default::default();
        let mut names: std::collections::HashSet<&[u8]> = Default::default();
        let mut found = Vec::new();
        for (i, m) in self.members.iter().enumerate() {
            if let Some(local) = &m.local_name {
                found.push(Anomaly::NameMismatch {
                    central: m.name(),
                    local: String::from_utf8_lossy(local).into_owned(),
                });
            }
            if m.flags & !ORDINARY_FLAGS != 0 {
                found.push(Anomaly::OddFlags {
                    member: m.name(),
                    flags: m.flags,
                });
            }
            if m.method != 0 && m.method != 8 {
                found.push(Anomaly::UnsupportedMethod {
                    member: m.name(),
                    method: m.method,
                });
            }
            if name_is_suspicious(&m.raw_name) {
                found.push(Anomaly::SuspiciousName { member: m.name() });
            }
            if !names.insert(&m.raw_name) {
                found.push(Anomaly::DuplicateName { member: m.name() });
            }
            if m.data_offset != u64::MAX
                && let Some(&j) = by_offset.get(&m.header_offset)
            {
                found.push(Anomaly::OverlappingMembers {
                    member: m.name(),
                    other: self.members[j].name(),
                });
            } else {
                by_offset.insert(m.header_offset, i);
            }
        }
        self.anomalies.extend(found);
    }

    fn member(&self, index: usize) -> Result<&Member, ZipError> {
        let m = self
            .members
            .get(index)
            .ok_or(ZipError::NoSuchMember(index))?;
        if m.data_offset == u64::MAX || m.data_offset > self.len {
            return Err(ZipError::Corrupt {
                member: m.name(),
                reason: "no valid local header".into(),
            });
        }
        if m.method != 0 && m.method != 8 {
            return Err(ZipError::UnsupportedMethod {
                member: m.name(),
                method: m.method,
            });
        }
        Ok(m)
    }

    /// A reader over the decompressed content of a member, reading at most the compressed
    /// bytes the archive declares (clamped to the file).
    fn open_member<'a, R: Read + Seek + ?Sized>(
        &self,
        r: &'a mut R,
        m: &Member,
    ) -> Result<Box<dyn Read + 'a>, ZipError> {
        r.seek(SeekFrom::Start(m.data_offset))?;
        let available = self.len.saturating_sub(m.data_offset);
        let raw = r.take(if m.size_unknown && m.method == 8 {
            available
        } else {
            m.compressed_size.min(available)
        });
        Ok(if m.method == 8 {
            Box::new(DeflateDecoder::new(raw))
        } else {
            Box::new(raw)
        })
    }

    /// Up to `n` bytes from the start of a member, for sniffing. Cheap whatever the
    /// member's size.
    pub fn read_head<R: Read + Seek + ?Sized>(
        &self,
        r: &mut R,
        index: usize,
        n: usize,
    ) -> Result<Vec<u8>, ZipError> {
        let m = self.member(index)?;
        let name = m.name();
        let mut out = Vec::with_capacity(n.min(1 << 20));
        self.open_member(r, m)?
            .take(n as u64)
            .read_to_end(&mut out)
            .map_err(|e| ZipError::Corrupt {
                member: name,
                reason: e.to_string(),
            })?;
        Ok(out)
    }

    /// The whole decompressed member, bounded by `limits.max_member_bytes` and
    /// `limits.max_compression_ratio`. CRCs are not enforced (PyTorch does not either); use
    /// [`Member::crc_matches`] to tell.
    pub fn read<R: Read + Seek + ?Sized>(
        &self,
        r: &mut R,
        index: usize,
        limits: &Limits,
    ) -> Result<Vec<u8>, ZipError> {
        let m = self.member(index)?;
        let name = m.name();
        let compressed = m.compressed_size.max(1);
        let ratio_cap = if m.method == 8 {
            compressed
                .saturating_mul(limits.max_compression_ratio)
                .max(RATIO_FLOOR)
        } else {
            u64::MAX
        };
        let cap = limits.max_member_bytes.min(ratio_cap);
        let mut out = Vec::with_capacity(m.uncompressed_size.min(cap).min(1 << 26) as usize);
        let mut reader = self.open_member(r, m)?.take(cap.saturating_add(1));
        reader
            .read_to_end(&mut out)
            .map_err(|e| ZipError::Corrupt {
                member: name.clone(),
                reason: e.to_string(),
            })?;
        if out.len() as u64 > cap {
            return Err(if cap == ratio_cap && ratio_cap < limits.max_member_bytes {
                ZipError::Bomb {
                    member: name,
                    compressed,
                    ratio: limits.max_compression_ratio,
                }
            } else {
                ZipError::TooLarge {
                    member: name,
                    limit: limits.max_member_bytes,
                }
            });
        }
        Ok(out)
    }
}

/// Builds zip archives byte by byte, including malformed ones, for tests and fuzz seeds.
#[doc(hidden)]
pub mod build {
    use std::io::Write;

    /// One member to write.
    #[derive(Debug, Clone)]
    pub struct Entry<'a> {
        pub name: &'a [u8],
        /// The name written in the local header (defaults to `name`).
        pub local_name: Option<&'a [u8]>,
        pub data: &'a [u8],
        pub deflate: bool,
        pub flags: u16,
        /// Override the CRC written (to make it wrong).
        pub crc: Option<u32>,
    }

    impl<'a> Entry<'a> {
        pub fn new(name: &'a str, data: &'a [u8]) -> Self {
            Entry {
                name: name.as_bytes(),
                local_name: None,
                data,
                deflate: false,
                flags: 0,
                crc: None,
            }
        }
    }

    /// A zip archive with the given entries; `central` false leaves out the central
    /// directory and end record.
    pub fn zip(entries: &[Entry<'_>], central: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for e in entries {
            let payload = if e.deflate {
                let mut enc =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                let _ = enc.write_all(e.data);
                enc.finish().unwrap_or_default()
            } else {
                e.data.to_vec()
            };
            let crc = e.crc.unwrap_or_else(|| crc32fast::hash(e.data));
            let method: u16 = if e.deflate { 8 } else { 0 };
            let offset = out.len() as u32;
            let local_name = e.local_name.unwrap_or(e.name);
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&e.flags.to_le_bytes());
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(local_name);
            out.extend_from_slice(&payload);

            cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            cd.extend_from_slice(&20u16.to_le_bytes());
            cd.extend_from_slice(&20u16.to_le_bytes());
            cd.extend_from_slice(&e.flags.to_le_bytes());
            cd.extend_from_slice(&method.to_le_bytes());
            cd.extend_from_slice(&[0; 4]);
            cd.extend_from_slice(&crc.to_le_bytes());
            cd.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&offset.to_le_bytes());
            cd.extend_from_slice(e.name);
        }
        if central {
            let cd_offset = out.len() as u32;
            out.extend_from_slice(&cd);
            out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
            out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
            out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
            out.extend_from_slice(&cd_offset.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::build::{Entry, zip};
    use super::*;
    use std::io::Cursor;

    fn open(bytes: &[u8]) -> ZipArchive {
        ZipArchive::open(
            &mut Cursor::new(bytes),
            bytes.len() as u64,
            &Limits::default(),
        )
        .unwrap()
    }

    #[test]
    fn reads_stored_and_deflated_members() {
        let mut d = Entry::new("b.txt", b"hello hello hello hello");
        d.deflate = true;
        let bytes = zip(&[Entry::new("a/data.pkl", b"\x80\x02N."), d], true);
        let z = open(&bytes);
        assert!(z.anomalies().is_empty(), "{:?}", z.anomalies());
        assert_eq!(z.members().len(), 2);
        let mut c = Cursor::new(&bytes);
        assert_eq!(
            z.read(&mut c, 0, &Limits::default()).unwrap(),
            b"\x80\x02N."
        );
        assert_eq!(
            z.read(&mut c, 1, &Limits::default()).unwrap(),
            b"hello hello hello hello"
        );
        assert_eq!(z.read_head(&mut c, 1, 5).unwrap(), b"hello");
    }

    #[test]
    fn local_central_name_mismatch_is_an_anomaly_not_an_error() {
        let mut e = Entry::new("archive/data.pkl", b"\x80\x02N.");
        e.local_name = Some(b"archive/other.bin");
        let bytes = zip(&[e], true);
        let z = open(&bytes);
        assert!(
            z.anomalies()
                .iter()
                .any(|a| matches!(a, Anomaly::NameMismatch { .. }))
        );
        // The data is still found through the local header's own name length.
        let mut c = Cursor::new(&bytes);
        assert_eq!(
            z.read(&mut c, 0, &Limits::default()).unwrap(),
            b"\x80\x02N."
        );
    }

    #[test]
    fn bad_crc_and_encryption_flag_are_tolerated() {
        let mut e = Entry::new("x.pkl", b"\x80\x02N.");
        e.crc = Some(0xDEAD_BEEF);
        e.flags = 0x0001;
        let bytes = zip(&[e], true);
        let z = open(&bytes);
        let mut c = Cursor::new(&bytes);
        let data = z.read(&mut c, 0, &Limits::default()).unwrap();
        assert!(!z.members()[0].crc_matches(&data));
        assert!(
            z.anomalies()
                .iter()
                .any(|a| matches!(a, Anomaly::OddFlags { flags: 1, .. }))
        );
    }

    #[test]
    fn missing_central_directory_falls_back_to_local_headers() {
        let mut d = Entry::new("second", b"abcabcabcabcabc");
        d.deflate = true;
        let bytes = zip(&[Entry::new("first", b"12345"), d], false);
        let z = open(&bytes);
        assert!(matches!(
            z.anomalies()[0],
            Anomaly::CentralDirectoryMissing { .. }
        ));
        assert_eq!(z.members().len(), 2);
        let mut c = Cursor::new(&bytes);
        assert_eq!(
            z.read(&mut c, 1, &Limits::default()).unwrap(),
            b"abcabcabcabcabc"
        );
    }

    #[test]
    fn truncated_central_directory_falls_back() {
        let mut bytes = zip(&[Entry::new("first", b"12345")], true);
        // Corrupt the central directory offset so that it points past the file.
        let n = bytes.len();
        bytes[n - 6..n - 2].copy_from_slice(&0xFFFF_0000u32.to_le_bytes());
        let z = open(&bytes);
        assert_eq!(z.members().len(), 1);
        assert_eq!(z.members()[0].name(), "first");
    }

    #[test]
    fn zip_bomb_is_an_error_not_an_allocation() {
        let zeros = vec![0u8; 8 << 20];
        let mut e = Entry::new("bomb", &zeros);
        e.deflate = true;
        let bytes = zip(&[e], true);
        let z = open(&bytes);
        let err = z
            .read(&mut Cursor::new(&bytes), 0, &Limits::default())
            .unwrap_err();
        assert!(matches!(err, ZipError::Bomb { .. }), "{err}");
        let limits = Limits {
            max_member_bytes: 1000,
            ..Limits::default()
        };
        let stored = zip(&[Entry::new("big", &zeros[..5000])], true);
        let z = open(&stored);
        assert!(matches!(
            z.read(&mut Cursor::new(&stored), 0, &limits),
            Err(ZipError::TooLarge { .. })
        ));
    }

    #[test]
    fn member_count_is_bounded() {
        let entries: Vec<_> = (0..20).map(|_| Entry::new("m", b"x")).collect();
        let bytes = zip(&entries, true);
        let limits = Limits {
            max_members: 5,
            ..Limits::default()
        };
        let z = ZipArchive::open(&mut Cursor::new(&bytes), bytes.len() as u64, &limits).unwrap();
        assert_eq!(z.members().len(), 5);
        assert!(
            z.anomalies()
                .iter()
                .any(|a| matches!(a, Anomaly::TooManyMembers { limit: 5 }))
        );
    }

    #[test]
    fn prepended_data_is_compensated() {
        let mut bytes = b"#!/bin/sh\nexit 0\n".to_vec();
        bytes.extend(zip(&[Entry::new("a", b"payload")], true));
        let z = open(&bytes);
        assert!(
            z.anomalies()
                .iter()
                .any(|a| matches!(a, Anomaly::PrependedData { bytes: 17 }))
        );
        assert_eq!(
            z.read(&mut Cursor::new(&bytes), 0, &Limits::default())
                .unwrap(),
            b"payload"
        );
    }

    #[test]
    fn zip64_extra_fields_are_used() {
        // A central entry whose sizes and offset are saturated and given in a ZIP64 extra.
        let data = b"zip64 data";
        let mut out = Vec::new();
        out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        out.extend_from_slice(&[45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(b"z");
        out.extend_from_slice(data);
        let cd_start = out.len();
        out.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
        out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&28u16.to_le_bytes());
        out.extend_from_slice(&[0; 10]);
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        out.extend_from_slice(b"z");
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&24u16.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes());
        let cd_len = out.len() - cd_start;
        let e64 = out.len();
        out.extend_from_slice(&EOCD64_SIG.to_le_bytes());
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&1u64.to_le_bytes());
        out.extend_from_slice(&1u64.to_le_bytes());
        out.extend_from_slice(&(cd_len as u64).to_le_bytes());
        out.extend_from_slice(&(cd_start as u64).to_le_bytes());
        out.extend_from_slice(&EOCD64_LOCATOR_SIG.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(e64 as u64).to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&0xFFFFu16.to_le_bytes());
        out.extend_from_slice(&0xFFFFu16.to_le_bytes());
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        let z = open(&out);
        assert!(z.anomalies().is_empty(), "{:?}", z.anomalies());
        assert_eq!(z.members()[0].uncompressed_size, data.len() as u64);
        assert_eq!(
            z.read(&mut Cursor::new(&out), 0, &Limits::default())
                .unwrap(),
            data
        );
    }

    #[test]
    fn overlapping_members_and_bad_names_are_anomalies() {
        let mut bytes = zip(
            &[Entry::new("../evil", b"x"), Entry::new("../evil", b"x")],
            true,
        );
        // Point the second central entry's local offset at the first member.
        let cd_off = u32_at(&bytes, bytes.len() - 6) as usize;
        let second = cd_off + CENTRAL_LEN + 7;
        bytes[second + 42..second + 46].copy_from_slice(&0u32.to_le_bytes());
        let z = open(&bytes);
        let a = z.anomalies();
        assert!(
            a.iter()
                .any(|a| matches!(a, Anomaly::OverlappingMembers { .. }))
        );
        assert!(
            a.iter()
                .any(|a| matches!(a, Anomaly::SuspiciousName { .. }))
        );
        assert!(a.iter().any(|a| matches!(a, Anomaly::DuplicateName { .. })));
    }

    #[test]
    fn garbage_is_not_a_zip_and_does_not_panic() {
        for bytes in [&b""[..], b"PK\x03\x04", b"PK\x05\x06\0\0", &[0xFF; 100]] {
            let opened = ZipArchive::open(
                &mut Cursor::new(bytes),
                bytes.len() as u64,
                &Limits::default(),
            );
            assert!(opened.is_err(), "{bytes:?} opened as a zip");
        }
    }
}
