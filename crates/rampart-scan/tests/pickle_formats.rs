//! Pickle-based formats end to end through the `Scanner`, on fixtures built here byte by
//! byte (the corpus script `bench/scan/make_corpus.py` builds the larger evaluation set).

use rampart_scan::zipread::build::{Entry, zip};
use rampart_scan::{FileReport, ScanOptions, Scanner, Severity, Verdict};

const PAYLOAD_P2: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";
const STATE_DICT_P2: &[u8] =
    b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00wq\x02ctorch._utils\n_rebuild_tensor_v2\nq\x03((X\x07\x00\x00\x00storageq\x04ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x04tq\x08QK\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)Rtq\tRq\ns.";
const LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";

fn scan_bytes(name: &str, bytes: &[u8]) -> FileReport {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("fixture written");
    let report = Scanner::new(ScanOptions::default()).scan(&[path.display().to_string()]);
    report.files.into_iter().next().expect("one report")
}

fn rules(r: &FileReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.rule.as_str()).collect()
}

fn legacy(sys_info: &[u8], model: &[u8]) -> Vec<u8> {
    let mut out = LEGACY_MAGIC.to_vec();
    out.extend(b"\x80\x02M\xe9\x03.");
    out.extend(sys_info);
    out.extend(model);
    out.extend(b"\x80\x02]q\x00X\x01\x00\x00\x000q\x01a.");
    // Tensor bytes: an int64 element count then float32 data. The data deliberately starts
    // like a pickle (0x80 0x02) to prove that it is never walked.
    out.extend(4i64.to_le_bytes());
    out.extend(b"\x80\x02\x00\x00");
    out.extend([0u8; 12]);
    out
}

#[test]
fn benign_state_dict_pickle_is_clean() {
    let r = scan_bytes("sd.pkl", STATE_DICT_P2);
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", r.findings);
    assert_eq!(r.format, "pickle");
}

#[test]
fn legacy_checkpoint_tensor_bytes_are_not_walked() {
    let r = scan_bytes("legacy.pt", &legacy(b"\x80\x02}q\x00.", STATE_DICT_P2));
    assert_eq!(r.format, "pytorch-legacy");
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", r.findings);
}

#[test]
fn legacy_checkpoint_payload_in_sys_info_pickle_is_caught() {
    let r = scan_bytes("legacy.pt", &legacy(PAYLOAD_P2, STATE_DICT_P2));
    assert_eq!(r.verdict, Verdict::Malicious);
    assert!(rules(&r).contains(&"pickle.dangerous-import"));
}

#[test]
fn torch_zip_pickle_found_by_content_not_name() {
    let benign = zip(
        &[
            Entry::new("archive/data.pkl", STATE_DICT_P2),
            Entry::new("archive/data/0", &[0u8; 16]),
        ],
        true,
    );
    let r = scan_bytes("model.pt", &benign);
    assert_eq!(r.format, "pytorch");
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", r.findings);
    // The payload hides in a member that looks like tensor data.
    let evil = zip(
        &[
            Entry::new("archive/data.pkl", STATE_DICT_P2),
            Entry::new("archive/data/0", PAYLOAD_P2),
        ],
        true,
    );
    let r = scan_bytes("model.pt", &evil);
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", r.findings);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "pickle.dangerous-import")
        .expect("import finding");
    assert!(
        f.location
            .as_deref()
            .unwrap_or("")
            .starts_with("archive/data/0: ")
    );
}

#[test]
fn torch_zip_without_central_directory_is_still_scanned() {
    let evil = zip(&[Entry::new("archive/data.pkl", PAYLOAD_P2)], false);
    let r = scan_bytes("model.pt", &evil);
    assert_eq!(r.verdict, Verdict::Malicious);
    assert!(rules(&r).contains(&"zip.central-directory-missing"));
}

fn npy(descr: &str, shape: &str, body: &[u8]) -> Vec<u8> {
    let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((h.len() as u16).to_le_bytes());
    out.extend(h.as_bytes());
    out.extend(body);
    out
}

#[test]
fn numpy_object_array_pickle_is_walked_and_numeric_data_is_not() {
    let r = scan_bytes("a.npy", &npy("<f4", "(4,)", b"\x80\x02cos\nsystem\n"));
    // 12 bytes of data for a 16-byte array: a size mismatch, but never a pickle walk.
    assert_eq!(r.format, "numpy");
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", r.findings);
    assert_eq!(rules(&r), ["numpy.size-mismatch"]);
    let r = scan_bytes("a.npy", &npy("|O", "(1,)", PAYLOAD_P2));
    assert_eq!(r.verdict, Verdict::Malicious);
    let inner = npy("|O", "(1,)", PAYLOAD_P2);
    let npz = zip(
        &[
            Entry::new("ok.npy", &npy("<f8", "(1,)", &[0u8; 8])),
            Entry::new("evil.npy", &inner),
        ],
        true,
    );
    let r = scan_bytes("a.npz", &npz);
    assert_eq!(r.format, "numpy-npz");
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", r.findings);
}

