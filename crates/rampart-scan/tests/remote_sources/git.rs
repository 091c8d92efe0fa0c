//! `git+http://` against git's own smart HTTP server: `git http-backend` run as CGI behind
//! a small axum handler on 127.0.0.1, serving a bare repository this test builds.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use rampart_scan::sources::{RemoteOptions, scan_remote};
use rampart_scan::{ScanOptions, Scanner, Severity, Verdict};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const EVIL_PICKLE: &[u8] = b"cos\nsystem\n(S'id'\ntR.";
const LFS_POINTER: &str = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 4000000000\n";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A bare repository with two commits on `main`: the first (tagged `v1`) holds a
/// malicious pickle, the second replaces it with a benign file. Returns (root of the
/// served tree, first commit, second commit).
fn make_repo() -> (tempfile::TempDir, String, String) {
    let root = tempfile::tempdir().unwrap();
    let work = root.path().join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "--quiet"]);
    std::fs::create_dir(work.join("models")).unwrap();
    std::fs::write(work.join("models/evil.pkl"), EVIL_PICKLE).unwrap();
    std::fs::write(work.join("weights.bin"), LFS_POINTER).unwrap();
    std::fs::write(work.join("README.md"), "# demo\n").unwrap();
    git(&work, &["add", "."]);
    git(&work, &["commit", "--quiet", "-m", "first"]);
    git(&work, &["tag", "v1"]);
    let first = git(&work, &["rev-parse", "HEAD"]);
    // A benign pickle now (text named `.pkl` would be an `error`: unrecognised is not clean).
    std::fs::write(work.join("models/evil.pkl"), b"\x80\x04K\x01.").unwrap();
    git(&work, &["commit", "--quiet", "-am", "second"]);
    let second = git(&work, &["rev-parse", "HEAD"]);
    git(
        root.path(),
        &["clone", "--quiet", "--bare", "work", "repo.git"],
    );
    // Let clients fetch a commit by id, as the big forges do.
    git(
        &root.path().join("repo.git"),
        &["config", "uploadpack.allowAnySHA1InWant", "true"],
    );
    (root, first, second)
}

/// Run one request through `git http-backend` (CGI/1.1).
fn cgi(
    project_root: &Path,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Response {
    let mut cmd = Command::new("git");
    cmd.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", project_root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("REQUEST_METHOD", method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, value) in headers {
        cmd.env(name, value);
    }
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(body).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let split = out
        .stdout
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            out.stdout
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        })
        .unwrap();
    let head = String::from_utf8_lossy(&out.stdout[..split.0]).into_owned();
    let mut resp = Response::builder().status(StatusCode::OK);
    for line in head.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        if k.eq_ignore_ascii_case("status") {
            let code: u16 = v.split(' ').next().unwrap().parse().unwrap();
            resp = resp.status(code);
        } else {
            resp = resp.header(k, v);
        }
    }
    resp.body(Body::from(out.stdout[split.1..].to_vec()))
        .unwrap()
}

