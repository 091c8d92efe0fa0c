//! What the store keeps about a key ([`KeyRecord`]) and what a caller asks for when
//! creating one ([`NewKey`]).

use crate::clock::format_rfc3339;
use crate::error::IdentityError;
use serde::{Deserialize, Serialize};

/// A stored API key, without its secret. Times are Unix seconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub id: String,
    /// Non-secret start of the key (`rk-AbC123`), for telling keys apart.
    pub prefix: String,
    pub tenant: String,
    pub name: String,
    pub role: String,
    /// Client-facing model names this key may use; `None` means every model.
    pub models: Option<Vec<String>>,
    /// Requests per minute; `None` means no per-key request limit.
    pub rpm: Option<u32>,
    /// Tokens (in + out) per minute; `None` means no per-key token limit.
    pub tpm: Option<u64>,
    pub daily_token_budget: Option<u64>,
    pub monthly_token_budget: Option<u64>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    /// When the key stops working: set by a revocation (now) or by a rotation (the end of
    /// its overlap period, in the future).
    pub revoked_at: Option<i64>,
    /// When the gateway suspended the key after unusual activity (`[auth.suspend]`); a
    /// suspended key is refused until `rampart keys unsuspend`.
    #[serde(default)]
    pub suspended_at: Option<i64>,
}

impl KeyRecord {
    /// Whether the key authenticates at `now` (Unix seconds): not revoked (a revocation
    /// scheduled for later has not come yet), not expired.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none_or(|at| now < at) && self.expires_at.is_none_or(|at| now < at)
    }

    /// `active`, `revoked`, `expired`, `suspended` or `rotating` (revoked at the end of an
    /// overlap), for listings.
    pub fn status(&self, now: i64) -> &'static str {
        if self.revoked_at.is_some_and(|at| at <= now) {
            "revoked"
        } else if self.is_active(now) && self.suspended_at.is_some() {
            "suspended"
        } else if self.is_active(now) && self.revoked_at.is_some() {
            "rotating"
        } else if self.is_active(now) {
            "active"
        } else {
            "expired"
        }
    }

    /// Whether this key may use the client-facing model `model`.
    pub fn allows_model(&self, model: &str) -> bool {
        self.models
            .as_ref()
            .is_none_or(|models| models.iter().any(|m| m == model))
    }

    /// The record as JSON for listings, with RFC 3339 times and a `status`.
    pub fn to_listing_json(&self, now: i64) -> serde_json::Value {
        let time = |t: Option<i64>| t.map(format_rfc3339);
        serde_json::json!({
            "id": self.id,
            "prefix": self.prefix,
            "tenant": self.tenant,
            "name": self.name,
            "role": self.role,
            "models": self.models,
            "rpm": self.rpm,
            "tpm": self.tpm,
            "daily_token_budget": self.daily_token_budget,
            "monthly_token_budget": self.monthly_token_budget,
            "expires_at": time(self.expires_at),
            "created_at": format_rfc3339(self.created_at),
            "revoked_at": time(self.revoked_at),
            "suspended_at": time(self.suspended_at),
            "status": self.status(now),
        })
    }
}

/// The request to create a key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewKey {
    pub tenant: String,
    pub name: String,
    /// Defaults to `user`.
    pub role: Option<String>,
    pub models: Option<Vec<String>>,
    pub rpm: Option<u32>,
    pub tpm: Option<u64>,
    pub daily_token_budget: Option<u64>,
    pub monthly_token_budget: Option<u64>,
    pub expires_at: Option<i64>,
}

/// The role a key gets when none is given.
pub const DEFAULT_ROLE: &str = "user";
const MAX_LABEL: usize = 128;

