//! The abuse seam: brute-force protection and automatic key suspension.
//!
//! The `authenticate` phase asks an [`AbuseTracker`] before it authenticates
//! ([`AbuseTracker::blocked`]: is this source address or presented key prefix blocked?
//! then 429 `auth_blocked` with `Retry-After`, in the surface's error shape, whatever the
//! key: a valid key does not lift a block) and after a refused credential
//! ([`AbuseTracker::failed`]: count it, maybe start a block). The phase after the guard
//! reports each request the guard blocked ([`AbuseTracker::guard_blocked`]), which may
//! suspend the key. The gateway holds no counters: the tracker comes with the control
//! plane's limiter ([`crate::Limiter::abuse`]; `rampart-server` keeps the counters in
//! memory or in the limiter's Redis, and suspensions in the key store), and a config with
//! `[auth.brute_force]` or `[auth.suspend]` is refused by a server whose limiter has none.
//!
//! Each block and suspension is an audit record (`abuse` set, see
//! [`rampart_core::audit::AbuseEvent`]), a warning in the log and a metric
//! (`rampart_auth_blocks_total{reason}`, `rampart_key_suspensions_total`).

use crate::BoxFuture;
use crate::auth::Principal;
use crate::config::Config;
use std::net::IpAddr;
use std::time::Duration;

/// `[auth.brute_force]`, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BruteForce {
    pub max_failures: u32,
    pub window: Duration,
    pub base_block: Duration,
    pub max_block: Duration,
}

/// `[auth.suspend]`, resolved (only when `enabled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suspension {
    pub max_guard_blocks: u32,
    pub window: Duration,
}

impl BruteForce {
    pub fn from_config(config: &Config) -> Option<Self> {
        config.auth.brute_force.as_ref().map(|b| {
            let b = b.get_ref();
            BruteForce {
                max_failures: b.max_failures,
                window: Duration::from_secs(b.window_secs),
                base_block: Duration::from_secs(b.base_block_secs),
                max_block: Duration::from_secs(b.max_block_secs),
            }
        })
    }
}

impl Suspension {
    pub fn from_config(config: &Config) -> Option<Self> {
        config
            .auth
            .suspend
            .as_ref()
            .map(|s| s.get_ref())
            .filter(|s| s.enabled)
            .map(|s| Suspension {
                max_guard_blocks: s.max_guard_blocks,
                window: Duration::from_secs(s.window_secs),
            })
    }
}

/// What a block is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockReason {
    /// One client address (an IPv6 address's /64).
    SourceAddress,
    /// One presented key prefix (`rk-` and six characters).
    KeyPrefix,
}

impl BlockReason {
    /// The metric label and the audit event's subject kind.
    pub fn name(self) -> &'static str {
        match self {
            BlockReason::SourceAddress => "source_address",
            BlockReason::KeyPrefix => "key_prefix",
        }
    }
}

/// A block that a failed authentication started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthBlock {
    pub reason: BlockReason,
    /// The address (or /64) or the key prefix: never a whole key.
    pub subject: String,
    pub retry_after: Duration,
    /// The how-manieth block of this subject (the back-off doubles each time).
    pub strike: u32,
}

/// The counters behind brute-force protection and key suspension.
pub trait AbuseTracker: Send + Sync + std::fmt::Debug {
    /// The longest remaining block of the client's address or of the presented key's
    /// prefix, if either is blocked.
    fn blocked<'a>(
        &'a self,
        source: Option<IpAddr>,
        presented_key: &'a str,
    ) -> BoxFuture<'a, Option<Duration>>;

    /// Count a refused credential against the address and the key's prefix; the blocks
    /// it started.
    fn failed<'a>(
        &'a self,
        source: Option<IpAddr>,
        presented_key: &'a str,
        policy: &'a BruteForce,
    ) -> BoxFuture<'a, Vec<AuthBlock>>;

    /// Count a request of `principal` that the guard blocked; `true` when this suspended
    /// the key (only keys the tracker can suspend: those of the key store).
    fn guard_blocked<'a>(
        &'a self,
        principal: &'a Principal,
        policy: &'a Suspension,
    ) -> BoxFuture<'a, bool>;
}

/// The address counted for `ip`: IPv4 as it is, IPv6 by its /64 (one host usually holds a
/// whole /64, so counting single IPv6 addresses would count nothing), IPv4-mapped IPv6 as
/// IPv4.
pub fn counted_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_counted_by_its_slash_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(counted_address(a), counted_address(b));
        assert_eq!(counted_address(a).to_string(), "2001:db8:1:2::");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(counted_address(mapped).to_string(), "203.0.113.7");
    }
}
