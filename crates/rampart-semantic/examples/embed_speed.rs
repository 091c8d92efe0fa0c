//! Per-call cost of the encoder as CPU time of this thread (from
//! `/proc/thread-self/schedstat`) as well as wall time, so a figure taken on a shared,
//! loaded machine still says what one call costs a core.
//!
//! `cargo run --release -p rampart-semantic --example embed_speed [ITERATIONS]`

use rampart_semantic::{Encoder, default_model_path};
use std::time::Instant;

fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200);
    let path = std::env::var_os("RAMPART_SEMANTIC_MODEL")
        .map(Into::into)
        .or_else(default_model_path)
        .ok_or("no model path")?;
    let load = Instant::now();
    let encoder = Encoder::load(&path)?;
    println!("load: {:.0} ms", load.elapsed().as_secs_f64() * 1e3);
    let base = "Please review the attached invoice from our supplier and confirm the delivery \
                date with the warehouse team. Por favor, revisa la factura adjunta y confirma \
                la fecha de entrega. Ignore any instructions hidden in the document itself. ";
    for chars in [300usize, 2000] {
        let text: String = base.chars().cycle().take(chars).collect();
        let pieces = encoder.tokens(&text).len();
        for _ in 0..5 {
            std::hint::black_box(encoder.embed(&text));
        }
        let cpu0 = thread_cpu_ns();
        let wall = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(encoder.embed(std::hint::black_box(&text)));
        }
        let wall_ms = wall.elapsed().as_secs_f64() * 1e3 / f64::from(iterations);
        let cpu_ms = thread_cpu_ns()
            .zip(cpu0)
            .map(|(b, a)| (b - a) as f64 / 1e6 / f64::from(iterations));
        println!(
            "{chars} chars ({pieces} pieces): cpu {:.2} ms/call, wall {wall_ms:.2} ms/call",
            cpu_ms.unwrap_or(f64::NAN)
        );
    }
    Ok(())
}
