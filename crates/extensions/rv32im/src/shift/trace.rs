//! Preflight and trace generation of the shifts.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::{
    air::{ShiftCoreCols, ShiftImmCols, ShiftRegCols},
    ShiftOpcode,
};
use crate::adapters::{
    alu_record::{AluOperand, AluRecord},
    registers::{RegReadCols, RegWriteCols},
    AluFamily,
};

/// What trace generation needs from one executed shift.
pub type ShiftRecord = AluRecord<ShiftOpcode>;

/// The values of a row's shift columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShiftWitness {
    pub z: u32,
    pub bits: usize,
    pub limbs: usize,
    pub carries: [u32; MEMORY_BLOCK],
    pub msb: u32,
    pub fill: u32,
}

/// The witness of `x op (amount & 31)`.
pub fn shift_witness(op: ShiftOpcode, x: u32, amount: u32) -> ShiftWitness {
    let s = amount & 31;
    let (bits, limbs) = ((s % 8) as usize, (s / 8) as usize);
    let xb = x.to_le_bytes();
    let carries = xb.map(|b| match op {
        ShiftOpcode::SLL => ((b as u32) << bits) >> 8,
        ShiftOpcode::SRL | ShiftOpcode::SRA => b as u32 & ((1 << bits) - 1),
    });
    let msb = x >> 31;
    ShiftWitness {
        z: op.eval(x, s),
        bits,
        limbs,
        carries,
        msb,
        fill: msb * (op == ShiftOpcode::SRA) as u32,
    }
}

/// Collects shift records and fills the traces of both forms.
pub struct ShiftChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<ShiftRecord>,
}

impl ShiftChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    fn core<F: PrimeField32>(
        &self,
        record: &ShiftRecord,
        amount: u32,
    ) -> (ShiftCoreCols<F>, [u8; 4]) {
        let x = record.x();
        let w = shift_witness(record.opcode, x, amount);
        let mut core = ShiftCoreCols::<F>::default();
        core.flags[record.opcode as usize] = F::ONE;
        core.bit_marker[w.bits] = F::ONE;
        core.limb_marker[w.limbs] = F::ONE;
        let power = F::from_u32(1 << w.bits);
        let side = (record.opcode != ShiftOpcode::SLL) as usize;
        core.multiplier[side] = power;
        core.carries = w.carries.map(F::from_u32);
        core.msb = F::from_u32(w.msb);
        core.fill = F::from_u32(w.fill);
        for carry in w.carries {
            self.range.request(carry, w.bits);
        }
        self.bitwise.request_range(2 * ((x >> 24) - 128 * w.msb), 0);
        let z = w.z.to_le_bytes();
        self.bitwise.request_range(z[0] as u32, z[1] as u32);
        self.bitwise.request_range(z[2] as u32, z[3] as u32);
        (core, z)
    }

    /// The register-amount and immediate-amount traces, padded to powers of two.
    pub fn generate_traces<F: PrimeField32>(&self) -> (RowMajorMatrix<F>, RowMajorMatrix<F>) {
        let (imm, reg): (Vec<&ShiftRecord>, Vec<_>) = self
            .records
            .iter()
            .partition(|r| matches!(r.operand, AluOperand::Immediate(_)));
        let reg_trace = fill_trace(&reg, ShiftRegCols::<F>::WIDTH, |record, row| {
            let cols: &mut ShiftRegCols<F> = row.borrow_mut();
            let (AluOperand::Register(rs2), Some(rs2_read)) = (record.operand, record.rs2_read)
            else {
                unreachable!("partitioned by form")
            };
            let amount_byte = rs2_read.prev.data[0] as u32;
            let (core, z) = self.core(record, amount_byte);
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            cols.rd = RegWriteCols::fill(record.rd, z, &record.rd_write, &self.range);
            cols.high = F::from_u32(amount_byte >> 5);
            self.range.request(amount_byte >> 5, 3);
            cols.core = core;
        });
        let imm_trace = fill_trace(&imm, ShiftImmCols::<F>::WIDTH, |record, row| {
            let cols: &mut ShiftImmCols<F> = row.borrow_mut();
            let AluOperand::Immediate(shamt) = record.operand else {
                unreachable!("partitioned by form")
            };
            let (core, z) = self.core(record, shamt);
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rd = RegWriteCols::fill(record.rd, z, &record.rd_write, &self.range);
            cols.core = core;
        });
        (reg_trace, imm_trace)
    }
}
