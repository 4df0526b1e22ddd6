//! Preflight records and trace generation of the rotation AIRs.

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
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

use super::{
    air::{ZbbRotateCoreCols, ZbbRotateImmCols, ZbbRotateRegCols},
    ZbbRotateOpcode,
};

/// The left rotation amount `r` of `opcode` by `amount` (only its low 5 bits count).
pub fn left_amount(opcode: ZbbRotateOpcode, amount: u32) -> u32 {
    let s = amount & 31;
    match opcode {
        ZbbRotateOpcode::ROL => s,
        ZbbRotateOpcode::ROR => (32 - s) % 32,
    }
}

/// Collects the records of ROL, ROR and RORI and fills the traces of both forms.
pub struct ZbbRotateChip {
    /// The segment's range checker (the register accesses' timestamp checks).
    pub range: Arc<RangeCheckerChip>,
    /// The segment's bitwise lookup table (byte-pair checks and XOR).
    pub bitwise: Arc<BitwiseLookupChip>,
    /// One record per row, in execution order.
    pub records: RecordArena<AluRecord<ZbbRotateOpcode>>,
}

impl ZbbRotateChip {
    /// An empty chip that counts its lookups in the segment's periphery.
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    fn core<F: PrimeField32>(record: &AluRecord<ZbbRotateOpcode>) -> ZbbRotateCoreCols<F> {
        let x = record.x();
        let mut core = ZbbRotateCoreCols::<F>::default();
        core.flags[record.opcode as usize] = F::ONE;
        core.bits = std::array::from_fn(|i| F::from_u32(x >> i & 1));
        core.onehot[left_amount(record.opcode, record.y()) as usize] = F::ONE;
        core
    }

    /// The register-amount and immediate-amount traces, padded to powers of two.
    pub fn generate_traces<F: PrimeField32>(&self) -> (RowMajorMatrix<F>, RowMajorMatrix<F>) {
        let (imm, reg): (Vec<&AluRecord<ZbbRotateOpcode>>, Vec<_>) = self
            .records
            .iter()
            .partition(|r| matches!(r.operand, AluOperand::Immediate(_)));
        let reg_trace = fill_trace(&reg, ZbbRotateRegCols::<F>::WIDTH, |record, row| {
            let cols: &mut ZbbRotateRegCols<F> = row.borrow_mut();
            let (AluOperand::Register(rs2), Some(rs2_read)) = (record.operand, record.rs2_read)
            else {
                unreachable!("partitioned by form")
            };
            let high = rs2_read.prev.data[0] as u32 >> 5;
            self.bitwise.request_range(high, 32 * high);
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            let z = record.z().to_le_bytes();
            cols.rd = RegWriteCols::fill(record.rd, z, &record.rd_write, &self.range);
            cols.high = F::from_u32(high);
            cols.core = Self::core(record);
        });
        let imm_trace = fill_trace(&imm, ZbbRotateImmCols::<F>::WIDTH, |record, row| {
            let cols: &mut ZbbRotateImmCols<F> = row.borrow_mut();
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            let z = record.z().to_le_bytes();
            cols.rd = RegWriteCols::fill(record.rd, z, &record.rd_write, &self.range);
            cols.core = Self::core(record);
        });
        (reg_trace, imm_trace)
    }
}
