//! `git+https://host/path/repo.git[@rev]`: a shallow clone by the system `git`, scanned as a
//! directory.
//!
//! The repository is fetched at depth 1 into a private temporary directory and checked
//! out; every file but `.git/` is scanned and reported as
//! `git+https://host/repo.git@<commit>!/path` (the `outer!/inner` convention of archive
//! members, pinned to the commit that was scanned). `@rev` is a branch, a tag or a commit
//! id (a commit id needs a server that lets clients fetch it, as the big forges do).
//!
//! The clone runs with everything that could execute or reach elsewhere turned off: no
//! system or global config (so no user hooks, credential helpers or filters), hooks pointed
//! at `/dev/null`, only the https protocol (http as well with `--allow-private-network`, for
//! local mirrors and tests), no redirects, no submodules, no tags, no LFS smudging, no
//! terminal prompts, symlinks checked out as plain files, a time limit and a disk bound.
//! The host is resolved and checked by the SSRF guard first, and git is pinned to the
//! checked addresses (`http.curloptResolve`), so DNS cannot answer differently in between.
//! Private repositories need their token in the URL (`https://TOKEN@host/…` or
//! `https://USER:TOKEN@host/…`; reports drop it): the user's credential helpers are not
//! consulted. The token never reaches git's command line, which any local user can read in
//! `/proc/PID/cmdline`: git is given the URL without credentials, and the token as an
//! `http.extraHeader` (`Authorization: Basic …`) through `GIT_CONFIG_COUNT` /
//! `GIT_CONFIG_KEY_0` / `GIT_CONFIG_VALUE_0` in its environment, which only the same user
//! can read.
//!
//! Git LFS pointer files are reported as `git-lfs-pointer` with a finding that the object
//! was not fetched: the model they stand for has not been scanned.

use super::{RemoteOptions, SourceError, net};
use crate::report::{FileReport, Finding};
use crate::scanner::Scanner;
use rampart_core::Severity;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A parsed `git+https://` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitTarget {
    /// The URL git fetches (without the `git+` prefix and the `@rev` suffix).
    pub url: url::Url,
    /// What to fetch: a branch, tag or commit; `HEAD` (the default branch) when absent.
    pub rev: Option<String>,
}

impl GitTarget {
    /// Parse `git+https://host/path[@rev]` (and `git+http://`).
    pub fn parse(target: &str) -> Result<GitTarget, SourceError> {
        let shown = super::display_url(target);
        let rest = target
            .strip_prefix("git+")
            .ok_or_else(|| SourceError::BadTarget(shown.clone()))?;
        // The revision follows the last `@` of the path (an `@` before the first path slash
        // is userinfo).
        let path_start = rest
            .find("://")
            .and_then(|i| rest[i + 3..].find('/').map(|j| i + 3 + j))
            .ok_or_else(|| SourceError::BadTarget(format!("{shown}: no repository path")))?;
        let (repo, rev) = match rest[path_start..].rfind('@') {
            Some(i) => (
                &rest[..path_start + i],
                Some(rest[path_start + i + 1..].to_owned()),
            ),
            None => (rest, None),
        };
        if let Some(rev) = &rev {
            let ok = !rev.is_empty()
                && rev.len() <= 200
                && !rev.starts_with('-')
                && !rev.contains("..")
                && rev
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./+".contains(c));
            if !ok {
                return Err(SourceError::BadTarget(format!("{shown}: bad revision")));
            }
        }
        let url =
            url::Url::parse(repo).map_err(|e| SourceError::BadTarget(format!("{shown}: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(SourceError::BadTarget(format!(
                "{shown}: expected git+https://host/path/repo.git[@rev]"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(SourceError::BadTarget(format!(
                "{shown}: a repository URL has no query or fragment"
            )));
        }
        Ok(GitTarget { url, rev })
    }

    /// `git+https://host/path` without credentials, as reports show it.
    fn shown(&self) -> String {
        super::display_url(&format!("git+{}", self.url))
    }

    /// The URL git is given: without the userinfo, which goes in [`Self::auth_header`].
    fn fetch_url(&self) -> url::Url {
        let mut url = self.url.clone();
        // Infallible for http(s) URLs with a host, which `parse` guarantees.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url
    }

    /// `Authorization: Basic base64(user:password)` from the URL's userinfo (a lone token
    /// is the user name with an empty password, as git itself would send it), or `None`.
    fn auth_header(&self) -> Option<String> {
        if self.url.username().is_empty() && self.url.password().is_none() {
            return None;
        }
        let mut credentials = percent_decode(self.url.username());
        credentials.push(b':');
        credentials.extend(percent_decode(self.url.password().unwrap_or_default()));
        Some(format!("Authorization: Basic {}", base64(&credentials)))
    }
}

/// `%XX` escapes of a URL component decoded to bytes (anything malformed kept as is).
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for one Basic credential.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "rampart-git-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs git with the hardened configuration.
struct Git<'a> {
    dir: &'a Path,
    /// The URL git is given (never with credentials) and how it is shown in errors.
    url: &'a str,
    shown_url: &'a str,
    /// The credential, passed in git's environment, never in its arguments.
    auth_header: Option<String>,
    protocols: &'a [&'a str],
    resolve: Option<String>,
    deadline: Instant,
    /// Bytes the clone directory may take (pack and checkout); git is stopped beyond it.
    max_bytes: u64,
}

