//! Remote sources against local servers that speak the real protocols: an S3 server built
//! on `s3s` (`s3.rs`), git's smart HTTP protocol through `git http-backend` (`git.rs`) and,
//! here, a mock of the Hugging Face Hub built from its documented HTTP API:
//! `GET /api/models/{org}/{name}/revision/{rev}` (repository info with `sha` and
//! `siblings`), `GET /{org}/{name}/resolve/{sha}/{path}` (302 to a CDN path, as the Hub does
//! for LFS files) and byte ranges on the CDN (`206` with `Content-Range`).
#![cfg(feature = "remote")]
// Test scaffolding (the mock server): a failure to start it should abort the test.
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rampart_scan::sources::{RemoteOptions, scan_remote, scan_targets};
use rampart_scan::{ScanOptions, Scanner, Verdict};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(feature = "cloud")]
mod s3;

mod git;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const TOKEN: &str = "hf_test_token_not_a_secret";

struct Hub {
    files: HashMap<String, Vec<u8>>,
    private: bool,
    bytes_served: AtomicU64,
    range_requests: AtomicU64,
    /// Where `/resolve/` redirects: the Hub's own host (`None`), or another origin.
    cdn_origin: std::sync::Mutex<Option<String>>,
    /// CDN requests, and those of them that carried an `Authorization` header.
    cdn_requests: AtomicU64,
    cdn_requests_with_token: AtomicU64,
}

fn safetensors(data_len: usize) -> Vec<u8> {
    let header = format!(
        r#"{{"__metadata__":{{"format":"pt"}},"w":{{"dtype":"F32","shape":[{}],"data_offsets":[0,{}]}}}}"#,
        data_len / 4,
        data_len
    );
    let mut h = header.into_bytes();
    while h.len() % 8 != 0 {
        h.push(b' ');
    }
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend(h);
    out.resize(out.len() + data_len, 0);
    out
}

fn gguf_with_template(t: &str) -> Vec<u8> {
    let s = |out: &mut Vec<u8>, v: &str| {
        out.extend((v.len() as u64).to_le_bytes());
        out.extend(v.as_bytes());
    };
    let mut f = b"GGUF".to_vec();
    f.extend(3u32.to_le_bytes());
    f.extend(0u64.to_le_bytes());
    f.extend(1u64.to_le_bytes());
    s(&mut f, "tokenizer.chat_template");
    f.extend(8u32.to_le_bytes());
    s(&mut f, t);
    f
}

