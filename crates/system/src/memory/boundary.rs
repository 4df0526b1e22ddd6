use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::bus::{MemoryBus, MEMORY_BLOCK};

use super::{MerkleBus, NodePosition, LEAF_BYTES, LEAF_WORDS};

/// One touched leaf (two words). Padding rows are all zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MemoryBoundaryCols<T> {
    pub is_real: T,
    pub address_space: T,
    /// The leaf's index in its address space: its words are at pointers `8 * leaf_index` and
    /// `8 * leaf_index + 4`. (The index, not the pointer, is the column so that the Merkle
    /// label is linear.)
    pub leaf_index: T,
    /// The leaf's bytes at timestamp 0 (both words).
    pub initial: [T; LEAF_BYTES],
    /// The leaf's bytes at the end of the segment.
    pub final_: [T; LEAF_BYTES],
    /// Each word's last access; 0 for a word the segment did not touch (then its final bytes
    /// equal its initial ones and its send and receive on the memory bus cancel).
    pub final_timestamps: [T; LEAF_WORDS],
}

tessera_arch::impl_columns!(MemoryBoundaryCols);

/// The memory boundary: for each touched leaf, sends each word's initial contents at timestamp
/// 0 and receives its final contents at its last timestamp on the memory bus, and sends the
/// leaf's `(initial, final)` pair to the Merkle chip as the leaf at `(address_space,
/// leaf_index)`.
///
/// Nothing here range-checks the address or the bytes: the Merkle chip places every leaf it
/// receives at a real position of the tree (so `address_space < 4` and `leaf_index <
/// 2^(memory_bits - 3)`, and no two rows name the same leaf), the initial bytes are the
/// committed initial memory's (bytes, by induction over segments), and the final bytes are
/// what the accesses wrote (which range-check what they write).
#[derive(Clone, Copy, Debug)]
pub struct MemoryBoundaryAir {
    pub memory_bus: MemoryBus,
    pub merkle_bus: MerkleBus,
}

impl<F: Field> BaseAir<F> for MemoryBoundaryAir {
    fn width(&self) -> usize {
        MemoryBoundaryCols::<F>::WIDTH
    }
}

impl<F: Field> BaseAirWithPublicValues<F> for MemoryBoundaryAir {}
impl<F: Field> PartitionedBaseAir<F> for MemoryBoundaryAir {}

impl<AB: InteractionBuilder> Air<AB> for MemoryBoundaryAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: MemoryBoundaryCols<AB::Var> = {
            let row = main.row_slice(0).expect("window has a row");
            *(*row).borrow()
        };
        // Counts of every interaction: a padding row is inert.
        builder.assert_bool(local.is_real);

        for word in 0..LEAF_WORDS {
            let pointer = local.leaf_index * AB::Expr::from_usize(LEAF_BYTES)
                + AB::Expr::from_usize(word * MEMORY_BLOCK);
            let bytes = |data: &[AB::Var; LEAF_BYTES]| -> [AB::Var; MEMORY_BLOCK] {
                std::array::from_fn(|i| data[word * MEMORY_BLOCK + i])
            };
            self.memory_bus.send(
                builder,
                local.address_space,
                pointer.clone(),
                bytes(&local.initial),
                AB::Expr::ZERO,
                local.is_real,
            );
            self.memory_bus.receive(
                builder,
                local.address_space,
                pointer,
                bytes(&local.final_),
                local.final_timestamps[word],
                local.is_real,
            );
        }

        let leaf = NodePosition::<AB::Expr> {
            height: AB::Expr::ZERO,
            top: AB::Expr::ZERO,
            as_label: local.address_space.into(),
            label: local.leaf_index.into(),
        };
        self.merkle_bus
            .send(builder, leaf, local.initial, local.final_, local.is_real);
    }
}
