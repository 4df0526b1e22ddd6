use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues, PairBuilder},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    PartitionedBaseAir,
};
use tessera_arch::bus::BitwiseBus;

use super::{BITWISE_BITS, BITWISE_ROWS};

/// The table AIR. Preprocessed: `x, y, x ^ y` for every pair of bytes (row `256 x + y`).
/// Main: `range_count, xor_count`, the multiplicities of the two kinds of request.
#[derive(Clone, Copy, Debug)]
pub struct BitwiseLookupAir {
    pub bus: BitwiseBus,
}

impl<F: Field> BaseAir<F> for BitwiseLookupAir {
    fn width(&self) -> usize {
        2
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let mut values = Vec::with_capacity(3 * BITWISE_ROWS);
        for x in 0..1u32 << BITWISE_BITS {
            for y in 0..1u32 << BITWISE_BITS {
                values.extend([x, y, x ^ y].map(F::from_u32));
            }
        }
        Some(RowMajorMatrix::new(values, 3))
    }
}

impl<F: Field> BaseAirWithPublicValues<F> for BitwiseLookupAir {}
impl<F: Field> PartitionedBaseAir<F> for BitwiseLookupAir {}

impl<AB: InteractionBuilder + PairBuilder> Air<AB> for BitwiseLookupAir {
    fn eval(&self, builder: &mut AB) {
        let preprocessed = builder.preprocessed();
        let (x, y, z) = {
            let row = preprocessed.row_slice(0).expect("window has a row");
            (row[0], row[1], row[2])
        };
        let main = builder.main();
        let (range_count, xor_count) = {
            let row = main.row_slice(0).expect("window has a row");
            (row[0], row[1])
        };
        self.bus.0.add_key_with_lookups(
            builder,
            [x.into(), y.into(), AB::Expr::ZERO, AB::Expr::ZERO],
            range_count,
        );
        self.bus.0.add_key_with_lookups(
            builder,
            [x.into(), y.into(), z.into(), AB::Expr::ONE],
            xor_count,
        );
    }
}
