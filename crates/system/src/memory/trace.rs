//! Trace generation of the boundary and Merkle chips from a segment's touched words.

use std::{
    borrow::{Borrow, BorrowMut},
    collections::BTreeMap,
};

use openvm_stark_backend::{
    p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix, p3_maybe_rayon::prelude::*,
};
use p3_baby_bear::BabyBear;
use tessera_arch::{bus::MEMORY_BLOCK, execution::tracing_memory::TouchedWord};

use super::{
    MemoryBoundaryCols, MemoryMerkleCols, MemoryMerklePvs, MemoryTree, ADDRESS_SPACE_BITS,
    LEAF_BYTES, LEAF_WORDS,
};
use crate::poseidon2::{Digest, Poseidon2Chip};

type F = BabyBear;

/// The memory chips' traces of one segment.
#[derive(Clone, Debug)]
pub struct MemoryTraces {
    /// [`super::MemoryBoundaryAir`]: one row per touched leaf, sorted by address.
    pub boundary: RowMajorMatrix<F>,
    /// [`super::MemoryMerkleAir`]: one row per touched internal node, the root first.
    pub merkle: RowMajorMatrix<F>,
    /// The Merkle chip's public values.
    pub public_values: MemoryMerklePvs<F>,
}

impl MemoryTraces {
    /// The public values as the proving context takes them.
    pub fn public_values_vec(&self) -> Vec<F> {
        let pvs = self.public_values;
        pvs.initial_root.into_iter().chain(pvs.final_root).collect()
    }
}

/// A touched leaf: both words at timestamp 0 and at the end, and each word's last access.
struct Leaf {
    initial: Digest,
    final_: Digest,
    timestamps: [u32; LEAF_WORDS],
}

/// A touched internal node (labels and heights of the whole tree).
struct Node {
    height: usize,
    label: u32,
    touched: [bool; 2],
    initial: [Digest; 2],
    final_: [Digest; 2],
}

/// Fills the boundary and Merkle traces of a segment that touched `touched` (every word it
/// accessed, with its initial and final contents, as [`TracingMemory::touched`] lists them),
/// starting from the memory `tree` commits to. Records the Merkle chip's compressions in
/// `poseidon2` and moves `tree` to the final memory (its root is the final root).
///
/// Panics if a touched word is outside the tree or its initial contents differ from the tree's.
///
/// [`TracingMemory::touched`]: tessera_arch::execution::tracing_memory::TracingMemory::touched
pub fn generate_memory_traces(
    tree: &mut MemoryTree,
    touched: &[TouchedWord],
    poseidon2: &Poseidon2Chip,
) -> MemoryTraces {
    let initial_root = tree.root();
    let leaves = touched_leaves(tree, touched);
    let boundary = boundary_trace(&leaves);

    let mut nodes = touched_nodes(tree, &leaves);
    let final_leaves: Vec<_> = leaves
        .iter()
        .map(|(&key, leaf)| (key, leaf.final_))
        .collect();
    tree.update(&final_leaves);
    for node in &mut nodes {
        node.final_ = [0, 1].map(|side| tree.node(node.height - 1, 2 * node.label + side));
    }
    let merkle = merkle_trace(tree, &nodes, poseidon2);

    let public_values = MemoryMerklePvs {
        initial_root,
        final_root: tree.root(),
    };
    let root: &MemoryMerkleCols<F> = merkle.values[..MemoryMerkleCols::<F>::WIDTH].borrow();
    assert_eq!(
        root.parent_initial, initial_root,
        "Merkle rows rebuild the initial root"
    );
    assert_eq!(
        root.parent_final, public_values.final_root,
        "and the final root"
    );
    MemoryTraces {
        boundary,
        merkle,
        public_values,
    }
}