impl Git<'_> {
    /// The hardened `git` invocation (separate from [`Git::run`] so that tests can read
    /// its arguments and environment).
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(self.dir)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_LFS_SKIP_SMUDGE", "1")
            .env("GIT_ASKPASS", "/bin/false")
            .env("SSH_ASKPASS", "/bin/false")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_CONFIG_PARAMETERS")
            .env_remove("GIT_EXEC_PATH")
            .env_remove("GIT_SSH_COMMAND")
            // curl would hand the host name to a proxy, which resolves it itself: the
            // pinned, SSRF-checked addresses would not be the ones connected to.
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTPS_PROXY")
            .env_remove("all_proxy")
            .env_remove("ALL_PROXY")
            .args(["-c", "core.hooksPath=/dev/null"])
            .args(["-c", "core.symlinks=false"])
            .args(["-c", "core.fsmonitor=false"])
            .args(["-c", "protocol.allow=never"])
            .args(["-c", "http.followRedirects=false"])
            .args(["-c", "submodule.recurse=false"])
            .args(["-c", "fetch.recurseSubmodules=false"])
            .args(["-c", "filter.lfs.smudge="])
            .args(["-c", "filter.lfs.process="])
            .args(["-c", "filter.lfs.required=false"])
            .args(["-c", "transfer.fsckObjects=true"])
            .args(["-c", "advice.detachedHead=false"]);
        for p in self.protocols {
            cmd.args(["-c", &format!("protocol.{p}.allow=always")]);
        }
        if let Some(r) = &self.resolve {
            cmd.args(["-c", &format!("http.curloptResolve={r}")]);
        }
        match &self.auth_header {
            Some(header) => {
                cmd.env("GIT_CONFIG_COUNT", "1")
                    .env("GIT_CONFIG_KEY_0", "http.extraHeader")
                    .env("GIT_CONFIG_VALUE_0", header);
            }
            None => {
                cmd.env_remove("GIT_CONFIG_COUNT");
            }
        }
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn run(&self, args: &[&str]) -> Result<String, SourceError> {
        let mut child = self.command(args).spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SourceError::Unsupported(
                    "git+https:// targets need the `git` program; install git or scan a local checkout".into(),
                )
            } else {
                SourceError::Http(format!("cannot run git: {e}"))
            }
        })?;
        // Read the pipes on threads so that a chatty git cannot block on a full pipe
        // while we wait for it.
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut out = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.by_ref().take(1 << 20).read_to_end(&mut out);
                    let _ = std::io::copy(&mut p, &mut std::io::sink());
                }
                out
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let command = args.first().copied().unwrap_or_default();
        let mut next_size_check = Instant::now();
        let status = loop {
            let stop = match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= self.deadline => {
                    Some(format!("git {command} did not finish in time"))
                }
                Ok(None) if Instant::now() >= next_size_check => {
                    next_size_check = Instant::now() + Duration::from_millis(250);
                    (dir_size(self.dir, self.max_bytes) > self.max_bytes)
                        .then(|| too_large(self.max_bytes).to_string())
                }
                Ok(None) => None,
                Err(e) => return Err(SourceError::Http(format!("waiting for git: {e}"))),
            };
            if let Some(reason) = stop {
                let _ = child.kill();
                let _ = child.wait();
                return Err(SourceError::Http(reason));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = stdout.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();
        // Also after each command: a fast one can finish between two checks.
        if dir_size(self.dir, self.max_bytes) > self.max_bytes {
            return Err(too_large(self.max_bytes));
        }
        if !status.success() {
            let msg = String::from_utf8_lossy(&stderr);
            let msg = msg
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("hint:"))
                .map(|l| l.replace(self.url, self.shown_url))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(SourceError::Http(format!(
                "git {} failed: {msg}",
                args.first().copied().unwrap_or_default()
            )));
        }
        Ok(String::from_utf8_lossy(&stdout).trim().to_owned())
    }
}

fn too_large(max: u64) -> SourceError {
    SourceError::Http(format!(
        "the repository takes more than {max} bytes on disk (limit of this scan); stopped"
    ))
}

