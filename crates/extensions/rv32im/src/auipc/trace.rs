//! Records and trace generation of AUIPC.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::execution::tracing_memory::AccessRecord;
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::air::AuipcCols;
use crate::adapters::registers::RegWriteCols;

/// What trace generation needs from one executed AUIPC.
#[derive(Clone, Copy, Debug)]
pub struct AuipcRecord {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub rd: u32,
    /// The 20-bit immediate.
    pub imm: u32,
    /// The value written (`pc + (imm << 12)`).
    pub value: u32,
    pub rd_write: AccessRecord,
}

/// Collects AUIPC records and fills the trace, counting the periphery lookups.
pub struct AuipcChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<AuipcRecord>,
}

impl AuipcChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The trace, padded to a power of two with all-zero rows.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let width = AuipcCols::<F>::WIDTH;
        fill_trace(&self.records, width, |record, row| {
            let cols: &mut AuipcCols<F> = row.borrow_mut();
            let r = record.value.to_le_bytes();
            let p = record.from_pc.to_le_bytes().map(u32::from);
            let q = (record.imm << 12).to_le_bytes().map(u32::from);
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rd = RegWriteCols::fill(record.rd, r, &record.rd_write, &self.range);
            cols.imm = F::from_u32(record.imm);
            cols.pc_bytes = [p[1], p[2]].map(F::from_u32);
            cols.imm_bytes = [q[2], q[3]].map(F::from_u32);
            cols.is_valid = F::ONE;
            let r = r.map(u32::from);
            self.bitwise.request_xor(r[0], 3);
            self.bitwise.request_range(r[1], r[2]);
            self.bitwise.request_range(r[3], p[1]);
            self.bitwise.request_range(p[2], p[3]);
            self.bitwise.request_range(q[1], q[2]);
            if let Some(ptr) = (4 * record.rd).checked_sub(4u32).filter(|p| *p < 256) {
                self.bitwise.request_range(q[3], ptr);
            }
        })
    }
}
