//! The Merkle tree over the audit log, hashed as RFC 9162 (Certificate Transparency v2)
//! §2.1: `leaf = SHA-256(0x00 ‖ leaf bytes)`, `node = SHA-256(0x01 ‖ left ‖ right)`, the
//! root of the empty tree is `SHA-256("")`, and a tree of `n > 1` leaves splits at the
//! largest power of two below `n`.
//!
//! The leaf bytes of record `seq` are its 32-byte chain hash (see [`crate::chain`]), not
//! its JSON: the chain hash already commits to the JSON and to every record before it, and
//! it survives when retention deletes the record's body, so old proofs still verify.
//!
//! The store keeps every *perfect* subtree of the tree as a node `(level, index)`: the
//! hash of leaves `index·2^level .. (index+1)·2^level`. Level 0 holds the leaf hashes.
//! Any subtree that RFC 9162's recursion visits is either perfect or ends at the tree's
//! right edge, in which case it is the right fold of a few perfect nodes
//! ([`range_nodes`]). So a root, an inclusion proof or a consistency proof needs
//! `O(log² n)` stored nodes at most, whatever the size of the log ([`NodeSet`]).

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The hash of a leaf whose bytes are `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// A stored perfect subtree: leaves `index << level .. (index + 1) << level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

/// The largest power of two strictly below `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The perfect nodes that make up leaves `start..end`, left to right: at each step the
/// largest aligned block that fits. For the ranges RFC 9162's recursion visits, the hash
/// of the range is the right fold of these nodes ([`fold`]).
pub fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let align = if at == 0 { 63 } else { at.trailing_zeros() };
        let fit = 63 - (end - at).leading_zeros();
        let level = align.min(fit);
        out.push(NodeId {
            level: level as u8,
            index: at >> level,
        });
        at += 1 << level;
    }
    out
}

/// `MTH` of a range from the hashes of its [`range_nodes`]: `H(n1, H(n2, … nk))`.
pub fn fold(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
}

/// Which subtree hashes a proof lists, in order, as leaf ranges.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    // PATH(m, D[start..end]), RFC 9162 §2.1.3.1; hashes are listed from the leaf up.
    let mut out = Vec::new();
    let (mut start, mut end, mut m) = (0u64, size, index);
    let mut stack = Vec::new();
    while end - start > 1 {
        let k = split(end - start);
        if m < k {
            stack.push((start + k, end));
            end = start + k;
        } else {
            stack.push((start, start + k));
            start += k;
            m -= k;
        }
    }
    while let Some(r) = stack.pop() {
        out.push(r);
    }
    out
}

/// The subtree ranges of a consistency proof from `old` to `new` leaves
/// (RFC 9162 §2.1.4.1), `0 < old < new`.
pub fn consistency_ranges(old: u64, new: u64) -> Vec<(u64, u64)> {
    // SUBPROOF(m, D[start..end], b), unrolled; outer hashes come last.
    let mut stack = Vec::new();
    let (mut start, mut end, mut m, mut whole) = (0u64, new, old, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                stack.push((start, end));
            }
            break;
        }
        let k = split(n);
        if m <= k {
            stack.push((start + k, end));
            end = start + k;
        } else {
            stack.push((start, start + k));
            start += k;
            m -= k;
            whole = false;
        }
    }
    stack.reverse();
    stack
}

/// Fetched node hashes for a set of ranges.
#[derive(Debug, Default)]
pub struct NodeSet {
    pub needed: Vec<NodeId>,
}

impl NodeSet {
    /// The distinct nodes behind `ranges`, to fetch in one go.
    pub fn for_ranges(ranges: &[(u64, u64)]) -> Self {
        let mut needed: Vec<NodeId> = ranges
            .iter()
            .flat_map(|&(s, e)| range_nodes(s, e))
            .collect();
        needed.sort_unstable();
        needed.dedup();
        NodeSet { needed }
    }

    /// The hash of each range, given the fetched hashes of [`NodeSet::needed`] (same
    /// order). `None` if a node is missing.
    pub fn hashes(
        ranges: &[(u64, u64)],
        fetched: &std::collections::HashMap<NodeId, Hash>,
    ) -> Option<Vec<Hash>> {
        ranges
            .iter()
            .map(|&(s, e)| {
                let nodes = range_nodes(s, e)
                    .iter()
                    .map(|id| fetched.get(id).copied())
                    .collect::<Option<Vec<_>>>()?;
                fold(&nodes)
            })
            .collect()
    }
}

/// The right edge of a tree being built: one perfect subtree per set bit of its size,
/// largest first. Pushing leaves yields the new perfect nodes to store.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    nodes: Vec<(NodeId, Hash)>,
}