/// A joblib stream: NumpyArrayWrapper + BUILD, padding, 3 float64, then more opcodes.
fn joblib(tail: &[u8]) -> Vec<u8> {
    let s = |t: &str| {
        let mut v = vec![0x8c, t.len() as u8];
        v.extend(t.as_bytes());
        v
    };
    let mut p = b"\x80\x04}".to_vec();
    p.extend(s("w"));
    p.extend(b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(");
    p.extend(s("shape"));
    p.extend(b"K\x03\x85");
    p.extend(s("dtype"));
    p.extend(b"cnumpy\ndtype\n");
    p.extend(s("f8"));
    p.extend(b"\x89\x88\x87R");
    p.extend(s("numpy_array_alignment_bytes"));
    p.extend(b"K\x10ub");
    let pad = (16 - (p.len() + 1) % 16) % 16;
    p.push(pad as u8);
    p.extend(std::iter::repeat_n(0xFFu8, pad));
    // Array bytes that would be invalid opcodes if walked.
    p.extend([0xFFu8; 24]);
    p.extend(b"s");
    p.extend(tail);
    p.push(b'.');
    p
}

#[test]
fn joblib_inline_array_bytes_are_skipped() {
    let r = scan_bytes("m.joblib", &joblib(b""));
    assert_eq!(r.format, "joblib");
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", r.findings);
    let r = scan_bytes(
        "m.joblib",
        &joblib(b"\x8c\x01p\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85Rs"),
    );
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", r.findings);
}

#[test]
fn zlib_compressed_pickle_is_inflated_and_walked() {
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(PAYLOAD_P2).expect("compress");
    let r = scan_bytes("m.joblib", &enc.finish().expect("compress"));
    assert_eq!(r.format, "joblib-zlib");
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn legacy_tar_checkpoint_members_are_walked() {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in [
        ("sys_info", &b"\x80\x02}q\x00."[..]),
        ("pickle", PAYLOAD_P2),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).expect("tar entry");
    }
    let bytes = b.into_inner().expect("tar");
    let r = scan_bytes("old.tar", &bytes);
    assert_eq!(r.format, "pytorch-tar");
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", r.findings);
}

#[test]
fn regression_int_base_prefix_does_not_stop_the_walk() {
    let r = scan_bytes("p.pkl", b"I0x10\n0cos\nsystem\n(S'id'\ntR.");
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", r.findings);
    assert!(!rules(&r).contains(&"pickle.malformed"));
}

#[test]
fn regression_unknown_class_is_suspicious_not_clean() {
    let r = scan_bytes("p.pkl", b"\x80\x02cmypkg.models\nNet\n)\x81.");
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert_eq!(r.max_severity(), Some(Severity::Medium));
}

#[test]
fn text_files_are_not_pickles() {
    let r = scan_bytes("README.md", b"# Model card\n\nThis model is great.\n");
    assert_eq!(r.format, "unknown");
}

/// Issue 18: a legacy checkpoint is recognised by what the unpickler accepts, so the
/// magic number may be spelled any way `pickle.load` parses to the same integer.
#[test]
fn legacy_magic_spelled_any_way_the_unpickler_accepts() {
    for magic in [
        &b"I0x1950a86a20f9469cfc6c\n."[..],
        b"I0o31241241521017450647176154\n.",
        b"I0X1950_A86A_20F9_469C_FC6C\n.",
        b"L119547037146038801333356L\n.",
        b"\x80\x04\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.",
    ] {
        let mut benign = legacy(b"\x80\x02}q\x00.", STATE_DICT_P2);
        benign.splice(..LEGACY_MAGIC.len(), magic.iter().copied());
        let r = scan_bytes("legacy.pt", &benign);
        assert_eq!(r.format, "pytorch-legacy", "{magic:?}");
        assert_eq!(r.verdict, Verdict::Clean, "{magic:?}: {:?}", r.findings);

        let mut evil = legacy(b"\x80\x02}q\x00.", PAYLOAD_P2);
        evil.splice(..LEGACY_MAGIC.len(), magic.iter().copied());
        let r = scan_bytes("legacy.pt", &evil);
        assert_eq!(r.format, "pytorch-legacy", "{magic:?}");
        assert_eq!(r.verdict, Verdict::Malicious, "{magic:?}");
    }
}

/// Issue 18: a file that claims to be a pickle and parses only partly is high, so the
/// default `--fail-on high` gate refuses it.
#[test]
fn partly_parsed_pickle_is_high_not_suspicious() {
    let r = scan_bytes("p.pkl", b"\x80\x02]q\x00(K\x01K\x02\xfe\xfe\xfe");
    assert_eq!(r.format, "pickle");
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", r.findings);
    assert!(rules(&r).contains(&"pickle.malformed"));
}
