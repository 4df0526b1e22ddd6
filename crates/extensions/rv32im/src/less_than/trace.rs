//! Records and trace generation of the set-less-than chip.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_system::{
    bitwise::BitwiseLookupChip,
    primitives::{IsLessThanCols, LessThanWitness},
    range_checker::RangeCheckerChip,
};

use super::{
    air::{LessThanImmCols, LessThanRegCols},
    LessThanOpcode,
};
use crate::{
    adapters::{
        alu_record::AluRecord,
        registers::{RegReadCols, RegWriteCols},
        AluFamily,
    },
    base_alu::AluOperand,
};

/// What trace generation needs from one executed SLT/SLTU instruction (the kit's record).
pub type LessThanRecord = AluRecord<LessThanOpcode>;

/// The core columns of one comparison, as integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CoreValues {
    pub cmp: bool,
    pub diff_marker: [bool; MEMORY_BLOCK],
    /// `d_k` at the marked index, `-1` when `x = y`.
    pub diff_val: i32,
    pub msb_x: i32,
    pub msb_y: i32,
}

impl CoreValues {
    pub fn new(opcode: LessThanOpcode, x: u32, y: u32) -> Self {
        let signed = opcode == LessThanOpcode::SLT;
        let msb = |v: u32| {
            let top = (v >> 24) as i32;
            if signed && top >= 128 {
                top - 256
            } else {
                top
            }
        };
        let limbs = |v: u32, msb: i32| {
            let mut limbs = v.to_le_bytes().map(i32::from);
            limbs[MEMORY_BLOCK - 1] = msb;
            limbs
        };
        let (msb_x, msb_y) = (msb(x), msb(y));
        let LessThanWitness {
            lt: cmp,
            diff_marker,
            diff_val,
        } = LessThanWitness::new(limbs(x, msb_x), limbs(y, msb_y));
        debug_assert_eq!(cmp, opcode.eval(x, y) == 1);
        Self {
            cmp,
            diff_marker,
            diff_val,
            msb_x,
            msb_y,
        }
    }

    /// `msb + 128 slt` for the byte lookup.
    pub fn msb_byte(msb: i32, opcode: LessThanOpcode) -> u32 {
        let shift = if opcode == LessThanOpcode::SLT {
            128
        } else {
            0
        };
        (msb + shift) as u32
    }

    /// `(2 cmp - 1) diff_val - 1` for the byte lookup.
    pub fn diff_byte(&self) -> u32 {
        self.witness().lookup_value(self.cmp) as u32
    }

    /// The comparison gadget's witness.
    pub fn witness(&self) -> LessThanWitness<MEMORY_BLOCK> {
        LessThanWitness {
            lt: self.cmp,
            diff_marker: self.diff_marker,
            diff_val: self.diff_val,
        }
    }
}

fn signed<F: PrimeField32>(v: i32) -> F {
    if v >= 0 {
        F::from_u32(v as u32)
    } else {
        -F::from_u32(v.unsigned_abs())
    }
}

/// Collects SLT/SLTU records and fills the traces of both forms.
pub struct LessThanChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<LessThanRecord>,
}

impl LessThanChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The register-register and register-immediate traces, padded to powers of two.
    pub fn generate_traces<F: PrimeField32>(&self) -> (RowMajorMatrix<F>, RowMajorMatrix<F>) {
        let (imm, reg): (Vec<&LessThanRecord>, Vec<_>) = self
            .records
            .iter()
            .partition(|r| matches!(r.operand, AluOperand::Immediate(_)));
        let reg_trace = fill_trace(&reg, LessThanRegCols::<F>::WIDTH, |record, row| {
            let cols: &mut LessThanRegCols<F> = row.borrow_mut();
            let rs2_read = record.rs2_read.expect("register form reads rs2");
            let AluOperand::Register(rs2) = record.operand else {
                unreachable!("partitioned by form")
            };
            let x = u32::from_le_bytes(record.rs1_read.prev.data);
            let y = u32::from_le_bytes(rs2_read.prev.data);
            let core = CoreValues::new(record.opcode, x, y);
            self.bitwise.request_range(
                CoreValues::msb_byte(core.msb_x, record.opcode),
                CoreValues::msb_byte(core.msb_y, record.opcode),
            );
            self.bitwise.request_range(core.diff_byte(), 0);
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            cols.rd = RegWriteCols::fill(
                record.rd,
                (core.cmp as u32).to_le_bytes(),
                &record.rd_write,
                &self.range,
            );
            cols.flags[record.opcode as usize] = F::ONE;
            cols.compare = IsLessThanCols::fill(&core.witness());
            cols.msb_x = signed(core.msb_x);
            cols.msb_y = signed(core.msb_y);
        });
        let imm_trace = fill_trace(&imm, LessThanImmCols::<F>::WIDTH, |record, row| {
            let cols: &mut LessThanImmCols<F> = row.borrow_mut();
            let AluOperand::Immediate(imm) = record.operand else {
                unreachable!("partitioned by form")
            };
            let x = u32::from_le_bytes(record.rs1_read.prev.data);
            let core = CoreValues::new(record.opcode, x, imm);
            self.bitwise.request_range(
                CoreValues::msb_byte(core.msb_x, record.opcode),
                core.diff_byte(),
            );
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.imm = [imm & 0xff, (imm >> 8) & 0xff, imm >> 31].map(F::from_u32);
            cols.rd = RegWriteCols::fill(
                record.rd,
                (core.cmp as u32).to_le_bytes(),
                &record.rd_write,
                &self.range,
            );
            cols.flags[record.opcode as usize] = F::ONE;
            cols.compare = IsLessThanCols::fill(&core.witness());
            cols.msb_x = signed(core.msb_x);
        });
        (reg_trace, imm_trace)
    }
}
