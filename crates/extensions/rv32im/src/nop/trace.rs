//! Records and trace generation of NOP.

use std::borrow::BorrowMut;
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};

use super::air::NopCols;

/// What trace generation needs from one executed NOP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NopRecord {
    pub from_pc: u32,
    pub from_timestamp: u32,
}

/// Collects NOP records and fills the trace. NOP makes no periphery lookups.
#[derive(Debug, Default)]
pub struct NopChip {
    pub records: RecordArena<NopRecord>,
}

impl NopChip {
    /// The trace, padded to a power of two with all-zero rows.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let width = NopCols::<F>::WIDTH;
        fill_trace(&self.records, width, |record, row| {
            let cols: &mut NopCols<F> = row.borrow_mut();
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.is_valid = F::ONE;
        })
    }
}
