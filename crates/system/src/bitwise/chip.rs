use std::sync::atomic::{AtomicU32, Ordering};

use openvm_stark_backend::{p3_field::Field, p3_matrix::dense::RowMajorMatrix};

use super::{BITWISE_BITS, BITWISE_ROWS};

/// Counts the byte-pair requests of trace generation (from any thread) and produces the
/// multiplicity trace of [`super::BitwiseLookupAir`].
pub struct BitwiseLookupChip {
    range_counts: Vec<AtomicU32>,
    xor_counts: Vec<AtomicU32>,
}

impl Default for BitwiseLookupChip {
    fn default() -> Self {
        Self {
            range_counts: (0..BITWISE_ROWS).map(|_| AtomicU32::new(0)).collect(),
            xor_counts: (0..BITWISE_ROWS).map(|_| AtomicU32::new(0)).collect(),
        }
    }
}

fn row(x: u32, y: u32) -> usize {
    assert!(
        x < 1 << BITWISE_BITS && y < 1 << BITWISE_BITS,
        "bitwise lookup of ({x}, {y}): operands must be bytes"
    );
    ((x << BITWISE_BITS) | y) as usize
}

impl BitwiseLookupChip {
    /// Records a range check of the bytes `x` and `y`.
    pub fn request_range(&self, x: u32, y: u32) {
        self.range_counts[row(x, y)].fetch_add(1, Ordering::Relaxed);
    }

    /// Records an XOR lookup and returns `x ^ y`.
    pub fn request_xor(&self, x: u32, y: u32) -> u32 {
        self.xor_counts[row(x, y)].fetch_add(1, Ordering::Relaxed);
        x ^ y
    }

    /// The main trace: `range_count, xor_count` per row. The counts are reset.
    pub fn generate_trace<F: Field>(&self) -> RowMajorMatrix<F> {
        let mut values = Vec::with_capacity(2 * BITWISE_ROWS);
        for (range, xor) in self.range_counts.iter().zip(&self.xor_counts) {
            values.push(F::from_u32(range.swap(0, Ordering::Relaxed)));
            values.push(F::from_u32(xor.swap(0, Ordering::Relaxed)));
        }
        RowMajorMatrix::new(values, 2)
    }
}
