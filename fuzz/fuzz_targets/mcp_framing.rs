//! The MCP proxy's framing of both transports on arbitrary bytes: newline-delimited
//! JSON-RPC (stdio) and server-sent events (Streamable HTTP answers), each frame parsed
//! as a JSON-RPC message. Input is cut into chunks at positions the data chooses, and the
//! frames must not depend on the cut.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_mcp::framing::{Frame, LineSplitter, SseParser};

const MAX: usize = 4096;

fn frames(data: &[u8], cut: usize, sse: bool) -> Vec<Frame> {
    let mut out = Vec::new();
    let (a, b) = data.split_at(cut.min(data.len()));
    if sse {
        let mut p = SseParser::new(MAX);
        p.push(a, &mut out);
        p.push(b, &mut out);
    } else {
        let mut p = LineSplitter::new(MAX);
        p.push(a, &mut out);
        p.push(b, &mut out);
        p.finish(&mut out);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, data)) = data.split_first() else { return };
    for sse in [false, true] {
        let whole = frames(data, data.len(), sse);
        assert_eq!(whole, frames(data, usize::from(cut), sse));
        for f in whole {
            if let Frame::Message(bytes) = f {
                assert!(bytes.len() <= MAX);
                let _ = rampart_mcp::jsonrpc::parse(&bytes, MAX);
            }
        }
    }
});
