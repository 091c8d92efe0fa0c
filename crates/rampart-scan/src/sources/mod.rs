//! Remote scan targets: `hf://org/name[@revision]` ([`huggingface`]), `https://` URLs,
//! `s3://`, `gs://` and `az://` object stores ([`cloud`]) and `git+https://` repositories
//! ([`git`]).
//!
//! Remote objects are never downloaded whole: each is read through
//! [`range::RangeReader`], so analysers fetch only the metadata they read, and the report
//! names each object by its remote address (`hf://org/name@<sha>/model.safetensors`,
//! `https://host/path`, `s3://bucket/key`, `git+https://host/repo.git@<sha>!/path`; a git
//! repository is the exception: it is cloned at depth 1 and scanned as a directory). Every
//! connection goes through [`net`]'s SSRF guard: loopback, private and link-local addresses
//! are refused unless [`RemoteOptions::allow_private_network`] is set
//! (`--allow-private-network`) or the host is one of [`RemoteOptions::private_hosts`]
//! (`--allow-private-host`, for an internal mirror; redirects elsewhere stay checked).
//!
//! The HTTP client is `reqwest` (blocking, rustls with aws-lc-rs) behind the `remote`
//! feature, object stores are behind the `cloud` feature; without them, such targets are
//! reported as errors that say so. Call from a thread that is not running an async runtime
//! (or inside `spawn_blocking`).

use crate::report::{FileReport, ScanReport};
use crate::scanner::Scanner;
use std::time::{Duration, Instant};

#[cfg(feature = "cloud")]
pub mod cloud;
#[cfg(feature = "remote")]
pub mod git;
#[cfg(feature = "remote")]
pub mod huggingface;
#[cfg(feature = "remote")]
pub mod net;
#[cfg(feature = "remote")]
pub mod range;

/// Why a remote target could not be scanned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("invalid target: {0}")]
    BadTarget(String),
    #[error("refused: {0}")]
    Refused(String),
    #[error("{0}")]
    Http(String),
    #[error("{0}")]
    Unsupported(String),
}

/// How remote targets are fetched.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// Fetch from loopback, private and link-local addresses (tests, internal mirrors).
    pub allow_private_network: bool,
    /// Host names (or IP literals) that alone may reach such addresses, e.g. an internal
    /// model mirror: narrower than `allow_private_network`, and a redirect from one of them
    /// to any other host is checked as usual.
    pub private_hosts: Vec<String>,
    /// The Hub's base URL (`HF_ENDPOINT`, default `https://huggingface.co`).
    pub hf_endpoint: String,
    /// Bearer token for the Hub (`HF_TOKEN`). Never logged.
    pub hf_token: Option<String>,
    /// Timeout of one HTTP request.
    pub timeout: Duration,
    /// Time allowed for fetching one `git+https://` repository.
    pub clone_timeout: Duration,
    /// Disk a `git+https://` clone may take (pack and checkout) before it is stopped.
    pub clone_max_bytes: u64,
    /// Object-store settings applied over the environment, as `object_store` names them
    /// (`aws_endpoint`, `aws_access_key_id`, `google_service_account`,
    /// `azure_storage_account_name`, …): for programs that configure the store themselves.
    pub store_options: Vec<(String, String)>,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            allow_private_network: false,
            private_hosts: Vec::new(),
            hf_endpoint: "https://huggingface.co".into(),
            hf_token: None,
            timeout: Duration::from_secs(60),
            clone_timeout: Duration::from_secs(600),
            clone_max_bytes: 8 << 30,
            store_options: Vec::new(),
        }
    }
}

impl RemoteOptions {
    /// Defaults with `HF_ENDPOINT` and `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`)
    /// from the environment.
    pub fn from_env() -> Self {
        let mut o = RemoteOptions::default();
        if let Ok(e) = std::env::var("HF_ENDPOINT")
            && !e.is_empty()
        {
            o.hf_endpoint = e;
        }
        o.hf_token = std::env::var("HF_TOKEN")
            .or_else(|_| std::env::var("HUGGING_FACE_HUB_TOKEN"))
            .ok()
            .filter(|t| !t.is_empty());
        o
    }
}

