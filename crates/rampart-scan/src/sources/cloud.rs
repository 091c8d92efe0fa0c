//! Object stores: `s3://bucket/prefix`, `gs://bucket/prefix` and `az://container/prefix`
//! (also `abfs[s]://container@account.dfs.core.windows.net/prefix`) through `object_store`.
//!
//! 1. The store is built from the environment with each provider's standard credential
//!    chain as `object_store` implements it: for S3 `AWS_ACCESS_KEY_ID` /
//!    `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, web identity (`AWS_ROLE_ARN` with
//!    `AWS_WEB_IDENTITY_TOKEN_FILE`), ECS task roles and EC2 instance metadata, plus the
//!    static keys of the shared profile files (`~/.aws/credentials`, `AWS_PROFILE`) that
//!    `object_store` does not read itself; region and endpoint from `AWS_REGION` /
//!    `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` (S3-compatible servers) and
//!    `AWS_ALLOW_HTTP`. GCS and Azure read their `GOOGLE_*` / `AZURE_*` variables the same
//!    way.
//! 2. Every object under the prefix, taken as a folder (`s3://bucket/dir` lists `dir/…`),
//!    is listed and scanned, each as its own report entry named `s3://bucket/key`; a target
//!    with nothing below it that names one object (`s3://bucket/dir/model.pt`) is that
//!    object alone.
//! 3. Each object is read by ranged GETs ([`super::range::RangeReader`]) conditioned on the
//!    ETag the listing returned, so only metadata is fetched and an object replaced during
//!    the scan fails instead of mixing two versions.
//!
//! `object_store` is async: each target runs on its own current-thread tokio runtime. The
//! SSRF guard of [`super::net`] applies as far as `object_store` lets it: a custom endpoint
//! with a loopback, private or link-local address is refused before anything is sent, and
//! every host name the store resolves goes through the guarded resolver (the provider's own
//! metadata services stay reachable: they are where instance credentials come from).

use super::range::{FetchRange, RangeReader};
use super::{RemoteOptions, SourceError, net};
use crate::report::FileReport;
use crate::scanner::Scanner;
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::client::{DnsError, DnsFuture, DnsResolver};
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::path::Path;
use object_store::{
    ClientOptions, GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreScheme, RetryConfig,
};
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;

/// Metadata services that instance credentials come from: reachable although they resolve
/// to link-local addresses, because the store (not the scan target) chooses to call them.
const METADATA_HOSTS: &[&str] = &["metadata.google.internal"];

/// A parsed object-store target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreTarget {
    pub scheme: ObjectStoreScheme,
    /// `s3://bucket` as shown in reports.
    pub root: String,
    /// The key or folder inside the bucket (may be empty).
    pub path: Path,
    url: url::Url,
}

impl StoreTarget {
    pub fn parse(target: &str) -> Result<StoreTarget, SourceError> {
        let url = url::Url::parse(target)
            .map_err(|e| SourceError::BadTarget(format!("{}: {e}", super::display_url(target))))?;
        let (scheme, path) = ObjectStoreScheme::parse(&url)
            .map_err(|e| SourceError::BadTarget(format!("{}: {e}", super::display_url(target))))?;
        match scheme {
            ObjectStoreScheme::AmazonS3
            | ObjectStoreScheme::GoogleCloudStorage
            | ObjectStoreScheme::MicrosoftAzure => {}
            _ => {
                return Err(SourceError::BadTarget(format!(
                    "{target}: not an object-store URL (s3://, gs://, az://, abfs://)"
                )));
            }
        }
        let host = url.host_str().unwrap_or_default();
        // abfs://container@account…: the "user" is the container, not a credential.
        let root = match (url.username(), url.password()) {
            ("", _) => format!("{}://{host}", url.scheme()),
            (user, None) => format!("{}://{user}@{host}", url.scheme()),
            (_, Some(_)) => {
                return Err(SourceError::BadTarget(format!(
                    "{}: credentials in the URL are not accepted; use the provider's environment variables",
                    super::display_url(target)
                )));
            }
        };
        Ok(StoreTarget {
            scheme,
            root,
            path,
            url,
        })
    }

    fn display(&self, key: &Path) -> String {
        format!("{}/{}", self.root, key.as_ref())
    }
}

/// The guarded resolver as `object_store` takes it.
#[derive(Debug)]
struct StoreResolver {
    access: net::PrivateAccess,
}

