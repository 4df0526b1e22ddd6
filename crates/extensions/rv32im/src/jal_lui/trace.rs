//! Records and trace generation of JAL and LUI.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::execution::tracing_memory::AccessRecord;
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::{
    air::{JalLuiCols, JumpCols},
    JalLuiOpcode,
};
use crate::{adapters::registers::RegWriteCols, branch::signed};

/// What trace generation needs from one executed JAL or LUI.
#[derive(Clone, Copy, Debug)]
pub struct JalLuiRecord {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub opcode: JalLuiOpcode,
    /// Destination register index; 0 only for JAL (nothing is written).
    pub rd: u32,
    /// Operand `c`: the signed offset (JAL) or the 20-bit immediate (LUI).
    pub imm: i32,
    /// The value written to `rd` (`pc + 4` or `imm << 12`).
    pub value: u32,
    /// The write of `rd`; `None` for JAL to `x0`.
    pub rd_write: Option<AccessRecord>,
}

impl JalLuiRecord {
    /// The next pc (not checked for alignment, as for branches).
    pub fn to_pc(&self) -> u32 {
        match self.opcode {
            JalLuiOpcode::JAL => self.from_pc.wrapping_add(self.imm as u32),
            JalLuiOpcode::LUI => self.from_pc.wrapping_add(4),
        }
    }
}

/// Collects JAL/LUI records and fills the traces of the linking AIR and the jump AIR, counting
/// the periphery lookups.
pub struct JalLuiChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<JalLuiRecord>,
}

impl JalLuiChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The traces of [`super::JalLuiAir`] (records with a write) and [`super::JumpAir`],
    /// padded to powers of two with all-zero rows.
    pub fn generate_traces<F: PrimeField32>(&self) -> (RowMajorMatrix<F>, RowMajorMatrix<F>) {
        let (link, jump): (Vec<&JalLuiRecord>, Vec<&JalLuiRecord>) =
            self.records.iter().partition(|r| r.rd_write.is_some());
        let link = fill_trace(&link, JalLuiCols::<F>::WIDTH, |record, row| {
            let cols: &mut JalLuiCols<F> = row.borrow_mut();
            let rd_write = record.rd_write.expect("partitioned by write");
            let bytes = record.value.to_le_bytes();
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rd = RegWriteCols::fill(record.rd, bytes, &rd_write, &self.range);
            cols.imm = signed(record.imm);
            cols.flags[record.opcode as usize] = F::ONE;
            let [r0, r1, r2, r3] = bytes.map(u32::from);
            self.bitwise.request_xor(r0, 3);
            self.bitwise.request_range(r1, r2);
            // `rd_pointer - 4` is a byte for every real destination; a forged write to x0
            // has no table entry (nothing to count, the bus will not balance).
            if let Some(ptr) = (4 * record.rd).checked_sub(4u32).filter(|p| *p < 256) {
                self.bitwise.request_range(r3, ptr);
            }
        });
        let jump = fill_trace(&jump, JumpCols::<F>::WIDTH, |record, row| {
            let cols: &mut JumpCols<F> = row.borrow_mut();
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.imm = signed(record.imm);
            cols.is_valid = F::ONE;
        });
        (link, jump)
    }
}