/// Whether a target names remote content rather than a local path.
pub fn is_remote(target: &str) -> bool {
    [
        "hf://",
        "https://",
        "http://",
        "s3://",
        "s3a://",
        "gs://",
        "az://",
        "azure://",
        "abfs://",
        "abfss://",
        "git+https://",
        "git+http://",
    ]
    .iter()
    .any(|p| target.starts_with(p))
}

/// A URL as shown in reports and their errors: no credentials, no query string (signed
/// URLs carry tokens). Stricter than `rampart_core::redact::redact_url`, which keeps the
/// user and the harmless query for diagnostics: report paths must also be stable, so a
/// signed URL's changing query is dropped whole.
pub fn display_url(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    match no_query.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('/') {
            Some((authority, path)) => {
                let host = authority.rsplit('@').next().unwrap_or(authority);
                format!("{scheme}://{host}/{path}")
            }
            None => format!("{scheme}://{}", rest.rsplit('@').next().unwrap_or(rest)),
        },
        None => no_query.to_owned(),
    }
}

/// Scan one remote target; failures become one `error` entry named after the target.
pub fn scan_remote(scanner: &Scanner, target: &str, opts: &RemoteOptions) -> Vec<FileReport> {
    let shown = display_url(target);
    match scan_remote_inner(scanner, target, opts) {
        Ok(reports) => reports,
        Err(e) => vec![FileReport::error(shown, "unknown", e.to_string())],
    }
}

#[cfg(feature = "remote")]
fn scan_remote_inner(
    scanner: &Scanner,
    target: &str,
    opts: &RemoteOptions,
) -> Result<Vec<FileReport>, SourceError> {
    if target.starts_with("hf://") {
        return huggingface::scan(scanner, target, opts);
    }
    if target.starts_with("git+") {
        return git::scan(scanner, target, opts);
    }
    if is_object_store(target) {
        #[cfg(feature = "cloud")]
        return cloud::scan(scanner, target, opts);
        #[cfg(not(feature = "cloud"))]
        return Err(SourceError::Unsupported(format!(
            "{}: this build has no object-store support (enable the `cloud` feature of rampart-scan)",
            display_url(target)
        )));
    }
    if target.starts_with("https://") || target.starts_with("http://") {
        let url = reqwest::Url::parse(target)
            .map_err(|e| SourceError::BadTarget(format!("{}: {e}", display_url(target))))?;
        let access = net::access_of(opts);
        net::check_url(&url, &access)?;
        let client = net::client(&access, opts.timeout)?;
        let mut reader = range::RangeReader::open(client, url.as_str(), None)?;
        let len = reader.len();
        return Ok(scanner.scan_reader(&display_url(target), &mut reader, len));
    }
    Err(SourceError::Unsupported(format!(
        "{}: unknown source (supported: hf://, https://, s3://, gs://, az://, git+https://)",
        display_url(target)
    )))
}

/// Whether a target names an object store (`s3://`, `gs://`, Azure).
#[cfg(feature = "remote")]
fn is_object_store(target: &str) -> bool {
    [
        "s3://", "s3a://", "gs://", "az://", "azure://", "abfs://", "abfss://",
    ]
    .iter()
    .any(|p| target.starts_with(p))
}

#[cfg(not(feature = "remote"))]
fn scan_remote_inner(
    _scanner: &Scanner,
    target: &str,
    _opts: &RemoteOptions,
) -> Result<Vec<FileReport>, SourceError> {
    Err(SourceError::Unsupported(format!(
        "{}: this build has no remote support (enable the `remote` feature of rampart-scan)",
        display_url(target)
    )))
}

/// Scan local and remote targets into one report.
pub fn scan_targets(scanner: &Scanner, targets: &[String], opts: &RemoteOptions) -> ScanReport {
    let started = Instant::now();
    let mut report = ScanReport::default();
    for t in targets {
        if is_remote(t) {
            report.files.extend(scan_remote(scanner, t, opts));
        } else {
            report
                .files
                .extend(scanner.scan(std::slice::from_ref(t)).files);
        }
    }
    report.summarise(started.elapsed().as_millis() as u64);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_urls_drop_credentials_and_queries() {
        assert_eq!(
            display_url("https://user:pw@host.example/a/b.bin?X-Amz-Signature=abc"),
            "https://host.example/a/b.bin"
        );
        assert_eq!(display_url("hf://org/name@main"), "hf://org/name@main");
        assert!(is_remote("hf://a/b") && is_remote("s3://b/p") && !is_remote("./hf:/x"));
    }
}
