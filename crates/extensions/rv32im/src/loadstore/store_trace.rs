//! Records and trace generation of stores.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::{bus::MEMORY_BLOCK, execution::tracing_memory::AccessRecord};
use tessera_system::range_checker::RangeCheckerChip;

use super::{
    load_trace::fill_address,
    store_air::{StoreCols, STORES},
    LoadStoreOpcode,
};
use crate::adapters::registers::{fill_aux, RegReadCols};

/// What trace generation needs from one executed store.
#[derive(Clone, Copy, Debug)]
pub struct StoreRecord {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub opcode: LoadStoreOpcode,
    pub rs1: u32,
    pub rs2: u32,
    /// The sign-extended offset.
    pub offset: u32,
    pub rs1_read: AccessRecord,
    pub rs2_read: AccessRecord,
    pub mem_write: AccessRecord,
}

/// The word after storing the low bytes of `value` at byte `shift`.
pub fn stored_word(
    op: LoadStoreOpcode,
    prev: [u8; MEMORY_BLOCK],
    value: [u8; MEMORY_BLOCK],
    shift: usize,
) -> [u8; MEMORY_BLOCK] {
    let len = match op {
        LoadStoreOpcode::STOREW => 4,
        LoadStoreOpcode::STOREH => 2,
        _ => 1,
    };
    let mut word = prev;
    word[shift..shift + len].copy_from_slice(&value[..len]);
    word
}

/// Collects store records and fills the trace.
pub struct StoreChip {
    pub range: Arc<RangeCheckerChip>,
    pub records: RecordArena<StoreRecord>,
}

impl StoreChip {
    pub fn new(range: Arc<RangeCheckerChip>) -> Self {
        Self {
            range,
            records: RecordArena::default(),
        }
    }

    /// The trace, padded to a power of two.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let width = StoreCols::<F>::WIDTH;
        fill_trace(&self.records, width, |r, row| {
            let cols: &mut StoreCols<F> = row.borrow_mut();
            let base = u32::from_le_bytes(r.rs1_read.prev.data);
            cols.from_pc = F::from_u32(r.from_pc);
            cols.from_timestamp = F::from_u32(r.from_timestamp);
            cols.rs1 = RegReadCols::fill(r.rs1, &r.rs1_read, &self.range);
            cols.rs2 = RegReadCols::fill(r.rs2, &r.rs2_read, &self.range);
            cols.address = fill_address(base, r.offset, &self.range);
            let shift = (base.wrapping_add(r.offset) % 4) as usize;
            let prev = r.mem_write.prev.data;
            cols.prev_data = prev.map(F::from_u8);
            cols.data = stored_word(r.opcode, prev, r.rs2_read.prev.data, shift).map(F::from_u8);
            cols.aux = fill_aux(&r.mem_write, &self.range);
            let flag = STORES
                .iter()
                .position(|&op| op == r.opcode)
                .expect("a store");
            cols.flags[flag] = F::ONE;
        })
    }
}
