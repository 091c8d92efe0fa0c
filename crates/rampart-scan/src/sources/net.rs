//! The HTTP client every remote source uses, with its SSRF guard.
//!
//! A scan target is often chosen by someone else (a pull request, a model card, a CI
//! variable), so fetching it must not become a way to reach the scanning machine's
//! neighbours: loopback, private (RFC 1918, unique-local), link-local (cloud metadata at
//! 169.254.169.254), carrier-grade NAT, multicast and unspecified addresses are refused
//! unless `allow_private_network` is set. The check runs on every address a name resolves
//! to — inside the client's DNS resolver, so the address that is checked is the one that is
//! connected to (no DNS-rebinding window) — and on IP-literal hosts of the first URL and of
//! every redirect. The address rules themselves are `rampart_core::net`, shared with the
//! identity provider key-set fetch.

use super::SourceError;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

pub use rampart_core::net::{PrivateAccess, is_private};

/// What the options allow: every host (`--allow-private-network`), the listed ones
/// (`--allow-private-host`), or none.
pub fn access_of(opts: &super::RemoteOptions) -> PrivateAccess {
    if opts.allow_private_network {
        PrivateAccess::all()
    } else {
        PrivateAccess::hosts(&opts.private_hosts)
    }
}

/// Refuse an IP-literal host that is private (names are checked by the resolver).
pub fn check_url(url: &reqwest::Url, access: &PrivateAccess) -> Result<(), SourceError> {
    match url.scheme() {
        "https" | "http" => {}
        other => {
            return Err(SourceError::Refused(format!(
                "scheme `{other}` is not fetched"
            )));
        }
    }
    if access.allows(url.host_str().unwrap_or_default()) {
        return Ok(());
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(d)) => d.parse::<IpAddr>().ok(),
        None => return Err(SourceError::Refused("URL has no host".into())),
    };
    match ip {
        Some(ip) if is_private(ip) => Err(SourceError::Refused(format!(
            "{ip} is a loopback, private or link-local address (allow that host with --allow-private-host, or all with --allow-private-network)"
        ))),
        _ => Ok(()),
    }
}

/// Resolves names with the system resolver and drops private addresses, failing the
/// connection when none is left.
#[derive(Debug)]
struct GuardedResolver {
    access: PrivateAccess,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.access.allows(name.as_str());
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = (host.as_str(), 0).to_socket_addrs()?.collect();
            let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
            check_resolved(&host, &ips, allow).map_err(
                |e| -> Box<dyn std::error::Error + Send + Sync> { e.to_string().into() },
            )?;
            let iter: Addrs = Box::new(addrs.into_iter());
            Ok(iter)
        })
    }
}

/// Refuse a name whose addresses are private (unless allowed) or empty. A name that
/// resolves to any private address at all is refused: mixing a public and a private
/// answer is a rebinding trick.
pub fn check_resolved(
    host: &str,
    addrs: &[IpAddr],
    allow_private: bool,
) -> Result<(), SourceError> {
    if addrs.is_empty() {
        return Err(SourceError::Http(format!("`{host}` has no address")));
    }
    if let Some(ip) = rampart_core::net::first_private(addrs, allow_private) {
        let what = if host.parse::<IpAddr>().is_ok() {
            format!("`{host}` is")
        } else {
            format!("`{host}` resolves to {ip},")
        };
        return Err(SourceError::Refused(format!(
            "{what} a loopback, private or link-local address (allow that host with --allow-private-host, or all with --allow-private-network)"
        )));
    }
    Ok(())
}

/// Resolve `host` (a name or an IP literal, IPv6 with or without brackets) and check every
/// address; returns the addresses, so that a caller which connects through another program
/// (git) can pin the ones that were checked.
pub fn check_host(
    host: &str,
    port: u16,
    access: &PrivateAccess,
) -> Result<Vec<SocketAddr>, SourceError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| SourceError::Http(format!("cannot resolve `{bare}`: {e}")))?
        .collect();
    let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
    check_resolved(bare, &ips, access.allows(bare))?;
    Ok(addrs)
}

/// An HTTP error as a person needs it: what failed and why (the resolver's refusal, a TLS
/// or connection error), without the URL, which may carry signed-query credentials.
pub fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut out = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A blocking client with the guard, bounded timeouts and redirects re-checked per hop.
pub fn client(
    access: &PrivateAccess,
    timeout: Duration,
) -> Result<reqwest::blocking::Client, SourceError> {
    let checked = access.clone();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("more than 10 redirects")
        } else if let Err(e) = check_url(attempt.url(), &checked) {
            attempt.error(e.to_string())
        } else {
            attempt.follow()
        }
    });
    reqwest::blocking::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            access: access.clone(),
        }))
        // A proxy from HTTP(S)_PROXY would be given the host name and resolve it itself,
        // so the resolver above would only ever check the proxy's address.
        .no_proxy()
        .redirect(policy)
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .user_agent(concat!("rampart-scan/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SourceError::Http(format!("cannot build the HTTP client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literal_urls_are_checked_and_other_schemes_refused() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        let none = PrivateAccess::default();
        let all = PrivateAccess::all();
        assert!(check_url(&u("http://127.0.0.1:8080/x"), &none).is_err());
        assert!(check_url(&u("http://[::1]/x"), &none).is_err());
        assert!(check_url(&u("http://169.254.169.254/latest/meta-data"), &none).is_err());
        assert!(check_url(&u("http://127.0.0.1:8080/x"), &all).is_ok());
        assert!(check_url(&u("https://huggingface.co/x"), &none).is_ok());
        assert!(check_url(&u("file:///etc/passwd"), &all).is_err());
    }

    #[test]
    fn listed_hosts_alone_may_reach_private_addresses() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        let listed = PrivateAccess::hosts(&["Mirror.Internal.", "[::1]", "127.0.0.1"]);
        assert!(listed.allows("mirror.internal"));
        assert!(listed.allows("MIRROR.internal."));
        assert!(!listed.allows("evil.mirror.internal"));
        assert!(!listed.allows("mirror.internal.evil"));
        assert!(check_url(&u("http://127.0.0.1:8080/x"), &listed).is_ok());
        assert!(check_url(&u("http://[::1]:8080/x"), &listed).is_ok());
        assert!(check_url(&u("http://127.0.0.2:8080/x"), &listed).is_err());
        assert!(check_url(&u("http://169.254.169.254/latest/meta-data"), &listed).is_err());
        assert!(check_host("127.0.0.1", 80, &listed).is_ok());
        assert!(check_host("10.0.0.1", 80, &listed).is_err());
    }

    #[test]
    fn hosts_are_resolved_and_checked_with_the_host_named() {
        let none = PrivateAccess::default();
        let e = check_host("localhost", 80, &none).unwrap_err().to_string();
        assert!(
            e.contains("`localhost`") && e.contains("--allow-private-network"),
            "{e}"
        );
        assert!(check_host("[::1]", 80, &none).is_err());
        assert!(check_host("10.0.0.1", 80, &none).is_err());
        let addrs = check_host("127.0.0.1", 8080, &PrivateAccess::all()).unwrap();
        assert_eq!(addrs, vec!["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
        // Resolution is not done for public literals beyond parsing.
        assert!(check_host("1.1.1.1", 443, &none).is_ok());
    }
}
