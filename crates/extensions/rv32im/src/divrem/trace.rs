//! Preflight and trace generation of DIV/DIVU/REM/REMU.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_system::{
    bitwise::BitwiseLookupChip,
    primitives::{AssertLessThanCols, IsZeroCols, LessThanWitness},
    range_checker::RangeCheckerChip,
};

use super::{
    air::{DivRemCols, CARRY_BITS},
    DivRemOpcode,
};
use crate::adapters::{
    alu_record::{AluOperand, AluRecord},
    registers::{RegReadCols, RegWriteCols},
};

/// What trace generation needs from one executed DIV, DIVU, REM or REMU.
pub type DivRemRecord = AluRecord<DivRemOpcode>;

/// The values of a row's arithmetic columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DivRemWitness {
    pub q: u32,
    pub r: u32,
    pub msb: [u32; 4],
    pub signs: [u32; 4],
    pub carries: [u32; 2 * MEMORY_BLOCK],
    pub y_zero: bool,
    pub overflow: bool,
    pub abs_r: u32,
    pub abs_y: u32,
    pub abs_r_carries: [u32; MEMORY_BLOCK],
    pub abs_y_carries: [u32; MEMORY_BLOCK],
}

fn negation_carries(v: u32, negative: bool) -> [u32; MEMORY_BLOCK] {
    // |v| + v = 2^32 byte by byte: every byte from the lowest non-zero one up carries.
    let mut carries = [0; MEMORY_BLOCK];
    if negative {
        let lowest = (v.trailing_zeros() / 8) as usize;
        for c in carries.iter_mut().skip(lowest) {
            *c = 1;
        }
    }
    carries
}

/// Quotient, remainder and every auxiliary value of a division.
pub fn divrem_witness(op: DivRemOpcode, x: u32, y: u32) -> DivRemWitness {
    let signed = matches!(op, DivRemOpcode::DIV | DivRemOpcode::REM);
    let y_zero = y == 0;
    let overflow = signed && x == 0x8000_0000 && y == u32::MAX;
    let (q, r) = if y_zero {
        (u32::MAX, x)
    } else if signed {
        let (sx, sy) = (x as i32, y as i32);
        (sx.wrapping_div(sy) as u32, sx.wrapping_rem(sy) as u32)
    } else {
        (x / y, x % y)
    };
    let msb = [x, y, q, r].map(|v| v >> 31);
    let signs = msb.map(|m| m * signed as u32);
    let extend = |v: u32, sign: u32| (v as u64 | ((sign as u64 * 0xffff_ffff) << 32)).to_le_bytes();
    let (qb, yb, rb) = (
        extend(q, signs[2]),
        extend(y, signs[1]),
        extend(r, signs[3]),
    );
    let mut carries = [0u32; 2 * MEMORY_BLOCK];
    if !y_zero && !overflow {
        let mut carry = 0u32;
        for k in 0..2 * MEMORY_BLOCK {
            let column: u32 = (0..=k)
                .map(|i| qb[i] as u32 * yb[k - i] as u32)
                .sum::<u32>()
                + rb[k] as u32
                + carry;
            carry = column >> 8;
            carries[k] = carry;
        }
    }
    let abs = |v: u32, sign: u32| if sign == 1 { v.wrapping_neg() } else { v };
    let (abs_r, abs_y) = (abs(r, signs[3]), abs(y, signs[1]));
    DivRemWitness {
        q,
        r,
        msb,
        signs,
        carries,
        y_zero,
        overflow,
        abs_r,
        abs_y,
        abs_r_carries: negation_carries(r, signs[3] == 1),
        abs_y_carries: negation_carries(y, signs[1] == 1),
    }
}

/// Collects division records and fills the trace.
pub struct DivRemChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<DivRemRecord>,
}

impl DivRemChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The trace, padded to a power of two.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let width = DivRemCols::<F>::WIDTH;
        fill_trace(&self.records, width, |record, row| {
            let c: &mut DivRemCols<F> = row.borrow_mut();
            let (AluOperand::Register(rs2), Some(rs2_read)) = (record.operand, record.rs2_read)
            else {
                unreachable!("division has no immediate form")
            };
            let (x, y) = (record.x(), record.y());
            let w = divrem_witness(record.opcode, x, y);
            let rd = record.z().to_le_bytes();
            c.from_pc = F::from_u32(record.from_pc);
            c.from_timestamp = F::from_u32(record.from_timestamp);
            c.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            c.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            c.rd = RegWriteCols::fill(record.rd, rd, &record.rd_write, &self.range);
            c.flags[record.opcode as usize] = F::ONE;
            let bytes = |v: u32| v.to_le_bytes().map(|b| F::from_u8(b));
            c.q = bytes(w.q);
            c.r = bytes(w.r);
            c.msb = w.msb.map(F::from_u32);
            c.signs = w.signs.map(F::from_u32);
            for &carry in &w.carries[1..] {
                self.range.request(carry, CARRY_BITS);
            }
            c.carries = w.carries.map(F::from_u32);
            c.y_zero = F::from_bool(w.y_zero);
            let y_sum: u32 = y.to_le_bytes().iter().map(|&b| b as u32).sum();
            c.y_is_zero = IsZeroCols::fill(F::from_u32(y_sum), true);
            c.overflow = F::from_bool(w.overflow);
            c.abs_r = bytes(w.abs_r);
            c.abs_y = bytes(w.abs_y);
            c.abs_r_carries = w.abs_r_carries.map(F::from_u32);
            c.abs_y_carries = w.abs_y_carries.map(F::from_u32);
            let mut lt_byte = 0;
            if !w.y_zero {
                let bytes = |v: u32| v.to_le_bytes().map(i32::from);
                let witness = LessThanWitness::new(bytes(w.abs_r), bytes(w.abs_y));
                c.r_lt_y = AssertLessThanCols::fill(&witness);
                lt_byte = witness.lookup_value(true) as u32;
            }
            self.bitwise.request_range(lt_byte, w.carries[0]);
            let tops = [x, y, w.q, w.r].map(|v| v >> 24);
            let low7 = |i: usize| 2 * (tops[i] - 128 * w.msb[i]);
            self.bitwise.request_range(low7(0), low7(1));
            self.bitwise.request_range(low7(2), low7(3));
            for v in [w.q, w.r, w.abs_r, w.abs_y] {
                let b = v.to_le_bytes();
                self.bitwise.request_range(b[0] as u32, b[1] as u32);
                self.bitwise.request_range(b[2] as u32, b[3] as u32);
            }
        })
    }
}
