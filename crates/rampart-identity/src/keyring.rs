//! [`Keyring`]: the operations on keys (create, list, revoke, authenticate) over any
//! [`KeyStore`].
//!
//! Authentication reads the store on every call rather than caching: revocation must take
//! effect at once, and the process that revokes (`rampart keys revoke`) is usually not the
//! one that serves. A SQLite lookup by a unique index costs tens of microseconds, well
//! inside the gateway's overhead budget; a shared cache with cross-process invalidation is
//! a job for the PostgreSQL/Redis deployment, not for one machine.

use crate::clock::{Clock, SystemClock};
use crate::error::IdentityError;
use crate::key::{KeyHash, SecretKey, new_id};
use crate::record::{DEFAULT_ROLE, KeyRecord, NewKey};
use crate::store::KeyStore;
use std::sync::Arc;

/// A key just created: its record and the secret, which is never retrievable again.
#[derive(Debug)]
pub struct CreatedKey {
    pub record: KeyRecord,
    pub key: SecretKey,
}

/// Key management and authentication.
#[derive(Debug, Clone)]
pub struct Keyring {
    store: Arc<dyn KeyStore>,
    clock: Arc<dyn Clock>,
}

impl Keyring {
    pub fn new(store: Arc<dyn KeyStore>) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Arc<dyn KeyStore>, clock: Arc<dyn Clock>) -> Self {
        Keyring { store, clock }
    }

    /// Opens the store named by a storage URL and wraps it.
    pub async fn open(url: &str) -> Result<Self, IdentityError> {
        Ok(Self::new(crate::store::open(url).await?))
    }

    pub fn store(&self) -> &Arc<dyn KeyStore> {
        &self.store
    }

    /// Creates a key. The returned [`CreatedKey::key`] is the only copy of the secret.
    pub async fn create(&self, new: NewKey) -> Result<CreatedKey, IdentityError> {
        let now = self.clock.now_unix_secs();
        new.validate(now)?;
        let key = SecretKey::generate()?;
        let record = KeyRecord {
            id: new_id("key_")?,
            prefix: key.display_prefix(),
            tenant: new.tenant,
            name: new.name,
            role: new.role.unwrap_or_else(|| DEFAULT_ROLE.to_owned()),
            models: new.models,
            rpm: new.rpm,
            tpm: new.tpm,
            daily_token_budget: new.daily_token_budget,
            monthly_token_budget: new.monthly_token_budget,
            expires_at: new.expires_at,
            created_at: now,
            revoked_at: None,
            suspended_at: None,
        };
        self.store.insert(&record, &key.hash()).await?;
        Ok(CreatedKey { record, key })
    }

    /// Every key, newest first. Records never contain the secret.
    pub async fn list(&self) -> Result<Vec<KeyRecord>, IdentityError> {
        self.store.list().await
    }

    /// Revokes a key now; the next authentication with it fails.
    pub async fn revoke(&self, id: &str) -> Result<KeyRecord, IdentityError> {
        self.store.revoke(id, self.clock.now_unix_secs()).await
    }

    /// Suspends a key now (`[auth.suspend]`): the gateway refuses it with 403
    /// `key_suspended` until [`Keyring::unsuspend`].
    pub async fn suspend(&self, id: &str) -> Result<KeyRecord, IdentityError> {
        let now = self.clock.now_unix_secs();
        self.store.set_suspended(id, Some(now)).await
    }

    /// Lifts a key's suspension.
    pub async fn unsuspend(&self, id: &str) -> Result<KeyRecord, IdentityError> {
        self.store.set_suspended(id, None).await
    }

    /// One key by id, whatever its status.
    pub async fn get(&self, id: &str) -> Result<Option<KeyRecord>, IdentityError> {
        self.store.get(id).await
    }

    /// Now, in Unix seconds, by this keyring's clock.
    pub fn now(&self) -> i64 {
        self.clock.now_unix_secs()
    }

    /// Replaces key `id` by a new key with the same tenant, name, role, models, limits
    /// and expiry. The old key keeps working for `overlap_secs` (so that clients can
    /// switch without an outage), then is revoked; 0 revokes it now. Refused for a key
    /// that no longer works.
    pub async fn rotate(
        &self,
        id: &str,
        overlap_secs: u32,
    ) -> Result<(CreatedKey, KeyRecord), IdentityError> {
        let now = self.clock.now_unix_secs();
        let old = self
            .store
            .get(id)
            .await?
            .ok_or_else(|| IdentityError::NotFound(id.to_owned()))?;
        if old.suspended_at.is_some() {
            // A rotation must not be a way around a suspension (`[auth.suspend]`).
            return Err(IdentityError::Invalid {
                field: "id",
                reason: "key is suspended; lift the suspension (`rampart keys unsuspend`) first"
                    .to_owned(),
            });
        }
        if !old.is_active(now) {
            return Err(IdentityError::Invalid {
                field: "id",
                reason: format!(
                    "key is {}; only a working key can be rotated",
                    old.status(now)
                ),
            });
        }
        let created = self
            .create(NewKey {
                tenant: old.tenant.clone(),
                name: old.name.clone(),
                role: Some(old.role.clone()),
                models: old.models.clone(),
                rpm: old.rpm,
                tpm: old.tpm,
                daily_token_budget: old.daily_token_budget,
                monthly_token_budget: old.monthly_token_budget,
                expires_at: old.expires_at,
            })
            .await?;
        let until = now.saturating_add(i64::from(overlap_secs));
        let old = self.store.revoke(id, until).await?;
        Ok((created, old))
    }

    /// The record of the key a client presented, if it is a known, unrevoked and unexpired
    /// key (a suspended one too: the caller refuses it, saying why). Anything else (malformed, unknown, revoked, expired) is `Ok(None)`; `Err` only
    /// when the store cannot answer, which the gateway must treat as a refusal.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<KeyRecord>, IdentityError> {
        let Some(hash) = KeyHash::of_presented(presented) else {
            return Ok(None);
        };
        let now = self.clock.now_unix_secs();
        Ok(self
            .store
            .find_by_hash(&hash)
            .await?
            .filter(|record| record.is_active(now)))
    }
}
