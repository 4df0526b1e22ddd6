use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues, PairBuilder},
    p3_field::Field,
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    PartitionedBaseAir,
};
use tessera_arch::bus::RangeCheckerBus;

use super::{table_row, table_rows};

/// The table AIR. Preprocessed: `value, bits` per row; main: the multiplicity.
#[derive(Clone, Copy, Debug)]
pub struct RangeCheckerAir {
    pub bus: RangeCheckerBus,
}

impl<F: Field> BaseAir<F> for RangeCheckerAir {
    fn width(&self) -> usize {
        1
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let rows = table_rows(self.bus.max_bits);
        let mut values = vec![F::ZERO; 2 * rows];
        for bits in 0..=self.bus.max_bits {
            for value in 0..1u32 << bits {
                let row = table_row(value, bits);
                values[2 * row] = F::from_u32(value);
                values[2 * row + 1] = F::from_usize(bits);
            }
        }
        // The last row pads the table to a power of two; it repeats (0, 0).
        Some(RowMajorMatrix::new(values, 2))
    }
}

impl<F: Field> BaseAirWithPublicValues<F> for RangeCheckerAir {}
impl<F: Field> PartitionedBaseAir<F> for RangeCheckerAir {}

impl<AB: InteractionBuilder + PairBuilder> Air<AB> for RangeCheckerAir {
    fn eval(&self, builder: &mut AB) {
        let preprocessed = builder.preprocessed();
        let (value, bits) = {
            let row = preprocessed.row_slice(0).expect("window has a row");
            (row[0], row[1])
        };
        let count = builder.main().row_slice(0).expect("window has a row")[0];
        self.bus
            .inner
            .add_key_with_lookups(builder, [value, bits], count);
    }
}
