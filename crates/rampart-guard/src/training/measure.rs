//! What the measurement tools under `tools/` share: on-CPU time (a busy shared machine
//! stretches wall time, not the time this thread ran), the `--policy` argument, and the
//! throughput loop of `guard.detect` over a corpus that `eval_pii` and `eval_secrets`
//! print after their accuracy figures.

use crate::{Context, Guard, Policy};
use std::time::Instant;

/// Nanoseconds this thread has spent on a CPU (Linux), or `None` elsewhere.
pub fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Wall and on-CPU time since [`Stopwatch::start`].
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    wall: Instant,
    cpu: Option<u64>,
}

/// Seconds measured by a [`Stopwatch`]; `cpu` is the wall time where the platform does not
/// say how long the thread ran.
#[derive(Debug, Clone, Copy)]
pub struct Elapsed {
    pub wall: f64,
    pub cpu: f64,
}

impl Stopwatch {
    pub fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: cpu_ns(),
        }
    }

    pub fn elapsed(&self) -> Elapsed {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = match (self.cpu, cpu_ns()) {
            (Some(a), Some(b)) => b.saturating_sub(a) as f64 / 1e9,
            _ => wall,
        };
        Elapsed { wall, cpu }
    }
}

/// `--policy FILE.toml`, else the default policy: e.g. a policy that allows every other
/// kind measures one detector's throughput alone, as a single-purpose peer does.
pub fn policy_arg(args: &[String]) -> Policy {
    match args.iter().position(|a| a == "--policy") {
        Some(i) => {
            let path = args.get(i + 1).expect("--policy FILE.toml");
            let text = std::fs::read_to_string(path).expect("read the policy");
            Policy::from_toml_str(&text).expect("valid policy")
        }
        None => Policy::default(),
    }
}

/// Runs `guard.detect` over `texts` until about 20 MB have been read and prints the
/// throughput (on-CPU and wall) and the time per text.
pub fn print_detect_throughput(guard: &Guard, texts: &[&str], ctx: Context) {
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let rounds = (20_000_000 / bytes.max(1)).max(1);
    let watch = Stopwatch::start();
    for _ in 0..rounds {
        for text in texts {
            std::hint::black_box(guard.detect(text, ctx).expect("detect"));
        }
    }
    let t = watch.elapsed();
    let read = (bytes * rounds) as f64;
    println!(
        "guard.detect throughput: {:.1} MB/s cpu ({:.1} wall), {:.1} µs/text cpu ({} texts x {rounds})",
        read / t.cpu / 1e6,
        read / t.wall / 1e6,
        t.cpu * 1e6 / (texts.len() * rounds).max(1) as f64,
        texts.len()
    );
}
