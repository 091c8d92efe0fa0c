//! A server-sent-events reader for streamed provider answers.
//!
//! Feed it bytes as they arrive; it yields complete events (`event:` name and joined
//! `data:` lines) and keeps the incomplete tail. One event may not exceed
//! [`MAX_EVENT`] bytes, so a provider that never ends an event cannot grow memory.
//!
//! Parsing is linear in the bytes received: each push searches for event ends only in
//! what is new (plus the last three bytes, where a separator may have begun), and the
//! consumed events leave the buffer in one move per push, however many there were.

use super::UpstreamError;

pub const MAX_EVENT: usize = 4 * 1024 * 1024;

/// The longest event separator (`\r\n\r\n`) minus one: how far back a search resumes.
const SEPARATOR_OVERLAP: usize = 3;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Incremental SSE parser.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    /// Where the next search for an event end starts: no separator begins before it.
    searched: usize,
}

impl SseParser {
    /// Add bytes; return every event completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, UpstreamError> {
        self.buf.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut start = 0;
        let mut from = self.searched;
        while let Some((end, sep)) = find_blank_line(&self.buf, from) {
            if let Some(ev) = parse_event(&self.buf[start..end]) {
                events.push(ev);
            }
            start = end + sep;
            from = start;
        }
        self.buf.drain(..start);
        self.searched = self.buf.len().saturating_sub(SEPARATOR_OVERLAP);
        if self.buf.len() > MAX_EVENT {
            return Err(UpstreamError::protocol("provider sent an event over 4 MiB"));
        }
        Ok(events)
    }

    /// The last event when the stream ends without a blank line.
    pub fn finish(&mut self) -> Option<SseEvent> {
        let raw = std::mem::take(&mut self.buf);
        self.searched = 0;
        parse_event(&raw)
    }
}

/// The first event end at or after `from`: its position and the separator's length.
fn find_blank_line(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i + 1 < buf.len() {
        if buf[i] == b'\n' && buf[i + 1] == b'\n' {
            return Some((i, 2));
        }
        if buf[i] == b'\r' && buf[i + 1] == b'\n' && buf.get(i + 2..i + 4) == Some(b"\r\n") {
            return Some((i, 4));
        }
        if buf[i] == b'\r' && buf[i + 1] == b'\r' {
            return Some((i, 2));
        }
        i += 1;
    }
    None
}

fn parse_event(raw: &[u8]) -> Option<SseEvent> {
    let text = String::from_utf8_lossy(raw);
    let mut ev = SseEvent::default();
    let mut has_data = false;
    for line in text.split(['\n', '\r']) {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => ev.event = Some(value.to_owned()),
            "data" => {
                if has_data {
                    ev.data.push('\n');
                }
                ev.data.push_str(value);
                has_data = true;
            }
            _ => {}
        }
    }
    (has_data || ev.event.is_some()).then_some(ev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_pushes_are_joined() {
        let mut p = SseParser::default();
        assert!(p.push(b"event: message_start\nda").unwrap().is_empty());
        let evs = p
            .push(b"ta: {\"a\":1}\n\ndata: x\r\n\r\n: comment\n\n")
            .unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].event.as_deref(), Some("message_start"));
        assert_eq!(evs[0].data, "{\"a\":1}");
        assert_eq!(evs[1].data, "x");
    }

    #[test]
    fn multi_line_data_is_joined_with_newlines() {
        let mut p = SseParser::default();
        let evs = p.push(b"data: a\ndata: b\n\n").unwrap();
        assert_eq!(evs[0].data, "a\nb");
    }

    /// Any split of a stream gives the events of the whole, separators cut anywhere.
    #[test]
    fn every_split_gives_the_events_of_the_whole() {
        let stream: &[u8] =
            b"event: a\r\ndata: 1\r\n\r\ndata: 2\n\ndata: 3\r\rdata: 4\r\ndata: 5\r\n\r\n: c\n\ndata: 6";
        let mut whole = SseParser::default();
        let mut expected = whole.push(stream).unwrap();
        expected.extend(whole.finish());
        assert_eq!(expected.len(), 5, "{expected:?}");
        for step in 1..=7 {
            let mut p = SseParser::default();
            let mut got = Vec::new();
            for piece in stream.chunks(step) {
                got.extend(p.push(piece).unwrap());
            }
            got.extend(p.finish());
            assert_eq!(got, expected, "pieces of {step} bytes");
        }
    }

    /// A big event arriving a few bytes at a time costs time linear in its size (it was
    /// rescanned from its start on every push).
    #[test]
    fn a_big_event_in_small_pieces_is_parsed_in_linear_time() {
        let mut p = SseParser::default();
        let piece = [b'a'; 16];
        p.push(b"data: ").unwrap();
        let started = std::time::Instant::now();
        // 2 MiB in 16-byte pieces: quadratic scanning would read ~137 GB.
        for _ in 0..(2 * 1024 * 1024 / 16) {
            assert!(p.push(&piece).unwrap().is_empty());
        }
        let evs = p.push(b"\n\n").unwrap();
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].data.len(), 2 * 1024 * 1024);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn endless_event_is_refused() {
        let mut p = SseParser::default();
        let big = vec![b'a'; MAX_EVENT + 1];
        assert!(p.push(&big).is_err());
    }
}
