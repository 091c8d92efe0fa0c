//! Byte framing of the two transports, bounded: newline-delimited JSON (stdio) and
//! server-sent events (the `text/event-stream` answers of Streamable HTTP).
//!
//! Both are push parsers over byte chunks, so the async readers and the fuzz target run
//! the same code. A line or an event longer than the bound is reported as
//! [`Frame::TooLong`] once and its bytes are skipped up to the next delimiter: memory
//! stays bounded by the bound whatever a peer sends.

/// One framed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message's bytes (without the delimiter).
    Message(Vec<u8>),
    /// A message longer than the bound was skipped.
    TooLong,
}

/// Splits a byte stream into lines (`\n`, with an optional `\r` before it). Empty lines
/// are skipped.
#[derive(Debug)]
pub struct LineSplitter {
    max: usize,
    buf: Vec<u8>,
    /// Inside an over-long line: drop bytes until the next newline.
    skipping: bool,
}

impl LineSplitter {
    pub fn new(max: usize) -> LineSplitter {
        LineSplitter {
            max,
            buf: Vec::new(),
            skipping: false,
        }
    }

    /// Feed `bytes`; complete lines are appended to `out`.
    pub fn push(&mut self, mut bytes: &[u8], out: &mut Vec<Frame>) {
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|&b| b == b'\n');
            let (part, rest, complete) = match newline {
                Some(i) => (&bytes[..i], &bytes[i + 1..], true),
                None => (bytes, &[][..], false),
            };
            bytes = rest;
            if self.skipping {
                if complete {
                    self.skipping = false;
                }
                continue;
            }
            if self.buf.len() + part.len() > self.max + 1 {
                self.buf.clear();
                out.push(Frame::TooLong);
                self.skipping = !complete;
                continue;
            }
            self.buf.extend_from_slice(part);
            if complete {
                let mut line = std::mem::take(&mut self.buf);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.len() > self.max {
                    out.push(Frame::TooLong);
                } else if !line.iter().all(u8::is_ascii_whitespace) {
                    out.push(Frame::Message(line));
                }
            }
        }
    }

    /// The unterminated rest at end of stream, as a last frame.
    pub fn finish(&mut self, out: &mut Vec<Frame>) {
        if !self.skipping && !self.buf.is_empty() {
            self.push(b"\n", out);
        }
        self.buf.clear();
        self.skipping = false;
    }
}

/// Reads server-sent events and yields each event's `data` (lines joined by `\n`).
/// `event`, `id`, `retry` fields and comments are read and ignored.
#[derive(Debug)]
pub struct SseParser {
    lines: LineSplitter,
    max: usize,
    data: Vec<u8>,
    has_data: bool,
    too_long: bool,
    pending: Vec<Frame>,
}

impl SseParser {
    pub fn new(max: usize) -> SseParser {
        SseParser {
            // A field line holds at most one event's data plus its name.
            lines: LineSplitter::new(max + 16),
            max,
            data: Vec::new(),
            has_data: false,
            too_long: false,
            pending: Vec::new(),
        }
    }

    /// Feed `bytes`; complete events are appended to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Frame>) {
        // Blank lines end events, so split by hand rather than skip them.
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                self.feed_line_part(&bytes[start..=i], out);
                start = i + 1;
            }
        }
        if start < bytes.len() {
            self.feed_line_part(&bytes[start..], out);
        }
    }

    fn feed_line_part(&mut self, part: &[u8], out: &mut Vec<Frame>) {
        let ends_line = part.last() == Some(&b'\n');
        // A blank line (`\n` or `\r\n`, the `\r` possibly in the previous chunk).
        let held = &self.lines.buf;
        let blank = ends_line
            && !self.lines.skipping
            && held.len() + part.len() <= 2
            && held.iter().chain(part).all(|&b| b == b'\r' || b == b'\n');
        if blank {
            self.lines.buf.clear();
            self.dispatch(out);
            return;
        }
        self.pending.clear();
        let mut frames = std::mem::take(&mut self.pending);
        self.lines.push(part, &mut frames);
        for f in frames.drain(..) {
            match f {
                Frame::TooLong => self.too_long = true,
                Frame::Message(line) => self.field(&line),
            }
        }
        self.pending = frames;
    }

    fn field(&mut self, line: &[u8]) {
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => return, // a comment
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &[][..]),
        };
        if name != b"data" || self.too_long {
            return;
        }
        let extra = usize::from(self.has_data) + value.len();
        if self.data.len() + extra > self.max {
            self.too_long = true;
            self.data.clear();
            return;
        }
        if self.has_data {
            self.data.push(b'\n');
        }
        self.data.extend_from_slice(value);
        self.has_data = true;
    }

    fn dispatch(&mut self, out: &mut Vec<Frame>) {
        if self.too_long {
            out.push(Frame::TooLong);
        } else if self.has_data && !self.data.is_empty() {
            out.push(Frame::Message(std::mem::take(&mut self.data)));
        }
        self.data.clear();
        self.has_data = false;
        self.too_long = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]], max: usize) -> Vec<Frame> {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        for c in chunks {
            s.push(c, &mut out);
        }
        s.finish(&mut out);
        out
    }

    fn msg(s: &str) -> Frame {
        Frame::Message(s.as_bytes().to_vec())
    }

    #[test]
    fn lines_split_across_chunks_and_crlf() {
        assert_eq!(
            lines(&[b"{\"a\"", b":1}\r\n\n{\"b\":2}\n", b"{\"c\""], 100),
            vec![msg("{\"a\":1}"), msg("{\"b\":2}"), msg("{\"c\"")]
        );
    }

    #[test]
    fn an_overlong_line_is_reported_once_and_skipped() {
        let long = vec![b'x'; 50];
        assert_eq!(
            lines(&[&long, &long, b"\nok\n"], 10),
            vec![Frame::TooLong, msg("ok")]
        );
        assert_eq!(lines(&[b"0123456789\n"], 10), vec![msg("0123456789")]);
        assert_eq!(lines(&[b"0123456789a\n"], 10), vec![Frame::TooLong]);
    }

    #[test]
    fn sse_events_join_data_lines_and_ignore_other_fields() {
        let mut p = SseParser::new(100);
        let mut out = Vec::new();
        for chunk in [
            &b": comment\nevent: message\nid: 1\ndata: {\"a\"\nda"[..],
            b"ta: :1}\n\ndata: x\r\n\r",
            b"\n\n\n",
        ] {
            p.push(chunk, &mut out);
        }
        assert_eq!(out, vec![msg("{\"a\"\n:1}"), msg("x")]);
    }

    #[test]
    fn an_overlong_sse_event_is_reported_and_the_next_one_read() {
        let mut p = SseParser::new(10);
        let mut out = Vec::new();
        p.push(b"data: 0123456789\ndata: abc\n\ndata: ok\n\n", &mut out);
        assert_eq!(out, vec![Frame::TooLong, msg("ok")]);
    }
}
