//! `hf://org/name[@revision]` (and `hf://datasets/org/name`): the Hugging Face Hub HTTP API.
//!
//! 1. `GET {endpoint}/api/{models|datasets}/{repo}/revision/{revision}?blobs=true` lists the
//!    files (`siblings[].rfilename`, `size`) and resolves the revision to a commit `sha`,
//!    which pins every download that follows (a branch moving during the scan cannot mix
//!    two versions).
//! 2. Each file is read through `{endpoint}/{repo}/resolve/{sha}/{path}` with range
//!    requests ([`super::range::RangeReader`]): the Hub redirects large files to its CDN,
//!    and only the bytes the analysers need are fetched.
//!
//! The token (`HF_TOKEN`) is sent to the Hub as a bearer token; reqwest drops it when a
//! redirect leaves the Hub's host.

use super::range::RangeReader;
use super::{RemoteOptions, SourceError, net};
use crate::report::FileReport;
use crate::scanner::Scanner;
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;

/// A parsed `hf://` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRepo {
    /// `models` or `datasets`.
    pub kind: &'static str,
    /// `org/name` (or a legacy `name`).
    pub repo: String,
    pub revision: String,
}

impl HubRepo {
    /// Parse `hf://[datasets/]org/name[@revision]`.
    pub fn parse(target: &str) -> Result<HubRepo, SourceError> {
        let rest = target
            .strip_prefix("hf://")
            .ok_or_else(|| SourceError::BadTarget(super::display_url(target)))?;
        let (rest, revision) = match rest.split_once('@') {
            Some((r, rev)) if !rev.is_empty() => (r, rev.to_owned()),
            Some(_) => {
                return Err(SourceError::BadTarget(format!(
                    "{}: empty revision",
                    super::display_url(target)
                )));
            }
            None => (rest, "main".to_owned()),
        };
        let (kind, repo) = match rest.strip_prefix("datasets/") {
            Some(r) => ("datasets", r),
            None => ("models", rest.strip_prefix("models/").unwrap_or(rest)),
        };
        let segments: Vec<&str> = repo.split('/').collect();
        let valid = (1..=2).contains(&segments.len())
            && segments.iter().all(|s| {
                !s.is_empty()
                    && s.len() <= 96
                    && *s != "."
                    && *s != ".."
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
        if !valid {
            return Err(SourceError::BadTarget(format!(
                "{}: expected hf://org/name[@revision]",
                super::display_url(target)
            )));
        }
        if revision.contains("..") || revision.chars().any(|c| c.is_control() || c == ' ') {
            return Err(SourceError::BadTarget(format!(
                "{}: bad revision",
                super::display_url(target)
            )));
        }
        Ok(HubRepo {
            kind,
            repo: repo.to_owned(),
            revision,
        })
    }

    fn resolve_prefix(&self) -> String {
        if self.kind == "datasets" {
            format!("datasets/{}", self.repo)
        } else {
            self.repo.clone()
        }
    }
}

#[derive(Debug, Deserialize)]
struct RepoInfo {
    sha: Option<String>,
    #[serde(default)]
    siblings: Vec<Sibling>,
}

#[derive(Debug, Deserialize)]
struct Sibling {
    rfilename: String,
}

/// Percent-encode one path segment (RFC 3986 unreserved characters stay).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn encode_path(p: &str) -> String {
    p.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// List and scan every file of a Hub repository at a pinned revision.
pub fn scan(
    scanner: &Scanner,
    target: &str,
    opts: &RemoteOptions,
) -> Result<Vec<FileReport>, SourceError> {
    let repo = HubRepo::parse(target)?;
    let endpoint = opts.hf_endpoint.trim_end_matches('/');
    let api = format!(
        "{endpoint}/api/{}/{}/revision/{}?blobs=true",
        repo.kind,
        repo.repo,
        encode_segment(&repo.revision)
    );
    let api_url = reqwest::Url::parse(&api)
        .map_err(|e| SourceError::BadTarget(format!("HF_ENDPOINT: {e}")))?;
    let access = net::access_of(opts);
    net::check_url(&api_url, &access)?;
    let client = net::client(&access, opts.timeout)?;
    let mut req = client.get(api_url);
    if let Some(t) = &opts.hf_token {
        req = req.header(AUTHORIZATION, format!("Bearer {t}"));
    }
    let resp = req
        .send()
        .map_err(|e| SourceError::Http(net::describe(e)))?;
    match resp.status().as_u16() {
        200 => {}
        401 | 403 => {
            return Err(SourceError::Http(format!(
                "{target}: access denied (HTTP {}); set HF_TOKEN for private or gated repositories",
                resp.status().as_u16()
            )));
        }
        404 => {
            return Err(SourceError::Http(format!(
                "{target}: repository or revision not found"
            )));
        }
        s => {
            return Err(SourceError::Http(format!(
                "{target}: Hub API answered HTTP {s}"
            )));
        }
    }
    let body = resp
        .bytes()
        .map_err(|e| SourceError::Http(net::describe(e)))?;
    if body.len() > 64 << 20 {
        return Err(SourceError::Http(format!(
            "{target}: repository listing too large"
        )));
    }
    let info: RepoInfo = serde_json::from_slice(&body)
        .map_err(|e| SourceError::Http(format!("{target}: unexpected Hub API answer: {e}")))?;
    let sha = info.sha.unwrap_or_else(|| repo.revision.clone());
    let display_root = format!("hf://{}@{sha}", repo.resolve_prefix());
    let mut reports = Vec::new();
    for sibling in info.siblings.iter().take(scanner_member_cap(scanner)) {
        let display = format!("{display_root}/{}", sibling.rfilename);
        let url = format!(
            "{endpoint}/{}/resolve/{}/{}",
            repo.resolve_prefix(),
            encode_segment(&sha),
            encode_path(&sibling.rfilename)
        );
        match RangeReader::open(client.clone(), &url, opts.hf_token.clone()) {
            Ok(mut reader) => {
                let len = reader.len();
                reports.extend(scanner.scan_reader(&display, &mut reader, len));
            }
            Err(e) => reports.push(FileReport::error(display, "unknown", e.to_string())),
        }
    }
    if info.siblings.len() > scanner_member_cap(scanner) {
        reports.push(FileReport::error(
            display_root,
            "unknown",
            format!(
                "repository has {} files; only the first {} were scanned",
                info.siblings.len(),
                scanner_member_cap(scanner)
            ),
        ));
    }
    Ok(reports)
}

fn scanner_member_cap(scanner: &Scanner) -> usize {
    scanner.options().limits.max_members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_revision_kind_and_validation() {
        let r = HubRepo::parse("hf://org/name@v1.0").unwrap();
        assert_eq!(
            (r.kind, r.repo.as_str(), r.revision.as_str()),
            ("models", "org/name", "v1.0")
        );
        assert_eq!(HubRepo::parse("hf://gpt2").unwrap().revision, "main");
        assert_eq!(
            HubRepo::parse("hf://datasets/org/d").unwrap().kind,
            "datasets"
        );
        assert_eq!(
            HubRepo::parse("hf://org/name@refs/pr/1").unwrap().revision,
            "refs/pr/1"
        );
        for bad in [
            "hf://",
            "hf://a/b/c",
            "hf://../x",
            "hf://org/na me",
            "hf://org/name@",
            "hf://o/n@a..b",
        ] {
            assert!(HubRepo::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(encode_segment("refs/pr/1"), "refs%2Fpr%2F1");
        assert_eq!(encode_path("dir/a b.bin"), "dir/a%20b.bin");
    }
}
