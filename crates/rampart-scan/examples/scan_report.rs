//! Scan targets and print the report in one encoding, without the CLI:
//! `cargo run -p rampart-scan --example scan_report -- [json|sarif|cyclonedx] [--hash] TARGET...`

use rampart_scan::{ScanOptions, Scanner, to_cyclonedx, to_sarif};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let format = if args.is_empty() {
        "json".to_owned()
    } else {
        args.remove(0)
    };
    let hash = args.iter().any(|a| a == "--hash");
    args.retain(|a| a != "--hash");
    let report = Scanner::new(ScanOptions {
        hash,
        ..ScanOptions::default()
    })
    .scan(&args);
    let value = match format.as_str() {
        "sarif" => to_sarif(&report),
        "cyclonedx" => to_cyclonedx(&report),
        _ => serde_json::to_value(&report).unwrap_or_default(),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
}
