//! Real model files written by public tools must scan clean. The files are fetched by
//! `scripts/fetch-real-models.sh`, which sets `RAMPART_REAL_MODELS`; without it these tests
//! are ignored.

use rampart_scan::{ScanOptions, Scanner, Verdict};
use std::path::PathBuf;

fn real(rel: &str) -> PathBuf {
    let dir = std::env::var("RAMPART_REAL_MODELS")
        .expect("run scripts/fetch-real-models.sh, which sets RAMPART_REAL_MODELS");
    PathBuf::from(dir).join(rel)
}

#[test]
#[ignore = "needs scripts/fetch-real-models.sh"]
fn minilm_safetensors_from_pypi_is_clean() {
    let path = real("minilm/model.safetensors");
    let report = Scanner::new(ScanOptions::default()).scan(&[path.display().to_string()]);
    let file = &report.files[0];
    println!("{}", serde_json::to_string_pretty(file).unwrap());
    assert_eq!(file.format, "safetensors");
    assert_eq!(file.verdict, Verdict::Clean, "{:?}", file.findings);
}
