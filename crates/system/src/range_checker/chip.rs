use std::sync::atomic::{AtomicU32, Ordering};

use openvm_stark_backend::{p3_field::Field, p3_matrix::dense::RowMajorMatrix};

use super::{table_row, table_rows, RangeCheckerBus};

/// Counts range-check requests of trace generation (from any thread) and produces the
/// multiplicity trace of [`super::RangeCheckerAir`].
pub struct RangeCheckerChip {
    pub bus: RangeCheckerBus,
    counts: Vec<AtomicU32>,
}

impl RangeCheckerChip {
    pub fn new(bus: RangeCheckerBus) -> Self {
        Self {
            bus,
            counts: (0..table_rows(bus.max_bits))
                .map(|_| AtomicU32::new(0))
                .collect(),
        }
    }

    /// Records a check of `value < 2^bits`.
    pub fn request(&self, value: u32, bits: usize) {
        assert!(
            bits <= self.bus.max_bits && (value as u64) < 1u64 << bits,
            "range check of {value} in {bits} bits (max {} bits): out of range",
            self.bus.max_bits
        );
        self.counts[table_row(value, bits)].fetch_add(1, Ordering::Relaxed);
    }

    /// The multiplicity column. The counts are reset.
    pub fn generate_trace<F: Field>(&self) -> RowMajorMatrix<F> {
        RowMajorMatrix::new(
            self.counts
                .iter()
                .map(|c| F::from_u32(c.swap(0, Ordering::Relaxed)))
                .collect(),
            1,
        )
    }
}
