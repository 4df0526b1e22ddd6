//! Records and trace generation of JALR.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::execution::tracing_memory::AccessRecord;
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::air::{JalrCols, JalrLinkCols};
use crate::{
    adapters::registers::{RegReadCols, RegWriteCols},
    branch::signed,
};

/// What trace generation needs from one executed JALR.
#[derive(Clone, Copy, Debug)]
pub struct JalrRecord {
    pub from_pc: u32,
    pub from_timestamp: u32,
    /// Destination register index (0: no write).
    pub rd: u32,
    pub rs1: u32,
    /// The signed 12-bit offset.
    pub imm: i32,
    pub rs1_read: AccessRecord,
    pub rd_write: Option<AccessRecord>,
    /// `(rs1 + imm) & !1`; not checked for alignment (the executor faults on a misaligned
    /// target; the AIR cannot prove one).
    pub to_pc: u32,
}

/// Collects JALR records and fills the traces of both AIRs, counting the periphery lookups.
pub struct JalrChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<JalrRecord>,
}

impl JalrChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The traces of `JalrAir<true>` (records with a write) and `JalrAir<false>`, padded to
    /// powers of two with all-zero rows.
    pub fn generate_traces<F: PrimeField32>(&self) -> (RowMajorMatrix<F>, RowMajorMatrix<F>) {
        let (link, jump): (Vec<&JalrRecord>, Vec<&JalrRecord>) =
            self.records.iter().partition(|r| r.rd_write.is_some());
        let link = fill_trace(&link, JalrLinkCols::<F>::WIDTH, |record, row| {
            let cols: &mut JalrLinkCols<F> = row.borrow_mut();
            let i1 = self.fill_jump(record, &mut cols.jump);
            let rd_write = record.rd_write.expect("partitioned by write");
            let bytes = record.from_pc.wrapping_add(4).to_le_bytes();
            cols.rd = RegWriteCols::fill(record.rd, bytes, &rd_write, &self.range);
            let [r0, r1, r2, r3] = bytes.map(u32::from);
            // A forged write to x0 has no entry for `rd_pointer - 4` (nothing to count).
            if let Some(ptr) = (4 * record.rd).checked_sub(4u32).filter(|p| *p < 256) {
                self.bitwise.request_range(i1, ptr);
            }
            self.bitwise.request_xor(r0, 3);
            self.bitwise.request_range(r1, r2);
            self.bitwise.request_range(r3, 0);
        });
        let jump = fill_trace(&jump, JalrCols::<F>::WIDTH, |record, row| {
            let cols: &mut JalrCols<F> = row.borrow_mut();
            let i1 = self.fill_jump(record, cols);
            self.bitwise.request_range(i1, 0);
        });
        (link, jump)
    }

    /// Fills the shared columns and counts their lookups except `i_1`'s, which is returned
    /// (each AIR pairs it differently).
    fn fill_jump<F: PrimeField32>(&self, record: &JalrRecord, cols: &mut JalrCols<F>) -> u32 {
        let x = u32::from_le_bytes(record.rs1_read.prev.data);
        let imm = record.imm as u32;
        cols.from_pc = F::from_u32(record.from_pc);
        cols.from_timestamp = F::from_u32(record.from_timestamp);
        cols.rs1 = RegReadCols::fill(record.rs1, &record.rs1_read, &self.range);
        cols.imm = signed(record.imm);
        let [i0, i1] = [imm & 0xff, (imm >> 8) & 0xff];
        cols.imm_bytes = [i0, i1, imm >> 31].map(F::from_u32);
        let t = record.to_pc.to_le_bytes().map(u32::from);
        cols.target = t.map(F::from_u32);
        cols.lsb = F::from_u32(x.wrapping_add(imm) & 1);
        cols.is_valid = F::ONE;
        self.bitwise.request_xor(t[0], 3);
        self.bitwise.request_range(t[1], t[2]);
        self.bitwise.request_range(t[3], i0);
        i1
    }
}
