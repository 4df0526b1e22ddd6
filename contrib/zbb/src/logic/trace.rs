//! Preflight records and trace generation of [`super::ZbbLogicAir`].

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;
use tessera_system::{
    bitwise::BitwiseLookupChip,
    kit::{
        alu_record::{AluOperand, AluRecord},
        registers::{RegReadCols, RegWriteCols},
    },
    range_checker::RangeCheckerChip,
};

use super::{air::ZbbLogicCols, ZbbLogicOpcode};

/// Collects the records of ANDN, ORN, XNOR and fills the trace of [`super::ZbbLogicAir`].
pub struct ZbbLogicChip {
    /// The segment's range checker (the register accesses' timestamp checks).
    pub range: Arc<RangeCheckerChip>,
    /// The segment's bitwise lookup table (byte-pair checks and XOR).
    pub bitwise: Arc<BitwiseLookupChip>,
    /// One record per row, in execution order.
    pub records: RecordArena<AluRecord<ZbbLogicOpcode>>,
}

impl ZbbLogicChip {
    /// An empty chip that counts its lookups in the segment's periphery.
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The trace, padded to a power of two, with the row's lookups recorded in the periphery.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        fill_trace(&self.records, ZbbLogicCols::<F>::WIDTH, |record, row| {
            let cols: &mut ZbbLogicCols<F> = row.borrow_mut();
            let (AluOperand::Register(rs2), Some(rs2_read)) = (record.operand, record.rs2_read)
            else {
                unreachable!("the chip takes the register form only")
            };
            let (x, y, z) = (record.x(), record.y(), record.z());
            let (xb, yb) = (x.to_le_bytes(), y.to_le_bytes());
            for i in 0..MEMORY_BLOCK {
                self.bitwise.request_xor(xb[i] as u32, yb[i] as u32);
            }
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            cols.rd = RegWriteCols::fill(record.rd, z.to_le_bytes(), &record.rd_write, &self.range);
            cols.flags[record.opcode as usize] = F::ONE;
        })
    }
}
