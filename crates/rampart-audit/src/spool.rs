//! The durable spool: a local append-only file where audit records wait when the store
//! cannot take them (the writer's buffer is full, or the store fails), until the
//! [`crate::AuditWriter`] replays them into the store, oldest first.
//!
//! The spool is generic over what it holds (`Spool<T>`, any serde type; `AuditRecord` by
//! default, so the audit writer names it `Spool`): `rampart-events` keeps each sink's
//! undelivered events in one the same way.
//!
//! Format: one record per line, `CHECKSUM JSON\n`, where `JSON` is the record's serde JSON
//! (for an `AuditRecord`, its canonical JSON; no raw newlines: serde escapes them) and `CHECKSUM` the first 8 bytes of its
//! SHA-256 in hex. A line whose checksum does not match, or that is longer than
//! [`MAX_LINE`], is skipped and counted as corrupt. A line cut short by a crash (no final
//! newline) is removed when the spool is opened.
//!
//! Progress is kept in a sidecar file `PATH.offset` (the byte offset of the first record
//! not yet in the store, replaced atomically by rename). A crash between a store commit
//! and that update replays the last batch again: delivery is at least once, and the
//! duplicate carries the same `request_id`. Once every record is replayed the file is
//! truncated to zero, so its size is the backlog. Appends are written at once and made
//! durable by [`Spool::sync`], which the writer calls once per batch (group commit).
//!
//! The file is bounded by `max_bytes`: past it, records are refused
//! ([`SpoolError::Full`]); the writer counts them as lost and logs it. One process per
//! spool file.

use crate::record::AuditRecord;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The longest line accepted back from the file; longer ones are corrupt.
pub const MAX_LINE: usize = 1024 * 1024;
/// Hex digits of the checksum.
const CHECKSUM_HEX: usize = 16;

/// Why the spool could not take or give back records.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    #[error("spool {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Appending would pass `max_bytes`.
    #[error("spool {path} is full ({max_bytes} bytes)")]
    Full { path: PathBuf, max_bytes: u64 },
}

/// Records read back from the spool, and where the next read starts once they are stored.
#[derive(Debug)]
pub struct SpoolBatch<T = AuditRecord> {
    pub records: Vec<T>,
    /// Lines skipped because their checksum or JSON was wrong.
    pub corrupt: u64,
    end: u64,
    lines: u64,
}

impl<T> Default for SpoolBatch<T> {
    fn default() -> Self {
        SpoolBatch {
            records: Vec::new(),
            corrupt: 0,
            end: 0,
            lines: 0,
        }
    }
}

#[derive(Debug)]
struct State {
    /// Opened for appending: writes always land at the end, even after a truncation.
    file: File,
    /// Bytes in the file.
    len: u64,
    /// Offset of the first line not yet in the store.
    read_offset: u64,
    /// Lines after `read_offset`.
    backlog: u64,
}

/// A spool file of `T`s (audit records unless named). Cheap to share behind an `Arc`;
/// every method takes `&self`.
#[derive(Debug)]
pub struct Spool<T = AuditRecord> {
    path: PathBuf,
    offset_path: PathBuf,
    max_bytes: u64,
    state: Mutex<State>,
    /// Appended since the last `sync`.
    dirty: AtomicBool,
    /// Mirror of `State::backlog`, read without the lock.
    backlog: AtomicU64,
    records: PhantomData<fn() -> T>,
}

fn checksum(json: &[u8]) -> String {
    hex_prefix(&Sha256::digest(json))
}