async fn repo_info(
    State(hub): State<Arc<Hub>>,
    Path((org, name, rev)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if hub.private
        && headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            != Some(&format!("Bearer {TOKEN}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            "{\"error\":\"Invalid credentials\"}",
        )
            .into_response();
    }
    if (org.as_str(), name.as_str()) != ("acme", "tiny") || !(rev == "main" || rev == SHA) {
        return (
            StatusCode::NOT_FOUND,
            "{\"error\":\"Repository not found\"}",
        )
            .into_response();
    }
    let mut names: Vec<&String> = hub.files.keys().collect();
    names.sort();
    let siblings: Vec<_> = names
        .iter()
        .map(|n| serde_json::json!({"rfilename": n, "size": hub.files[*n].len()}))
        .collect();
    let body = serde_json::json!({
        "_id": "66a0", "id": "acme/tiny", "modelId": "acme/tiny", "sha": SHA,
        "private": hub.private, "siblings": siblings,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn resolve(
    State(hub): State<Arc<Hub>>,
    Path((org, name, rev, path)): Path<(String, String, String, String)>,
) -> Response {
    if rev != SHA {
        return StatusCode::NOT_FOUND.into_response();
    }
    // The Hub redirects LFS files to its CDN with a 302.
    let origin = hub.cdn_origin.lock().unwrap().clone().unwrap_or_default();
    Response::builder()
        .status(StatusCode::FOUND)
        .header(
            header::LOCATION,
            format!("{origin}/cdn/{org}/{name}/{path}"),
        )
        .body(Body::empty())
        .unwrap_or_default()
}

async fn cdn(
    State(hub): State<Arc<Hub>>,
    Path((_org, _name, path)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    hub.cdn_requests.fetch_add(1, Ordering::Relaxed);
    if headers.contains_key(header::AUTHORIZATION) {
        hub.cdn_requests_with_token.fetch_add(1, Ordering::Relaxed);
    }
    let Some(data) = hub.files.get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
    let Some((start, end)) = range else {
        hub.bytes_served
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        return data.clone().into_response();
    };
    hub.range_requests.fetch_add(1, Ordering::Relaxed);
    if start >= data.len() {
        return Response::builder()
            .status(StatusCode::RANGE_NOT_SATISFIABLE)
            .header(header::CONTENT_RANGE, format!("bytes */{}", data.len()))
            .body(Body::empty())
            .unwrap_or_default();
    }
    let end = end.min(data.len() - 1);
    let body = data[start..=end].to_vec();
    hub.bytes_served
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    Response::builder()
        .status(StatusCode::PARTIAL_CONTENT)
        .header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{}", data.len()),
        )
        .header(header::ACCEPT_RANGES, "bytes")
        .body(Body::from(body))
        .unwrap_or_default()
}

/// Start the mock Hub on 127.0.0.1 in a background runtime; returns its base URL.
fn start_hub(hub: Arc<Hub>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route("/api/models/{org}/{name}/revision/{rev}", get(repo_info))
                .route("/{org}/{name}/resolve/{rev}/{*path}", get(resolve))
                .route("/cdn/{org}/{name}/{*path}", get(cdn))
                .with_state(hub);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

fn hub(private: bool) -> Arc<Hub> {
    let mut files = HashMap::new();
    // 64 MB of tensor data that must not be downloaded.
    files.insert("model.safetensors".to_owned(), safetensors(64 << 20));
    files.insert(
        "gguf/evil.gguf".to_owned(),
        gguf_with_template("{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
    );
    files.insert("README.md".to_owned(), b"# tiny\n".to_vec());
    Arc::new(Hub {
        files,
        private,
        bytes_served: AtomicU64::new(0),
        range_requests: AtomicU64::new(0),
        cdn_origin: std::sync::Mutex::new(None),
        cdn_requests: AtomicU64::new(0),
        cdn_requests_with_token: AtomicU64::new(0),
    })
}

fn opts(endpoint: &str, allow_private: bool, token: Option<&str>) -> RemoteOptions {
    RemoteOptions {
        allow_private_network: allow_private,
        hf_endpoint: endpoint.to_owned(),
        hf_token: token.map(str::to_owned),
        ..RemoteOptions::default()
    }
}

#[test]
fn hub_repository_is_listed_pinned_and_scanned_by_ranges() {
    let hub = hub(false);
    let endpoint = start_hub(hub.clone());
    let scanner = Scanner::new(ScanOptions::default());
    let reports = scan_remote(&scanner, "hf://acme/tiny", &opts(&endpoint, true, None));
    let by_path: HashMap<&str, _> = reports.iter().map(|r| (r.path.as_str(), r)).collect();
    let st = by_path[&format!("hf://acme/tiny@{SHA}/model.safetensors")[..]];
    assert_eq!(st.format, "safetensors");
    assert_eq!(st.verdict, Verdict::Clean, "{st:?}");
    let evil = by_path[&format!("hf://acme/tiny@{SHA}/gguf/evil.gguf")[..]];
    assert_eq!(evil.verdict, Verdict::Malicious);
    assert_eq!(
        by_path[&format!("hf://acme/tiny@{SHA}/README.md")[..]].format,
        "unknown"
    );
    // Metadata, not tensors: far less than the 64 MB file was transferred.
    let served = hub.bytes_served.load(Ordering::Relaxed);
    assert!(served < 2 << 20, "served {served} bytes");
    assert!(hub.range_requests.load(Ordering::Relaxed) >= 3);
}

#[test]
fn private_repository_needs_the_token() {
    let hub = hub(true);
    let endpoint = start_hub(hub);
    let scanner = Scanner::new(ScanOptions::default());
    let denied = scan_remote(
        &scanner,
        "hf://acme/tiny@main",
        &opts(&endpoint, true, None),
    );
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].verdict, Verdict::Error);
    assert!(denied[0].error.as_deref().unwrap().contains("HF_TOKEN"));
    let ok = scan_remote(
        &scanner,
        "hf://acme/tiny@main",
        &opts(&endpoint, true, Some(TOKEN)),
    );
    assert_eq!(ok.len(), 3, "{ok:?}");
    assert!(ok.iter().all(|r| r.verdict != Verdict::Error));
    // The token never appears in a report.
    let json = serde_json::to_string(&denied).unwrap() + &serde_json::to_string(&ok).unwrap();
    assert!(!json.contains(TOKEN));
}

/// The Hub redirects file reads to a CDN on another host: the token must not follow
/// (reqwest drops `Authorization` across hosts; this pins it). The CDN here is the same
/// server under another name, `localhost` instead of `127.0.0.1`.
#[test]
fn the_hub_token_does_not_follow_a_redirect_to_another_host() {
    let hub = hub(true);
    let endpoint = start_hub(hub.clone());
    *hub.cdn_origin.lock().unwrap() = Some(endpoint.replace("127.0.0.1", "localhost"));
    let scanner = Scanner::new(ScanOptions::default());
    let ok = scan_remote(
        &scanner,
        "hf://acme/tiny@main",
        &opts(&endpoint, true, Some(TOKEN)),
    );
    assert_eq!(ok.len(), 3, "{ok:?}");
    assert!(ok.iter().all(|r| r.verdict != Verdict::Error), "{ok:?}");
    assert!(hub.cdn_requests.load(Ordering::Relaxed) >= 3);
    assert_eq!(
        hub.cdn_requests_with_token.load(Ordering::Relaxed),
        0,
        "the token reached the other host"
    );
}

/// An internal mirror allowed by name (`--allow-private-host`) may redirect only to hosts
/// that are themselves allowed: a redirect to another private address (here the same
/// server by its IP literal, and the cloud metadata address) is refused at the hop, before
/// anything is sent there. The same redirect to the allowed name goes through, so the
/// refusal is the guard's and not a broken mirror.
#[test]
fn a_redirect_from_an_allowed_mirror_to_a_private_address_is_refused() {
    let hub = hub(false);
    let endpoint = start_hub(hub.clone()).replace("127.0.0.1", "localhost");
    let scanner = Scanner::new(ScanOptions::default());
    let listed = RemoteOptions {
        private_hosts: vec!["localhost".to_owned()],
        ..opts(&endpoint, false, None)
    };
    for origin in [
        endpoint.replace("localhost", "127.0.0.1"),
        "http://169.254.169.254".to_owned(),
    ] {
        *hub.cdn_origin.lock().unwrap() = Some(origin.clone());
        let reports = scan_remote(&scanner, "hf://acme/tiny", &listed);
        assert_eq!(reports.len(), 3, "{origin}: {reports:?}");
        for r in &reports {
            assert_eq!(r.verdict, Verdict::Error, "{origin}: {r:?}");
            let e = r.error.as_deref().unwrap();
            assert!(
                e.contains("private") && e.contains("redirect"),
                "{origin}: {e}"
            );
        }
        assert_eq!(hub.cdn_requests.load(Ordering::Relaxed), 0, "{origin}");
    }
    *hub.cdn_origin.lock().unwrap() = Some(endpoint.clone());
    let reports = scan_remote(&scanner, "hf://acme/tiny", &listed);
    assert!(
        reports.iter().all(|r| r.verdict != Verdict::Error),
        "{reports:?}"
    );
    assert!(hub.cdn_requests.load(Ordering::Relaxed) >= 3);
}

#[test]
fn unknown_repository_or_revision_is_an_error_entry() {
    let endpoint = start_hub(hub(false));
    let scanner = Scanner::new(ScanOptions::default());
    let r = scan_remote(&scanner, "hf://acme/nope", &opts(&endpoint, true, None));
    assert!(r[0].error.as_deref().unwrap().contains("not found"));
    let r = scan_remote(&scanner, "hf://acme/tiny@v9", &opts(&endpoint, true, None));
    assert_eq!(r[0].verdict, Verdict::Error);
}

#[test]
fn ssrf_guard_refuses_loopback_by_default() {
    let endpoint = start_hub(hub(false));
    let scanner = Scanner::new(ScanOptions::default());
    let r = scan_remote(&scanner, "hf://acme/tiny", &opts(&endpoint, false, None));
    assert_eq!(r.len(), 1);
    assert!(
        r[0].error.as_deref().unwrap().contains("private"),
        "{:?}",
        r[0]
    );
    let url = format!("{endpoint}/cdn/acme/tiny/model.safetensors");
    let r = scan_remote(&scanner, &url, &opts(&endpoint, false, None));
    assert!(
        r[0].error.as_deref().unwrap().contains("private"),
        "{:?}",
        r[0]
    );
    // A name that resolves to loopback is refused by the resolver, not only IP literals.
    let by_name = url.replace("127.0.0.1", "localhost");
    let r = scan_remote(&scanner, &by_name, &opts(&endpoint, false, None));
    assert_eq!(r[0].verdict, Verdict::Error);
    assert!(
        r[0].error.as_deref().unwrap().contains("private"),
        "{:?}",
        r[0]
    );
}

#[test]
fn https_url_targets_are_read_by_ranges_and_mixed_with_local_targets() {
    let hub = hub(false);
    let endpoint = start_hub(hub.clone());
    let dir = tempfile::tempdir().unwrap();
    // `.txt`: a `.bin` that no analyser accepts would be an `error` (issue 18).
    std::fs::write(dir.path().join("local.txt"), b"hello").unwrap();
    let scanner = Scanner::new(ScanOptions::default());
    let targets = vec![
        format!("{endpoint}/cdn/acme/tiny/gguf/evil.gguf?token=secret-query"),
        dir.path().display().to_string(),
    ];
    let report = scan_targets(&scanner, &targets, &opts(&endpoint, true, None));
    assert_eq!(report.files.len(), 2);
    assert_eq!(
        report.files[0].path,
        format!("{endpoint}/cdn/acme/tiny/gguf/evil.gguf")
    );
    assert_eq!(report.files[0].verdict, Verdict::Malicious);
    assert_eq!(report.summary.malicious, 1);
    assert_eq!(report.summary.scanned, 2);
}
