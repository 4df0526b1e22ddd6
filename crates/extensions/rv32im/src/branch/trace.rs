//! Records and trace generation of the branch AIRs.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::{bus::MEMORY_BLOCK, execution::tracing_memory::AccessRecord};
use tessera_system::{
    bitwise::BitwiseLookupChip,
    primitives::{IsEqualCols, IsLessThanCols, LessThanWitness},
    range_checker::RangeCheckerChip,
};

use super::{
    air::{BranchEqualCols, BranchLessThanCols},
    BranchEqualOpcode, BranchLessThanOpcode,
};
use crate::adapters::registers::RegReadCols;

/// What trace generation needs from one executed branch.
#[derive(Clone, Copy, Debug)]
pub struct BranchRecord<O> {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub opcode: O,
    pub rs1: u32,
    pub rs2: u32,
    /// The signed offset.
    pub imm: i32,
    pub rs1_read: AccessRecord,
    pub rs2_read: AccessRecord,
    pub taken: bool,
}

impl<O> BranchRecord<O> {
    /// The pc the branch goes to. Not checked for alignment: the executor faults on a
    /// misaligned target, and the circuit cannot continue from one (see the branch AIRs).
    pub fn to_pc(&self) -> u32 {
        if self.taken {
            self.from_pc.wrapping_add(self.imm as u32)
        } else {
            self.from_pc.wrapping_add(4)
        }
    }
}

/// A signed integer as a field element.
pub(crate) fn signed<F: PrimeField32>(value: i32) -> F {
    if value >= 0 {
        F::from_u32(value as u32)
    } else {
        -F::from_u32(value.unsigned_abs())
    }
}

/// Collects BEQ/BNE records and fills their trace (the periphery lookups are the reads'
/// timestamp range checks).
pub struct BranchEqualChip {
    pub range: Arc<RangeCheckerChip>,
    pub records: RecordArena<BranchRecord<BranchEqualOpcode>>,
}

impl BranchEqualChip {
    pub fn new(range: Arc<RangeCheckerChip>) -> Self {
        Self {
            range,
            records: RecordArena::default(),
        }
    }

    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        fill_trace(
            &self.records,
            BranchEqualCols::<F>::WIDTH,
            |record, row: &mut [F]| {
                let cols: &mut BranchEqualCols<F> = row.borrow_mut();
                cols.from_pc = F::from_u32(record.from_pc);
                cols.from_timestamp = F::from_u32(record.from_timestamp);
                cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
                cols.rs2 = RegReadCols::fill(record.rs2, &record.rs2_read, &self.range);
                cols.imm = signed(record.imm);
                cols.flags[record.opcode as usize] = F::ONE;
                cols.taken = F::from_bool(record.taken);
                let bytes = |data: [u8; MEMORY_BLOCK]| data.map(F::from_u8);
                let (x, y) = (record.rs1_read.prev.data, record.rs2_read.prev.data);
                cols.is_equal = IsEqualCols::fill(&bytes(x), &bytes(y), true);
            },
        )
    }
}

/// Collects BLT/BLTU/BGE/BGEU records and fills their trace, counting the bitwise lookups
/// (the most significant limbs, `diff_val - 1`) and the reads' timestamp range checks.
pub struct BranchLessThanChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<BranchRecord<BranchLessThanOpcode>>,
}

impl BranchLessThanChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        fill_trace(
            &self.records,
            BranchLessThanCols::<F>::WIDTH,
            |record, row: &mut [F]| {
                let cols: &mut BranchLessThanCols<F> = row.borrow_mut();
                cols.from_pc = F::from_u32(record.from_pc);
                cols.from_timestamp = F::from_u32(record.from_timestamp);
                cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
                cols.rs2 = RegReadCols::fill(record.rs2, &record.rs2_read, &self.range);
                cols.imm = signed(record.imm);
                cols.flags[record.opcode as usize] = F::ONE;
                cols.taken = F::from_bool(record.taken);
                use BranchLessThanOpcode::*;
                let is_signed = matches!(record.opcode, BLT | BGE);
                // The comparison the row claims (the record's decision, which a test may have
                // forged; honest records agree with the bytes).
                let cmp_lt = match record.opcode {
                    BLT | BLTU => record.taken,
                    BGE | BGEU => !record.taken,
                };
                cols.cmp_lt = F::from_bool(cmp_lt);
                let (x, y) = (record.rs1_read.prev.data, record.rs2_read.prev.data);
                let msb = |top: u8| -> i32 {
                    if is_signed && top >= 128 {
                        top as i32 - 256
                    } else {
                        top as i32
                    }
                };
                let (x_msb, y_msb) = (msb(x[3]), msb(y[3]));
                cols.x_msb = signed(x_msb);
                cols.y_msb = signed(y_msb);
                let offset = if is_signed { 128 } else { 0 };
                self.bitwise
                    .request_range((x_msb + offset) as u32, (y_msb + offset) as u32);
                let limbs = |data: [u8; MEMORY_BLOCK], msb: i32| {
                    let mut limbs = data.map(i32::from);
                    limbs[MEMORY_BLOCK - 1] = msb;
                    limbs
                };
                let witness = LessThanWitness::new(limbs(x, x_msb), limbs(y, y_msb));
                cols.compare = IsLessThanCols::fill(&witness);
                // A forged decision gives a lookup value outside [0, 256): no entry of the
                // table matches, so there is nothing to count (the bus will not balance).
                let value = witness.lookup_value(cmp_lt);
                if (0..256).contains(&value) {
                    self.bitwise.request_range(value as u32, 0);
                }
            },
        )
    }
}