impl DnsResolver for StoreResolver {
    fn resolve(&self, host: &str) -> DnsFuture {
        let host = host.to_owned();
        let allow = self.access.allows(&host) || METADATA_HOSTS.contains(&host.as_str());
        Box::pin(async move {
            let addrs: Vec<IpAddr> = (host.as_str(), 0)
                .to_socket_addrs()?
                .map(|a| a.ip())
                .collect();
            net::check_resolved(&host, &addrs, allow).map_err(|e| -> DnsError { e.into() })?;
            Ok(addrs)
        })
    }
}

/// Refuse an endpoint on a private address before the store sends anything to it.
fn check_endpoint(
    name: &str,
    endpoint: Option<String>,
    access: &net::PrivateAccess,
) -> Result<(), SourceError> {
    let Some(endpoint) = endpoint.filter(|e| !e.is_empty()) else {
        return Ok(());
    };
    let url = url::Url::parse(&endpoint)
        .map_err(|e| SourceError::BadTarget(format!("{name}={endpoint}: {e}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| SourceError::BadTarget(format!("{name}={endpoint}: no host")))?;
    let port = url.port_or_known_default().unwrap_or(443);
    net::check_host(host, port, access)
        .map(|_| ())
        .map_err(|e| match e {
            SourceError::Refused(m) => SourceError::Refused(format!("endpoint {name}: {m}")),
            SourceError::Http(m) => SourceError::Http(format!("endpoint {name}: {m}")),
            other => other,
        })
}

/// Static keys of the shared AWS profile files, for when the environment has none:
/// `[profile]` in `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`), region from
/// `AWS_CONFIG_FILE` (default `~/.aws/config`). SSO and role chaining are not followed.
fn apply_aws_profile(mut b: AmazonS3Builder) -> AmazonS3Builder {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let home = env("HOME").map(std::path::PathBuf::from);
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let read = |var: &str, default: &str| -> Option<String> {
        let path = env(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))?;
        std::fs::read_to_string(path).ok()
    };
    if env("AWS_ACCESS_KEY_ID").is_none()
        && let Some(text) = read("AWS_SHARED_CREDENTIALS_FILE", "credentials")
    {
        let section = ini_section(&text, &profile);
        if let (Some(id), Some(secret)) = (
            section.get("aws_access_key_id"),
            section.get("aws_secret_access_key"),
        ) {
            b = b
                .with_config(AmazonS3ConfigKey::AccessKeyId, id)
                .with_config(AmazonS3ConfigKey::SecretAccessKey, secret);
            if let Some(token) = section.get("aws_session_token") {
                b = b.with_config(AmazonS3ConfigKey::Token, token);
            }
        }
    }
    if env("AWS_REGION").is_none()
        && env("AWS_DEFAULT_REGION").is_none()
        && let Some(text) = read("AWS_CONFIG_FILE", "config")
    {
        let name = if profile == "default" {
            profile.clone()
        } else {
            format!("profile {profile}")
        };
        if let Some(region) = ini_section(&text, &name).get("region") {
            b = b.with_config(AmazonS3ConfigKey::Region, region);
        }
    }
    b
}

/// The `key = value` pairs of one `[section]` of an INI file.
fn ini_section(text: &str, name: &str) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = section.trim() == name;
        } else if inside && let Some((k, v)) = line.split_once('=') {
            out.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    out
}

fn build_store(
    target: &StoreTarget,
    opts: &RemoteOptions,
) -> Result<Arc<dyn ObjectStore>, SourceError> {
    let client = ClientOptions::new()
        .with_timeout(opts.timeout)
        .with_connect_timeout(Duration::from_secs(10))
        .with_user_agent(reqwest::header::HeaderValue::from_static(concat!(
            "rampart-scan/",
            env!("CARGO_PKG_VERSION")
        )))
        .with_dns_resolver(Arc::new(StoreResolver {
            access: net::access_of(opts),
        }));
    // reqwest would otherwise take HTTP(S)_PROXY from the environment and hand the host
    // name to the proxy, so the resolver above would check only the proxy. ClientOptions
    // has no `no_proxy`: a proxy that excludes every host turns the system proxy off
    // (`*` matches every name, the two networks every address literal). A proxy
    // configured for the store itself (`AWS_PROXY_URL`, …) is the operator's choice.
    let client = if explicit_store_proxy(opts) {
        client
    } else {
        client
            .with_proxy_url("http://127.0.0.1:9")
            .with_proxy_excludes("*,0.0.0.0/0,::/0")
    };
    // Fail within seconds on a dead endpoint rather than retrying for minutes.
    let retry = RetryConfig {
        max_retries: 2,
        retry_timeout: Duration::from_secs(30),
        ..RetryConfig::default()
    };
    let allow = &net::access_of(opts);
    let store: Arc<dyn ObjectStore> = match target.scheme {
        ObjectStoreScheme::AmazonS3 => {
            let mut b = AmazonS3Builder::new().with_client_options(client);
            for (k, v) in settings(&["AWS_"], &[], opts) {
                b = b.with_config(option_key(&k)?, v);
            }
            let b = apply_aws_profile(b);
            check_endpoint(
                "AWS_ENDPOINT_URL",
                b.get_config_value(&AmazonS3ConfigKey::Endpoint),
                allow,
            )?;
            check_endpoint(
                "AWS_ENDPOINT_URL_S3",
                b.get_config_value(&AmazonS3ConfigKey::S3Endpoint),
                allow,
            )?;
            Arc::new(
                b.with_url(target.url.as_str())
                    .with_retry(retry)
                    .build()
                    .map_err(|e| store_error(target, e))?,
            )
        }
        ObjectStoreScheme::GoogleCloudStorage => {
            let mut b = GoogleCloudStorageBuilder::new().with_client_options(client);
            for (k, v) in settings(
                &["GOOGLE_"],
                &[("SERVICE_ACCOUNT", "google_service_account")],
                opts,
            ) {
                b = b.with_config(option_key(&k)?, v);
            }
            Arc::new(
                b.with_url(target.url.as_str())
                    .with_retry(retry)
                    .build()
                    .map_err(|e| store_error(target, e))?,
            )
        }
        ObjectStoreScheme::MicrosoftAzure => {
            let mut b = MicrosoftAzureBuilder::new().with_client_options(client);
            for (k, v) in settings(
                &["AZURE_"],
                &[("IDENTITY_ENDPOINT", "azure_msi_endpoint")],
                opts,
            ) {
                b = b.with_config(option_key(&k)?, v);
            }
            check_endpoint(
                "AZURE_STORAGE_ENDPOINT",
                b.get_config_value(&AzureConfigKey::Endpoint),
                allow,
            )?;
            let emulator = b
                .get_config_value(&AzureConfigKey::UseEmulator)
                .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
            if emulator && !allow.allows("127.0.0.1") {
                return Err(SourceError::Refused(
                    "AZURE_STORAGE_USE_EMULATOR points at the local Azurite emulator on 127.0.0.1 (allow it with --allow-private-host 127.0.0.1 or --allow-private-network)".into(),
                ));
            }
            Arc::new(
                b.with_url(target.url.as_str())
                    .with_retry(retry)
                    .build()
                    .map_err(|e| store_error(target, e))?,
            )
        }
        _ => {
            return Err(SourceError::BadTarget(format!(
                "{}: not an object store",
                target.root
            )));
        }
    };
    Ok(store)
}

/// The store's settings: the environment variables its `from_env` reads (`prefixes`, and
/// `aliases` of other names), then [`RemoteOptions::store_options`]. Applied one by one
/// over a builder that already has our client options, because `with_client_options`
/// would replace the client settings (`AWS_ALLOW_HTTP`, timeouts) `from_env` had read.
/// Whether a proxy was configured for the object store (not the process-wide
/// `HTTP(S)_PROXY`).
fn explicit_store_proxy(opts: &RemoteOptions) -> bool {
    let named = |k: &str| k.to_ascii_lowercase().ends_with("proxy_url");
    std::env::vars().any(|(k, _)| {
        ["AWS_", "GOOGLE_", "AZURE_"]
            .iter()
            .any(|p| k.starts_with(p))
            && named(&k)
    }) || opts.store_options.iter().any(|(k, _)| named(k))
}

fn settings(
    prefixes: &[&str],
    aliases: &[(&str, &str)],
    opts: &RemoteOptions,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::env::vars()
        .filter_map(|(k, v)| {
            if prefixes.iter().any(|p| k.starts_with(p)) {
                // Unknown variables of the provider's prefix are not errors.
                let key = k.to_ascii_lowercase();
                return key_is_known(&key, prefixes).then_some((key, v));
            }
            aliases
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, key)| ((*key).to_owned(), v))
        })
        .collect();
    out.extend(opts.store_options.iter().cloned());
    out
}

