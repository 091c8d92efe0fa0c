//! AWS event-stream framing (`application/vnd.amazon.eventstream`), as Bedrock's
//! ConverseStream sends it.
//!
//! A frame is: total length (u32 BE), headers length (u32 BE), prelude CRC32, headers,
//! payload, message CRC32. Both CRCs are checked; frames are bounded in size.

use super::UpstreamError;

/// Largest frame accepted.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// One decoded message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    /// `:message-type`: `event`, `exception` or `error`.
    pub message_type: String,
    /// `:event-type` or `:exception-type`.
    pub event_type: String,
    pub payload: Vec<u8>,
}

/// Incremental decoder.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Frame>, UpstreamError> {
        self.buf.extend_from_slice(bytes);
        let mut frames = Vec::new();
        while self.buf.len() >= 12 {
            let total =
                u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
            let headers_len =
                u32::from_be_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]) as usize;
            if !(16..=MAX_FRAME).contains(&total) || headers_len > total - 16 {
                return Err(UpstreamError::protocol(
                    "malformed event-stream frame length",
                ));
            }
            let prelude_crc =
                u32::from_be_bytes([self.buf[8], self.buf[9], self.buf[10], self.buf[11]]);
            if crc32(&self.buf[..8]) != prelude_crc {
                return Err(UpstreamError::protocol(
                    "event-stream prelude checksum mismatch",
                ));
            }
            if self.buf.len() < total {
                break;
            }
            let frame: Vec<u8> = self.buf.drain(..total).collect();
            let msg_crc = u32::from_be_bytes([
                frame[total - 4],
                frame[total - 3],
                frame[total - 2],
                frame[total - 1],
            ]);
            if crc32(&frame[..total - 4]) != msg_crc {
                return Err(UpstreamError::protocol(
                    "event-stream message checksum mismatch",
                ));
            }
            let headers = &frame[12..12 + headers_len];
            let payload = frame[12 + headers_len..total - 4].to_vec();
            let mut f = Frame {
                payload,
                ..Frame::default()
            };
            parse_headers(headers, &mut f)?;
            frames.push(f);
        }
        Ok(frames)
    }
}

fn parse_headers(mut h: &[u8], f: &mut Frame) -> Result<(), UpstreamError> {
    let bad = || UpstreamError::protocol("malformed event-stream header");
    while !h.is_empty() {
        let name_len = *h.first().ok_or_else(bad)? as usize;
        let name = h.get(1..1 + name_len).ok_or_else(bad)?;
        let name = String::from_utf8_lossy(name).into_owned();
        h = &h[1 + name_len..];
        let ty = *h.first().ok_or_else(bad)?;
        h = &h[1..];
        let fixed = match ty {
            0 | 1 => 0,
            2 => 1,
            3 => 2,
            4 => 4,
            5 | 8 => 8,
            9 => 16,
            6 | 7 => {
                let len =
                    u16::from_be_bytes([*h.first().ok_or_else(bad)?, *h.get(1).ok_or_else(bad)?])
                        as usize;
                let value = h.get(2..2 + len).ok_or_else(bad)?;
                if ty == 7 {
                    let value = String::from_utf8_lossy(value).into_owned();
                    match name.as_str() {
                        ":message-type" => f.message_type = value,
                        ":event-type" | ":exception-type" => f.event_type = value,
                        _ => {}
                    }
                }
                h = &h[2 + len..];
                continue;
            }
            _ => return Err(bad()),
        };
        h = h.get(fixed..).ok_or_else(bad)?;
    }
    Ok(())
}

/// CRC-32 (IEEE 802.3), bitwise: frames are small and few.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Encode one event frame (for tests and the local Bedrock stand-in).
pub fn encode(message_type: &str, event_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut headers = Vec::new();
    for (name, value) in [
        (":message-type", message_type),
        (
            if message_type == "exception" {
                ":exception-type"
            } else {
                ":event-type"
            },
            event_type,
        ),
        (":content-type", "application/json"),
    ] {
        headers.push(name.len() as u8);
        headers.extend_from_slice(name.as_bytes());
        headers.push(7);
        headers.extend_from_slice(&(value.len() as u16).to_be_bytes());
        headers.extend_from_slice(value.as_bytes());
    }
    let total = 12 + headers.len() + payload.len() + 4;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&(headers.len() as u32).to_be_bytes());
    let prelude_crc = crc32(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&headers);
    out.extend_from_slice(payload);
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn frames_split_at_every_byte_decode_the_same() {
        let mut wire = encode("event", "contentBlockDelta", br#"{"delta":{"text":"hi"}}"#);
        wire.extend(encode(
            "event",
            "messageStop",
            br#"{"stopReason":"end_turn"}"#,
        ));
        let mut d = Decoder::default();
        let mut frames = Vec::new();
        for b in &wire {
            frames.extend(d.push(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].event_type, "contentBlockDelta");
        assert_eq!(frames[1].payload, br#"{"stopReason":"end_turn"}"#);
    }

    #[test]
    fn corrupted_frame_is_refused() {
        let mut wire = encode("event", "messageStop", b"{}");
        let n = wire.len();
        wire[n - 6] ^= 1;
        assert!(Decoder::default().push(&wire).is_err());
    }

    #[test]
    fn absurd_length_is_refused_without_allocating() {
        let mut wire = vec![0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
        let crc = crc32(&wire);
        wire.extend_from_slice(&crc.to_be_bytes());
        assert!(Decoder::default().push(&wire).is_err());
    }
}
