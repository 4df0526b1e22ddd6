//! Preflight and trace generation of the MULH family.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::{
    air::{MulHCols, CARRY_BITS},
    MulHOpcode,
};
use crate::adapters::{
    alu_record::{AluOperand, AluRecord},
    registers::{RegReadCols, RegWriteCols},
};

/// What trace generation needs from one executed MULH, MULHSU or MULHU.
pub type MulHRecord = AluRecord<MulHOpcode>;

/// The values of a row's arithmetic columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulHWitness {
    pub low: [u8; MEMORY_BLOCK],
    pub high: [u8; MEMORY_BLOCK],
    pub carries: [u32; 2 * MEMORY_BLOCK],
    pub msb: [u32; 2],
    pub signs: [u32; 2],
}

/// The product of the operands extended to 64 bits (by sign for the signed ones), byte by byte.
pub fn mulh_witness(op: MulHOpcode, x: u32, y: u32) -> MulHWitness {
    let msb = [x >> 31, y >> 31];
    let signs = match op {
        MulHOpcode::MULH => msb,
        MulHOpcode::MULHSU => [msb[0], 0],
        MulHOpcode::MULHU => [0, 0],
    };
    let extend = |v: u32, sign: u32| (v as u64 | ((sign as u64 * 0xffff_ffff) << 32)).to_le_bytes();
    let (xb, yb) = (extend(x, signs[0]), extend(y, signs[1]));
    let mut out = [0u8; 2 * MEMORY_BLOCK];
    let mut carries = [0u32; 2 * MEMORY_BLOCK];
    let mut carry = 0u32;
    for k in 0..2 * MEMORY_BLOCK {
        let column: u32 = (0..=k)
            .map(|i| xb[i] as u32 * yb[k - i] as u32)
            .sum::<u32>()
            + carry;
        out[k] = column as u8;
        carry = column >> 8;
        carries[k] = carry;
    }
    MulHWitness {
        low: out[..MEMORY_BLOCK].try_into().expect("4 bytes"),
        high: out[MEMORY_BLOCK..].try_into().expect("4 bytes"),
        carries,
        msb,
        signs,
    }
}

/// Collects MULH-family records and fills the trace.
pub struct MulHChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<MulHRecord>,
}

impl MulHChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The trace, padded to a power of two.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let width = MulHCols::<F>::WIDTH;
        fill_trace(&self.records, width, |record, row| {
            let cols: &mut MulHCols<F> = row.borrow_mut();
            let (AluOperand::Register(rs2), Some(rs2_read)) = (record.operand, record.rs2_read)
            else {
                unreachable!("the MULH family has no immediate form")
            };
            let (x, y) = (record.x(), record.y());
            let w = mulh_witness(record.opcode, x, y);
            debug_assert_eq!(u32::from_le_bytes(w.high), record.z());
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            cols.rd = RegWriteCols::fill(record.rd, w.high, &record.rd_write, &self.range);
            cols.low = w.low.map(|b| F::from_u8(b));
            for carry in w.carries {
                self.range.request(carry, CARRY_BITS);
            }
            cols.carries = w.carries.map(F::from_u32);
            cols.msb = w.msb.map(F::from_u32);
            cols.signs = w.signs.map(F::from_u32);
            cols.flags[record.opcode as usize] = F::ONE;
            let top = |v: u32, msb: u32| 2 * ((v >> 24) - 128 * msb);
            self.bitwise
                .request_range(top(x, w.msb[0]), top(y, w.msb[1]));
            for pair in [w.low, w.high] {
                self.bitwise.request_range(pair[0] as u32, pair[1] as u32);
                self.bitwise.request_range(pair[2] as u32, pair[3] as u32);
            }
        })
    }
}
