//! Preflight records and trace generation of [`super::ZbbUnaryAir`].

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;
use tessera_system::{
    bitwise::BitwiseLookupChip,
    kit::{
        alu_record::AluRecord,
        registers::{RegReadCols, RegWriteCols},
    },
    range_checker::RangeCheckerChip,
};

use super::{
    air::{ZbbUnaryCols, WORD_BITS},
    ZbbUnaryOpcode,
};

/// The run columns of `x` for an opcode: CLZ `run_i = [x >> i == 0]`, CTZ
/// `run_i = [x << (31 - i) == 0]`, zero for the other opcodes.
pub fn runs(opcode: ZbbUnaryOpcode, x: u32) -> [bool; WORD_BITS] {
    std::array::from_fn(|i| match opcode {
        ZbbUnaryOpcode::CLZ => x >> i == 0,
        ZbbUnaryOpcode::CTZ => x << (WORD_BITS - 1 - i) == 0,
        _ => false,
    })
}

/// Collects the records of the one-operand instructions and fills the trace of
/// [`super::ZbbUnaryAir`]. The periphery is only used by the register accesses' range checks.
pub struct ZbbUnaryChip {
    /// The segment's range checker (the register accesses' timestamp checks).
    pub range: Arc<RangeCheckerChip>,
    /// The segment's bitwise lookup table (byte-pair checks and XOR).
    pub bitwise: Arc<BitwiseLookupChip>,
    /// One record per row, in execution order.
    pub records: RecordArena<AluRecord<ZbbUnaryOpcode>>,
}

impl ZbbUnaryChip {
    /// An empty chip that counts its lookups in the segment's periphery.
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The trace, padded to a power of two.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        fill_trace(&self.records, ZbbUnaryCols::<F>::WIDTH, |record, row| {
            let cols: &mut ZbbUnaryCols<F> = row.borrow_mut();
            let (x, z) = (record.x(), record.z());
            cols.from_pc = F::from_u32(record.from_pc);
            cols.from_timestamp = F::from_u32(record.from_timestamp);
            cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
            cols.rd = RegWriteCols::fill(record.rd, z.to_le_bytes(), &record.rd_write, &self.range);
            cols.flags[record.opcode as usize] = F::ONE;
            cols.bits = std::array::from_fn(|i| F::from_u32(x >> i & 1));
            cols.run = runs(record.opcode, x).map(F::from_bool);
            if record.opcode == ZbbUnaryOpcode::ORC_B {
                cols.inv = x
                    .to_le_bytes()
                    .map(|byte| F::from_u8(byte).try_inverse().unwrap_or(F::ZERO));
            }
        })
    }
}