fn key_is_known(key: &str, prefixes: &[&str]) -> bool {
    match prefixes.first().copied() {
        Some("AWS_") => key.parse::<AmazonS3ConfigKey>().is_ok(),
        Some("GOOGLE_") => key.parse::<object_store::gcp::GoogleConfigKey>().is_ok(),
        Some("AZURE_") => key.parse::<AzureConfigKey>().is_ok(),
        _ => false,
    }
}

/// A [`RemoteOptions::store_options`] key as the store's configuration key.
fn option_key<K: std::str::FromStr>(key: &str) -> Result<K, SourceError> {
    key.to_ascii_lowercase()
        .parse()
        .map_err(|_| SourceError::BadTarget(format!("unknown object-store option `{key}`")))
}

/// An `object_store` error as a person can act on it: what failed, and the store's own
/// message (S3 error codes such as `NoSuchBucket` or `InvalidAccessKeyId` are in it).
fn store_error(target: &StoreTarget, e: object_store::Error) -> SourceError {
    let what = format!("{}/{}", target.root, target.path.as_ref());
    let hint = match &e {
        object_store::Error::NotFound { .. } => "bucket or object not found",
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => {
            "access denied; check the credentials (environment, profile or instance role)"
        }
        object_store::Error::Precondition { .. } => {
            "the object changed during the scan (its ETag no longer matches)"
        }
        _ => "",
    };
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !detail.contains(&text) {
            detail.push_str(": ");
            detail.push_str(&text);
        }
        source = s.source();
    }
    // Listing errors arrive as `Generic` with the HTTP status only in their text (the
    // retry error that carries it is private to object_store).
    let hint = match hint {
        "" if detail.contains("403 Forbidden") || detail.contains("401 Unauthorized") => {
            "access denied; check the credentials (environment, profile or instance role)"
        }
        "" if detail.contains("404 Not Found") || detail.contains("NoSuchBucket") => {
            "bucket or object not found"
        }
        h => h,
    };
    if hint.is_empty() {
        SourceError::Http(format!("{what}: {detail}"))
    } else {
        SourceError::Http(format!("{what}: {hint} ({detail})"))
    }
}

