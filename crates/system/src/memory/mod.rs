//! Persistent memory: the memory image commitment and the two chips that tie a segment's memory
//! accesses to it.
//!
//! **Commitment** ([`MemoryTree`]): one binary Merkle tree over all address spaces. Its leaves
//! are aligned 8-byte blocks (two words), a leaf's value is its 8 bytes as 8 field elements (a
//! digest-sized block, so leaves are not hashed), and a node is the Poseidon2 compression of its
//! children. The top two levels select the address space (0..4; space 0 is unused and stays
//! zero), and every address space is a subtree of `2^(memory_bits - 3)` leaves, so all leaves
//! are at depth `memory_bits - 1`. Untouched memory is zero, and an all-zero subtree has a
//! digest that depends only on its height.
//!
//! **Chips.** The [`MemoryBoundaryAir`] has one row per touched leaf: it sends each word's
//! initial contents at timestamp 0 and receives its final contents on the memory bus, and it
//! sends the leaf's `(initial, final)` pair to the [`MemoryMerkleAir`] on the [`MerkleBus`]. The
//! Merkle AIR has one row per touched internal node, covering both trees at once: it hashes the
//! node's children in the initial and in the final tree (lookups into the Poseidon2 table),
//! receives each touched child's pair, requires an untouched child to be equal in both trees,
//! sends its own pair to its parent, and binds the root's pair to the public values
//! `initial_root`, `final_root`. So a segment proof shows that its accesses started from the
//! memory the initial root commits to and ended in the memory the final root commits to.
//!
//! **Node positions on the Merkle bus** are `(height, top, as_label, label)`: below the address
//! space level (`height <= memory_bits - 3`, `top = 0`) `as_label` is the address space and
//! `label` the node's index inside that space's subtree; the three nodes above it (`top = 1`)
//! have `as_label` = their index in their level and `label = 0`. Carrying the address space
//! apart from the index, with the root fixed at the top, makes the tree itself bound every
//! leaf's address (`address_space < 4`, `leaf_index < 2^(memory_bits - 3)`), so a boundary row
//! cannot name an out-of-range address that aliases another address's leaf (see
//! the `merkle` module for the argument).

mod boundary;
mod bus;
mod merkle;
#[cfg(test)]
mod tests;
mod trace;
mod tree;

pub use boundary::{MemoryBoundaryAir, MemoryBoundaryCols};
pub use bus::{MerkleBus, NodePosition};
pub use merkle::{MemoryMerkleAir, MemoryMerkleCols, MemoryMerklePvs};
pub use trace::{generate_memory_traces, MemoryTraces};
pub use tree::{leaf_from_bytes, verify_path, zero_digests, MemoryTree, MemoryTreeError};

use openvm_stark_backend::interaction::BusIndex;
use tessera_arch::{bus::MEMORY_BLOCK, SystemConfig};

/// The Merkle bus (permutation): `(height, top, as_label, label, initial[8], final[8])`, a
/// touched node's digests in the initial and final trees; the child sends, its parent receives.
pub const MERKLE_BUS: BusIndex = 6;
/// The Poseidon2 compression bus (lookup) the Merkle chip hashes with; the Poseidon2 table serves it.
pub const POSEIDON2_BUS: BusIndex = 7;

/// Bytes per leaf of the memory tree (two words).
pub const LEAF_BYTES: usize = 8;
/// Words per leaf.
pub const LEAF_WORDS: usize = LEAF_BYTES / MEMORY_BLOCK;
/// Levels of the tree above the address-space subtrees (4 address spaces).
pub const ADDRESS_SPACE_BITS: usize = 2;

/// The shape of the memory tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryDimensions {
    /// Every address space is a subtree of `2^memory_bits` bytes (main memory's size; the
    /// registers and the public output are smaller and padded with zero leaves).
    pub memory_bits: usize,
}

impl MemoryDimensions {
    /// The tree for `2^memory_bits`-byte address spaces, `3 <= memory_bits <= 29` (a label of a
    /// leaf, `< 2^(memory_bits - 1)`, and a byte pointer stay far below the field's modulus).
    pub const fn new(memory_bits: usize) -> Self {
        assert!(
            memory_bits >= 3 && memory_bits <= 29,
            "memory_bits must be in 3..=29"
        );
        Self { memory_bits }
    }

    /// The tree of a VM configuration. Registers (32 words) and the public output must fit
    /// in an address space.
    pub fn from_config(config: &SystemConfig) -> Self {
        let dims = Self::new(config.memory_bits as usize);
        let size = 1usize << dims.memory_bits;
        assert!(
            32 * MEMORY_BLOCK <= size,
            "registers exceed an address space"
        );
        assert!(
            config.public_output_capacity <= size,
            "public output exceeds an address space"
        );
        dims
    }

    /// Height of an address space's subtree (its leaves are `2^leaf_bits` blocks).
    pub const fn leaf_bits(&self) -> usize {
        self.memory_bits - 3
    }

    /// Height of the root (the depth of every leaf).
    pub const fn height(&self) -> usize {
        self.leaf_bits() + ADDRESS_SPACE_BITS
    }

    /// The index of a leaf in the bottom level of the whole tree.
    pub fn leaf_label(&self, address_space: u32, leaf_index: u32) -> u32 {
        debug_assert!(address_space < 1 << ADDRESS_SPACE_BITS);
        debug_assert!(leaf_index < 1 << self.leaf_bits());
        (address_space << self.leaf_bits()) | leaf_index
    }

    /// The Merkle-bus position of the node with index `label` in level `height` of the whole
    /// tree.
    pub fn position(&self, height: usize, label: u32) -> NodePosition<u32> {
        debug_assert!(height <= self.height() && label < 1 << (self.height() - height));
        if height > self.leaf_bits() {
            NodePosition {
                height: height as u32,
                top: 1,
                as_label: label,
                label: 0,
            }
        } else {
            let bits = self.leaf_bits() - height;
            NodePosition {
                height: height as u32,
                top: 0,
                as_label: label >> bits,
                label: label & ((1 << bits) - 1),
            }
        }
    }
}
