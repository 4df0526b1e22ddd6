//! Preflight and trace generation of MUL.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::{
    air::{MulCols, CARRY_BITS},
    MulOpcode,
};
use crate::adapters::{
    alu_record::{AluOperand, AluRecord},
    registers::{RegReadCols, RegWriteCols},
};

/// What trace generation needs from one executed MUL.
pub type MulRecord = AluRecord<MulOpcode>;

/// The bytes of `x * y mod 2^32` and the carries out of each byte.
pub fn mul_carries(x: u32, y: u32) -> ([u8; MEMORY_BLOCK], [u32; MEMORY_BLOCK]) {
    let (xb, yb) = (x.to_le_bytes(), y.to_le_bytes());
    let mut z = [0u8; MEMORY_BLOCK];
    let mut carries = [0u32; MEMORY_BLOCK];
    let mut carry = 0u32;
    for k in 0..MEMORY_BLOCK {
        let column: u32 = (0..=k)
            .map(|i| xb[i] as u32 * yb[k - i] as u32)
            .sum::<u32>()
            + carry;
        z[k] = column as u8;
        carry = column >> 8;
        carries[k] = carry;
    }
    (z, carries)
}

/// Collects MUL records and fills the trace.
pub struct MulChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<MulRecord>,
}

impl MulChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The trace, padded to a power of two.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let width = MulCols::<F>::WIDTH;
        fill_trace(&self.records, width, |record, row| {
            let cols: &mut MulCols<F> = row.borrow_mut();
            let (AluOperand::Register(rs2), Some(rs2_read)) = (record.operand, record.rs2_read)
            else {
                unreachable!("MUL has no immediate form")
            };
            let (z, carries) = mul_carries(record.x(), record.y());
            debug_assert_eq!(u32::from_le_bytes(z), record.z());
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(rs2, &rs2_read, &self.range);
            cols.rd = RegWriteCols::fill(record.rd, z, &record.rd_write, &self.range);
            for carry in carries {
                self.range.request(carry, CARRY_BITS);
            }
            cols.carries = carries.map(F::from_u32);
            self.bitwise.request_range(z[0] as u32, z[1] as u32);
            self.bitwise.request_range(z[2] as u32, z[3] as u32);
            cols.is_valid = F::ONE;
        })
    }
}