/// Bytes of the files below `dir` (symbolic links not followed), counted until `stop` is
/// passed.
fn dir_size(dir: &Path, stop: u64) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                total = total.saturating_add(meta.len());
                if total > stop {
                    return total;
                }
            }
        }
    }
    total
}

/// Clone and scan one repository.
pub fn scan(
    scanner: &Scanner,
    target: &str,
    opts: &RemoteOptions,
) -> Result<Vec<FileReport>, SourceError> {
    let t = GitTarget::parse(target)?;
    let shown = t.shown();
    let access = net::access_of(opts);
    let host = t.url.host_str().unwrap_or_default();
    let protocols: &[&str] = match (t.url.scheme(), access.allows(host)) {
        ("https", _) => &["https"],
        ("http", true) => &["http", "https"],
        _ => {
            return Err(SourceError::Refused(format!(
                "{shown}: git over plain http is only fetched from a private mirror allowed by --allow-private-host or --allow-private-network; use git+https://"
            )));
        }
    };
    let port = t.url.port_or_known_default().unwrap_or(443);
    let addrs = net::check_host(host, port, &access).map_err(|e| match e {
        SourceError::Refused(m) => SourceError::Refused(format!("{shown}: {m}")),
        SourceError::Http(m) => SourceError::Http(format!("{shown}: {m}")),
        other => other,
    })?;
    // Pin git to the addresses that were checked (brackets stay around IPv6 hosts).
    let pinned = addrs
        .iter()
        .map(|a| match a.ip() {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            v4 => v4.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let resolve = Some(format!("{host}:{port}:{pinned}"));

    let tmp = TempDir::new().map_err(|e| SourceError::Http(format!("temporary directory: {e}")))?;
    let shown_url = super::display_url(t.url.as_str());
    let fetch_url = t.fetch_url();
    let git = Git {
        dir: &tmp.0,
        url: fetch_url.as_str(),
        shown_url: &shown_url,
        auth_header: t.auth_header(),
        protocols,
        resolve,
        deadline: Instant::now() + opts.clone_timeout,
        max_bytes: opts.clone_max_bytes,
    };
    let rev = t.rev.as_deref().unwrap_or("HEAD");
    git.run(&["init", "--quiet", "--template=", "."])?;
    git.run(&["remote", "add", "origin", fetch_url.as_str()])?;
    git.run(&[
        "fetch",
        "--quiet",
        "--depth=1",
        "--no-tags",
        "--no-recurse-submodules",
        "origin",
        rev,
    ])?;
    let commit = git.run(&["rev-parse", "--verify", "FETCH_HEAD^{commit}"])?;
    git.run(&["checkout", "--quiet", "--detach", "FETCH_HEAD"])?;

    let root = format!("{shown}@{commit}!");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&tmp.0)
        .map_err(|e| SourceError::Http(format!("reading the checkout: {e}")))?
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != ".git")
        .map(|e| e.path())
        .collect();
    entries.sort();
    let targets: Vec<String> = entries.iter().map(|p| p.display().to_string()).collect();
    let prefix = tmp.0.display().to_string();
    let mut reports = if targets.is_empty() {
        Vec::new()
    } else {
        scanner.scan(&targets).files
    };
    for r in &mut reports {
        let local = r.path.clone();
        if let Some(rest) = local.strip_prefix(&prefix) {
            r.path = format!("{root}{rest}");
        }
        if let Some(e) = &mut r.error {
            *e = e.replace(&prefix, &root);
        }
        if r.format == "unknown" && !local.contains('!') {
            mark_lfs_pointer(r, Path::new(&local));
        }
    }
    if reports.is_empty() {
        return Err(SourceError::Http(format!(
            "{shown}@{commit}: the commit has no files"
        )));
    }
    Ok(reports)
}

