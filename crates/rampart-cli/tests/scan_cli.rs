//! `rampart scan` end to end: the real binary on fixtures generated here, and on remote
//! targets served by local servers that speak the real protocols.
// Test scaffolding (fixtures, the local servers): a failure to set it up aborts the test.
#![allow(clippy::unwrap_used)]

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

/// Issue 20, defect 9: archive member names, file names and the imports a pickle names
/// are chosen by whoever made the file; the human table escapes what a terminal would
/// act on (JSON keeps the exact text).
#[test]
fn human_output_escapes_terminal_control_characters_from_the_scanned_content() {
    let dir = tempfile::tempdir().unwrap();
    let pickle = b"cos\x1b]0;pwned\x07\nsystem\n(S'id'\ntR.";
    let member = "evil\x1b[2J\u{202e}lkp.pkl";
    let archive = zip(&[Entry::new(member, pickle)], true);
    let path = write(dir.path(), "bundle\x1b[31m.zip", &archive);
    let out = rampart(&["scan", &path]);
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8(out.stdout).unwrap();
    for raw in ['\x1b', '\x07', '\u{202e}'] {
        assert!(!table.contains(raw), "raw {raw:?} in {table:?}");
    }
    assert!(
        table.contains(r"bundle\x1b[31m.zip!/evil\x1b[2J\u{202e}lkp.pkl"),
        "{table}"
    );
    assert!(table.contains(r"os\x1b]0;pwned\x07"), "{table}");
    let (_, v) = json(&[&path]);
    let exact_member = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .any(|p| p.ends_with(&format!("!/{member}")));
    assert!(exact_member, "{v}");
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

// Remote targets end to end: the binary against local servers that speak the real
// protocols, configured the way a user configures it (environment variables and flags).

const TEST_ACCESS_KEY: &str = "AKIARAMPARTCLITEST01";
const TEST_SECRET_KEY: &str = "rampart-cli-test-secret-not-a-secret";

/// Run `f` on a one-worker runtime in a background thread; `f` binds a listener on
/// 127.0.0.1 and serves it. Returns the bound address.
fn serve_in_background<F, Fut>(f: F) -> std::net::SocketAddr
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            f(listener).await;
        });
    });
    rx.recv().unwrap()
}

/// A real S3-compatible server (s3s over s3s-fs, SigV4 with the test key) whose bucket
/// `models` holds `objects`.
fn start_s3(objects: &[(&str, &[u8])]) -> (tempfile::TempDir, String) {
    let root = tempfile::tempdir().unwrap();
    for (key, bytes) in objects {
        let p = root.path().join("models").join(key);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        TEST_ACCESS_KEY,
        TEST_SECRET_KEY,
    ));
    let service = builder.build();
    let addr = serve_in_background(move |listener| async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (root, format!("http://{addr}"))
}

/// `rampart scan --format json ARGS` with AWS settings pointing at `endpoint`, and proxy
/// variables naming a dead address: the object-store client must ignore them (issue 20,
/// defect 13: a proxy resolves names itself, past the SSRF resolver), so every S3 test
/// would fail if they were used.
fn scan_s3(endpoint: &str, secret: &str, args: &[&str]) -> (i32, serde_json::Value) {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["scan", "--format", "json"])
        .args(args)
        .env("NO_COLOR", "1")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("HOME", home.path())
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .output()
        .expect("the rampart binary runs");
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), v)
}

#[test]
fn s3_prefix_scan_reports_each_object_and_exits_by_the_contract() {
    let (_root, endpoint) = start_s3(&[
        ("team/evil.pkl", EVIL_PROTO0),
        ("team/ok.pkl", BENIGN_STATE_DICT),
    ]);
    let (code, v) = scan_s3(
        &endpoint,
        TEST_SECRET_KEY,
        &["--allow-private-network", "s3://models/team"],
    );
    assert_eq!(code, 1, "{v}");
    let files = v["files"].as_array().unwrap();
    let verdict = |path: &str| {
        files
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["verdict"].clone())
    };
    assert_eq!(
        verdict("s3://models/team/evil.pkl"),
        Some("malicious".into()),
        "{v}"
    );
    assert_eq!(
        verdict("s3://models/team/ok.pkl"),
        Some("clean".into()),
        "{v}"
    );
    assert_eq!(v["summary"]["scanned"], 2);

    let (code, v) = scan_s3(
        &endpoint,
        TEST_SECRET_KEY,
        &["--allow-private-network", "s3://models/team/ok.pkl"],
    );
    assert_eq!(
        (code, v["files"][0]["verdict"].clone()),
        (0, "clean".into()),
        "{v}"
    );
}