impl NewKey {
    /// Checks the fields; `now` (Unix seconds) to refuse an expiry in the past.
    pub fn validate(&self, now: i64) -> Result<(), IdentityError> {
        let invalid = |field, reason: &str| {
            Err(IdentityError::Invalid {
                field,
                reason: reason.to_owned(),
            })
        };
        label("tenant", &self.tenant)?;
        if self.name.trim().is_empty() || self.name.len() > MAX_LABEL {
            return invalid("name", "must be 1 to 128 bytes and not blank");
        }
        if self.name.chars().any(char::is_control) {
            return invalid("name", "must not contain control characters");
        }
        if let Some(role) = &self.role {
            label("role", role)?;
        }
        if let Some(models) = &self.models {
            if models.is_empty() {
                return invalid("models", "list is empty; omit it to allow every model");
            }
            for model in models {
                if model.is_empty()
                    || model.len() > MAX_LABEL
                    || model.chars().any(|c| c.is_control() || c == ',')
                {
                    return invalid(
                        "models",
                        "each model name must be 1 to 128 bytes, without commas or control characters",
                    );
                }
            }
        }
        if self.rpm == Some(0) || self.tpm == Some(0) {
            return invalid(
                "rpm/tpm",
                "a limit of 0 would refuse every request; revoke the key instead",
            );
        }
        if self.daily_token_budget == Some(0) || self.monthly_token_budget == Some(0) {
            return invalid("budget", "a budget of 0 would refuse every request");
        }
        for (field, value) in [
            ("tpm", self.tpm),
            ("daily_token_budget", self.daily_token_budget),
            ("monthly_token_budget", self.monthly_token_budget),
        ] {
            // Stored as SQL BIGINT (signed 64-bit).
            if value.is_some_and(|v| v > i64::MAX as u64) {
                return invalid(field, "is too large");
            }
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            return invalid("expires", "is in the past");
        }
        Ok(())
    }
}

/// Tenants and roles are identifiers: they appear in metrics labels, audit records and
/// (later) authorisation policies, so keep them to a safe alphabet.
fn label(field: &'static str, value: &str) -> Result<(), IdentityError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(IdentityError::Invalid {
            field,
            reason: "must be 1 to 64 characters of A-Z a-z 0-9 - _ .".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_key() -> NewKey {
        NewKey {
            tenant: "acme".into(),
            name: "ci bot".into(),
            ..NewKey::default()
        }
    }

    #[test]
    fn validation_names_the_field() {
        let cases: Vec<(NewKey, &str)> = vec![
            (
                NewKey {
                    tenant: "ac me".into(),
                    ..new_key()
                },
                "tenant",
            ),
            (
                NewKey {
                    name: " ".into(),
                    ..new_key()
                },
                "name",
            ),
            (
                NewKey {
                    role: Some("".into()),
                    ..new_key()
                },
                "role",
            ),
            (
                NewKey {
                    models: Some(vec![]),
                    ..new_key()
                },
                "models",
            ),
            (
                NewKey {
                    rpm: Some(0),
                    ..new_key()
                },
                "rpm/tpm",
            ),
            (
                NewKey {
                    expires_at: Some(5),
                    ..new_key()
                },
                "expires",
            ),
            (
                NewKey {
                    tpm: Some(u64::MAX),
                    ..new_key()
                },
                "tpm",
            ),
        ];
        for (key, field) in cases {
            match key.validate(10) {
                Err(IdentityError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{key:?}: {other:?}"),
            }
        }
        assert!(new_key().validate(10).is_ok());
    }

    #[test]
    fn activity_and_models() {
        let mut record = KeyRecord {
            id: "key_1".into(),
            prefix: "rk-abc".into(),
            tenant: "acme".into(),
            name: "n".into(),
            role: "user".into(),
            models: Some(vec!["gpt-4o-mini".into()]),
            rpm: None,
            tpm: None,
            daily_token_budget: None,
            monthly_token_budget: None,
            expires_at: Some(100),
            created_at: 0,
            revoked_at: None,
            suspended_at: None,
        };
        assert!(record.is_active(99) && !record.is_active(100));
        assert_eq!(record.status(100), "expired");
        assert!(record.allows_model("gpt-4o-mini") && !record.allows_model("claude"));
        record.suspended_at = Some(20);
        assert_eq!(record.status(10), "suspended");
        record.suspended_at = None;
        record.revoked_at = Some(50);
        assert_eq!(record.status(50), "revoked");
        assert!(!record.is_active(50));
        // A revocation scheduled by a rotation: the key works until then.
        assert_eq!(record.status(10), "rotating");
        assert!(record.is_active(49));
    }
}
