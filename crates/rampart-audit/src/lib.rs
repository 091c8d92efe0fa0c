//! Rampart's audit log: one [`AuditRecord`] per gateway request, kept in an append-only,
//! hash-chained store.
//!
//! - [`record`]: what a record holds (never prompts, completions, keys or matched values).
//! - [`chain`]: the SHA-256 chain over records and its [`chain::Verifier`].
//! - [`merkle`]: the RFC 9162 Merkle tree over the chain hashes; [`proof`]: inclusion
//!   and consistency proofs from a store; [`checkpoint`]: signed C2SP checkpoints.
//! - [`store`]: the [`store::AuditStore`] trait and the SQLite store.
//! - [`writer`]: the non-blocking [`AuditWriter`] the request path uses.
//! - [`spool`]: the local file where records wait while the store cannot take them.
//!
//! This crate does not depend on the gateway; the gateway adapts it to its `AuditSink`.

pub mod chain;
pub mod checkpoint;
pub mod error;
pub mod merkle;
pub mod proof;
pub mod publish;
pub mod record;
pub mod spool;
pub mod store;
pub mod writer;

pub use chain::VerifyReport;
pub use error::AuditError;
pub use record::{AuditRecord, FindingSummary};
pub use spool::{Spool, SpoolError};
pub use store::{AuditQuery, AuditStore, StoredRecord};
pub use writer::{AuditWriter, WriterStats, WriterTask};
