//! The gateway's [`AbuseTracker`] over `rampart-identity`'s failure counters (in memory,
//! or in the limiter's Redis and in memory) and, for suspensions, its key store.
//!
//! Subjects: `src:ADDRESS` (IPv6 by its /64), `kp:PREFIX` (the presented key's display
//! prefix, `rk-` and six characters, the one listings show; credentials that are not
//! Rampart keys, such as JWTs, are counted by address only) and `gb:KEY_ID` (guard blocks
//! of a key, for `[auth.suspend]`). Only keys of the key store can be suspended: the
//! config's `[[auth.keys]]` and token principals are counted but never suspended (the
//! config is their source of truth; remove the key there).

use rampart_gateway::BoxFuture;
use rampart_gateway::abuse::{
    AbuseTracker, AuthBlock, BlockReason, BruteForce, Suspension, counted_address,
};
use rampart_gateway::auth::Principal;
use rampart_identity::Keyring;
use rampart_identity::abuse::{Counter, Policy};
use std::net::IpAddr;

/// Brute-force counters and key suspension for `rampart serve`.
#[derive(Debug, Clone)]
pub struct CounterTracker {
    counter: Counter,
    keyring: Option<Keyring>,
}

impl CounterTracker {
    pub fn new(counter: Counter) -> Self {
        CounterTracker {
            counter,
            keyring: None,
        }
    }

    /// Suspensions go to this key store.
    pub fn with_keyring(mut self, keyring: Keyring) -> Self {
        self.keyring = Some(keyring);
        self
    }
}

fn subjects(source: Option<IpAddr>, presented_key: &str) -> Vec<(BlockReason, String, String)> {
    let mut out = Vec::with_capacity(2);
    if let Some(ip) = source {
        let shown = counted_address(ip).to_string();
        out.push((BlockReason::SourceAddress, format!("src:{shown}"), shown));
    }
    if let Some(prefix) = rampart_identity::key::presented_prefix(presented_key) {
        out.push((
            BlockReason::KeyPrefix,
            format!("kp:{prefix}"),
            prefix.to_owned(),
        ));
    }
    out
}

impl AbuseTracker for CounterTracker {
    fn blocked<'a>(
        &'a self,
        source: Option<IpAddr>,
        presented_key: &'a str,
    ) -> BoxFuture<'a, Option<std::time::Duration>> {
        Box::pin(async move {
            let keys: Vec<String> = subjects(source, presented_key)
                .into_iter()
                .map(|(_, key, _)| key)
                .collect();
            self.counter.blocked(&keys).await
        })
    }

    fn failed<'a>(
        &'a self,
        source: Option<IpAddr>,
        presented_key: &'a str,
        policy: &'a BruteForce,
    ) -> BoxFuture<'a, Vec<AuthBlock>> {
        Box::pin(async move {
            let policy = Policy {
                max_failures: policy.max_failures,
                window: policy.window,
                base_block: policy.base_block,
                max_block: policy.max_block,
            };
            let mut blocks = Vec::new();
            for (reason, key, shown) in subjects(source, presented_key) {
                if let Some(block) = self.counter.fail(&key, &policy).await {
                    blocks.push(AuthBlock {
                        reason,
                        subject: shown,
                        retry_after: block.retry_after,
                        strike: block.strike,
                    });
                }
            }
            blocks
        })
    }

    fn guard_blocked<'a>(
        &'a self,
        principal: &'a Principal,
        policy: &'a Suspension,
    ) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let Some(keyring) = &self.keyring else {
                return false;
            };
            if principal.token.is_some() {
                return false;
            }
            // The "block" of this counter is the suspension itself: while it lasts (one
            // window) further guard blocks are not counted, and the key stays suspended
            // in the store until lifted.
            let policy = Policy {
                max_failures: policy.max_guard_blocks,
                window: policy.window,
                base_block: policy.window,
                max_block: policy.window,
            };
            let key = format!("gb:{}", principal.key_id);
            if self.counter.fail(&key, &policy).await.is_none() {
                return false;
            }
            match keyring.suspend(&principal.key_id).await {
                Ok(record) => record.suspended_at.is_some(),
                Err(rampart_identity::IdentityError::NotFound(_)) => {
                    tracing::warn!(
                        key_id = %principal.key_id,
                        "[auth.suspend]: the guard keeps blocking a key that is not in the key store; it cannot be suspended"
                    );
                    false
                }
                Err(e) => {
                    tracing::error!(key_id = %principal.key_id, error = %e, "could not suspend a key");
                    false
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_the_address_and_the_key_prefix_never_the_key() {
        let key = "rk-AbC123xyzSECRETSECRETSECRET";
        let s = subjects(Some("2001:db8::7".parse().unwrap()), key);
        assert_eq!(s[0].1, "src:2001:db8::");
        assert_eq!(s[1].1, "kp:rk-AbC123");
        assert!(
            s.iter()
                .all(|(_, k, shown)| !k.contains("SECRET") && !shown.contains("SECRET"))
        );
        // A JWT is counted by address only.
        assert_eq!(subjects(None, "eyJhbGciOi.x.y").len(), 0);
    }
}
