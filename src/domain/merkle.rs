//! The RFC 9162 Merkle tree over the log's leaf hashes (§2.1): tree heads, inclusion and
//! consistency proofs, and their verification.
//!
//! The tree is never held in memory. What is stored is every *complete* subtree: node
//! `(level, index)` covers leaves `[index·2^level, (index+1)·2^level)`; leaves are level 0 and
//! every node above is written once, by the append that completes it (about one stored hash
//! per entry above the leaves, docs/architecture.md). Any subtree hash RFC 9162 needs splits into
//! at most ~log₂ n complete subtrees, so a proof is planned here as a list of [`NodeId`]s,
//! fetched in one query, and assembled here again.
//!
//! Generation follows the recursive definitions (§2.1.3.1, §2.1.4.1) over ranges; verification
//! follows the bit-walking algorithms (§2.1.3.2, §2.1.4.2). The two are independent
//! formulations, which is what lets the property tests catch a mistake in either.

use super::hash::Hash32;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// `SHA-256(0x01 || left || right)` (RFC 9162 §2.1.1).
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash32(hasher.finalize().into())
}

/// The root of the empty tree: `SHA-256()` of nothing (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash32 {
    Hash32::sha256(b"")
}

/// A complete subtree: leaves `[index << level, (index + 1) << level)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn leaf(seq: u64) -> NodeId {
        NodeId {
            level: 0,
            index: seq,
        }
    }

    /// A position that grows in append order: nodes are stored in the order appends complete
    /// them (leaf n, then the nodes it completes, bottom up), so the index is append-only.
    /// Node `(L, k)` is completed by leaf `n = (k+1)·2^L − 1`; before it come, for every leaf
    /// `m ≤ n`, that leaf and the nodes it completed, `n + ⌊n/2⌋ + ⌊n/4⌋ + …` positions in all.
    pub fn storage_position(self) -> i64 {
        let last_leaf = ((self.index + 1) << self.level) - 1;
        let mut before = 0u64;
        let mut n = last_leaf;
        while n > 0 {
            before += n;
            n >>= 1;
        }
        (before + u64::from(self.level)) as i64
    }
}

/// The complete subtrees that make up leaves `[start, end)`, left to right, largest first.
/// For the ranges RFC 9162 recursion produces (aligned on their own largest power of two)
/// these are exactly the subtrees `MTH` splits the range into.
pub fn decompose(mut start: u64, end: u64) -> Vec<NodeId> {
    let mut nodes = Vec::new();
    while start < end {
        let mut level = 0u8;
        while level < 62 && start % (2u64 << level) == 0 && start + (2u64 << level) <= end {
            level += 1;
        }
        nodes.push(NodeId {
            level,
            index: start >> level,
        });
        start += 1u64 << level;
    }
    nodes
}

/// Folds complete subtrees (as [`decompose`] lists them) into their range's `MTH`: the
/// right-most pair first, because `MTH` puts the largest power of two on the left.
fn fold_range(hashes: &[Hash32]) -> Option<Hash32> {
    let (last, rest) = hashes.split_last()?;
    Some(
        rest.iter()
            .rev()
            .fold(*last, |right, left| node_hash(left, &right)),
    )
}

/// The largest power of two strictly smaller than `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// A proof to be filled in: each element is the `MTH` of a leaf range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofPlan {
    ranges: Vec<(u64, u64)>,
}

impl ProofPlan {
    /// Every stored node the proof needs.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut nodes: Vec<NodeId> = self
            .ranges
            .iter()
            .flat_map(|&(start, end)| decompose(start, end))
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    /// Builds the proof from the fetched nodes; `None` if one is missing.
    pub fn assemble(&self, stored: &HashMap<NodeId, Hash32>) -> Option<Vec<Hash32>> {
        self.ranges
            .iter()
            .map(|&(start, end)| {
                let hashes = decompose(start, end)
                    .into_iter()
                    .map(|id| stored.get(&id).copied())
                    .collect::<Option<Vec<_>>>()?;
                fold_range(&hashes)
            })
            .collect()
    }
}

/// The nodes of the root of a tree of `size` leaves (one per set bit of `size`).
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    decompose(0, size)
}