fn hex_prefix(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(CHECKSUM_HEX);
    for byte in digest.iter().take(CHECKSUM_HEX / 2) {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

impl<T: Serialize + DeserializeOwned> Spool<T> {
    /// Opens (creating) the spool at `path`, repairs a torn last line, and counts the
    /// records still waiting for the store.
    pub fn open(path: impl Into<PathBuf>, max_bytes: u64) -> Result<Spool<T>, SpoolError> {
        let path = path.into();
        let mut offset_path = path.clone().into_os_string();
        offset_path.push(".offset");
        let offset_path = PathBuf::from(offset_path);
        let io = |source| SpoolError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        // Where complete lines end, and how many there are after the read offset.
        let saved = read_offset(&offset_path);
        let (complete, lines_after) = scan(&path, saved).map_err(io)?;
        if complete < len {
            tracing::warn!(
                spool = %path.display(),
                bytes = len - complete,
                "spool ends with a partial line (interrupted write); removing it"
            );
            file.set_len(complete).map_err(io)?;
        }
        let read_offset = saved.min(complete);
        let spool = Spool {
            path: path.clone(),
            offset_path,
            max_bytes,
            state: Mutex::new(State {
                file,
                len: complete,
                read_offset,
                backlog: lines_after,
            }),
            dirty: AtomicBool::new(false),
            backlog: AtomicU64::new(lines_after),
            records: PhantomData,
        };
        if lines_after > 0 {
            tracing::info!(
                spool = %path.display(),
                records = lines_after,
                "spool holds records from an earlier run; replaying them"
            );
        }
        Ok(spool)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records waiting for the store.
    pub fn backlog(&self) -> u64 {
        self.backlog.load(Ordering::Relaxed)
    }

    /// Bytes in the spool file (the backlog and not yet truncated replayed lines).
    pub fn len(&self) -> u64 {
        self.lock().len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn io(&self, source: std::io::Error) -> SpoolError {
        SpoolError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends `records` in order, all or none. Not durable until [`Spool::sync`].
    pub fn append(&self, records: &[T]) -> Result<(), SpoolError> {
        let mut buf = Vec::with_capacity(records.len() * 512);
        for record in records {
            // For an `AuditRecord` this is its canonical JSON (serde_json of the struct).
            let json = serde_json::to_vec(record).unwrap_or_default();
            buf.extend_from_slice(checksum(&json).as_bytes());
            buf.push(b' ');
            buf.extend_from_slice(&json);
            buf.push(b'\n');
        }
        let mut state = self.lock();
        if state.len.saturating_add(buf.len() as u64) > self.max_bytes {
            return Err(SpoolError::Full {
                path: self.path.clone(),
                max_bytes: self.max_bytes,
            });
        }
        if let Err(err) = state.file.write_all(&buf) {
            // A partial write leaves a torn line; cut the file back to its last good end.
            let len = state.len;
            let _ = state.file.set_len(len);
            return Err(self.io(err));
        }
        state.len += buf.len() as u64;
        state.backlog += records.len() as u64;
        self.backlog.store(state.backlog, Ordering::Relaxed);
        self.dirty.store(true, Ordering::Release);
        Ok(())
    }

    /// Makes every append so far durable (one `fdatasync` for all of them).
    pub fn sync(&self) -> Result<(), SpoolError> {
        if self.dirty.swap(false, Ordering::AcqRel) {
            let file = self.lock().file.try_clone().map_err(|e| self.io(e))?;
            if let Err(err) = file.sync_data() {
                self.dirty.store(true, Ordering::Release);
                return Err(self.io(err));
            }
        }
        Ok(())
    }

    /// Reads up to `max` records from the oldest not yet stored, skipping corrupt lines.
    pub fn read_batch(&self, max: usize) -> Result<SpoolBatch<T>, SpoolError> {
        let (start, len) = {
            let state = self.lock();
            (state.read_offset, state.len)
        };
        let mut batch = SpoolBatch {
            end: start,
            ..SpoolBatch::default()
        };
        if start >= len {
            return Ok(batch);
        }
        let mut file = File::open(&self.path).map_err(|e| self.io(e))?;
        file.seek(SeekFrom::Start(start)).map_err(|e| self.io(e))?;
        // Only what was complete when the batch started; appends after it wait.
        let mut reader = BufReader::new(file.take(len - start));
        let mut line = Vec::new();
        while batch.records.len() < max {
            line.clear();
            let n = read_line(&mut reader, &mut line).map_err(|e| self.io(e))?;
            if n == 0 {
                break;
            }
            batch.end += n as u64;
            batch.lines += 1;
            match parse_line(&line) {
                Some(record) => batch.records.push(record),
                None => batch.corrupt += 1,
            }
        }
        Ok(batch)
    }

    /// Marks `batch` as stored: moves the read offset past it (durably), and empties the
    /// file once nothing is left.
    pub fn commit(&self, batch: &SpoolBatch<T>) -> Result<(), SpoolError> {
        let mut state = self.lock();
        state.read_offset = batch.end.max(state.read_offset);
        state.backlog = state.backlog.saturating_sub(batch.lines);
        if state.read_offset >= state.len {
            // Everything is in the store: start over from an empty file. The offset is
            // written first, so a crash in between leaves offset 0 over a full file
            // (replayed again: at least once), never an offset past new records.
            write_offset(&self.offset_path, 0).map_err(|e| self.io(e))?;
            state.file.set_len(0).map_err(|e| self.io(e))?;
            state.len = 0;
            state.read_offset = 0;
            state.backlog = 0;
        } else {
            write_offset(&self.offset_path, state.read_offset).map_err(|e| self.io(e))?;
        }
        self.backlog.store(state.backlog, Ordering::Relaxed);
        Ok(())
    }
}

/// Reads one line (with its newline) into `line`; lines past [`MAX_LINE`] are consumed
/// but kept short (they are corrupt anyway). Returns the bytes consumed; a last line
/// without a newline is not returned (it is being written or torn).
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut consumed = 0;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(0);
        }
        let (take, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if line.len() < MAX_LINE + 1 {
            let room = (MAX_LINE + 1 - line.len()).min(take);
            line.extend_from_slice(&available[..room]);
        }
        reader.consume(take);
        consumed += take;
        if done {
            return Ok(consumed);
        }
    }
}

fn parse_line<T: DeserializeOwned>(line: &[u8]) -> Option<T> {
    let line = line.strip_suffix(b"\n")?;
    if line.len() > MAX_LINE || line.len() < CHECKSUM_HEX + 1 || line[CHECKSUM_HEX] != b' ' {
        return None;
    }
    let (sum, json) = (&line[..CHECKSUM_HEX], &line[CHECKSUM_HEX + 1..]);
    if sum != checksum(json).as_bytes() {
        return None;
    }
    serde_json::from_slice(json).ok()
}

/// The saved read offset (0 when missing or unreadable: replaying again is safe).
fn read_offset(path: &Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn write_offset(path: &Path, offset: u64) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = File::create(&tmp)?;
    writeln!(file, "{offset}")?;
    file.sync_data()?;
    std::fs::rename(&tmp, path)
}

/// The end of the last complete line, and the number of complete lines after `from`.
fn scan(path: &Path, from: u64) -> std::io::Result<(u64, u64)> {
    let mut reader = BufReader::with_capacity(64 * 1024, File::open(path)?);
    let (mut pos, mut complete, mut lines) = (0u64, 0u64, 0u64);
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok((complete, lines));
        }
        for (i, &b) in buf.iter().enumerate() {
            if b == b'\n' {
                let end = pos + i as u64 + 1;
                if end > from {
                    lines += 1;
                }
                complete = end;
            }
        }
        let n = buf.len();
        pos += n as u64;
        reader.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: i64) -> AuditRecord {
        AuditRecord::new(1_000 + i, format!("req-{i}"), "chat")
    }

    #[test]
    fn records_come_back_in_order_and_the_file_empties_once_stored() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path().join("a.spool"), 1 << 20).unwrap();
        spool.append(&[record(1), record(2)]).unwrap();
        spool.append(&[record(3)]).unwrap();
        spool.sync().unwrap();
        assert_eq!(spool.backlog(), 3);
        let first = spool.read_batch(2).unwrap();
        let ids: Vec<_> = first.records.iter().map(|r| r.request_id.clone()).collect();
        assert_eq!(ids, ["req-1", "req-2"]);
        spool.commit(&first).unwrap();
        assert_eq!(spool.backlog(), 1);
        let rest = spool.read_batch(10).unwrap();
        assert_eq!(rest.records[0].request_id, "req-3");
        spool.commit(&rest).unwrap();
        assert_eq!((spool.backlog(), spool.len()), (0, 0));
    }

    #[test]
    fn progress_survives_a_reopen_and_a_torn_line_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.spool");
        {
            let spool = Spool::open(&path, 1 << 20).unwrap();
            spool.append(&[record(1), record(2), record(3)]).unwrap();
            spool.sync().unwrap();
            let one = spool.read_batch(1).unwrap();
            spool.commit(&one).unwrap();
        }
        // A crash in the middle of a write.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"0123456789abcdef {\"half").unwrap();
        drop(f);
        let spool: Spool = Spool::open(&path, 1 << 20).unwrap();
        assert_eq!(spool.backlog(), 2);
        let batch = spool.read_batch(10).unwrap();
        let ids: Vec<_> = batch.records.iter().map(|r| r.request_id.clone()).collect();
        assert_eq!(ids, ["req-2", "req-3"]);
        assert_eq!(batch.corrupt, 0);
        // Appends after the repair are whole lines again.
        spool.append(&[record(4)]).unwrap();
        spool.commit(&batch).unwrap();
        assert_eq!(spool.read_batch(10).unwrap().records[0].request_id, "req-4");
    }

    #[test]
    fn a_damaged_line_is_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.spool");
        let spool: Spool = Spool::open(&path, 1 << 20).unwrap();
        spool.append(&[record(1), record(2), record(3)]).unwrap();
        spool.sync().unwrap();
        drop(spool);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("req-2", "req-X", 1)).unwrap();
        let spool: Spool = Spool::open(&path, 1 << 20).unwrap();
        let batch = spool.read_batch(10).unwrap();
        let ids: Vec<_> = batch.records.iter().map(|r| r.request_id.clone()).collect();
        assert_eq!(ids, ["req-1", "req-3"]);
        assert_eq!(batch.corrupt, 1);
    }

    #[test]
    fn the_bound_refuses_whole_appends() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path().join("d.spool"), 600).unwrap();
        spool.append(&[record(1)]).unwrap();
        let used = spool.len();
        assert!(matches!(
            spool.append(&[record(2), record(3)]),
            Err(SpoolError::Full { .. })
        ));
        assert_eq!((spool.len(), spool.backlog()), (used, 1));
    }
}
