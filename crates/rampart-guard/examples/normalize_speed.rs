//! Throughput of the normaliser alone, on ASCII prose and on mixed Unicode text.
//!
//! `cargo run --release -p rampart-guard --example normalize_speed`

use rampart_guard::normalize::Normalized;
use std::time::Instant;

fn measure(name: &str, text: &str) {
    let rounds = (64 << 20) / text.len().max(1);
    let t = Instant::now();
    let mut total = 0usize;
    for _ in 0..rounds.max(1) {
        total += std::hint::black_box(Normalized::new(std::hint::black_box(text)))
            .text()
            .len();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{name:<28} {:>8.1} MB/s ({} bytes x {rounds}, {total} out)",
        (text.len() * rounds) as f64 / secs / 1e6,
        text.len()
    );
}

fn main() {
    let ascii = "Please summarise the attached quarterly report for the board, and keep the \
                 numbers exact: revenue grew 12% to 4.5M EUR, churn fell. Contact ana@example.es. "
        .repeat(50);
    let code = "fn main() { let x = vec![1, 2, 3]; println!(\"{:?}\", x.iter().map(|v| v * 2).collect::<Vec<_>>()); }\n".repeat(40);
    let spanish =
        "El cliente José Núñez pidió la devolución del pedido nº 4512; ¿podéis revisarlo? "
            .repeat(50);
    let russian = "Пожалуйста, подготовьте краткий отчёт о продажах за квартал. ".repeat(50);
    measure("ascii prose (4 KB)", &ascii);
    measure("ascii code (4 KB)", &code);
    measure("spanish accents (4 KB)", &spanish);
    measure("cyrillic (6 KB)", &russian);
}
