//! Which network addresses an outbound fetch may reach: the one copy of the SSRF rules.
//!
//! Rampart fetches URLs that someone else chose: scan targets (a pull request, a model
//! card) and identity-provider key sets (`[[auth.oidc]]`, whose discovery document names
//! the key-set URL). Neither may become a way to reach the fetching machine's neighbours:
//! loopback, private (RFC 1918, unique-local), link-local (cloud metadata at
//! 169.254.169.254), carrier-grade NAT, multicast, reserved and unspecified addresses are
//! refused unless the operator opted in for a host ([`PrivateAccess`]). The HTTP clients
//! (`rampart-scan`'s sources, `rampart-identity`'s key-set fetch) apply these rules inside
//! their DNS resolvers, so the address checked is the address connected to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// Whether an address is outside the public internet.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_v4(v4);
            }
            let seg0 = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg0 & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg0 & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (seg0 == 0x64 && v6.segments()[1] == 0xff9b) // NAT64 64:ff9b::/96 → v4
                || seg0 == 0x2002 // 6to4 embeds an IPv4 address
                || v6 == Ipv6Addr::from([0u16, 0, 0, 0, 0, 0, 0, 1])
        }
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..=127).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (18..=19).contains(&b)) // benchmarking
        || a >= 240 // reserved
}

/// Whether an address is a loopback address (127/8, `::1`, or `::ffff:127.x`): the one
/// kind of private address an identity provider may use without TLS, for tests and
/// sidecars.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The first private address among those a name resolved to, unless private addresses are
/// allowed for it. A name that resolves to any private address at all is refused: mixing
/// a public and a private answer is a rebinding trick.
pub fn first_private(addrs: &[IpAddr], allow_private: bool) -> Option<IpAddr> {
    if allow_private {
        return None;
    }
    addrs.iter().copied().find(|ip| is_private(*ip))
}

/// Which hosts may reach loopback, private and link-local addresses: none (the default),
/// the names an operator listed (an internal mirror, a private issuer), or every host. A
/// listed name is matched exactly (case and a trailing dot aside): a redirect from it to
/// another host is checked like any other host.
#[derive(Debug, Clone, Default)]
pub struct PrivateAccess {
    all: bool,
    hosts: Arc<[String]>,
}

impl PrivateAccess {
    /// Every host may reach private addresses.
    pub fn all() -> Self {
        PrivateAccess {
            all: true,
            hosts: Arc::from(Vec::new()),
        }
    }

    /// Only `hosts` (names or IP literals, IPv6 with or without brackets) may.
    pub fn hosts<S: AsRef<str>>(hosts: &[S]) -> Self {
        PrivateAccess {
            all: false,
            hosts: hosts.iter().map(|h| canonical_host(h.as_ref())).collect(),
        }
    }

    /// Whether `host` may resolve to (or be) a private address.
    pub fn allows(&self, host: &str) -> bool {
        self.all || {
            let host = canonical_host(host);
            self.hosts.contains(&host)
        }
    }
}

/// A host name as compared: brackets, a trailing dot and case removed.
pub fn canonical_host(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_mapped_addresses_are_private() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn one_private_answer_refuses_the_name() {
        let public: IpAddr = "1.1.1.1".parse().unwrap();
        let metadata: IpAddr = "169.254.169.254".parse().unwrap();
        assert_eq!(first_private(&[public, metadata], false), Some(metadata));
        assert_eq!(first_private(&[public, metadata], true), None);
        assert_eq!(first_private(&[public], false), None);
    }

    #[test]
    fn loopback_is_told_apart_from_other_private_addresses() {
        assert!(is_loopback("127.0.0.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(is_loopback("::ffff:127.0.0.2".parse().unwrap()));
        assert!(!is_loopback("10.0.0.1".parse().unwrap()));
        assert!(!is_loopback("169.254.169.254".parse().unwrap()));
    }

    #[test]
    fn listed_hosts_are_matched_exactly() {
        let listed = PrivateAccess::hosts(&["Mirror.Internal.", "[::1]"]);
        assert!(listed.allows("mirror.internal"));
        assert!(listed.allows("MIRROR.internal."));
        assert!(listed.allows("::1"));
        assert!(!listed.allows("evil.mirror.internal"));
        assert!(!listed.allows("mirror.internal.evil"));
        assert!(PrivateAccess::all().allows("anything"));
        assert!(!PrivateAccess::default().allows("localhost"));
    }
}
