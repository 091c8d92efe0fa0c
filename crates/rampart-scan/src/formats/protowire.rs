//! A bounded, streaming reader of the protobuf wire format, for ONNX and TensorFlow files.
//!
//! Schemas are not compiled in: each analyser walks the fields it cares about and skips the
//! rest by seeking, so multi-gigabyte tensor payloads (`raw_data`, `tensor_content`) are
//! never read. Every length is checked against the enclosing message, nesting is bounded,
//! and the total number of fields visited is capped so crafted inputs cannot make the walk
//! slow.

use std::io::{BufReader, Read, Seek, SeekFrom};

/// Deepest nesting of messages walked (graphs inside attributes inside graphs…).
pub const MAX_DEPTH: usize = 64;
/// Fields visited in one file before giving up.
pub const MAX_FIELDS: u64 = 20_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    Varint,
    I64,
    Len,
    I32,
}

/// One field header; for `Len` fields, `len` is the payload length that follows.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub number: u32,
    pub wire: WireType,
    /// The varint value, or the payload length of a `Len` field.
    pub value: u64,
}

/// Why a walk stopped.
#[derive(Debug)]
pub enum WireError {
    Truncated(u64),
    Invalid(String),
    TooDeep,
    TooManyFields,
    Io(std::io::Error),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Truncated(at) => write!(f, "protobuf truncated at offset {at}"),
            WireError::Invalid(why) => write!(f, "invalid protobuf: {why}"),
            WireError::TooDeep => write!(f, "messages nested deeper than {MAX_DEPTH}"),
            WireError::TooManyFields => write!(f, "more than {MAX_FIELDS} protobuf fields"),
            WireError::Io(e) => write!(f, "read error: {e}"),
        }
    }
}

/// A cursor over a protobuf stream with the current message's end.
pub struct Wire<R: Read + Seek> {
    r: BufReader<R>,
    pos: u64,
    fields: u64,
    depth: usize,
}

impl<R: Read + Seek> std::fmt::Debug for Wire<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wire")
            .field("pos", &self.pos)
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

impl<R: Read + Seek> Wire<R> {
    pub fn new(inner: R) -> Self {
        Wire {
            r: BufReader::with_capacity(64 * 1024, inner),
            pos: 0,
            fields: 0,
            depth: 0,
        }
    }

    pub fn pos(&self) -> u64 {
        self.pos
    }

    fn byte(&mut self) -> Result<u8, WireError> {
        let mut b = [0u8; 1];
        match self.r.read(&mut b) {
            Ok(1) => {
                self.pos += 1;
                Ok(b[0])
            }
            Ok(_) => Err(WireError::Truncated(self.pos)),
            Err(e) => Err(WireError::Io(e)),
        }
    }

    pub fn varint(&mut self) -> Result<u64, WireError> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(WireError::Invalid("varint overflows 64 bits".into()));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(WireError::Invalid("varint longer than 10 bytes".into()))
    }

    /// The next field header of the message ending at `end`, or `None` at its end.
    pub fn next(&mut self, end: u64) -> Result<Option<Field>, WireError> {
        if self.pos >= end {
            return Ok(None);
        }
        self.fields += 1;
        if self.fields > MAX_FIELDS {
            return Err(WireError::TooManyFields);
        }
        let key = self.varint()?;
        let number = u32::try_from(key >> 3)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                WireError::Invalid(format!("field number {} at {}", key >> 3, self.pos))
            })?;
        let (wire, value) = match key & 7 {
            0 => (WireType::Varint, self.varint()?),
            1 => (WireType::I64, 8),
            2 => (WireType::Len, self.varint()?),
            5 => (WireType::I32, 4),
            other => {
                return Err(WireError::Invalid(format!(
                    "wire type {other} at offset {}",
                    self.pos
                )));
            }
        };
        if matches!(wire, WireType::Len | WireType::I64 | WireType::I32)
            && value > end.saturating_sub(self.pos)
        {
            return Err(WireError::Invalid(format!(
                "field {number} of {value} bytes runs past its message at offset {}",
                self.pos
            )));
        }
        Ok(Some(Field {
            number,
            wire,
            value,
        }))
    }

    /// Skip the payload of a field whose header was just read.
    pub fn skip(&mut self, f: Field) -> Result<(), WireError> {
        match f.wire {
            WireType::Varint => Ok(()),
            _ => self.skip_bytes(f.value),
        }
    }

    pub fn skip_bytes(&mut self, n: u64) -> Result<(), WireError> {
        let n_i64 = i64::try_from(n).map_err(|_| WireError::Truncated(self.pos))?;
        self.r.seek_relative(n_i64).map_err(WireError::Io)?;
        self.pos += n;
        Ok(())
    }

    /// Read a `Len` payload as bytes, at most `max`; longer payloads are truncated to
    /// `max` and the rest skipped.
    pub fn bytes(&mut self, f: Field, max: usize) -> Result<Vec<u8>, WireError> {
        let keep = f.value.min(max as u64);
        let mut out = vec![0u8; keep as usize];
        self.r
            .read_exact(&mut out)
            .map_err(|_| WireError::Truncated(self.pos))?;
        self.pos += keep;
        self.skip_bytes(f.value - keep)?;
        Ok(out)
    }

    pub fn string(&mut self, f: Field, max: usize) -> Result<String, WireError> {
        self.bytes(f, max)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Enter a sub-message whose header was just read; returns its end offset.
    pub fn enter(&mut self, f: Field) -> Result<u64, WireError> {
        if self.depth >= MAX_DEPTH {
            return Err(WireError::TooDeep);
        }
        self.depth += 1;
        Ok(self.pos + f.value)
    }

    /// Leave a sub-message, positioned at its end.
    pub fn leave(&mut self, end: u64) -> Result<(), WireError> {
        self.depth = self.depth.saturating_sub(1);
        if self.pos < end {
            self.skip_bytes(end - self.pos)?;
        }
        Ok(())
    }

    /// Seek to an absolute offset (the start of the stream is 0).
    pub fn rewind(&mut self) -> Result<(), WireError> {
        self.r.seek(SeekFrom::Start(0)).map_err(WireError::Io)?;
        self.pos = 0;
        Ok(())
    }
}

/// Whether `head` parses as a sequence of well-formed top-level fields whose numbers are
/// all in `allowed` (a cheap content sniff for schema-less protobuf files).
pub fn head_fields_match(head: &[u8], len: u64, allowed: &[u32], min_fields: usize) -> bool {
    let mut w = Wire::new(std::io::Cursor::new(head));
    let end = len.min(head.len() as u64);
    let mut seen = 0;
    loop {
        match w.next(len) {
            Ok(Some(f)) if allowed.contains(&f.number) => {
                seen += 1;
                if f.wire != WireType::Varint && w.pos() + f.value > end {
                    // The field runs past the head: well-formed so far.
                    return seen >= min_fields;
                }
                if w.skip(f).is_err() {
                    return seen >= min_fields;
                }
            }
            Ok(None) => return seen >= min_fields,
            Err(WireError::Truncated(_)) => return seen >= min_fields,
            _ => return false,
        }
    }
}