#[test]
fn s3_bad_credentials_missing_bucket_and_private_endpoint_exit_2() {
    let (_root, endpoint) = start_s3(&[("team/ok.pkl", BENIGN_STATE_DICT)]);
    let (code, v) = scan_s3(
        &endpoint,
        "wrong-secret",
        &["--allow-private-network", "s3://models/team"],
    );
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["files"][0]["verdict"], "error");
    assert!(
        v["files"][0]["error"]
            .as_str()
            .unwrap()
            .contains("access denied"),
        "{v}"
    );
    assert!(!v.to_string().contains("wrong-secret"));

    let (code, v) = scan_s3(
        &endpoint,
        TEST_SECRET_KEY,
        &["--allow-private-network", "s3://no-such-bucket/x"],
    );
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["files"][0]["path"], "s3://no-such-bucket/x");

    let (code, v) = scan_s3(&endpoint, TEST_SECRET_KEY, &["s3://models/team"]);
    assert_eq!(code, 2, "{v}");
    let error = v["files"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("AWS_ENDPOINT_URL") && error.contains("127.0.0.1"),
        "{error}"
    );
}

#[test]
fn s3_credentials_and_region_come_from_the_aws_profile_files() {
    let (_root, endpoint) = start_s3(&[("team/evil.pkl", EVIL_PROTO0)]);
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!(
            "[default]\naws_access_key_id = AKIAWRONGDEFAULT0001\naws_secret_access_key = nope\n\n\
             [scanner]\naws_access_key_id = {TEST_ACCESS_KEY}\naws_secret_access_key = {TEST_SECRET_KEY}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile scanner]\nregion = us-east-1\n",
    )
    .unwrap();
    let run = |profile: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["scan", "--format", "json", "--allow-private-network"])
            .arg("s3://models/team")
            .env("HOME", home.path())
            .env("AWS_PROFILE", profile)
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env_remove("AWS_CONFIG_FILE")
            .output()
            .expect("the rampart binary runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code().unwrap_or(-1), v)
    };
    let (code, v) = run("scanner");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["files"][0]["path"], "s3://models/team/evil.pkl");
    // The default profile's keys are wrong: the server refuses them.
    let (code, v) = run("default");
    assert_eq!(code, 2, "{v}");
    let error = v["files"][0]["error"].as_str().unwrap();
    assert!(error.contains("access denied"), "{error}");
}