impl Frontier {
    /// The frontier of a tree of `size` leaves, from the hashes of
    /// `range_nodes(0, size)` in order; `None` if the count does not match.
    pub fn from_nodes(size: u64, hashes: &[Hash]) -> Option<Self> {
        let ids = range_nodes(0, size);
        (ids.len() == hashes.len()).then(|| Frontier {
            size,
            nodes: ids.into_iter().zip(hashes.iter().copied()).collect(),
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; `emit` receives every node completed by it, the leaf first.
    pub fn push(&mut self, leaf: Hash, mut emit: impl FnMut(NodeId, Hash)) {
        let mut id = NodeId {
            level: 0,
            index: self.size,
        };
        let mut hash = leaf;
        emit(id, hash);
        while let Some(&(top, top_hash)) = self.nodes.last() {
            if top.level != id.level {
                break;
            }
            self.nodes.pop();
            hash = node_hash(&top_hash, &hash);
            id = NodeId {
                level: id.level + 1,
                index: top.index / 2,
            };
            emit(id, hash);
        }
        self.nodes.push((id, hash));
        self.size += 1;
    }

    /// The root hash of the tree so far.
    pub fn root(&self) -> Hash {
        let hashes: Vec<Hash> = self.nodes.iter().map(|(_, h)| *h).collect();
        fold(&hashes).unwrap_or_else(empty_root)
    }
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 || old > new {
        return false;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if old.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && fr == *old_root && sr == *new_root
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// MTH straight from RFC 9162, recursive, for comparison.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn build(n: u64) -> (Vec<Hash>, HashMap<NodeId, Hash>, Frontier) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut store = HashMap::new();
        let mut f = Frontier::default();
        for leaf in &leaves {
            f.push(*leaf, |id, h| {
                assert!(store.insert(id, h).is_none(), "node emitted twice");
            });
        }
        (leaves, store, f)
    }

    fn proof(ranges: &[(u64, u64)], store: &HashMap<NodeId, Hash>) -> Vec<Hash> {
        NodeSet::hashes(ranges, store).unwrap()
    }

    #[test]
    fn empty_tree_and_leaf_hashing_follow_rfc_9162() {
        // Test vectors from RFC 6962's reference data (same hashing as RFC 9162).
        assert_eq!(
            crate::chain::to_hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            crate::chain::to_hex(&leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn frontier_roots_and_stored_nodes_match_the_recursive_definition() {
        for n in 0..70u64 {
            let (leaves, store, f) = build(n);
            assert_eq!(f.root(), mth(&leaves), "size {n}");
            if n > 0 {
                assert_eq!(proof(&[(0, n)], &store)[0], mth(&leaves), "size {n}");
            }
            // A frontier rebuilt from stored nodes continues the same tree.
            let ids = range_nodes(0, n);
            let hashes: Vec<Hash> = ids.iter().map(|id| store[id]).collect();
            let mut resumed = Frontier::from_nodes(n, &hashes).unwrap();
            resumed.push(leaf_hash(b"next"), |_, _| {});
            let mut all = leaves.clone();
            all.push(leaf_hash(b"next"));
            assert_eq!(resumed.root(), mth(&all));
        }
    }

    #[test]
    fn inclusion_proofs_verify_and_fail_when_anything_changes() {
        for n in 1..40u64 {
            let (leaves, store, f) = build(n);
            let root = f.root();
            for m in 0..n {
                let path = proof(&inclusion_ranges(m, n), &store);
                assert!(verify_inclusion(m, n, &leaves[m as usize], &path, &root));
                let other = leaves[((m + 1) % n) as usize];
                if n > 1 {
                    assert!(!verify_inclusion(m, n, &other, &path, &root), "{m}/{n}");
                }
                // (A path can fit a larger size too: the signed root binds the size.)
                assert!(!verify_inclusion(m, m, &leaves[m as usize], &path, &root));
                if let Some(first) = path.first() {
                    let mut bad = path.clone();
                    bad[0] = node_hash(first, first);
                    assert!(!verify_inclusion(m, n, &leaves[m as usize], &bad, &root));
                }
            }
        }
    }

    #[test]
    fn consistency_proofs_verify_and_fail_for_other_roots() {
        for n in 1..40u64 {
            let (leaves, store, f) = build(n);
            for m in 1..n {
                let old_root = mth(&leaves[..m as usize]);
                let p = proof(&consistency_ranges(m, n), &store);
                assert!(
                    verify_consistency(m, n, &old_root, &f.root(), &p),
                    "{m}->{n}"
                );
                let forked = leaf_hash(b"fork");
                assert!(!verify_consistency(m, n, &forked, &f.root(), &p));
                assert!(!verify_consistency(m, n, &old_root, &forked, &p));
            }
        }
    }

    #[test]
    fn range_nodes_stay_logarithmic() {
        let ranges = inclusion_ranges(123_456_789, 10_000_000_000);
        assert!(ranges.len() <= 34);
        let set = NodeSet::for_ranges(&ranges);
        assert!(set.needed.len() < 64 * 34, "{}", set.needed.len());
        assert_eq!(range_nodes(0, 0), vec![]);
        assert_eq!(
            range_nodes(0, 6),
            vec![NodeId { level: 2, index: 0 }, NodeId { level: 1, index: 2 }]
        );
    }
}
