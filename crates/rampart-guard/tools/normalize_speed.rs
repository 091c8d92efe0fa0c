//! Throughput of the normaliser alone and of the whole default guard (`Guard::detect`,
//! every detector) on a few kinds of text, in MB per second of on-CPU time (read from
//! `/proc/thread-self/schedstat`, so that a busy shared machine does not halve the figure;
//! wall-clock figures are printed next to it).
//!
//! `cargo run --release -p rampart-guard --features training --bin normalize_speed`

use rampart_guard::normalize::Normalized;
use rampart_guard::training::measure::{Elapsed, Stopwatch};
use rampart_guard::{Context, Guard, Policy, Role};

fn measure(name: &str, text: &str, mut f: impl FnMut(&str) -> usize) {
    let rounds = ((16 << 20) / text.len().max(1)).max(1);
    let watch = Stopwatch::start();
    let mut total = 0usize;
    for _ in 0..rounds {
        total += f(std::hint::black_box(text));
    }
    let Elapsed { wall, cpu } = watch.elapsed();
    let bytes = (text.len() * rounds) as f64;
    println!(
        "{name:<34} {:>7.1} MB/s cpu {:>7.1} MB/s wall  ({} B x {rounds}, {total})",
        bytes / cpu / 1e6,
        bytes / wall / 1e6,
        text.len()
    );
}

fn main() {
    let prose = "Please summarise the attached quarterly report for the board, and keep the \
                 numbers exact: revenue grew 12% to 4.5M EUR while churn fell to 3.1%. The \
                 team shipped the new onboarding flow in March and support tickets dropped. "
        .repeat(20);
    let code = "fn main() { let x = vec![1, 2, 3]; println!(\"{:?}\", x.iter().map(|v| v * 2).collect::<Vec<_>>()); }\n// TODO: handle the error path when the config file is missing\n".repeat(25);
    let spanish = "El cliente José Núñez pidió la devolución del pedido nº 4512; ¿podéis revisarlo antes del viernes? Gracias. ".repeat(36);
    let mixed = format!(
        "{}\nContact: ana.gomez@example.es, +34 612 345 678, IBAN ES91 2100 0418 4502 0005 1332.\nconfig: DB_PASSWORD=hunter2hunter AWS key AKIAIOSFODNN7EXAMPLE\n",
        prose
    );
    let guard = Guard::new(Policy::default()).expect("default policy");
    let ctx = Context::input(Role::User);
    for (name, text) in [
        ("ascii prose", &prose),
        ("ascii code", &code),
        ("spanish accents", &spanish),
        ("prose + PII + secrets", &mixed),
    ] {
        measure(&format!("normalize: {name}"), text, |t| {
            Normalized::new(t).text().len()
        });
        measure(&format!("guard.detect: {name}"), text, |t| {
            guard.detect(t, ctx).map_or(0, |d| d.findings.len())
        });
    }
}
