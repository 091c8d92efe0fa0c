//! `Read + Seek` over ranged reads of a remote object, so analysers read its metadata (a
//! safetensors header, a GGUF header, a zip's central directory) without downloading its
//! tensors.
//!
//! Reads are served from a small cache of blocks; a block is fetched with one ranged
//! request through a [`FetchRange`] (HTTP `Range: bytes=a-b` here, object-store range GETs
//! in `cloud.rs`). Sequential reading (a pickle stream) doubles the block size up to
//! `MAX_BLOCK` (16 MiB) to keep the request count low. An HTTP server that ignores ranges and
//! answers `200` is refused with a clear error rather than streaming whole objects
//! silently.

use super::SourceError;
use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, CONTENT_RANGE, RANGE};
use std::io::{self, Read, Seek, SeekFrom};

const MIN_BLOCK: u64 = 256 * 1024;
const MAX_BLOCK: u64 = 16 * 1024 * 1024;
const CACHED_BLOCKS: usize = 8;

/// One ranged read of a remote object.
pub trait FetchRange {
    /// Fetch at most `want` bytes from `start`; returns the object's total length and the
    /// bytes (fewer than `want` at the end of the object).
    fn fetch(&mut self, start: u64, want: u64) -> Result<(u64, Vec<u8>), SourceError>;
}

/// A remote object read by ranges.
pub struct RangeReader {
    source: Box<dyn FetchRange + Send>,
    len: u64,
    pos: u64,
    /// (start, bytes), most recently used last.
    blocks: Vec<(u64, Vec<u8>)>,
    next_block: u64,
    last_end: u64,
    /// Bytes fetched, for reports and tests.
    pub fetched: u64,
    pub requests: u64,
}

impl std::fmt::Debug for RangeReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RangeReader")
            .field("len", &self.len)
            .field("fetched", &self.fetched)
            .finish_non_exhaustive()
    }
}

/// Ranged `GET`s of one HTTP URL.
struct HttpRanges {
    client: Client,
    url: String,
    token: Option<String>,
}

impl FetchRange for HttpRanges {
    fn fetch(&mut self, start: u64, want: u64) -> Result<(u64, Vec<u8>), SourceError> {
        let end = start + want.max(1) - 1;
        let mut req = self
            .client
            .get(&self.url)
            .header(RANGE, format!("bytes={start}-{end}"));
        if let Some(t) = &self.token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        let shown = super::display_url(&self.url);
        let resp = req
            .send()
            .map_err(|e| SourceError::Http(format!("{shown}: {}", super::net::describe(e))))?;
        let status = resp.status();
        if status == reqwest::StatusCode::RANGE_NOT_SATISFIABLE && start == 0 {
            // An empty object.
            return Ok((0, Vec::new()));
        }
        if status == reqwest::StatusCode::OK {
            return Err(SourceError::Http(format!(
                "{shown} does not support range requests; refusing to download the whole object"
            )));
        }
        if status != reqwest::StatusCode::PARTIAL_CONTENT {
            return Err(SourceError::Http(format!("{shown}: HTTP {status}")));
        }
        let total = resp
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit('/').next())
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| SourceError::Http(format!("{shown}: no usable Content-Range")))?;
        let mut body = Vec::with_capacity(want.min(MAX_BLOCK) as usize);
        resp.take(want)
            .read_to_end(&mut body)
            .map_err(|e| SourceError::Http(e.to_string()))?;
        Ok((total, body))
    }
}

impl RangeReader {
    /// Open `url`, learning its length from the first range response. `token` is sent as
    /// a bearer token (reqwest drops it on redirects to another host).
    pub fn open(client: Client, url: &str, token: Option<String>) -> Result<Self, SourceError> {
        let source = HttpRanges {
            client,
            url: url.to_owned(),
            token,
        };
        Self::with_source(Box::new(source))
    }

    /// Open an object behind any ranged reader; the first block is read at once (every
    /// analyser starts with the head) and tells the object's length.
    pub fn with_source(source: Box<dyn FetchRange + Send>) -> Result<Self, SourceError> {
        let mut r = RangeReader {
            source,
            len: 0,
            pos: 0,
            blocks: Vec::new(),
            next_block: MIN_BLOCK,
            last_end: u64::MAX,
            fetched: 0,
            requests: 0,
        };
        let (total, first) = r.fetch(0, MIN_BLOCK)?;
        r.len = total;
        r.blocks.push((0, first));
        Ok(r)
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn fetch(&mut self, start: u64, want: u64) -> Result<(u64, Vec<u8>), SourceError> {
        self.requests += 1;
        let (total, bytes) = self.source.fetch(start, want)?;
        self.fetched += bytes.len() as u64;
        Ok((total, bytes))
    }

    fn block_for(&mut self, pos: u64) -> io::Result<usize> {
        if let Some(i) = self
            .blocks
            .iter()
            .position(|(s, b)| pos >= *s && pos < s + b.len() as u64)
        {
            let b = self.blocks.remove(i);
            self.blocks.push(b);
            return Ok(self.blocks.len() - 1);
        }
        // Sequential reading grows the block size; a jump resets it.
        self.next_block = if pos == self.last_end {
            (self.next_block * 2).min(MAX_BLOCK)
        } else {
            MIN_BLOCK
        };
        let want = self.next_block.min(self.len - pos);
        let (_, bytes) = self.fetch(pos, want).map_err(io::Error::other)?;
        if bytes.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server returned an empty range",
            ));
        }
        self.last_end = pos + bytes.len() as u64;
        if self.blocks.len() >= CACHED_BLOCKS {
            self.blocks.remove(0);
        }
        self.blocks.push((pos, bytes));
        Ok(self.blocks.len() - 1)
    }
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let i = self.block_for(self.pos)?;
        let (start, bytes) = &self.blocks[i];
        let off = (self.pos - start) as usize;
        let n = buf.len().min(bytes.len() - off);
        buf[..n].copy_from_slice(&bytes[off..off + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
        Ok(self.pos)
    }
}
