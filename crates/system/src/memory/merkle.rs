//! The Merkle chip: one row per touched internal node, for the initial and final trees at once.
//!
//! Why a prover cannot change a root (soundness sketch). Match every receive on the Merkle bus
//! with a send of the same message (the bus balances, and every count is 0 or 1). Each real row
//! but the root sends once, and its message is received by a row one level higher; the
//! boundary's leaves too. Following these edges from any row, the height grows by one per step,
//! so (with fewer than `p` rows) the walk cannot cycle and must stop at a row that does not
//! send: the root, which is the first row and only it. So the rows and leaves form one tree
//! under the root, and since each row receives at most one message per child slot, at most one
//! row (or leaf) sits at each child position. The root's position is fixed (`height =
//! memory_bits - 1`, `top = 1`, labels 0) and each receive names the exact child position, so
//! every row sits at a real position of the memory tree: a leaf's address space is < 4 and its
//! index < `2^(memory_bits - 3)` (the `top` flag travels in the message so that the address-space
//! levels cannot be skipped or repeated; a wrong flag would alias one address space's leaves
//! with another's). Every row's parent digests are compressions of its children (Poseidon2
//! lookups), a touched child's digests are those its own row or leaf sent, an untouched child
//! is equal in both trees. By collision resistance, from the root down, the initial digests are
//! those of the tree the initial root commits to, each leaf's initial bytes included; and the
//! final tree is that tree with the boundary's leaves replaced by their final bytes.
//!
//! A row with no touched child is allowed (it only claims an unchanged node, which the
//! hashes then check); an honest trace has none but the root of untouched memory.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, AirBuilder, AirBuilderWithPublicValues, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};

use super::{MemoryDimensions, MerkleBus, NodePosition};
use crate::poseidon2::{Poseidon2Bus, POSEIDON2_CHUNK};

/// The Merkle chip's public values: the roots of the memory before and after the segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MemoryMerklePvs<T> {
    pub initial_root: [T; POSEIDON2_CHUNK],
    pub final_root: [T; POSEIDON2_CHUNK],
}

/// One touched internal node, in both trees. Padding rows are all zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MemoryMerkleCols<T> {
    pub is_real: T,
    /// 1 on the first row (the root), 0 elsewhere.
    pub is_root: T,
    /// The node's position (see [`NodePosition`]).
    pub position: NodePosition<T>,
    /// Whether each child (left, right) is touched: its digests come from the level below.
    pub touched: [T; 2],
    /// Children's digests in the initial tree (left, right).
    pub initial: [[T; POSEIDON2_CHUNK]; 2],
    /// Children's digests in the final tree (left, right).
    pub final_: [[T; POSEIDON2_CHUNK]; 2],
    pub parent_initial: [T; POSEIDON2_CHUNK],
    pub parent_final: [T; POSEIDON2_CHUNK],
}

tessera_arch::impl_columns!(MemoryMerklePvs);
tessera_arch::impl_columns!(MemoryMerkleCols);

/// The Merkle AIR (see the module docs). Per row: two Poseidon2 lookups (count `is_real`), one
/// receive per touched child, one send of the node itself (count `is_real - is_root`).
#[derive(Clone, Copy, Debug)]
pub struct MemoryMerkleAir {
    pub dims: MemoryDimensions,
    pub merkle_bus: MerkleBus,
    pub poseidon2_bus: Poseidon2Bus,
}

impl<F: Field> BaseAir<F> for MemoryMerkleAir {
    fn width(&self) -> usize {
        MemoryMerkleCols::<F>::WIDTH
    }
}

impl<F: Field> BaseAirWithPublicValues<F> for MemoryMerkleAir {
    fn num_public_values(&self) -> usize {
        MemoryMerklePvs::<F>::WIDTH
    }
}

impl<F: Field> PartitionedBaseAir<F> for MemoryMerkleAir {}

impl<AB: InteractionBuilder + AirBuilderWithPublicValues> Air<AB> for MemoryMerkleAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: MemoryMerkleCols<AB::Var> = {
            let row = main.row_slice(0).expect("window has a row");
            *(*row).borrow()
        };
        let next_is_root = {
            let row = main.row_slice(1).expect("window has two rows");
            let next: &MemoryMerkleCols<AB::Var> = (*row).borrow();
            next.is_root
        };
        let pvs: MemoryMerklePvs<AB::PublicVar> = *builder.public_values().borrow();
        let MemoryMerkleCols {
            is_real,
            is_root,
            position,
            touched,
            initial,
            final_,
            parent_initial,
            parent_final,
        } = local;

        // Every count is boolean; a padding row receives nothing.
        builder.assert_bool(is_real);
        builder.assert_bool(is_root);
        builder.assert_bool(position.top);
        for flag in touched {
            builder.assert_bool(flag);
            builder.assert_zero(flag * (AB::Expr::ONE - is_real));
        }

        // Exactly one root, the first row: the only real row that sends nothing.
        builder.when_first_row().assert_one(is_root);
        builder.when_transition().assert_zero(next_is_root);
        let mut root = builder.when(is_root);
        root.assert_one(is_real);
        root.assert_one(position.top);
        root.assert_eq(position.height, AB::Expr::from_usize(self.dims.height()));
        root.assert_zero(position.as_label);
        root.assert_zero(position.label);
        for i in 0..POSEIDON2_CHUNK {
            root.assert_eq(parent_initial[i], pvs.initial_root[i]);
            root.assert_eq(parent_final[i], pvs.final_root[i]);
        }

        // A child the segment did not touch is the same node in both trees.
        for child in 0..2 {
            let untouched = AB::Expr::ONE - touched[child];
            for i in 0..POSEIDON2_CHUNK {
                builder.assert_zero(untouched.clone() * (initial[child][i] - final_[child][i]));
            }
        }

        let [left_initial, right_initial] = initial;
        let [left_final, right_final] = final_;
        self.poseidon2_bus.compress(
            builder,
            left_initial,
            right_initial,
            parent_initial,
            is_real,
        );
        self.poseidon2_bus
            .compress(builder, left_final, right_final, parent_final, is_real);

        for child in 0..2 {
            let position = self.child_position::<AB>(&position, child);
            self.merkle_bus.receive(
                builder,
                position,
                initial[child],
                final_[child],
                touched[child],
            );
        }
        self.merkle_bus.send(
            builder,
            position,
            parent_initial,
            parent_final,
            is_real - is_root,
        );
    }
}

impl MemoryMerkleAir {
    /// The position of a node's child (`side` 0 = left, 1 = right). Above the address-space
    /// level (`top = 1`) the index doubles in `as_label`; below it, in `label`. The child of
    /// the top node at height `leaf_bits + 1` is an address space's subtree root: `top = 0`.
    fn child_position<AB: InteractionBuilder>(
        &self,
        parent: &NodePosition<AB::Var>,
        side: usize,
    ) -> NodePosition<AB::Expr> {
        let side = AB::Expr::from_usize(side);
        let top: AB::Expr = parent.top.into();
        let lowest_top_height = AB::Expr::from_usize(self.dims.leaf_bits() + 1);
        NodePosition {
            height: parent.height - AB::Expr::ONE,
            top: top.clone() * (parent.height - lowest_top_height),
            as_label: top.clone() * (parent.as_label + side.clone()) + parent.as_label,
            label: (AB::Expr::ONE - top) * (parent.label * AB::Expr::TWO + side),
        }
    }
}
