//! Unit tests of the machine's trace splitting and exe commitment (the whole machine is tested
//! with the RV32IM extension in `tessera-rv32im` and the SDK).

use openvm_stark_backend::{
    p3_field::PrimeCharacteristicRing,
    p3_matrix::{dense::RowMajorMatrix, Matrix},
};

use super::{exe_commitment, split_trace, ProgramTable, F};

/// `rows` real rows (row i holds i + 1) of width 2, padded to a power of two with zeros.
fn trace(rows: usize) -> RowMajorMatrix<F> {
    let mut values: Vec<F> = (0..rows)
        .flat_map(|i| [F::from_usize(i + 1), F::ZERO])
        .collect();
    values.resize(rows.next_power_of_two().max(1) * 2, F::ZERO);
    RowMajorMatrix::new(values, 2)
}

fn real_rows(parts: &[Option<RowMajorMatrix<F>>]) -> Vec<u32> {
    use openvm_stark_backend::p3_field::PrimeField32;
    parts
        .iter()
        .flatten()
        .flat_map(|t| t.values.chunks(2).map(|r| r[0].as_canonical_u32()))
        .filter(|&v| v != 0)
        .collect()
}

#[test]
fn splitting_keeps_every_row_in_order_in_power_of_two_parts() {
    for rows in [1, 2, 3, 5, 8, 9, 600, 1000, 1024, 1025] {
        let parts = split_trace(Some(trace(rows)), 2);
        assert_eq!(parts.len(), 2);
        assert_eq!(
            real_rows(&parts),
            (1..=rows as u32).collect::<Vec<_>>(),
            "{rows}"
        );
        let heights: Vec<usize> = parts.iter().flatten().map(|t| t.height()).collect();
        assert!(heights.iter().all(|h| h.is_power_of_two()), "{heights:?}");
        let total: usize = heights.iter().sum();
        // Never more than the unsplit trace, and at most twice the second part's real rows
        // of padding.
        assert!(total <= rows.next_power_of_two(), "{rows}: {heights:?}");
    }
    // 600 rows: 512 + 128 instead of 1024.
    let parts = split_trace(Some(trace(600)), 2);
    let heights: Vec<usize> = parts.iter().flatten().map(|t| t.height()).collect();
    assert_eq!(heights, [512, 128]);
    // A power of two stays whole.
    let parts = split_trace(Some(trace(1024)), 2);
    assert!(parts[1].is_none());
}

#[test]
fn empty_and_absent_traces_have_no_parts() {
    assert!(split_trace(None, 2).iter().all(Option::is_none));
    assert!(split_trace(Some(trace(0)), 2).iter().all(Option::is_none));
}

#[test]
fn the_exe_commitment_binds_program_table_memory_and_entry_point() {
    let table = |commitment, log_height| ProgramTable {
        commitment,
        log_height,
    };
    let a = [F::ONE; 8];
    let b = [F::TWO; 8];
    let base = exe_commitment(table(a, 4), b, 0x1000);
    assert_ne!(base, exe_commitment(table(b, 4), b, 0x1000));
    // The same committed values read at another height are another program.
    assert_ne!(base, exe_commitment(table(a, 6), b, 0x1000));
    assert_ne!(base, exe_commitment(table(a, 4), a, 0x1000));
    assert_ne!(base, exe_commitment(table(a, 4), b, 0x1004));
    assert_eq!(base, exe_commitment(table(a, 4), b, 0x1000));
}