const HUB_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// A mock Hugging Face Hub with one repository, `acme/tiny`, holding `evil.pkl`: the
/// repository-info API and `resolve` with byte ranges, as the Hub documents them.
fn start_hub() -> String {
    use axum::extract::Path as UrlPath;
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::IntoResponse;
    async fn info(
        UrlPath((org, name, rev)): UrlPath<(String, String, String)>,
    ) -> axum::response::Response {
        if (org.as_str(), name.as_str(), rev.as_str()) != ("acme", "tiny", "main") {
            return (
                StatusCode::NOT_FOUND,
                "{\"error\":\"Repository not found\"}",
            )
                .into_response();
        }
        let body = serde_json::json!({"id": "acme/tiny", "sha": HUB_SHA,
            "siblings": [{"rfilename": "evil.pkl"}]});
        (
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
    async fn resolve(
        UrlPath((_org, _name, rev, path)): UrlPath<(String, String, String, String)>,
        headers: HeaderMap,
    ) -> axum::response::Response {
        if rev != HUB_SHA || path != "evil.pkl" {
            return StatusCode::NOT_FOUND.into_response();
        }
        let data = EVIL_PROTO0;
        let start: usize = headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes="))
            .and_then(|v| v.split('-').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
            .min(data.len() - 1);
        (
            StatusCode::PARTIAL_CONTENT,
            [(
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{}", data.len() - 1, data.len()),
            )],
            data[start..].to_vec(),
        )
            .into_response()
    }
    let app = axum::Router::new()
        .route(
            "/api/models/{org}/{name}/revision/{rev}",
            axum::routing::get(info),
        )
        .route(
            "/{org}/{name}/resolve/{rev}/{*path}",
            axum::routing::get(resolve),
        );
    let addr = serve_in_background(move |listener| async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}")
}

#[test]
fn hf_target_reads_hf_endpoint_and_reports_pinned_paths() {
    let endpoint = start_hub();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["scan", "--format", "json"])
            .args(args)
            .env("HF_ENDPOINT", &endpoint)
            .env_remove("HF_TOKEN")
            .output()
            .expect("the rampart binary runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code().unwrap_or(-1), v)
    };
    let (code, v) = run(&["--allow-private-network", "hf://acme/tiny"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        v["files"][0]["path"],
        format!("hf://acme/tiny@{HUB_SHA}/evil.pkl")
    );
    assert_eq!(v["files"][0]["verdict"], "malicious");
    assert_eq!(v["files"][0]["format"], "pickle");

    let (code, v) = run(&["--allow-private-network", "hf://acme/missing"]);
    assert_eq!(code, 2, "{v}");
    assert!(
        v["files"][0]["error"]
            .as_str()
            .unwrap()
            .contains("not found")
    );

    // The mock is on loopback: refused without the flag.
    let (code, v) = run(&["hf://acme/tiny"]);
    assert_eq!(code, 2, "{v}");
    assert!(
        v["files"][0]["error"]
            .as_str()
            .unwrap()
            .contains("--allow-private-network")
    );

    // Allowing the mirror's own host is enough; allowing another one is not.
    let host = endpoint
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap();
    let (code, v) = run(&["--allow-private-host", host, "hf://acme/tiny"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["files"][0]["verdict"], "malicious");
    let (code, v) = run(&[
        "--allow-private-host",
        "models.corp.local",
        "hf://acme/tiny",
    ]);
    assert_eq!(code, 2, "{v}");
    assert!(
        v["files"][0]["error"]
            .as_str()
            .unwrap()
            .contains("--allow-private-host")
    );
}

#[test]
fn git_target_without_a_git_program_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["scan", "--format", "json", "--allow-private-network"])
        .arg("git+http://127.0.0.1:9/org/repo.git")
        .env("PATH", "/nonexistent")
        .output()
        .expect("the rampart binary runs");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["path"], "git+http://127.0.0.1:9/org/repo.git");
    let error = v["files"][0]["error"].as_str().unwrap();
    assert!(error.contains("need the `git` program"), "{error}");
}

/// Issue 20, defect 13: `git remote add` was given `https://TOKEN@host/…`, readable by any
/// local user in `/proc/PID/cmdline`. A `git` on PATH that logs its arguments and
/// environment shows the token only in the environment, and no proxy variable reaches git.
#[cfg(unix)]
#[test]
fn git_token_never_appears_on_the_git_command_line() {
    use std::os::unix::fs::PermissionsExt;
    let real_git = ["/usr/bin/git", "/usr/local/bin/git"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("argv.log");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{log}'\nenv | grep -E '^GIT_CONFIG|_proxy=|_PROXY=' | sed 's/^/ENV /' >> '{log}'\n{}\n",
        match real_git {
            Some(git) => format!("exec {git} \"$@\""),
            None => "exit 1".to_owned(),
        },
        log = log.display()
    );
    let fake = dir.path().join("git");
    std::fs::write(&fake, script).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["scan", "--format", "json", "--allow-private-network"])
        .arg("git+https://x-access-token:ghs_s3cretT0ken@127.0.0.1:9/org/repo.git")
        // The fake git first; the tools its script uses after it.
        .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "the server does not exist");
    let logged = std::fs::read_to_string(&log).unwrap();
    let argv: Vec<&str> = logged.lines().filter(|l| !l.starts_with("ENV ")).collect();
    assert!(
        argv.iter()
            .any(|l| l.contains("remote add origin https://127.0.0.1:9/org/repo.git")),
        "{logged}"
    );
    for line in &argv {
        assert!(
            !line.contains("ghs_s3cretT0ken") && !line.contains("x-access-token"),
            "credential on the command line: {line}"
        );
    }
    // base64("x-access-token:ghs_s3cretT0ken")
    assert!(
        logged.contains(
            "ENV GIT_CONFIG_VALUE_0=Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hzX3MzY3JldFQwa2Vu"
        ),
        "{logged}"
    );
    assert!(!logged.to_ascii_lowercase().contains("_proxy="), "{logged}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("ghs_s3cretT0ken"), "{stdout}");
}

/// Issue 20, defect 13: with `HTTPS_PROXY` set, reqwest handed the host name to the proxy,
/// so the SSRF resolver never saw the address it resolves to. A proxy listener that counts
/// connections must see none, and the private address must be refused as without a proxy.
#[test]
fn proxy_variables_do_not_bypass_the_ssrf_guard() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        // Count and close at once, so a client that does use the proxy fails fast.
        for stream in proxy.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    for target in [
        "https://localhost:9/model.safetensors",
        "http://localhost:9/model.safetensors",
        "hf://org/model",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["scan", "--format", "json", target])
            .env("HTTPS_PROXY", &proxy_url)
            .env("HTTP_PROXY", &proxy_url)
            .env("ALL_PROXY", &proxy_url)
            .env("HF_ENDPOINT", "https://localhost:9")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{target}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let error = v["files"][0]["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("--allow-private-network"),
            "{target}: refused by the SSRF guard, not a proxy error: {error}"
        );
    }
    assert_eq!(seen.load(Ordering::SeqCst), 0, "the proxy was used");
}
