//! Proofs from a store's Merkle tree, and the check of a log against a checkpoint.
//!
//! Both proof kinds print as one JSON object (`docs/audit.md` describes them and how to
//! check them offline); every hash is lowercase hex. Hashing is RFC 9162's, so any
//! RFC 9162 / RFC 6962 verifier checks `path` once given `leaf_hash`, `leaf_index`,
//! `tree_size` and `root`.

use crate::chain::{self, Verifier, VerifyReport};
use crate::checkpoint::Checkpoint;
use crate::error::AuditError;
use crate::merkle::{self, Hash, NodeSet};
use crate::store::AuditStore;
use serde::Serialize;

/// The `type` of an inclusion proof.
pub const INCLUSION_TYPE: &str = "rampart-audit-inclusion-v1";
/// The `type` of a consistency proof.
pub const CONSISTENCY_TYPE: &str = "rampart-audit-consistency-v1";

/// That record `seq` is leaf `seq - 1` of the tree of `tree_size` leaves with `root`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InclusionProof {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub seq: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub root: String,
    /// The record's canonical JSON, exactly the bytes hashed into its chain hash.
    pub record: String,
    /// The chain hash of the record before (64 zeros for the first).
    pub prev_hash: String,
    /// `SHA-256("rampart-audit-v1\n" ‖ prev_hash ‖ record)`: the leaf's bytes.
    pub chain_hash: String,
    /// `SHA-256(0x00 ‖ chain_hash)`.
    pub leaf_hash: String,
    /// RFC 9162 audit path, from the leaf up.
    pub path: Vec<String>,
}

/// That the tree of `old_size` leaves is a prefix of the tree of `new_size` leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsistencyProof {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    /// RFC 9162 consistency path.
    pub path: Vec<String>,
}

fn hexes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(chain::to_hex).collect()
}

/// The hashes of leaf ranges, from the store's perfect nodes.
async fn range_hashes(
    store: &dyn AuditStore,
    ranges: &[(u64, u64)],
) -> Result<Vec<Hash>, AuditError> {
    let set = NodeSet::for_ranges(ranges);
    let fetched = store.tree_nodes(&set.needed).await?;
    NodeSet::hashes(ranges, &fetched).ok_or_else(|| AuditError::Corrupt {
        seq: 0,
        reason: "the Merkle tree lacks a node a proof needs".to_owned(),
    })
}

/// `size`, checked against the tree's current size (`None`: the current size).
async fn size_or_current(store: &dyn AuditStore, size: Option<u64>) -> Result<u64, AuditError> {
    let current = store.tree_size().await?;
    match size {
        None => Ok(current),
        Some(s) if s <= current => Ok(s),
        Some(s) => Err(AuditError::OutOfRange(format!(
            "the log has {current} records, fewer than the {s} asked for"
        ))),
    }
}

/// The root of the tree of `size` leaves (`None`: all of them), and that size.
pub async fn tree_head(
    store: &dyn AuditStore,
    size: Option<u64>,
) -> Result<(u64, Hash), AuditError> {
    let size = size_or_current(store, size).await?;
    if size == 0 {
        return Ok((0, merkle::empty_root()));
    }
    let root = range_hashes(store, &[(0, size)]).await?[0];
    Ok((size, root))
}

/// Proves that record `seq` is in the tree of `size` leaves (`None`: the current tree).
pub async fn inclusion(
    store: &dyn AuditStore,
    seq: i64,
    size: Option<u64>,
) -> Result<InclusionProof, AuditError> {
    let size = size_or_current(store, size).await?;
    let index = u64::try_from(seq - 1)
        .ok()
        .filter(|&i| i < size)
        .ok_or_else(|| {
            AuditError::OutOfRange(format!("record {seq} is not in a tree of {size} records"))
        })?;
    let stored = store
        .record(seq)
        .await?
        .ok_or_else(|| AuditError::OutOfRange(format!("record {seq} is not in the log")))?;
    let chain_hash = chain::from_hex(&stored.hash).ok_or_else(|| AuditError::Corrupt {
        seq,
        reason: "stored hash is not 64 hex digits".to_owned(),
    })?;
    let mut ranges = merkle::inclusion_ranges(index, size);
    ranges.push((0, size));
    let mut hashes = range_hashes(store, &ranges).await?;
    let root = hashes.pop().unwrap_or_else(merkle::empty_root);
    Ok(InclusionProof {
        kind: INCLUSION_TYPE,
        seq,
        leaf_index: index,
        tree_size: size,
        root: chain::to_hex(&root),
        record: String::from_utf8_lossy(&stored.record.canonical_json()).into_owned(),
        prev_hash: stored.prev_hash,
        chain_hash: stored.hash,
        leaf_hash: chain::to_hex(&merkle::leaf_hash(&chain_hash)),
        path: hexes(&hashes),
    })
}