/// Serve `project_root` over git's smart HTTP protocol; returns the base URL.
fn start_git_server(project_root: PathBuf) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().fallback(move |req: Request<Body>| {
                let root = project_root.clone();
                async move {
                    let (parts, body) = req.into_parts();
                    let body = to_bytes(body, 64 << 20).await.unwrap();
                    let mut headers = Vec::new();
                    if let Some(v) = parts.headers.get(header::CONTENT_TYPE) {
                        headers.push(("CONTENT_TYPE", v.to_str().unwrap().to_owned()));
                    }
                    if let Some(v) = parts.headers.get(header::CONTENT_ENCODING) {
                        headers.push(("HTTP_CONTENT_ENCODING", v.to_str().unwrap().to_owned()));
                    }
                    if let Some(v) = parts.headers.get("git-protocol") {
                        headers.push(("GIT_PROTOCOL", v.to_str().unwrap().to_owned()));
                    }
                    let method = parts.method.to_string();
                    let path = parts.uri.path().to_owned();
                    let query = parts.uri.query().unwrap_or_default().to_owned();
                    tokio::task::spawn_blocking(move || {
                        cgi(&root, &method, &path, &query, &headers, &body)
                    })
                    .await
                    .unwrap()
                }
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

fn allow() -> RemoteOptions {
    RemoteOptions {
        allow_private_network: true,
        ..RemoteOptions::default()
    }
}

#[test]
fn git_repository_is_cloned_and_scanned_at_the_pinned_revision() {
    let (root, first, second) = make_repo();
    let base = start_git_server(root.path().to_path_buf());
    let scanner = Scanner::new(ScanOptions::default());

    // The default branch: the pickle is gone, the LFS pointer is reported as not fetched.
    let head = scan_remote(&scanner, &format!("git+{base}/repo.git"), &allow());
    let prefix = format!("git+{base}/repo.git@{second}!");
    let mut paths: Vec<&str> = head.iter().map(|r| r.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            format!("{prefix}/README.md"),
            format!("{prefix}/models/evil.pkl"),
            format!("{prefix}/weights.bin"),
        ],
        "{head:?}"
    );
    assert!(head.iter().all(|r| r.verdict == Verdict::Clean), "{head:?}");
    let lfs = head
        .iter()
        .find(|r| r.path.ends_with("/weights.bin"))
        .unwrap();
    assert_eq!(lfs.format, "git-lfs-pointer");
    assert_eq!(lfs.findings[0].rule, "git.lfs-object-not-fetched");
    assert_eq!(lfs.findings[0].severity, Severity::Low);
    assert!(lfs.findings[0].message.contains("4000000000 bytes"));

    // Pinned to the first commit, by id and by tag: the malicious pickle is found.
    for rev in [first.as_str(), "v1"] {
        let pinned = scan_remote(&scanner, &format!("git+{base}/repo.git@{rev}"), &allow());
        let evil = pinned
            .iter()
            .find(|r| r.path == format!("git+{base}/repo.git@{first}!/models/evil.pkl"))
            .unwrap_or_else(|| panic!("@{rev}: {pinned:?}"));
        assert_eq!(evil.verdict, Verdict::Malicious);
        assert!(!pinned.iter().any(|r| r.path.contains("/.git/")));
    }
}

#[test]
fn git_errors_and_ssrf_refusals_name_the_problem() {
    let (root, _, _) = make_repo();
    let base = start_git_server(root.path().to_path_buf());
    let scanner = Scanner::new(ScanOptions::default());

    // Plain http and loopback are refused without --allow-private-network.
    let r = scan_remote(
        &scanner,
        &format!("git+{base}/repo.git"),
        &RemoteOptions::default(),
    );
    assert!(
        r[0].error
            .as_deref()
            .unwrap()
            .contains("--allow-private-network"),
        "{r:?}"
    );
    let https = format!("git+{}/repo.git", base.replace("http://", "https://"));
    let r = scan_remote(&scanner, &https, &RemoteOptions::default());
    let e = r[0].error.as_deref().unwrap();
    assert!(
        e.contains("127.0.0.1") && e.contains("--allow-private-network"),
        "{e}"
    );

    // An unknown revision and an unknown repository are error entries, not crashes.
    let r = scan_remote(
        &scanner,
        &format!("git+{base}/repo.git@no-such-branch"),
        &allow(),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].verdict, Verdict::Error);
    assert!(
        r[0].error.as_deref().unwrap().contains("git fetch failed"),
        "{r:?}"
    );
    let r = scan_remote(&scanner, &format!("git+{base}/missing.git"), &allow());
    assert_eq!(r[0].verdict, Verdict::Error);

    // A repository larger than the disk bound is stopped, not fetched whole.
    let small = RemoteOptions {
        clone_max_bytes: 512,
        ..allow()
    };
    let r = scan_remote(&scanner, &format!("git+{base}/repo.git"), &small);
    assert_eq!(r.len(), 1, "{r:?}");
    let e = r[0].error.as_deref().unwrap();
    assert!(e.contains("more than 512 bytes"), "{e}");
}
