//! The key-set fetch: OpenID discovery and the JWKS document, over HTTPS to public
//! addresses only (the SSRF rules of [`rampart_core::net`], checked inside the DNS
//! resolver so the address checked is the address connected to), no redirects, no proxy,
//! bounded in time and size.
//!
//! An issuer that opts in (`allow_private_network`) may use private addresses for its own
//! hosts (the issuer's and the configured key-set URL's), and plain HTTP only on loopback
//! (tests, a sidecar).

use rampart_core::net::{self, PrivateAccess};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The largest discovery or key-set document read (a provider publishes a few keys).
pub const MAX_DOCUMENT: usize = 256 * 1024;

/// Resolves with the system resolver and refuses private answers for hosts not allowed.
#[derive(Debug)]
struct GuardedResolver {
    access: PrivateAccess,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.access.allows(name.as_str());
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
            if ips.is_empty() {
                return Err(format!("`{host}` has no address").into());
            }
            if let Some(ip) = net::first_private(&ips, allow) {
                return Err(format!(
                    "`{host}` resolves to {ip}, a loopback, private or link-local address (set allow_private_network for a private issuer)"
                )
                .into());
            }
            let iter: Addrs = Box::new(addrs.into_iter());
            Ok(iter)
        })
    }
}

/// The HTTP client of one issuer.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    access: PrivateAccess,
    allow_private: bool,
    timeout: Duration,
}

impl Fetcher {
    /// `hosts`: the issuer's own hosts, which `allow_private` opens to private addresses.
    pub fn new(hosts: &[String], allow_private: bool, timeout: Duration) -> Result<Self, String> {
        let access = if allow_private {
            PrivateAccess::hosts(hosts)
        } else {
            PrivateAccess::default()
        };
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                access: access.clone(),
            }))
            // A proxy would resolve the name itself, past the resolver above.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("rampart/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Fetcher {
            client,
            access,
            allow_private,
            timeout,
        })
    }

    /// Whether `url` may be fetched at all: HTTPS (HTTP only on loopback for an issuer that
    /// opted in), and an IP-literal host must be public unless allowed (the resolver never
    /// sees IP literals).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().ok_or("the URL has no host")?;
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            _ => None,
        };
        match url.scheme() {
            "https" => {}
            "http"
                if self.allow_private
                    && (literal.is_some_and(net::is_loopback)
                        || host.eq_ignore_ascii_case("localhost")) => {}
            "http" => {
                return Err(
                    "plain HTTP is refused (only on loopback, with allow_private_network)".into(),
                );
            }
            other => return Err(format!("scheme `{other}` is refused")),
        }
        if let Some(ip) = literal
            && net::is_private(ip)
            && !self.access.allows(host)
        {
            return Err(format!(
                "{ip} is a loopback, private or link-local address (set allow_private_network for a private issuer)"
            ));
        }
        Ok(())
    }

    /// GET a JSON document, bounded in size and time. The error names the failure, never
    /// the URL's query (which a provider might sign).
    pub async fn get_json(&self, url: &str) -> Result<serde_json::Value, String> {
        self.send_json(reqwest::Method::GET, url, &[], None).await
    }

    /// Any request under the same rules (the secrets managers' reads and logins): the
    /// answer must be a 2xx JSON document, bounded in size and time. Header values are
    /// sent, never shown in errors.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<serde_json::Value, String> {
        let url = reqwest::Url::parse(url).map_err(|e| format!("bad URL: {e}"))?;
        self.check_url(&url)?;
        let shown = rampart_core::redact::redact_url(url.as_str());
        let work = async {
            let mut request = self
                .client
                .request(method, url.clone())
                .header("accept", "application/json");
            for (k, v) in headers {
                request = request.header(*k, *v);
            }
            if let Some(body) = body {
                request = request.body(body);
            }
            let mut response = request
                .send()
                .await
                .map_err(|e| format!("{shown}: {}", describe(e)))?;
            if !response.status().is_success() {
                return Err(format!("{shown}: HTTP {}", response.status()));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| format!("{shown}: {}", describe(e)))?
            {
                if body.len() + chunk.len() > MAX_DOCUMENT {
                    return Err(format!("{shown}: larger than {MAX_DOCUMENT} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            serde_json::from_slice(&body).map_err(|e| format!("{shown}: not JSON ({e})"))
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| format!("{shown}: no answer within {:?}", self.timeout))?
    }
}

/// The error and its causes (the resolver's refusal, a TLS failure), without the URL.
fn describe(e: reqwest::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_required_and_private_literals_refused_without_the_opt_in() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        let closed = Fetcher::new(&[], false, Duration::from_secs(1)).unwrap();
        assert!(
            closed
                .check_url(&u("https://login.example.com/keys"))
                .is_ok()
        );
        assert!(
            closed
                .check_url(&u("http://login.example.com/keys"))
                .is_err()
        );
        assert!(closed.check_url(&u("https://127.0.0.1/keys")).is_err());
        assert!(
            closed
                .check_url(&u("https://169.254.169.254/latest"))
                .is_err()
        );
        assert!(closed.check_url(&u("https://[::1]/keys")).is_err());
        assert!(closed.check_url(&u("file:///etc/passwd")).is_err());

        let opted = Fetcher::new(&["127.0.0.1".into()], true, Duration::from_secs(1)).unwrap();
        assert!(opted.check_url(&u("http://127.0.0.1:9000/jwks")).is_ok());
        // The opt-in covers the issuer's own hosts, not the metadata service.
        assert!(
            opted
                .check_url(&u("https://169.254.169.254/latest"))
                .is_err()
        );
        // Plain HTTP stays refused off loopback even with the opt-in.
        assert!(opted.check_url(&u("http://10.0.0.5/jwks")).is_err());
    }

    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused() {
        let closed = Fetcher::new(&[], false, Duration::from_secs(2)).unwrap();
        let e = closed
            .get_json("https://localhost:1/jwks")
            .await
            .unwrap_err();
        assert!(e.contains("localhost"), "{e}");
    }
}