/// Ranged GETs of one object, pinned to the ETag the listing returned.
struct ObjectRanges {
    rt: Arc<Runtime>,
    store: Arc<dyn ObjectStore>,
    meta: ObjectMeta,
    target: StoreTarget,
}

impl FetchRange for ObjectRanges {
    fn fetch(&mut self, start: u64, want: u64) -> Result<(u64, Vec<u8>), SourceError> {
        let len = self.meta.size;
        if start >= len {
            return Ok((len, Vec::new()));
        }
        let end = start.saturating_add(want).min(len);
        let options = GetOptions {
            range: Some(GetRange::Bounded(start..end)),
            if_match: self.meta.e_tag.clone(),
            ..GetOptions::default()
        };
        let store = self.store.clone();
        let location = self.meta.location.clone();
        let bytes = self
            .rt
            .block_on(async move { store.get_opts(&location, options).await?.bytes().await })
            .map_err(|e| {
                let mut t = self.target.clone();
                t.path = self.meta.location.clone();
                store_error(&t, e)
            })?;
        // A server that ignored the range must not make us hold a whole object.
        let take = usize::try_from(end - start).unwrap_or(usize::MAX);
        Ok((len, bytes.slice(..bytes.len().min(take)).to_vec()))
    }
}

/// List and scan every object of the target.
pub fn scan(
    scanner: &Scanner,
    target_str: &str,
    opts: &RemoteOptions,
) -> Result<Vec<FileReport>, SourceError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(SourceError::Unsupported(
            "object-store targets must be scanned outside an async runtime (use spawn_blocking)"
                .into(),
        ));
    }
    let target = StoreTarget::parse(target_str)?;
    let store = build_store(&target, opts)?;
    let rt = Arc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SourceError::Http(format!("cannot start the I/O runtime: {e}")))?,
    );
    let cap = scanner.options().limits.max_members;
    let objects = rt.block_on(list_objects(store.as_ref(), &target.path, cap + 1));
    let objects = objects.map_err(|e| store_error(&target, e))?;
    if objects.is_empty() {
        return Err(SourceError::Http(format!(
            "{}/{}: no objects found (the prefix is read as a folder: s3://bucket/dir lists dir/…)",
            target.root,
            target.path.as_ref()
        )));
    }
    let mut reports = Vec::new();
    for meta in objects.iter().take(cap) {
        let display = target.display(&meta.location);
        let ranges = ObjectRanges {
            rt: rt.clone(),
            store: store.clone(),
            meta: meta.clone(),
            target: target.clone(),
        };
        match RangeReader::with_source(Box::new(ranges)) {
            Ok(mut reader) => {
                let len = reader.len();
                reports.extend(scanner.scan_reader(&display, &mut reader, len));
            }
            Err(e) => reports.push(FileReport::error(display, "unknown", e.to_string())),
        }
    }
    if objects.len() > cap {
        reports.push(FileReport::error(
            format!("{}/{}", target.root, target.path.as_ref()),
            "unknown",
            format!("more than {cap} objects; only the first {cap} were scanned"),
        ));
    }
    Ok(reports)
}

