//! The Bedrock event-stream decoder: any bytes, cut anywhere, decode to the frames the same
//! bytes give in one piece (or an error in both), never panic; and every frame it encodes
//! decodes back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_gateway::providers::eventstream::{Decoder, encode};

fn decode(body: &[u8], sizes: &[u8]) -> Result<Vec<String>, ()> {
    let mut d = Decoder::default();
    let mut frames = Vec::new();
    let mut rest = body;
    let mut i = 0;
    while !rest.is_empty() {
        let n = if sizes.is_empty() {
            rest.len()
        } else {
            (usize::from(sizes[i % sizes.len()]) % 97 + 1).min(rest.len())
        };
        let (head, tail) = rest.split_at(n);
        for f in d.push(head).map_err(|_| ())? {
            frames.push(format!("{f:?}"));
        }
        rest = tail;
        i += 1;
    }
    Ok(frames)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (sizes, body) = data.split_at(4);
    let whole = decode(body, &[]);
    let cut = decode(body, sizes);
    match (&whole, &cut) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "chunking changed the frames"),
        // An error may surface at a different push, with the frames before it emitted.
        (Err(()), _) | (_, Err(())) => {}
    }
    // Round trip: an encoded frame decodes to one frame carrying the same payload.
    let text = String::from_utf8_lossy(body);
    // Cut at a character boundary at or before the middle (the lossy text may hold a
    // replacement character across it).
    let mut mid = text.len() / 2;
    while !text.is_char_boundary(mid) {
        mid -= 1;
    }
    let (event_type, payload) = text.split_at(mid);
    let wire = encode("event", event_type, payload.as_bytes());
    let frames = Decoder::default().push(&wire).expect("an encoded frame decodes");
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].payload, payload.as_bytes());
});
