//! Records and trace generation of the base ALU.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::{
    air::{AluKind, BaseAluImmCols, BaseAluRegCols},
    BaseAluOpcode,
};
pub use crate::adapters::alu_record::AluOperand;
use crate::adapters::{
    alu_record::AluRecord,
    registers::{RegReadCols, RegWriteCols},
    AluFamily,
};

/// What trace generation needs from one executed base ALU instruction.
pub type BaseAluRecord = AluRecord<BaseAluOpcode>;

/// Collects ALU records and fills the traces of both forms.
pub struct BaseAluChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<BaseAluRecord>,
}

impl BaseAluChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The traces, padded to powers of two, in the order of [`super::BaseAluAir::all`]:
    /// ADD/SUB register and immediate forms, then XOR/OR/AND register and immediate forms.
    pub fn generate_traces<F: PrimeField32>(&self) -> [RowMajorMatrix<F>; 4] {
        [AluKind::Arith, AluKind::Logic]
            .into_iter()
            .flat_map(|kind| {
                let records: Vec<&BaseAluRecord> = self
                    .records
                    .iter()
                    .filter(|r| AluKind::of(r.opcode).0 == kind)
                    .collect();
                let (imm, reg): (Vec<_>, Vec<_>) = records
                    .into_iter()
                    .partition(|r| matches!(r.operand, AluOperand::Immediate(_)));
                [self.reg_trace(&reg), self.imm_trace(&imm)]
            })
            .collect::<Vec<_>>()
            .try_into()
            .unwrap_or_else(|_| unreachable!("two kinds, two forms"))
    }

    fn reg_trace<F: PrimeField32>(&self, records: &[&BaseAluRecord]) -> RowMajorMatrix<F> {
        fill_trace(records, BaseAluRegCols::<F>::WIDTH, |record, row| {
            let cols: &mut BaseAluRegCols<F> = row.borrow_mut();
            let rs2_read = record.rs2_read.expect("register form reads rs2");
            let AluOperand::Register(rs2) = record.operand else {
                unreachable!("partitioned by form")
            };
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            let z = self.core(record, u32::from_le_bytes(rs2_read.prev.data));
            cols.rd = RegWriteCols::fill(record.rd, z, &record.rd_write, &self.range);
            cols.flags[AluKind::of(record.opcode).1] = F::ONE;
        })
    }

    fn imm_trace<F: PrimeField32>(&self, records: &[&BaseAluRecord]) -> RowMajorMatrix<F> {
        fill_trace(records, BaseAluImmCols::<F>::WIDTH, |record, row| {
            let cols: &mut BaseAluImmCols<F> = row.borrow_mut();
            let AluOperand::Immediate(imm) = record.operand else {
                unreachable!("partitioned by form")
            };
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.imm = [imm & 0xff, (imm >> 8) & 0xff, imm >> 31].map(F::from_u32);
            let z = self.core(record, imm);
            cols.rd = RegWriteCols::fill(record.rd, z, &record.rd_write, &self.range);
            cols.flags[AluKind::of(record.opcode).1] = F::ONE;
        })
    }

    /// The result bytes, with the bitwise lookups of the row recorded.
    fn core(&self, record: &BaseAluRecord, y: u32) -> [u8; MEMORY_BLOCK] {
        let x = u32::from_le_bytes(record.rs1_read.prev.data);
        let z = record.opcode.eval(x, y).to_le_bytes();
        let (xb, yb) = (x.to_le_bytes(), y.to_le_bytes());
        match AluKind::of(record.opcode).0 {
            AluKind::Arith => {
                self.bitwise.request_range(z[0] as u32, z[1] as u32);
                self.bitwise.request_range(z[2] as u32, z[3] as u32);
            }
            AluKind::Logic => {
                for i in 0..MEMORY_BLOCK {
                    self.bitwise.request_xor(xb[i] as u32, yb[i] as u32);
                }
            }
        }
        z
    }
}
