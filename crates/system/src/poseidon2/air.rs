use std::borrow::Borrow;

use openvm_stark_backend::{
    air_builders::sub::SubAirBuilder,
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use p3_baby_bear::{BabyBear, GenericPoseidon2LinearLayersBabyBear};
use p3_poseidon2_air::{num_cols, Poseidon2Cols};

use super::{
    Poseidon2Bus, POSEIDON2_CHUNK, POSEIDON2_HALF_FULL_ROUNDS, POSEIDON2_PARTIAL_ROUNDS,
    POSEIDON2_ROUND_CONSTANTS, POSEIDON2_SBOX_DEGREE, POSEIDON2_SBOX_REGISTERS, POSEIDON2_WIDTH,
};

/// The permutation AIR of `p3-poseidon2-air` with Tessera's parameters.
pub type Poseidon2SubAir = p3_poseidon2_air::Poseidon2Air<
    BabyBear,
    GenericPoseidon2LinearLayersBabyBear,
    POSEIDON2_WIDTH,
    POSEIDON2_SBOX_DEGREE,
    POSEIDON2_SBOX_REGISTERS,
    POSEIDON2_HALF_FULL_ROUNDS,
    POSEIDON2_PARTIAL_ROUNDS,
>;

/// The columns of [`Poseidon2SubAir`].
pub type Poseidon2SubCols<T> = Poseidon2Cols<
    T,
    POSEIDON2_WIDTH,
    POSEIDON2_SBOX_DEGREE,
    POSEIDON2_SBOX_REGISTERS,
    POSEIDON2_HALF_FULL_ROUNDS,
    POSEIDON2_PARTIAL_ROUNDS,
>;

/// The Poseidon2 compression table: one permutation per row.
///
/// Main trace: the [`Poseidon2SubAir`] columns (`0..Poseidon2Air::SUB_WIDTH`: the sub-AIR's
/// `export` flag, which it leaves unconstrained and its trace generation sets to 1 on every row,
/// pinned to 1 here so that no column is a free witness; the 16 inputs; the round columns; the
/// output is the last full round's `post`), then one multiplicity column. Each row serves `(inputs, outputs[0..8])` on the bus
/// `multiplicity` times.
#[derive(Clone)]
pub struct Poseidon2Air {
    pub bus: Poseidon2Bus,
    sub_air: Poseidon2SubAir,
}

impl Poseidon2Air {
    /// Columns of the permutation sub-AIR.
    pub const SUB_WIDTH: usize = num_cols::<
        POSEIDON2_WIDTH,
        POSEIDON2_SBOX_DEGREE,
        POSEIDON2_SBOX_REGISTERS,
        POSEIDON2_HALF_FULL_ROUNDS,
        POSEIDON2_PARTIAL_ROUNDS,
    >();
    /// Index of the multiplicity column.
    pub const MULTIPLICITY_COL: usize = Self::SUB_WIDTH;
    /// Main trace width.
    pub const WIDTH: usize = Self::SUB_WIDTH + 1;

    pub fn new(bus: Poseidon2Bus) -> Self {
        Self {
            bus,
            sub_air: Poseidon2SubAir::new(POSEIDON2_ROUND_CONSTANTS),
        }
    }
}

impl std::fmt::Debug for Poseidon2Air {
    // The sub-AIR's linear layers are not `Debug`; its constants are fixed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poseidon2Air")
            .field("bus", &self.bus)
            .finish_non_exhaustive()
    }
}

impl<F> BaseAir<F> for Poseidon2Air {
    fn width(&self) -> usize {
        Self::WIDTH
    }
}

impl<F> BaseAirWithPublicValues<F> for Poseidon2Air {}
impl<F> PartitionedBaseAir<F> for Poseidon2Air {}

impl<AB: InteractionBuilder<F = BabyBear>> Air<AB> for Poseidon2Air {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let (export, inputs, outputs, multiplicity) = {
            let row = main.row_slice(0).expect("window has a row");
            let cols: &Poseidon2SubCols<AB::Var> = row[..Self::SUB_WIDTH].borrow();
            let post = &cols.ending_full_rounds[POSEIDON2_HALF_FULL_ROUNDS - 1].post;
            let outputs: [AB::Var; POSEIDON2_CHUNK] = std::array::from_fn(|i| post[i]);
            (
                cols.export,
                cols.inputs,
                outputs,
                row[Self::MULTIPLICITY_COL],
            )
        };
        builder.assert_one(export);

        // The permutation constraints, on the sub-AIR's columns.
        let mut sub_builder =
            SubAirBuilder::<AB, Poseidon2SubAir, BabyBear>::new(builder, 0..Self::SUB_WIDTH);
        self.sub_air.eval(&mut sub_builder);

        self.bus
            .add_compression(builder, inputs, outputs, multiplicity);
    }
}