/// Proves that the tree of `old` leaves is a prefix of the tree of `new` leaves.
pub async fn consistency(
    store: &dyn AuditStore,
    old: u64,
    new: Option<u64>,
) -> Result<ConsistencyProof, AuditError> {
    let new = size_or_current(store, new).await?;
    if old > new {
        return Err(AuditError::OutOfRange(format!(
            "--from {old} is larger than --to {new}"
        )));
    }
    let mut ranges = if old == 0 || old == new {
        Vec::new()
    } else {
        merkle::consistency_ranges(old, new)
    };
    let path_len = ranges.len();
    ranges.push((0, old));
    ranges.push((0, new));
    let hashes = range_hashes(store, &ranges).await?;
    let root = |size: u64, h: Hash| if size == 0 { merkle::empty_root() } else { h };
    Ok(ConsistencyProof {
        kind: CONSISTENCY_TYPE,
        old_size: old,
        new_size: new,
        old_root: chain::to_hex(&root(old, hashes[path_len])),
        new_root: chain::to_hex(&root(new, hashes[path_len + 1])),
        path: hexes(&hashes[..path_len]),
    })
}

/// Checks an [`InclusionProof`] as an offline verifier would: the record's chain hash,
/// its leaf hash and the audit path up to `root`.
pub fn check_inclusion(proof: &InclusionProof) -> bool {
    let parse = |h: &str| chain::from_hex(h);
    let (Some(prev), Some(root), Some(chain_hash), Some(leaf)) = (
        parse(&proof.prev_hash),
        parse(&proof.root),
        parse(&proof.chain_hash),
        parse(&proof.leaf_hash),
    ) else {
        return false;
    };
    let Some(path) = proof
        .path
        .iter()
        .map(|h| parse(h))
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    chain::link(&prev, proof.record.as_bytes()) == chain_hash
        && merkle::leaf_hash(&chain_hash) == leaf
        && proof.leaf_index == u64::try_from(proof.seq - 1).unwrap_or(u64::MAX)
        && merkle::verify_inclusion(proof.leaf_index, proof.tree_size, &leaf, &path, &root)
}

/// What checking a log against a checkpoint found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointCheck {
    /// The chain walk (records, head, first break).
    pub chain: VerifyReport,
    /// Why the log does not match the checkpoint, if it does not.
    pub mismatch: Option<String>,
}

impl CheckpointCheck {
    pub fn is_ok(&self) -> bool {
        self.chain.is_intact() && self.mismatch.is_none()
    }
}

/// Walks the chain, recomputes the Merkle root over the first `checkpoint.size` records
/// from their contents, and compares it with the checkpoint's root; then checks that
/// the tree the store keeps (what proofs are built from) has the same root. Finds edited,
/// deleted, inserted or reordered records (even with the chain recomputed after them)
/// and a log truncated below the checkpoint.
pub async fn check_against(
    store: &dyn AuditStore,
    checkpoint: Option<&Checkpoint>,
) -> Result<CheckpointCheck, AuditError> {
    let mut verifier = Verifier::default();
    if let Some(cp) = checkpoint {
        verifier = verifier.root_at(cp.size);
    }
    let chain = store.verify_with(verifier).await?;
    let mut mismatch = None;
    if chain.is_intact() {
        if let Some(cp) = checkpoint {
            mismatch = match chain.root_at {
                None => Some(format!(
                    "the log has {} records, fewer than the checkpoint's {}: records were removed",
                    chain.records, cp.size
                )),
                Some((_, root)) if root != cp.root => Some(format!(
                    "the first {} records do not hash to the checkpoint's root: records were changed, removed or reordered",
                    cp.size
                )),
                Some(_) => None,
            };
        }
        if mismatch.is_none() {
            let stored = tree_head(store, Some(chain.records)).await;
            let recomputed = chain.root.as_deref().and_then(chain::from_hex);
            mismatch = match stored {
                Ok((_, root)) if Some(root) == recomputed => None,
                Ok(_) => Some(
                    "the stored Merkle tree disagrees with the records: proofs from it would not verify"
                        .to_owned(),
                ),
                Err(AuditError::TreeUnsupported) => None,
                Err(AuditError::OutOfRange(_)) => Some(
                    "the stored Merkle tree has fewer leaves than the log has records".to_owned(),
                ),
                Err(e) => return Err(e),
            };
        }
    }
    Ok(CheckpointCheck { chain, mismatch })
}
