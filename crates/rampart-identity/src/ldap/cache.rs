//! A small, bounded cache of recent successful LDAP logins, so that a client sending the
//! same Basic credentials on every request does not cost a bind each time.
//!
//! The key is SHA-256 over a per-process random salt, the user name and the password: the
//! password itself is never stored, and the salt keeps the stored digests from being
//! compared against a precomputed table. Only successes are cached (a failure always asks
//! the server again), entries expire after the configured time, and the number of entries
//! is capped: when full, expired entries go first, then the entry closest to expiry.

use super::LdapUser;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(super) struct LoginCache {
    salt: [u8; 32],
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<[u8; 32], (Instant, LdapUser)>>,
}

impl LoginCache {
    pub(super) fn new(ttl: Duration, max_entries: usize) -> LoginCache {
        let mut salt = [0u8; 32];
        // Without randomness the salt stays zero: the cache still works, and the digests
        // still never hold a password in clear.
        if getrandom::fill(&mut salt).is_err() {
            tracing::warn!("no randomness for the LDAP login cache's salt");
        }
        LoginCache {
            salt,
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cache key of `scope` (what was checked: a login, a group lookup), `user` and
    /// `secret` (the password; empty for group lookups).
    pub(super) fn key(&self, scope: &str, user: &str, secret: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        for part in [scope, user, secret] {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    }

    pub(super) fn get(&self, key: &[u8; 32], now: Instant) -> Option<LdapUser> {
        if self.ttl.is_zero() || self.max_entries == 0 {
            return None;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(key) {
            Some((expires, user)) if *expires > now => Some(user.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub(super) fn put(&self, key: [u8; 32], user: LdapUser, now: Instant) {
        if self.ttl.is_zero() || self.max_entries == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.max_entries && !entries.contains_key(&key) {
            entries.retain(|_, (expires, _)| *expires > now);
            if entries.len() >= self.max_entries {
                let soonest = entries
                    .iter()
                    .min_by_key(|(_, (expires, _))| *expires)
                    .map(|(k, _)| *k);
                if let Some(k) = soonest {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(key, (now + self.ttl, user));
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> LdapUser {
        LdapUser {
            user: name.into(),
            dn: format!("uid={name}"),
            tenant: "t".into(),
            groups: vec![],
        }
    }

    #[test]
    fn hits_only_the_same_user_and_password_and_expires() {
        let c = LoginCache::new(Duration::from_secs(10), 8);
        let t0 = Instant::now();
        let k = c.key("login", "alice", "pw");
        c.put(k, user("alice"), t0);
        assert_eq!(c.get(&k, t0).map(|u| u.user), Some("alice".into()));
        assert!(c.get(&c.key("login", "alice", "pw2"), t0).is_none());
        assert!(c.get(&c.key("login", "alicep", "w"), t0).is_none());
        assert!(c.get(&c.key("groups", "alice", "pw"), t0).is_none());
        assert!(c.get(&k, t0 + Duration::from_secs(11)).is_none());
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn salted_per_cache() {
        let a = LoginCache::new(Duration::from_secs(10), 8);
        let b = LoginCache::new(Duration::from_secs(10), 8);
        assert_ne!(a.key("login", "alice", "pw"), b.key("login", "alice", "pw"));
    }

    #[test]
    fn bounded() {
        let c = LoginCache::new(Duration::from_secs(10), 3);
        let t0 = Instant::now();
        for i in 0..10u64 {
            let name = format!("u{i}");
            c.put(
                c.key("login", &name, "pw"),
                user(&name),
                t0 + Duration::from_millis(i),
            );
            assert!(c.len() <= 3);
        }
        // The newest stay.
        assert!(c.get(&c.key("login", "u9", "pw"), t0).is_some());
        assert!(c.get(&c.key("login", "u0", "pw"), t0).is_none());
    }
}
