//! `rampart scan` end to end: the real binary on fixtures generated here.

use rampart_scan::zipread::build::{Entry, zip};
use std::path::Path;
use std::process::{Command, Output};

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the rampart binary runs")
}

fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let out = rampart(&all);
    let code = out.status.code().unwrap_or(-1);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (code, v)
}

const EVIL_PROTO0: &[u8] = b"cos\nsystem\n(S'id'\ntR.";
const BENIGN_STATE_DICT: &[u8] = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01.";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("fixture written");
    p.display().to_string()
}

#[test]
fn malicious_pickle_exits_1_and_benign_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let evil = write(dir.path(), "weights.txt", EVIL_PROTO0);
    let ok = write(dir.path(), "ok.pkl", BENIGN_STATE_DICT);
    let (code, v) = json(&[&evil]);
    assert_eq!(code, 1);
    assert_eq!(v["files"][0]["verdict"], "malicious");
    assert_eq!(v["files"][0]["format"], "pickle");
    assert_eq!(
        v["files"][0]["findings"][0]["rule"],
        "pickle.dangerous-import"
    );
    let (code, v) = json(&[&ok]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["files"][0]["verdict"], "clean");
}

#[test]
fn pytorch_zip_with_name_mismatch_and_payload_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let payload = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";
    let mut pkl = Entry::new("archive/data.pkl", payload);
    pkl.local_name = Some(b"archive/harmless.txt");
    pkl.crc = Some(0);
    let bytes = zip(
        &[
            pkl,
            Entry::new("archive/byteorder", b"little"),
            Entry::new("archive/data/0", &[0u8; 64]),
        ],
        true,
    );
    let path = write(dir.path(), "model.pt", &bytes);
    let (code, v) = json(&[&path]);
    assert_eq!(code, 1, "{v}");
    let f = &v["files"][0];
    assert_eq!(f["format"], "pytorch");
    let rules: Vec<&str> = f["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"pickle.dangerous-import"), "{rules:?}");
    assert!(rules.contains(&"zip.name-mismatch"), "{rules:?}");
    assert!(rules.contains(&"zip.bad-crc"), "{rules:?}");
}

#[test]
fn fail_on_threshold_controls_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    // An unknown class: a medium finding.
    let path = write(dir.path(), "m.pkl", b"\x80\x02cmypkg.models\nNet\n)\x81.");
    let (code, v) = json(&[&path]);
    assert_eq!(code, 0);
    assert_eq!(v["files"][0]["verdict"], "suspicious");
    let (code, _) = json(&["--fail-on", "medium", &path]);
    assert_eq!(code, 1);
}

#[test]
fn nothing_scanned_or_unreadable_target_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, v) = json(&[&dir.path().display().to_string()]);
    assert_eq!(code, 2);
    assert_eq!(v["summary"]["scanned"], 0);
    let (code, v) = json(&["/no/such/model.pt"]);
    assert_eq!(code, 2);
    assert_eq!(v["files"][0]["verdict"], "error");
}

#[test]
fn hash_flag_adds_sha256_and_human_output_is_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "ok.pkl", BENIGN_STATE_DICT);
    let (_, v) = json(&["--hash", &path]);
    assert_eq!(v["files"][0]["sha256"].as_str().map(str::len), Some(64));
    let out = rampart(&["scan", &path]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("VERDICT"), "{text}");
    assert!(text.contains("clean"));
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn sarif_and_cyclonedx_reports_carry_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let evil = write(dir.path(), "evil.pkl", EVIL_PROTO0);
    let out = rampart(&["scan", "--format", "sarif", &evil]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(
        v["runs"][0]["results"][0]["ruleId"],
        "pickle.dangerous-import"
    );
    let out = rampart(&["scan", "--format", "cyclonedx", "--hash", &evil]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["bomFormat"], "CycloneDX");
    assert!(v.to_string().contains("pickle.dangerous-import"));
}
