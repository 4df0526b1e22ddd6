//! Records and trace generation of loads.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::{bus::MEMORY_BLOCK, execution::tracing_memory::AccessRecord};
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::{
    load_air::{AddressCols, LoadCols, MemWordCols, LOADS},
    LoadStoreOpcode,
};
use crate::adapters::registers::{fill_aux, RegReadCols, RegWriteCols};

/// What trace generation needs from one executed load.
#[derive(Clone, Copy, Debug)]
pub struct LoadRecord {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub opcode: LoadStoreOpcode,
    pub rd: u32,
    pub rs1: u32,
    /// The sign-extended offset.
    pub offset: u32,
    pub rs1_read: AccessRecord,
    pub mem_read: AccessRecord,
    pub rd_write: AccessRecord,
}

impl LoadRecord {
    pub fn address(&self) -> u32 {
        u32::from_le_bytes(self.rs1_read.prev.data).wrapping_add(self.offset)
    }
}

fn width(op: LoadStoreOpcode) -> usize {
    match op {
        LoadStoreOpcode::LOADW => 4,
        LoadStoreOpcode::LOADHU | LoadStoreOpcode::LOADH => 2,
        _ => 1,
    }
}

/// The address columns of an access to `rs1 + offset`, with their range checks recorded.
pub fn fill_address<F: PrimeField32>(
    rs1: u32,
    offset: u32,
    range: &RangeCheckerChip,
) -> AddressCols<F> {
    let address = rs1.wrapping_add(offset);
    let carry = ((rs1 & 0xffff) + (offset & 0xffff)) >> 16;
    let sign = offset >> 31;
    let high_sum = (rs1 >> 16) + 0xffff * sign + carry;
    let word = address >> 2;
    let limbs = [
        word & 0xfff,
        (word >> 12) & 3,
        (address >> 16) & 0xfff,
        (address >> 28) & 1,
    ];
    range.request(limbs[0], 12);
    range.request(limbs[1], 2);
    range.request(limbs[2], 12);
    let mut shift = [F::ZERO; MEMORY_BLOCK];
    shift[(address % 4) as usize] = F::ONE;
    AddressCols {
        offset: [offset & 0xffff, sign].map(F::from_u32),
        carries: [carry, high_sum >> 16].map(F::from_u32),
        limbs: limbs.map(F::from_u32),
        shift,
    }
}

/// Collects load records and fills the trace.
pub struct LoadChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<LoadRecord>,
}

impl LoadChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// The trace, padded to a power of two.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let width = LoadCols::<F>::WIDTH;
        fill_trace(&self.records, width, |r, row| {
            let cols: &mut LoadCols<F> = row.borrow_mut();
            let address = r.address();
            let shift = (address % 4) as usize;
            let word = r.mem_read.prev.data;
            let value = r.opcode.extend(&word[shift..shift + self::width(r.opcode)]);
            cols.from_pc = F::from_u32(r.from_pc);
            cols.from_timestamp = F::from_u32(r.from_timestamp);
            cols.rs1 = RegReadCols::fill(r.rs1, &r.rs1_read, &self.range);
            cols.address = fill_address(
                u32::from_le_bytes(r.rs1_read.prev.data),
                r.offset,
                &self.range,
            );
            cols.mem = MemWordCols {
                data: word.map(F::from_u8),
                aux: fill_aux(&r.mem_read, &self.range),
            };
            cols.rd = RegWriteCols::fill(r.rd, value.to_le_bytes(), &r.rd_write, &self.range);
            let flag = LOADS.iter().position(|&op| op == r.opcode).expect("a load");
            cols.flags[flag] = F::ONE;
            let top = match r.opcode {
                LoadStoreOpcode::LOADB => word[shift] as u32,
                LoadStoreOpcode::LOADH => word[shift + 1] as u32,
                _ => 0,
            };
            let msb = top >> 7;
            cols.top = F::from_u32(top);
            cols.msb = F::from_u32(msb);
            self.bitwise.request_range(2 * (top - 128 * msb), 0);
        })
    }
}
