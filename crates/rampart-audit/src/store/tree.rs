//! The Merkle tree's growth, written once for both stores: each backend gives its rows
//! ([`TreeRows`]: the leaf count, nodes by id, node inserts, a page of chain hashes) and
//! [`extend_tree`] does the rest inside the caller's append transaction.

use super::to_i64;
use crate::chain;
use crate::error::AuditError;
use crate::merkle::{self, Frontier, Hash, NodeId};
use std::collections::HashMap;

/// One backend's tree rows, read and written in the caller's transaction.
pub(crate) trait TreeRows {
    /// The tree's leaf count.
    async fn tree_size(&mut self) -> Result<u64, AuditError>;
    /// Nodes by id; absent ones are left out.
    async fn fetch_nodes(&mut self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, AuditError>;
    async fn insert_nodes(&mut self, nodes: &[(NodeId, Hash)]) -> Result<(), AuditError>;
    /// `(seq, chain hash hex)` of the records `from..to`, in order, at most `limit`.
    async fn chain_page(
        &mut self,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, AuditError>;
}

/// Extends the tree to the records before `first_new_seq` (read back from the table if
/// the tree lags) and then the `new` chain hashes, which are the records `first_new_seq..`.
pub(crate) async fn extend_tree<C: TreeRows>(
    conn: &mut C,
    first_new_seq: i64,
    new: &[Hash],
) -> Result<(), AuditError> {
    let size = conn.tree_size().await?;
    let mut frontier = load_frontier(conn, size).await?;
    let mut next = to_i64(size) + 1;
    if next > first_new_seq {
        return Err(AuditError::Corrupt {
            seq: next - 1,
            reason: "the Merkle tree has more leaves than the log has records".to_owned(),
        });
    }
    while next < first_new_seq {
        let rows = conn
            .chain_page(next, first_new_seq, super::TREE_CATCH_UP_PAGE)
            .await?;
        let mut hashes = Vec::with_capacity(rows.len());
        for (seq, hash) in rows {
            let corrupt = |reason: &str| AuditError::Corrupt {
                seq,
                reason: reason.to_owned(),
            };
            if seq != next {
                return Err(corrupt(
                    "records missing before it: the tree cannot cover them",
                ));
            }
            hashes.push(
                chain::from_hex(&hash)
                    .ok_or_else(|| corrupt("stored hash is not 64 hex digits"))?,
            );
            next += 1;
        }
        if hashes.is_empty() {
            return Err(AuditError::Corrupt {
                seq: next,
                reason: "record missing: the tree cannot cover it".to_owned(),
            });
        }
        push_leaves(conn, &mut frontier, &hashes).await?;
    }
    push_leaves(conn, &mut frontier, new).await
}

async fn load_frontier<C: TreeRows>(conn: &mut C, size: u64) -> Result<Frontier, AuditError> {
    let ids = merkle::range_nodes(0, size);
    let found = conn.fetch_nodes(&ids).await?;
    let hashes = ids
        .iter()
        .map(|id| found.get(id).copied())
        .collect::<Option<Vec<_>>>();
    hashes
        .and_then(|h| Frontier::from_nodes(size, &h))
        .ok_or_else(|| AuditError::Corrupt {
            seq: to_i64(size),
            reason: "the Merkle tree lacks a node of its right edge".to_owned(),
        })
}

async fn push_leaves<C: TreeRows>(
    conn: &mut C,
    frontier: &mut Frontier,
    chain_hashes: &[Hash],
) -> Result<(), AuditError> {
    let mut nodes = Vec::with_capacity(chain_hashes.len() * 2);
    for hash in chain_hashes {
        frontier.push(merkle::leaf_hash(hash), |id, h| nodes.push((id, h)));
    }
    conn.insert_nodes(&nodes).await
}
