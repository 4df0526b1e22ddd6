//! Preflight records and trace generation of [`super::ZbbMinMaxAir`].

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
    primitives::{signed_field, IsLessThanCols, LessThanWitness},
    range_checker::RangeCheckerChip,
};

use super::{air::ZbbMinMaxCols, ZbbMinMaxOpcode};

/// The comparison columns of one row, as integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinMaxWitness {
    /// `(x < y)` as the opcode compares, with the gadget's markers and `diff_val`.
    pub compare: LessThanWitness<MEMORY_BLOCK>,
    /// The top byte of `x` as the opcode reads it.
    pub msb_x: i32,
    /// The top byte of `y` as the opcode reads it.
    pub msb_y: i32,
}

impl MinMaxWitness {
    pub fn new(opcode: ZbbMinMaxOpcode, x: u32, y: u32) -> Self {
        let signed = opcode.is_signed();
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
        Self {
            compare: LessThanWitness::new(limbs(x, msb_x), limbs(y, msb_y)),
            msb_x,
            msb_y,
        }
    }

    /// The byte looked up for a top limb: `msb + 128 signed`.
    pub fn msb_byte(msb: i32, opcode: ZbbMinMaxOpcode) -> u32 {
        (msb + if opcode.is_signed() { 128 } else { 0 }) as u32
    }
}

/// Collects the records of MIN, MAX, MINU, MAXU and fills the trace of
/// [`super::ZbbMinMaxAir`].
pub struct ZbbMinMaxChip {
    /// The segment's range checker (the register accesses' timestamp checks).
    pub range: Arc<RangeCheckerChip>,
    /// The segment's bitwise lookup table (byte-pair checks and XOR).
    pub bitwise: Arc<BitwiseLookupChip>,
    /// One record per row, in execution order.
    pub records: RecordArena<AluRecord<ZbbMinMaxOpcode>>,
}

impl ZbbMinMaxChip {
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
        fill_trace(&self.records, ZbbMinMaxCols::<F>::WIDTH, |record, row| {
            let cols: &mut ZbbMinMaxCols<F> = row.borrow_mut();
            let (AluOperand::Register(rs2), Some(rs2_read)) = (record.operand, record.rs2_read)
            else {
                unreachable!("the chip takes the register form only")
            };
            let (x, y, z) = (record.x(), record.y(), record.z());
            let w = MinMaxWitness::new(record.opcode, x, y);
            self.bitwise.request_range(
                MinMaxWitness::msb_byte(w.msb_x, record.opcode),
                MinMaxWitness::msb_byte(w.msb_y, record.opcode),
            );
            self.bitwise
                .request_range(w.compare.lookup_value(w.compare.lt) as u32, 0);
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            cols.rd = RegWriteCols::fill(record.rd, z.to_le_bytes(), &record.rd_write, &self.range);
            cols.flags[record.opcode as usize] = F::ONE;
            cols.lt = F::from_bool(w.compare.lt);
            cols.compare = IsLessThanCols::fill(&w.compare);
            cols.msb_x = signed_field(w.msb_x);
            cols.msb_y = signed_field(w.msb_y);
        })
    }
}