/// Every object below `path` taken as a folder, at most `max`; when there is none, the
/// object named `path` itself. (Listing comes first: some S3-compatible servers answer a
/// HEAD on a folder name with an error rather than 404.)
async fn list_objects(
    store: &dyn ObjectStore,
    path: &Path,
    max: usize,
) -> object_store::Result<Vec<ObjectMeta>> {
    let prefix = (!path.as_ref().is_empty()).then_some(path);
    let mut stream = store.list(prefix);
    let mut out = Vec::new();
    while let Some(meta) = stream.try_next().await? {
        out.push(meta);
        if out.len() >= max {
            break;
        }
    }
    if out.is_empty() && prefix.is_some() {
        let head = GetOptions {
            head: true,
            ..GetOptions::default()
        };
        match store.get_opts(path, head).await {
            Ok(found) => out.push(found.meta),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    out.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_into_root_and_path() {
        let t = StoreTarget::parse("s3://models/team/llama").unwrap();
        assert_eq!(t.scheme, ObjectStoreScheme::AmazonS3);
        assert_eq!(
            (t.root.as_str(), t.path.as_ref()),
            ("s3://models", "team/llama")
        );
        let t = StoreTarget::parse("gs://b").unwrap();
        assert_eq!((t.root.as_str(), t.path.as_ref()), ("gs://b", ""));
        let t = StoreTarget::parse("abfss://data@acct.dfs.core.windows.net/m/x.pt").unwrap();
        assert_eq!(t.scheme, ObjectStoreScheme::MicrosoftAzure);
        assert_eq!(t.root, "abfss://data@acct.dfs.core.windows.net");
        assert_eq!(
            t.display(&Path::from("m/x.pt")),
            "abfss://data@acct.dfs.core.windows.net/m/x.pt"
        );
        assert!(StoreTarget::parse("s3://AKIA:secret@bucket/x").is_err());
        assert!(StoreTarget::parse("file:///etc/passwd").is_err());
    }

    #[test]
    fn private_endpoints_are_refused_unless_allowed() {
        let none = net::PrivateAccess::default();
        let e = check_endpoint(
            "AWS_ENDPOINT_URL",
            Some("http://127.0.0.1:9000".into()),
            &none,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("AWS_ENDPOINT_URL") && e.contains("127.0.0.1"),
            "{e}"
        );
        assert!(check_endpoint("X", Some("http://169.254.169.254".into()), &none).is_err());
        let all = net::PrivateAccess::all();
        assert!(check_endpoint("X", Some("http://127.0.0.1:9000".into()), &all).is_ok());
        let listed = net::PrivateAccess::hosts(&["127.0.0.1"]);
        assert!(check_endpoint("X", Some("http://127.0.0.1:9000".into()), &listed).is_ok());
        assert!(check_endpoint("X", Some("http://169.254.169.254".into()), &listed).is_err());
        assert!(check_endpoint("X", None, &none).is_ok());
    }

    #[test]
    fn profile_sections_are_read() {
        let text = "[default]\naws_access_key_id = A\n# c\n[profile dev]\nregion=eu-west-1\n[other]\nx=1\n";
        assert_eq!(ini_section(text, "default")["aws_access_key_id"], "A");
        assert_eq!(ini_section(text, "profile dev")["region"], "eu-west-1");
        assert!(ini_section(text, "missing").is_empty());
    }
}
