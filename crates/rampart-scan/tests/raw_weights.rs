//! Raw weight files next to their descriptors (issue 18 follow-up), on the fixtures that
//! `scripts/make-raw-weight-samples.py` writes into `tests/data/raw-weights`.

use rampart_scan::{FileReport, ScanOptions, ScanReport, Scanner, Verdict};
use std::path::Path;

fn fixtures() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/raw-weights")
        .display()
        .to_string()
}

fn scan(target: &str) -> ScanReport {
    Scanner::new(ScanOptions::default()).scan(&[target.to_owned()])
}

fn file<'r>(r: &'r ScanReport, suffix: &str) -> &'r FileReport {
    r.files
        .iter()
        .find(|f| f.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no report for {suffix}: {:#?}", r.files))
}

fn assert_described(r: &ScanReport, suffix: &str, descriptor: &str) {
    let f = file(r, suffix);
    assert_eq!(f.verdict, Verdict::Clean, "{suffix}: {f:?}");
    assert_eq!(f.format, "raw-weights", "{suffix}");
    assert_eq!(f.findings.len(), 1, "{suffix}");
    assert_eq!(f.findings[0].rule, "raw-weights.described");
    assert!(
        f.findings[0].message.contains(descriptor),
        "{suffix}: {}",
        f.findings[0].message
    );
}

#[test]
fn openvino_ir_weights_are_raw_weights() {
    let r = scan(&format!("{}/openvino", fixtures()));
    assert_described(&r, "openvino/openvino_model.bin", "openvino_model.xml");
    assert_eq!(r.summary.errors, 0, "{:#?}", r.files);
}

#[test]
fn tfjs_shards_listed_in_the_manifest_are_raw_weights_and_others_are_not() {
    let r = scan(&format!("{}/tfjs", fixtures()));
    assert_described(&r, "tfjs/group1-shard1of2.bin", "model.json");
    assert_described(&r, "tfjs/group1-shard2of2.bin", "model.json");
    assert_eq!(file(&r, "tfjs/orphan.bin").verdict, Verdict::Error);
}

#[test]
fn onnx_external_data_in_a_subdirectory_is_raw_weights() {
    let r = scan(&format!("{}/onnx", fixtures()));
    assert_eq!(file(&r, "onnx/model.onnx").verdict, Verdict::Clean);
    assert_described(&r, "onnx/weights/w.bin", "model.onnx");
}

#[test]
fn legacy_ggml_files_are_recognised_by_magic_and_version() {
    let r = scan(&format!("{}/ggml", fixtures()));
    let good = file(&r, "ggml-model-q4_0.bin");
    assert_eq!(
        (good.format.as_str(), good.verdict),
        ("ggml", Verdict::Clean)
    );
    assert_eq!(good.findings[0].rule, "ggml.legacy");
    let bad = file(&r, "ggml-bad-version.bin");
    assert_eq!((bad.format.as_str(), bad.verdict), ("ggml", Verdict::Error));
}

#[test]
fn a_descriptor_does_not_launder_what_a_file_really_is() {
    let r = scan(&format!("{}/disguised", fixtures()));
    let payload = file(&r, "disguised/payload.bin");
    assert_eq!(payload.format, "pickle");
    assert_eq!(payload.verdict, Verdict::Malicious);
    assert_eq!(
        file(&r, "archive.bin").verdict,
        Verdict::Clean,
        "the zip itself"
    );
    assert_eq!(
        file(&r, "archive.bin!/evil.pkl").verdict,
        Verdict::Malicious
    );
    assert!(r.files.iter().all(|f| f.format != "raw-weights"));
}

#[test]
fn raw_bytes_no_parsed_descriptor_names_stay_errors() {
    for dir in ["lonely", "notnet"] {
        let r = scan(&format!("{}/{dir}", fixtures()));
        let bin = r
            .files
            .iter()
            .find(|f| f.path.ends_with(".bin"))
            .expect("a .bin");
        assert_eq!(bin.verdict, Verdict::Error, "{dir}: {bin:?}");
        assert_eq!(bin.format, "unknown");
    }
    // A raw file scanned without its descriptor is not described.
    let r = scan(&format!("{}/openvino/openvino_model.bin", fixtures()));
    assert_eq!(r.files[0].verdict, Verdict::Error);
}

#[test]
fn the_whole_fixture_tree_in_one_scan() {
    let r = scan(&fixtures());
    let raw = r.files.iter().filter(|f| f.format == "raw-weights").count();
    assert_eq!(raw, 4, "{:#?}", r.files);
    // orphan.bin, ggml-bad-version.bin, notnet/model.bin, lonely/pytorch_model.bin.
    assert_eq!(r.summary.errors, 4, "{:#?}", r.files);
}

#[test]
fn hashes_survive_the_rewrite() {
    let opts = ScanOptions {
        hash: true,
        ..ScanOptions::default()
    };
    let r = Scanner::new(opts).scan(&[format!("{}/openvino", fixtures())]);
    assert!(file(&r, "openvino_model.bin").sha256.is_some());
}
