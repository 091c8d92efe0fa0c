//! `s3://` against a real S3-compatible server: `s3s` with its file-system backend
//! (`s3s-fs`) on 127.0.0.1, verifying AWS Signature V4 with a test access key. Objects are
//! uploaded through `object_store`'s S3 client, then scanned through the public API.

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as StorePath;
use object_store::{ObjectStoreExt, PutPayload};
use rampart_scan::sources::{RemoteOptions, scan_remote, scan_targets};
use rampart_scan::{ScanOptions, Scanner, Verdict};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const ACCESS_KEY: &str = "AKIARAMPARTTEST00001";
const SECRET_KEY: &str = "rampart-test-secret-not-a-secret";
const EVIL_PICKLE: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";

struct S3Server {
    endpoint: String,
    /// Body bytes of object GETs, from their `Content-Length`.
    bytes_served: Arc<AtomicU64>,
    _root: tempfile::TempDir,
}

/// Start s3s on 127.0.0.1 with SigV4 auth over a fresh directory holding `buckets`.
fn start_s3(buckets: &[&str]) -> S3Server {
    let root = tempfile::tempdir().unwrap();
    for b in buckets {
        std::fs::create_dir(root.path().join(b)).unwrap();
    }
    let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let bytes_served = Arc::new(AtomicU64::new(0));
    let counter = bytes_served.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let service = service.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let counting = hyper::service::service_fn(move |req| {
                        let service = service.clone();
                        let counter = counter.clone();
                        async move {
                            let is_get = req.method() == hyper::Method::GET;
                            let resp = hyper::service::Service::call(&service, req).await?;
                            if is_get
                                && let Some(n) = resp
                                    .headers()
                                    .get(hyper::header::CONTENT_LENGTH)
                                    .and_then(|v| v.to_str().ok())
                                    .and_then(|v| v.parse::<u64>().ok())
                            {
                                counter.fetch_add(n, Ordering::Relaxed);
                            }
                            Ok::<_, s3s::HttpError>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), counting)
                        .await;
                });
            }
        });
    });
    S3Server {
        endpoint: format!("http://{}", rx.recv().unwrap()),
        bytes_served,
        _root: root,
    }
}

/// Upload objects with a real S3 client (object_store's, signing with SigV4).
fn upload(server: &S3Server, bucket: &str, objects: &[(&str, Vec<u8>)]) {
    let store = AmazonS3Builder::new()
        .with_endpoint(&server.endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_bucket_name(bucket)
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for (key, bytes) in objects {
            store
                .put(&StorePath::from(*key), PutPayload::from(bytes.clone()))
                .await
                .unwrap();
        }
    });
}

fn opts(server: &S3Server, secret: &str, allow_private: bool) -> RemoteOptions {
    let kv = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    RemoteOptions {
        allow_private_network: allow_private,
        store_options: vec![
            kv("aws_endpoint", &server.endpoint),
            kv("aws_allow_http", "true"),
            kv("aws_region", "us-east-1"),
            kv("aws_access_key_id", ACCESS_KEY),
            kv("aws_secret_access_key", secret),
        ],
        ..RemoteOptions::default()
    }
}

fn models_bucket() -> S3Server {
    let server = start_s3(&["models"]);
    upload(
        &server,
        "models",
        &[
            ("team/evil.pkl", EVIL_PICKLE.to_vec()),
            // 8 MiB of tensor data that must not be downloaded.
            ("team/sub/model.safetensors", super::safetensors(8 << 20)),
            ("other/outside.pkl", EVIL_PICKLE.to_vec()),
        ],
    );
    server
}

#[test]
fn s3_prefix_is_listed_and_each_object_scanned_by_ranges() {
    let server = models_bucket();
    let scanner = Scanner::new(ScanOptions::default());
    let reports = scan_remote(
        &scanner,
        "s3://models/team",
        &opts(&server, SECRET_KEY, true),
    );
    let by_path: HashMap<&str, _> = reports.iter().map(|r| (r.path.as_str(), r)).collect();
    assert_eq!(reports.len(), 2, "{reports:?}");
    let evil = by_path["s3://models/team/evil.pkl"];
    assert_eq!(evil.verdict, Verdict::Malicious, "{evil:?}");
    assert_eq!(evil.format, "pickle");
    assert!(
        evil.findings
            .iter()
            .any(|f| f.rule == "pickle.dangerous-import")
    );
    let st = by_path["s3://models/team/sub/model.safetensors"];
    assert_eq!(
        (st.format.as_str(), st.verdict),
        ("safetensors", Verdict::Clean)
    );
    // Metadata, not tensors: far less than the 8 MiB object crossed the wire.
    let served = server.bytes_served.load(Ordering::Relaxed);
    assert!(served < 1 << 20, "served {served} bytes");
}

#[test]
fn s3_key_names_one_object_and_whole_bucket_lists_everything() {
    let server = models_bucket();
    let scanner = Scanner::new(ScanOptions::default());
    let one = scan_remote(
        &scanner,
        "s3://models/team/evil.pkl",
        &opts(&server, SECRET_KEY, true),
    );
    assert_eq!(one.len(), 1, "{one:?}");
    assert_eq!(one[0].path, "s3://models/team/evil.pkl");
    assert_eq!(one[0].verdict, Verdict::Malicious);
    let all = scan_remote(&scanner, "s3://models", &opts(&server, SECRET_KEY, true));
    let mut paths: Vec<&str> = all.iter().map(|r| r.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "s3://models/other/outside.pkl",
            "s3://models/team/evil.pkl",
            "s3://models/team/sub/model.safetensors"
        ]
    );
}

#[test]
fn missing_bucket_bad_credentials_and_empty_prefix_are_per_target_errors() {
    let server = models_bucket();
    let scanner = Scanner::new(ScanOptions::default());
    let report = scan_targets(
        &scanner,
        &[
            "s3://no-such-bucket/x".to_owned(),
            "s3://models/nothing-here".to_owned(),
        ],
        &opts(&server, SECRET_KEY, true),
    );
    assert_eq!(report.files.len(), 2, "{:?}", report.files);
    let missing = report.files[0].error.as_deref().unwrap();
    assert!(missing.contains("s3://no-such-bucket/x"), "{missing}");
    assert!(missing.contains("bucket or object not found"), "{missing}");
    let empty = report.files[1].error.as_deref().unwrap();
    assert!(empty.contains("no objects found"), "{empty}");
    assert_eq!((report.summary.errors, report.summary.scanned), (2, 0));

    let denied = scan_remote(
        &scanner,
        "s3://models/team",
        &opts(&server, "wrong-secret", true),
    );
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0].verdict, Verdict::Error);
    let e = denied[0].error.as_deref().unwrap();
    assert!(e.contains("access denied"), "{e}");
    // Secrets never reach a report.
    assert!(
        !serde_json::to_string(&denied)
            .unwrap()
            .contains("wrong-secret")
    );
}

#[test]
fn loopback_endpoint_is_refused_without_allow_private_network() {
    let server = models_bucket();
    let scanner = Scanner::new(ScanOptions::default());
    let r = scan_remote(
        &scanner,
        "s3://models/team",
        &opts(&server, SECRET_KEY, false),
    );
    assert_eq!(r.len(), 1);
    let e = r[0].error.as_deref().unwrap();
    assert!(
        e.contains("127.0.0.1") && e.contains("--allow-private-network"),
        "{e}"
    );
    assert_eq!(server.bytes_served.load(Ordering::Relaxed), 0);
}