/// The root from the nodes [`root_nodes`] names.
pub fn root_from(size: u64, stored: &HashMap<NodeId, Hash32>) -> Option<Hash32> {
    if size == 0 {
        return Some(empty_root());
    }
    let hashes = root_nodes(size)
        .into_iter()
        .map(|id| stored.get(&id).copied())
        .collect::<Option<Vec<_>>>()?;
    fold_range(&hashes)
}

/// Why a proof cannot be made for these sizes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofRangeError {
    #[error("seq {seq} is not in a tree of size {size}; it must be below the size.")]
    LeafOutsideTree { seq: u64, size: u64 },
    #[error(
        "A consistency proof goes from a smaller tree to a larger one; from {from} > to {to}."
    )]
    FromAfterTo { from: u64, to: u64 },
    #[error("There is no consistency proof from the empty tree; `from` must be at least 1.")]
    FromEmptyTree,
}

/// `PATH(m, D[n])`, RFC 9162 §2.1.3.1: the audit path for leaf `seq` in the tree of `size`
/// leaves, from the leaf's sibling up to the root's child.
pub fn inclusion_plan(seq: u64, size: u64) -> Result<ProofPlan, ProofRangeError> {
    if seq >= size {
        return Err(ProofRangeError::LeafOutsideTree { seq, size });
    }
    let mut ranges = Vec::new();
    // Walk down from the root, remembering each sibling; the path lists them bottom-up.
    let (mut start, mut end, mut m) = (0u64, size, seq);
    while end - start > 1 {
        let k = split_point(end - start);
        if m < k {
            ranges.push((start + k, end));
            end = start + k;
        } else {
            ranges.push((start, start + k));
            start += k;
            m -= k;
        }
    }
    ranges.reverse();
    Ok(ProofPlan { ranges })
}

/// `PROOF(m, D[n])`, RFC 9162 §2.1.4.1: the consistency proof from the tree of `from` leaves
/// to the tree of `to` leaves. RFC 9162 defines it for `0 < from < to`; at the edges we do what
/// the widely used verifiers (transparency-dev/merkle, Go's sumdb/tlog) do: `from == to` has an
/// empty proof (the roots must then be equal) and `from == 0` has none at all (there is no
/// earlier tree head to check; a client that holds nothing simply trusts its first checkpoint).
pub fn consistency_plan(from: u64, to: u64) -> Result<ProofPlan, ProofRangeError> {
    if from > to {
        return Err(ProofRangeError::FromAfterTo { from, to });
    }
    if from == 0 {
        return Err(ProofRangeError::FromEmptyTree);
    }
    let mut ranges = Vec::new();
    if from == to {
        return Ok(ProofPlan { ranges });
    }
    // SUBPROOF(m, D[start:end], whole), unrolled; the recursion appends after the recursive
    // part, so siblings are collected top-down and reversed at the end.
    let (mut start, mut end, mut m, mut whole) = (0u64, to, from, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                ranges.push((start, end));
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            ranges.push((start + k, end));
            end = start + k;
        } else {
            ranges.push((start, start + k));
            start += k;
            m -= k;
            whole = false;
        }
    }
    ranges.reverse();
    Ok(ProofPlan { ranges })
}

