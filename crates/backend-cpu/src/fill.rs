//! Parallel trace filling.

use openvm_stark_backend::{
    p3_field::Field, p3_matrix::dense::RowMajorMatrix, p3_maybe_rayon::prelude::*,
};

/// A trace with one row per record, `width` columns, padded with zero rows to a power of two
/// (at least one row). Rows are filled in parallel: `fill_row` gets a record and its zeroed row.
///
/// Lookup counting from `fill_row` must be thread-safe (the periphery chips count with
/// atomics).
pub fn fill_trace<R: Sync, F: Field>(
    records: &[R],
    width: usize,
    fill_row: impl Fn(&R, &mut [F]) + Sync + Send,
) -> RowMajorMatrix<F> {
    fill_trace_rows(records.len(), width, |i, row| fill_row(&records[i], row))
}

/// A trace of `rows` real rows of `width > 0` columns (then zero padding to a power of two), row `i` filled by
/// `fill_row(i, row)` in parallel.
pub fn fill_trace_rows<F: Field>(
    rows: usize,
    width: usize,
    fill_row: impl Fn(usize, &mut [F]) + Sync + Send,
) -> RowMajorMatrix<F> {
    let height = rows.next_power_of_two();
    let mut values = F::zero_vec(height * width);
    values[..rows * width]
        .par_chunks_exact_mut(width)
        .enumerate()
        .for_each(|(i, row)| fill_row(i, row));
    RowMajorMatrix::new(values, width)
}

#[cfg(test)]
mod tests {
    use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::Matrix};

    use p3_baby_bear::BabyBear as F;

    use super::*;

    #[test]
    fn rows_follow_records_and_padding_is_zero() {
        let records: Vec<u32> = (1..=5).collect();
        let trace = fill_trace(&records, 3, |&r, row: &mut [F]| {
            row.copy_from_slice(&[r, 2 * r, 3 * r].map(F::from_u32))
        });
        assert_eq!((trace.height(), trace.width()), (8, 3));
        for (i, row) in trace.row_slices().enumerate() {
            let r = if i < 5 { i as u32 + 1 } else { 0 };
            assert_eq!(row, &[r, 2 * r, 3 * r].map(F::from_u32)[..], "row {i}");
        }
    }

    #[test]
    fn no_records_is_one_zero_row() {
        let trace = fill_trace(&[] as &[u32], 4, |_, _: &mut [F]| unreachable!());
        assert_eq!((trace.height(), trace.width()), (1, 4));
        assert!(trace.values.iter().all(|v| *v == F::ZERO));
    }

    #[test]
    fn large_traces_fill_every_row() {
        // More rows than one rayon split, so that several threads fill.
        let n = 100_000;
        let trace = fill_trace_rows(n, 2, |i, row: &mut [F]| {
            row[0] = F::from_usize(i);
            row[1] = F::ONE;
        });
        assert_eq!(trace.height(), n.next_power_of_two());
        assert!(trace
            .row_slices()
            .take(n)
            .enumerate()
            .all(|(i, row)| { row[0] == F::from_usize(i) && row[1] == F::ONE }));
        assert!(trace.row_slices().skip(n).all(|row| row[1] == F::ZERO));
    }
}