/// The Git LFS pointer format: `version https://git-lfs.github.com/spec/v1`, then `oid`
/// and `size` lines; pointers are small text files.
fn lfs_pointer(bytes: &[u8]) -> Option<(String, u64)> {
    if bytes.len() > 1024 {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.lines();
    if !lines
        .next()?
        .starts_with("version https://git-lfs.github.com/spec/")
    {
        return None;
    }
    let mut oid = None;
    let mut size = None;
    for line in lines {
        if let Some(o) = line.strip_prefix("oid ") {
            oid = Some(o.trim().to_owned());
        } else if let Some(s) = line.strip_prefix("size ") {
            size = s.trim().parse().ok();
        }
    }
    Some((oid?, size?))
}

fn mark_lfs_pointer(report: &mut FileReport, local: &Path) {
    let Ok(meta) = std::fs::symlink_metadata(local) else {
        return;
    };
    if !meta.is_file() || meta.len() > 1024 {
        return;
    }
    let Some((oid, size)) = std::fs::read(local).ok().and_then(|b| lfs_pointer(&b)) else {
        return;
    };
    let mut findings = std::mem::take(&mut report.findings);
    findings.push(
        Finding::new(
            Severity::Low,
            "git.lfs-object-not-fetched",
            format!(
                "Git LFS pointer: the LFS object ({size} bytes) was not fetched, so the file it stands for was not scanned; fetch it (git lfs pull) and scan the checkout"
            ),
        )
        .at(oid),
    );
    let sha = report.sha256.take();
    *report = FileReport::from_findings(
        std::mem::take(&mut report.path),
        "git-lfs-pointer",
        findings,
    );
    report.sha256 = sha;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_revision_and_userinfo() {
        let t = GitTarget::parse("git+https://git.example/org/repo.git@v1.2").unwrap();
        assert_eq!(t.url.as_str(), "https://git.example/org/repo.git");
        assert_eq!(t.rev.as_deref(), Some("v1.2"));
        let t = GitTarget::parse("git+https://tok@git.example/org/repo.git").unwrap();
        assert_eq!(t.rev, None);
        assert_eq!(t.shown(), "git+https://git.example/org/repo.git");
        for bad in [
            "git+https://git.example",
            "git+https://git.example/r.git@",
            "git+https://git.example/r.git@--upload-pack=x",
            "git+https://git.example/r.git@a..b",
            "git+ssh://git.example/r.git",
            "git+file:///tmp/r.git",
            "git+https://git.example/r.git?x=1",
        ] {
            assert!(GitTarget::parse(bad).is_err(), "{bad}");
        }
    }

    /// Issue 20, defect 13: the token was an argument of `git remote add`, readable by
    /// every local user in `/proc/PID/cmdline`. It is now only in git's environment.
    #[test]
    fn the_token_is_in_the_environment_never_in_the_arguments() {
        let t = GitTarget::parse("git+https://user:s3cr%40t@git.example/org/repo.git").unwrap();
        assert_eq!(t.fetch_url().as_str(), "https://git.example/org/repo.git");
        let header = t.auth_header().unwrap();
        // base64("user:s3cr@t")
        assert_eq!(header, "Authorization: Basic dXNlcjpzM2NyQHQ=");
        let lone = GitTarget::parse("git+https://ghp_tok3n@git.example/r.git").unwrap();
        // base64("ghp_tok3n:")
        assert_eq!(
            lone.auth_header().unwrap(),
            "Authorization: Basic Z2hwX3RvazNuOg=="
        );
        assert_eq!(
            GitTarget::parse("git+https://git.example/r.git")
                .unwrap()
                .auth_header(),
            None
        );

        let fetch_url = t.fetch_url();
        let git = Git {
            dir: Path::new("/nonexistent"),
            url: fetch_url.as_str(),
            shown_url: "https://git.example/org/repo.git",
            auth_header: Some(header.clone()),
            protocols: &["https"],
            resolve: Some("git.example:443:192.0.2.1".into()),
            deadline: Instant::now(),
            max_bytes: 1,
        };
        let cmd = git.command(&["remote", "add", "origin", fetch_url.as_str()]);
        for arg in cmd.get_args() {
            let arg = arg.to_string_lossy();
            assert!(
                !arg.contains("s3cr") && !arg.contains("dXNlcjpzM2NyQHQ") && !arg.contains("user:"),
                "credential in argv: {arg}"
            );
        }
        let env: std::collections::HashMap<_, _> = cmd
            .get_envs()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.map(|v| v.to_string_lossy().into_owned()),
                )
            })
            .collect();
        assert_eq!(env["GIT_CONFIG_COUNT"].as_deref(), Some("1"));
        assert_eq!(env["GIT_CONFIG_KEY_0"].as_deref(), Some("http.extraHeader"));
        assert_eq!(env["GIT_CONFIG_VALUE_0"].as_deref(), Some(header.as_str()));

        // Without a credential an inherited GIT_CONFIG_COUNT is removed, not trusted.
        let anonymous = Git {
            auth_header: None,
            ..git
        };
        let cmd = anonymous.command(&["fetch"]);
        assert!(
            cmd.get_envs()
                .any(|(k, v)| k == "GIT_CONFIG_COUNT" && v.is_none())
        );
    }

    #[test]
    fn base64_and_percent_decoding_follow_the_rfcs() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
        assert_eq!(percent_decode("a%40b%3a%zz%4"), b"a@b:%zz%4");
    }

    #[test]
    fn lfs_pointers_are_recognised() {
        let p = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
        let (oid, size) = lfs_pointer(p).unwrap();
        assert!(oid.starts_with("sha256:4d7a"));
        assert_eq!(size, 12345);
        assert!(lfs_pointer(b"version 1\n").is_none());
        assert!(lfs_pointer(b"version https://git-lfs.github.com/spec/v1\nsize 1\n").is_none());
    }
}
