//! Rampart's control plane for callers: who is calling and how much they may do.
//!
//! - API keys ([`key`], [`record`], [`keyring`]): `rk-…` keys from the OS CSPRNG, stored
//!   only as SHA-256 in a [`store::KeyStore`] (SQLite now), created, listed, revoked and
//!   authenticated by a [`Keyring`]. Revocation and expiry are checked on every
//!   authentication.
//! - Limits ([`limits`]): GCRA requests and tokens per minute, per key and per tenant,
//!   plus daily and monthly token budgets, in memory or in Redis ([`limits::Backend`]),
//!   answering with the numbers of the `x-ratelimit-*` headers.
//! - Bearer tokens ([`oidc`]): JWTs of the configured OpenID issuers, verified against
//!   their cached key sets (fetched under the shared SSRF rules), mapped to subject,
//!   tenant, groups and roles.
//! - LDAP ([`ldap`]): `[auth.ldap]` logins by simple bind over LDAPS or StartTLS, the
//!   user's groups (nested ones too), every filter value escaped; a short salted cache.
//! - Abuse ([`abuse`]): failure counters with temporary blocks and exponential back-off
//!   (brute-force protection, automatic key suspension), in memory or in the limiter's
//!   Redis.
//! - Time ([`clock`]): an injectable [`clock::Clock`] so tests move time by hand.
//!
//! This crate does not depend on the gateway; `rampart-server` adapts these types to
//! the gateway's seams.

pub mod abuse;
pub mod clock;
pub mod error;
pub mod key;
pub mod keyring;
pub mod ldap;
pub mod limits;
pub mod oidc;
pub mod record;
pub mod store;

pub use error::IdentityError;
pub use keyring::{CreatedKey, Keyring};
pub use record::{KeyRecord, NewKey};
