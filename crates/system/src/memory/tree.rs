//! The host side of the memory commitment: a sparse Merkle tree that stores only the nodes above
//! non-zero leaves, so building and updating it costs (leaves written) x (depth) compressions,
//! whatever the memory's size.

use std::collections::{BTreeSet, HashMap};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_maybe_rayon::prelude::*};
use p3_baby_bear::BabyBear;
use tessera_arch::{bus::MEMORY_BLOCK, SparseMemoryImage};
use thiserror::Error;

use super::{MemoryDimensions, ADDRESS_SPACE_BITS, LEAF_BYTES};
use crate::poseidon2::{compress, Digest};

/// A word of a memory image that has no place in the tree.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum MemoryTreeError {
    #[error("word at ({address_space}, {pointer:#x}) is outside the memory tree")]
    OutOfRange { address_space: u32, pointer: u32 },
    #[error("word at ({address_space}, {pointer:#x}) is not 4-byte aligned")]
    Unaligned { address_space: u32, pointer: u32 },
}

/// `zero[h]` is the digest of an all-zero subtree of height `h`, for `h` in `0..=height`.
pub fn zero_digests(height: usize) -> Vec<Digest> {
    let mut zero = vec![[BabyBear::ZERO; LEAF_BYTES]];
    for h in 0..height {
        zero.push(compress(zero[h], zero[h]));
    }
    zero
}

/// A leaf's value: its bytes as field elements.
pub fn leaf_from_bytes(bytes: [u8; LEAF_BYTES]) -> Digest {
    bytes.map(BabyBear::from_u8)
}

/// The memory tree of one memory image (see the module docs of [`super`] for its shape).
#[derive(Clone, Debug)]
pub struct MemoryTree {
    dims: MemoryDimensions,
    zero: Vec<Digest>,
    /// `nodes[h]` maps a label (index within level `h` of the whole tree) to its digest. A node
    /// that is absent is the root of an all-zero subtree.
    nodes: Vec<HashMap<u32, Digest>>,
}

impl MemoryTree {
    /// The tree of all-zero memory.
    pub fn empty(dims: MemoryDimensions) -> Self {
        Self {
            dims,
            zero: zero_digests(dims.height()),
            nodes: vec![HashMap::new(); dims.height() + 1],
        }
    }

    /// The tree of a memory image (little-endian words keyed by `(address_space, pointer)`).
    pub fn new(dims: MemoryDimensions, image: &SparseMemoryImage) -> Result<Self, MemoryTreeError> {
        let mut leaves: HashMap<(u32, u32), [u8; LEAF_BYTES]> = HashMap::new();
        for (&(address_space, pointer), &word) in image {
            if !pointer.is_multiple_of(MEMORY_BLOCK as u32) {
                return Err(MemoryTreeError::Unaligned {
                    address_space,
                    pointer,
                });
            }
            if address_space >= 1 << ADDRESS_SPACE_BITS
                || u64::from(pointer) >= 1 << dims.memory_bits
            {
                return Err(MemoryTreeError::OutOfRange {
                    address_space,
                    pointer,
                });
            }
            let leaf = leaves
                .entry((address_space, pointer / LEAF_BYTES as u32))
                .or_default();
            let offset = pointer as usize % LEAF_BYTES;
            leaf[offset..offset + MEMORY_BLOCK].copy_from_slice(&word.to_le_bytes());
        }
        let mut tree = Self::empty(dims);
        let leaves: Vec<_> = leaves
            .into_iter()
            .map(|(key, bytes)| (key, leaf_from_bytes(bytes)))
            .collect();
        tree.update(&leaves);
        Ok(tree)
    }

    pub fn dimensions(&self) -> MemoryDimensions {
        self.dims
    }

    /// The digest of an all-zero subtree of height `height`.
    pub fn zero_digest(&self, height: usize) -> Digest {
        self.zero[height]
    }

    pub fn root(&self) -> Digest {
        self.node(self.dims.height(), 0)
    }

    /// The digest of the node with index `label` in level `height` (0 = leaves).
    pub fn node(&self, height: usize, label: u32) -> Digest {
        self.nodes[height]
            .get(&label)
            .copied()
            .unwrap_or(self.zero[height])
    }

    /// The value of leaf `leaf_index` (bytes `8 * leaf_index..+8`) of an address space.
    pub fn leaf(&self, address_space: u32, leaf_index: u32) -> Digest {
        self.node(0, self.dims.leaf_label(address_space, leaf_index))
    }

    /// Writes leaves, keyed by `(address_space, leaf_index)`, and recomputes their ancestors:
    /// (leaves) x (depth) compressions, one level at a time, in parallel within a level.
    pub fn update(&mut self, leaves: &[((u32, u32), Digest)]) {
        let mut changed = BTreeSet::new();
        for &((address_space, leaf_index), value) in leaves {
            assert!(
                address_space < 1 << ADDRESS_SPACE_BITS && leaf_index < 1 << self.dims.leaf_bits(),
                "leaf ({address_space}, {leaf_index}) is outside the memory tree"
            );
            let label = self.dims.leaf_label(address_space, leaf_index);
            self.nodes[0].insert(label, value);
            changed.insert(label);
        }
        for height in 1..=self.dims.height() {
            let parents: Vec<u32> = changed
                .iter()
                .map(|l| l >> 1)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let digests: Vec<Digest> = parents
                .par_iter()
                .map(|&p| {
                    compress(
                        self.node(height - 1, 2 * p),
                        self.node(height - 1, 2 * p + 1),
                    )
                })
                .collect();
            self.nodes[height].extend(parents.iter().copied().zip(digests));
            changed = parents.into_iter().collect();
        }
    }

    /// The siblings on the path from a leaf to the root, bottom first (`height()` digests).
    pub fn path(&self, address_space: u32, leaf_index: u32) -> Vec<Digest> {
        let label = self.dims.leaf_label(address_space, leaf_index);
        (0..self.dims.height())
            .map(|h| self.node(h, (label >> h) ^ 1))
            .collect()
    }
}

/// Whether `path` (siblings, bottom first, as [`MemoryTree::path`] gives them) proves that leaf
/// `leaf_index` of `address_space` holds `leaf` in the tree with root `root`.
pub fn verify_path(
    dims: MemoryDimensions,
    root: Digest,
    address_space: u32,
    leaf_index: u32,
    leaf: Digest,
    path: &[Digest],
) -> bool {
    if address_space >= 1 << ADDRESS_SPACE_BITS
        || leaf_index >= 1 << dims.leaf_bits()
        || path.len() != dims.height()
    {
        return false;
    }
    let label = dims.leaf_label(address_space, leaf_index);
    let node = path.iter().enumerate().fold(leaf, |node, (h, &sibling)| {
        if (label >> h) & 1 == 0 {
            compress(node, sibling)
        } else {
            compress(sibling, node)
        }
    });
    node == root
}