/// Checks an inclusion proof, RFC 9162 §2.1.3.2. Never panics on malformed input.
pub fn verify_inclusion(
    seq: u64,
    size: u64,
    leaf: &Hash32,
    path: &[Hash32],
    root: &Hash32,
) -> bool {
    if seq >= size {
        return false;
    }
    let (mut f, mut s) = (seq, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Checks a consistency proof, RFC 9162 §2.1.4.2, with the edges of [`consistency_plan`]:
/// equal sizes need an empty path and equal roots; from the empty tree nothing verifies.
pub fn verify_consistency(
    from: u64,
    to: u64,
    from_root: &Hash32,
    to_root: &Hash32,
    path: &[Hash32],
) -> bool {
    if from > to {
        return false;
    }
    if from == to {
        return path.is_empty() && from_root == to_root;
    }
    if from == 0 {
        return false;
    }
    // Step 1: an empty path proves nothing for 0 < from < to.
    if path.is_empty() {
        return false;
    }
    // Step 2: when `from` is a power of two its root is the first node of the path.
    let mut nodes: Vec<Hash32> = Vec::with_capacity(path.len() + 1);
    if from.is_power_of_two() {
        nodes.push(*from_root);
    }
    nodes.extend_from_slice(path);
    let (mut f, mut s) = (from - 1, to - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (nodes[0], nodes[0]);
    for c in &nodes[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *from_root && sr == *to_root && s == 0
}

/// The tree's state needed to append: the roots of the complete subtrees that make up the
/// current tree, left to right (one per set bit of the size). O(log n) hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<(NodeId, Hash32)>,
}

impl Frontier {
    pub fn empty() -> Frontier {
        Frontier {
            size: 0,
            nodes: Vec::new(),
        }
    }

    /// The frontier of a tree of `size` leaves from its [`root_nodes`].
    pub fn from_stored(size: u64, stored: &HashMap<NodeId, Hash32>) -> Option<Frontier> {
        let nodes = root_nodes(size)
            .into_iter()
            .map(|id| stored.get(&id).map(|hash| (id, *hash)))
            .collect::<Option<Vec<_>>>()?;
        Some(Frontier { size, nodes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; calls `completed` for every node above the leaves this completes.
    pub fn push(&mut self, leaf: Hash32, mut completed: impl FnMut(NodeId, Hash32)) {
        let mut node = (NodeId::leaf(self.size), leaf);
        while let Some(&(left_id, left)) = self.nodes.last() {
            if left_id.level != node.0.level {
                break;
            }
            self.nodes.pop();
            let parent = NodeId {
                level: left_id.level + 1,
                index: left_id.index >> 1,
            };
            let hash = node_hash(&left, &node.1);
            completed(parent, hash);
            node = (parent, hash);
        }
        self.nodes.push(node);
        self.size += 1;
    }

    /// `MTH` of the whole tree.
    pub fn root(&self) -> Hash32 {
        let hashes: Vec<Hash32> = self.nodes.iter().map(|(_, hash)| *hash).collect();
        fold_range(&hashes).unwrap_or_else(empty_root)
    }
}

/// `MTH(D[n])` straight from RFC 9162 §2.1.1, recursively: the reference the rest is tested
/// against (and what an offline verifier without stored nodes could use).
pub fn root_of_leaves(leaves: &[Hash32]) -> Hash32 {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&root_of_leaves(&leaves[..k]), &root_of_leaves(&leaves[k..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::hash::leaf_hash;
    use proptest::prelude::*;

    fn leaves(n: u64) -> Vec<Hash32> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// Every complete subtree of the tree, as the writer would have stored it.
    fn stored_nodes(leaves: &[Hash32]) -> HashMap<NodeId, Hash32> {
        let mut stored = HashMap::new();
        let mut frontier = Frontier::empty();
        for (seq, leaf) in leaves.iter().enumerate() {
            stored.insert(NodeId::leaf(seq as u64), *leaf);
            frontier.push(*leaf, |id, hash| {
                stored.insert(id, hash);
            });
        }
        stored
    }

    #[test]
    fn frontier_root_is_mth_for_every_size() {
        let all = leaves(70);
        let mut frontier = Frontier::empty();
        assert_eq!(frontier.root(), empty_root());
        for (i, leaf) in all.iter().enumerate() {
            frontier.push(*leaf, |_, _| {});
            assert_eq!(
                frontier.root(),
                root_of_leaves(&all[..=i]),
                "size {}",
                i + 1
            );
        }
    }

    #[test]
    fn storage_positions_grow_in_append_order_without_collisions() {
        let mut order = Vec::new();
        let mut frontier = Frontier::empty();
        for seq in 0..300u64 {
            order.push(NodeId::leaf(seq));
            frontier.push(Hash32::ZERO, |id, _| order.push(id));
        }
        let positions: Vec<i64> = order.iter().map(|id| id.storage_position()).collect();
        let expected: Vec<i64> = (0..positions.len() as i64).collect();
        assert_eq!(positions, expected);
    }

    #[test]
    fn edge_cases_of_proofs() {
        assert_eq!(
            inclusion_plan(3, 3),
            Err(ProofRangeError::LeafOutsideTree { seq: 3, size: 3 })
        );
        assert!(inclusion_plan(0, 1).unwrap().nodes().is_empty());
        assert_eq!(
            consistency_plan(5, 4),
            Err(ProofRangeError::FromAfterTo { from: 5, to: 4 })
        );
        assert!(consistency_plan(4, 4).unwrap().nodes().is_empty());
        assert_eq!(consistency_plan(0, 9), Err(ProofRangeError::FromEmptyTree));
        let root = root_of_leaves(&leaves(4));
        assert!(verify_consistency(4, 4, &root, &root, &[]));
        assert!(!verify_consistency(4, 4, &root, &empty_root(), &[]));
        assert!(!verify_consistency(4, 4, &root, &root, &[root]));
        assert!(!verify_consistency(0, 4, &empty_root(), &root, &[]));
        assert!(!verify_consistency(2, 4, &root, &root, &[]));
        assert!(!verify_inclusion(0, 0, &root, &[], &root));
    }

    #[test]
    fn a_proof_reads_logarithmically_many_nodes() {
        let size = 1_000_000u64;
        for seq in [0, 1, 524_287, 524_288, 999_999] {
            assert!(inclusion_plan(seq, size).unwrap().nodes().len() <= 2 * 20);
        }
        for from in [1, 7, 524_288, 999_998] {
            assert!(consistency_plan(from, size).unwrap().nodes().len() <= 2 * 20 + 1);
        }
    }

    fn sizes() -> impl Strategy<Value = (u64, u64)> {
        (1u64..200).prop_flat_map(|size| (0..size, Just(size)))
    }

    proptest! {
        #[test]
        fn every_inclusion_proof_verifies_and_every_mutation_fails(
            (seq, size) in sizes(), flip in any::<(usize, u8)>()
        ) {
            let all = leaves(size);
            let stored = stored_nodes(&all);
            let root = root_of_leaves(&all);
            prop_assert_eq!(root_from(size, &stored), Some(root));
            let path = inclusion_plan(seq, size).unwrap().assemble(&stored).unwrap();
            prop_assert!(verify_inclusion(seq, size, &all[seq as usize], &path, &root));
            // Any flipped bit, a wrong leaf, a wrong index, a short or long path: all fail.
            if !path.is_empty() {
                let mut bad = path.clone();
                let at = flip.0 % bad.len();
                bad[at].0[usize::from(flip.1) % 32] ^= 1 << (flip.1 % 8);
                prop_assert!(!verify_inclusion(seq, size, &all[seq as usize], &bad, &root));
                prop_assert!(!verify_inclusion(seq, size, &all[seq as usize], &path[1..], &root));
            }
            let mut longer = path.clone();
            longer.push(root);
            prop_assert!(!verify_inclusion(seq, size, &all[seq as usize], &longer, &root));
            let other = (seq + 1) % size;
            if other != seq {
                prop_assert!(!verify_inclusion(seq, size, &all[other as usize], &path, &root));
                prop_assert!(!verify_inclusion(other, size, &all[seq as usize], &path, &root));
            }
        }

        #[test]
        fn every_consistency_proof_verifies_and_every_mutation_fails(
            (from, to) in sizes(), flip in any::<(usize, u8)>()
        ) {
            let from = from + 1;
            let all = leaves(to);
            let stored = stored_nodes(&all);
            let (old, new) = (root_of_leaves(&all[..from as usize]), root_of_leaves(&all));
            let path = consistency_plan(from, to).unwrap().assemble(&stored).unwrap();
            prop_assert!(verify_consistency(from, to, &old, &new, &path));
            if !path.is_empty() {
                let mut bad = path.clone();
                let at = flip.0 % bad.len();
                bad[at].0[usize::from(flip.1) % 32] ^= 1 << (flip.1 % 8);
                prop_assert!(!verify_consistency(from, to, &old, &new, &bad));
                prop_assert!(!verify_consistency(from, to, &old, &new, &path[..path.len() - 1]));
            }
            // A different old tree (one leaf changed) is not a prefix of the new one.
            let mut forked = all[..from as usize].to_vec();
            forked[flip.0 % from as usize] = leaf_hash(b"forked");
            prop_assert!(!verify_consistency(from, to, &root_of_leaves(&forked), &new, &path));
        }
    }
}
