//! Speed of the full default guard policy (every registered detector), per direction:
//! throughput on English prose and on source code (MB/s, one core), latency on a 4 KB
//! prompt (criterion's mean, plus p50/p99 over single calls, printed at the end), and the
//! streaming inspector on an answer pushed in 64-byte chunks.
//!
//! The texts are this repository's own files (README and ARCHITECTURE for prose, the
//! engine's sources for code), repeated to size, so no data is downloaded.
//!
//! Run: `cargo bench -p rampart-guard --bench guard`

use criterion::{Criterion, Throughput};
use rampart_guard::{Context, Guard, Policy, Role, Session};
use std::hint::black_box;
use std::time::{Duration, Instant};

const PROSE: &str = concat!(
    include_str!("../../../README.md"),
    include_str!("../../../ARCHITECTURE.md")
);
const CODE: &str = concat!(
    include_str!("../src/engine.rs"),
    include_str!("../src/stream.rs"),
    include_str!("../src/policy.rs")
);

/// `seed` repeated to at least `size` bytes, cut at a character boundary.
fn sized(seed: &str, size: usize) -> String {
    let mut s = String::with_capacity(size + seed.len());
    while s.len() < size {
        s.push_str(seed);
        s.push('\n');
    }
    let mut end = size;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s
}

fn throughput(c: &mut Criterion, guard: &Guard) {
    let mut group = c.benchmark_group("guard_input_default_policy");
    group
        .measurement_time(Duration::from_secs(8))
        .sample_size(20);
    // The markdown at two sizes: equal throughput says the cost is linear in the size.
    for (name, seed, size) in [
        ("prose_64KiB", PROSE, 64 << 10),
        ("prose_1MiB", PROSE, 1 << 20),
        ("code_1MiB", CODE, 1 << 20),
    ] {
        let text = sized(seed, size);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                guard
                    .inspect(
                        black_box(&text),
                        Context::input(Role::User),
                        &mut Session::new(),
                    )
                    .expect("inspect")
            })
        });
    }
    let prompt = sized(PROSE, 4096);
    group.throughput(Throughput::Bytes(prompt.len() as u64));
    group.bench_function("prompt_4KiB", |b| {
        b.iter(|| {
            guard
                .inspect(
                    black_box(&prompt),
                    Context::input(Role::User),
                    &mut Session::new(),
                )
                .expect("inspect")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("guard_output_default_policy");
    group
        .measurement_time(Duration::from_secs(8))
        .sample_size(20);
    let answer = sized(PROSE, 1 << 20);
    group.throughput(Throughput::Bytes(answer.len() as u64));
    group.bench_function("prose_1MiB", |b| {
        b.iter(|| {
            guard
                .inspect(black_box(&answer), Context::output(), &mut Session::new())
                .expect("inspect")
        })
    });
    let streamed = sized(PROSE, 64 << 10);
    group.throughput(Throughput::Bytes(streamed.len() as u64));
    group.bench_function("stream_64KiB_in_64B_chunks", |b| {
        b.iter(|| {
            let mut session = Session::new();
            let mut stream = guard.stream(Context::output());
            let mut emitted = 0;
            let mut rest = streamed.as_str();
            while !rest.is_empty() {
                let mut n = rest.len().min(64);
                while !rest.is_char_boundary(n) {
                    n += 1;
                }
                emitted += stream
                    .push(&rest[..n], &mut session)
                    .expect("push")
                    .emit
                    .len();
                rest = &rest[n..];
            }
            emitted + stream.finish(&mut session).expect("finish").emit.len()
        })
    });
    group.finish();
}

/// p50 and p99 of single `inspect` calls on a 4 KB prompt (criterion reports means).
fn prompt_percentiles(guard: &Guard) {
    let prompt = sized(PROSE, 4096);
    let mut times = Vec::with_capacity(20_000);
    for _ in 0..1_000 {
        black_box(
            guard
                .inspect(&prompt, Context::input(Role::User), &mut Session::new())
                .expect("inspect"),
        );
    }
    for _ in 0..20_000 {
        let started = Instant::now();
        black_box(
            guard
                .inspect(
                    black_box(&prompt),
                    Context::input(Role::User),
                    &mut Session::new(),
                )
                .expect("inspect"),
        );
        times.push(started.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "guard_input_default_policy/prompt_4KiB single calls (n = {}): p50 {:?}, p99 {:?}, max {:?}",
        times.len(),
        at(0.50),
        at(0.99),
        times[times.len() - 1]
    );
}

fn main() {
    let guard = Guard::new(Policy::default()).expect("default policy builds");
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion, &guard);
    prompt_percentiles(&guard);
    criterion.final_summary();
}
