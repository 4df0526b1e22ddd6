use openvm_stark_backend::interaction::{BusIndex, InteractionBuilder, LookupBus};

use super::{POSEIDON2_CHUNK, POSEIDON2_WIDTH};

/// The bus of Poseidon2 compressions. Messages are the 16 permutation inputs followed by the
/// first 8 outputs (24 fields): `(left[8], right[8], compress(left, right)[8])`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Poseidon2Bus(pub LookupBus);

impl Poseidon2Bus {
    pub const fn new(index: BusIndex) -> Self {
        Self(LookupBus::new(index))
    }

    /// Constrains `output = compress(left, right)` where `count` is non-zero. `count` must be
    /// boolean (the caller constrains it): the lookup argument needs requests counted in
    /// `{0, 1}`.
    pub fn compress<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        left: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        right: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        output: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        count: impl Into<AB::Expr>,
    ) {
        let message = left
            .into_iter()
            .map(Into::into)
            .chain(right.into_iter().map(Into::into))
            .chain(output.into_iter().map(Into::into));
        self.0.lookup_key(builder, message, count);
    }

    /// The table side: serves `(input, output)` `multiplicity` times. The caller proves
    /// `output` is the truncated permutation of `input`.
    pub fn add_compression<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        input: [impl Into<AB::Expr>; POSEIDON2_WIDTH],
        output: [impl Into<AB::Expr>; POSEIDON2_CHUNK],
        multiplicity: impl Into<AB::Expr>,
    ) {
        let key = input
            .into_iter()
            .map(Into::into)
            .chain(output.into_iter().map(Into::into));
        self.0.add_key_with_lookups(builder, key, multiplicity);
    }
}
