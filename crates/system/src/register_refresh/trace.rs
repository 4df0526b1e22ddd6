//! Refreshing stale registers in preflight, and the refresh trace.

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::bus::{MemoryAccessAux, TIMESTAMP_LIMB_BITS};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use super::RegisterRefreshCols;
use crate::{range_checker::RangeCheckerChip, vm::F};

pub use tessera_arch::execution::tracing_memory::{refresh_stale_registers, RefreshRecord};

/// The refresh records of a segment, and their trace.
pub struct RegisterRefreshChip {
    pub range: Arc<RangeCheckerChip>,
    pub records: RecordArena<RefreshRecord>,
}

impl RegisterRefreshChip {
    /// The trace, padded to a power of two with all-zero rows.
    pub fn generate_trace(&self) -> RowMajorMatrix<F> {
        fill_trace(&self.records, RegisterRefreshCols::<F>::WIDTH, |r, row| {
            let cols: &mut RegisterRefreshCols<F> = row.borrow_mut();
            let aux = MemoryAccessAux::new(r.read.prev.timestamp, r.read.timestamp);
            for limb in aux.lt_limbs {
                self.range.request(limb, TIMESTAMP_LIMB_BITS);
            }
            cols.is_valid = F::ONE;
            cols.pc = F::from_u32(r.pc);
            cols.timestamp = F::from_u32(r.read.timestamp);
            cols.pointer = F::from_u32(r.pointer);
            cols.data = r.read.prev.data.map(F::from_u8);
            cols.aux = MemoryAccessAux {
                prev_timestamp: F::from_u32(aux.prev_timestamp),
                lt_limbs: aux.lt_limbs.map(F::from_u32),
            };
        })
    }
}