/// Groups the touched words by leaf. A leaf's word that was not touched keeps its initial
/// bytes (from the tree) and timestamp 0.
fn touched_leaves(tree: &MemoryTree, touched: &[TouchedWord]) -> BTreeMap<(u32, u32), Leaf> {
    let dims = tree.dimensions();
    let mut leaves = BTreeMap::new();
    for word in touched {
        let (space, pointer) = (word.address_space, word.pointer);
        assert!(
            space < 1 << ADDRESS_SPACE_BITS
                && u64::from(pointer) < 1 << dims.memory_bits
                && pointer.is_multiple_of(MEMORY_BLOCK as u32),
            "touched word ({space}, {pointer:#x}) is not an aligned word of the memory tree"
        );
        let index = pointer / LEAF_BYTES as u32;
        let leaf = leaves.entry((space, index)).or_insert_with(|| {
            let value = tree.leaf(space, index);
            Leaf {
                initial: value,
                final_: value,
                timestamps: [0; LEAF_WORDS],
            }
        });
        let slot = pointer as usize % LEAF_BYTES / MEMORY_BLOCK;
        let bytes = slot * MEMORY_BLOCK..(slot + 1) * MEMORY_BLOCK;
        assert_eq!(
            leaf.initial[bytes.clone()],
            word.initial.map(F::from_u8),
            "touched word ({space}, {pointer:#x}) did not start with the tree's contents"
        );
        leaf.final_[bytes].copy_from_slice(&word.last.data.map(F::from_u8));
        leaf.timestamps[slot] = word.last.timestamp;
    }
    leaves
}

fn boundary_trace(leaves: &BTreeMap<(u32, u32), Leaf>) -> RowMajorMatrix<F> {
    let width = MemoryBoundaryCols::<F>::WIDTH;
    let mut values = F::zero_vec(leaves.len().next_power_of_two() * width);
    for (row, (&(space, index), leaf)) in values.chunks_exact_mut(width).zip(leaves) {
        let cols: &mut MemoryBoundaryCols<F> = row.borrow_mut();
        cols.is_real = F::ONE;
        cols.address_space = F::from_u32(space);
        cols.leaf_index = F::from_u32(index);
        cols.initial = leaf.initial;
        cols.final_ = leaf.final_;
        cols.final_timestamps = leaf.timestamps.map(F::from_u32);
    }
    RowMajorMatrix::new(values, width)
}

/// The ancestors of the touched leaves, with their children's initial digests, the root first
/// and then by decreasing height. The root is always there (untouched memory: its only row).
fn touched_nodes(tree: &MemoryTree, leaves: &BTreeMap<(u32, u32), Leaf>) -> Vec<Node> {
    let dims = tree.dimensions();
    // Sorted: labels grow with (address_space, leaf_index), and halving keeps the order.
    let mut level: Vec<u32> = leaves
        .keys()
        .map(|&(space, index)| dims.leaf_label(space, index))
        .collect();
    let mut nodes = Vec::new();
    for height in 1..=dims.height() {
        let mut parents: Vec<u32> = level.iter().map(|label| label >> 1).collect();
        parents.dedup();
        if height == dims.height() {
            parents = vec![0];
        }
        for &label in &parents {
            let children = [2 * label, 2 * label + 1];
            nodes.push(Node {
                height,
                label,
                touched: children.map(|child| level.binary_search(&child).is_ok()),
                initial: children.map(|child| tree.node(height - 1, child)),
                final_: Default::default(),
            });
        }
        level = parents;
    }
    nodes.reverse();
    nodes
}

fn merkle_trace(tree: &MemoryTree, nodes: &[Node], poseidon2: &Poseidon2Chip) -> RowMajorMatrix<F> {
    let dims = tree.dimensions();
    let width = MemoryMerkleCols::<F>::WIDTH;
    let mut values = F::zero_vec(nodes.len().next_power_of_two() * width);
    values
        .par_chunks_exact_mut(width)
        .zip(nodes.par_iter())
        .enumerate()
        .for_each(|(r, (row, node))| {
            let cols: &mut MemoryMerkleCols<F> = row.borrow_mut();
            cols.is_real = F::ONE;
            cols.is_root = F::from_bool(r == 0);
            cols.position = dims.position(node.height, node.label).map(F::from_u32);
            cols.touched = node.touched.map(F::from_bool);
            cols.initial = node.initial;
            cols.final_ = node.final_;
            cols.parent_initial = poseidon2.compress(node.initial[0], node.initial[1]);
            cols.parent_final = poseidon2.compress(node.final_[0], node.final_[1]);
        });
    RowMajorMatrix::new(values, width)
}
