use openvm_stark_backend::{
    interaction::{BusIndex, InteractionBuilder, LookupBus},
    p3_air::{Air, BaseAir, BaseAirWithPublicValues, PairBuilder},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    PartitionedBaseAir,
};

use super::{table_row, table_rows};

/// The bus of range checks. Messages are `(value, bits)`, meaning `value < 2^bits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeCheckerBus {
    pub inner: LookupBus,
    /// The largest `bits` the table serves.
    pub max_bits: usize,
}

impl RangeCheckerBus {
    pub const fn new(index: BusIndex, max_bits: usize) -> Self {
        Self {
            inner: LookupBus::new(index),
            max_bits,
        }
    }

    /// Constrains `value < 2^bits` where `count` is non-zero. `bits` must be at most
    /// `max_bits` (checked when the AIR is built, at keygen).
    pub fn range_check<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        value: impl Into<AB::Expr>,
        bits: usize,
        count: impl Into<AB::Expr>,
    ) {
        assert!(
            bits <= self.max_bits,
            "range check of {bits} bits on a {}-bit range checker",
            self.max_bits
        );
        self.inner
            .lookup_key(builder, [value.into(), AB::Expr::from_usize(bits)], count);
    }
}

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
