use openvm_stark_backend::interaction::{BusIndex, InteractionBuilder, PermutationCheckBus};

use crate::poseidon2::POSEIDON2_CHUNK;

/// Where a node sits in the memory tree, as the Merkle bus names it (see the module docs):
/// `top = 0` below the address-space level (`as_label` = address space, `label` = index in its
/// subtree), `top = 1` for the three nodes above (`as_label` = index in the level, `label = 0`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(C)]
pub struct NodePosition<T> {
    pub height: T,
    pub top: T,
    pub as_label: T,
    pub label: T,
}

impl<T> NodePosition<T> {
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> NodePosition<U> {
        NodePosition {
            height: f(self.height),
            top: f(self.top),
            as_label: f(self.as_label),
            label: f(self.label),
        }
    }
}

/// The Merkle bus: `(height, top, as_label, label, initial[8], final[8])` says that the node at
/// that position has digest `initial` in the initial tree and `final` in the final tree. Every
/// touched node but the root sends its pair once, and its parent receives it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MerkleBus(pub PermutationCheckBus);

impl MerkleBus {
    pub const fn new(index: BusIndex) -> Self {
        Self(PermutationCheckBus::new(index))
    }

    fn message<AB: InteractionBuilder>(
        position: NodePosition<impl Into<AB::Expr>>,
        initial: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        final_: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
    ) -> impl IntoIterator<Item = AB::Expr> {
        let NodePosition {
            height,
            top,
            as_label,
            label,
        } = position;
        [height.into(), top.into(), as_label.into(), label.into()]
            .into_iter()
            .chain(initial.map(Into::into))
            .chain(final_.map(Into::into))
    }

    /// Sends a node's pair of digests `count` times (`count` boolean or constrained).
    pub fn send<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        position: NodePosition<impl Into<AB::Expr>>,
        initial: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        final_: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        count: impl Into<AB::Expr>,
    ) {
        let message = Self::message::<AB>(position, initial, final_);
        self.0.send(builder, message, count);
    }

    /// Receives a node's pair of digests `count` times.
    pub fn receive<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        position: NodePosition<impl Into<AB::Expr>>,
        initial: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        final_: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        count: impl Into<AB::Expr>,
    ) {
        let message = Self::message::<AB>(position, initial, final_);
        self.0.receive(builder, message, count);
    }
}
