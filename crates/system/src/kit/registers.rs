//! Register accesses in the circuit: the columns of one register read or write and the
//! constraints that put them on the memory bus (through the memory bridge), with their trace
//! filling from preflight access records.
//!
//! Every register access is *recent* (its word was accessed less than `2^RECENT_ACCESS_BITS`
//! timestamps before: preflight refreshes stale registers), so its ordering check is one limb
//! and one range check instead of two.

use crate::range_checker::RangeCheckerChip;
use openvm_stark_backend::{interaction::InteractionBuilder, p3_field::PrimeCharacteristicRing};
use tessera_arch::{
    address_space,
    bus::{
        MemoryAccessAux, MemoryBridge, RecentAccessAux, MEMORY_BLOCK, RECENT_ACCESS_BITS,
        TIMESTAMP_LIMB_BITS,
    },
    execution::tracing_memory::AccessRecord,
};

/// A register read: the register pointer (`4 * index`), the value's bytes, the ordering aux.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct RegReadCols<T> {
    pub pointer: T,
    pub data: [T; MEMORY_BLOCK],
    pub aux: RecentAccessAux<T>,
}

/// A register write: pointer, the previous and the new value's bytes, the ordering aux.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct RegWriteCols<T> {
    pub pointer: T,
    pub prev_data: [T; MEMORY_BLOCK],
    pub data: [T; MEMORY_BLOCK],
    pub aux: RecentAccessAux<T>,
}

impl<V: Copy> RegReadCols<V> {
    /// Constrains the read at `timestamp` where `enabled`.
    pub fn eval<AB: InteractionBuilder<Var = V>>(
        &self,
        builder: &mut AB,
        bridge: &MemoryBridge,
        timestamp: impl Into<AB::Expr>,
        enabled: impl Into<AB::Expr>,
    ) {
        bridge.read(
            builder,
            AB::Expr::from_u32(address_space::REGISTER),
            self.pointer,
            self.data,
            timestamp,
            &self.aux,
            enabled,
        );
    }
}

impl<V: Copy> RegWriteCols<V> {
    /// Constrains the write at `timestamp` where `enabled`.
    pub fn eval<AB: InteractionBuilder<Var = V>>(
        &self,
        builder: &mut AB,
        bridge: &MemoryBridge,
        timestamp: impl Into<AB::Expr>,
        enabled: impl Into<AB::Expr>,
    ) {
        bridge.write(
            builder,
            AB::Expr::from_u32(address_space::REGISTER),
            self.pointer,
            self.prev_data,
            self.data,
            timestamp,
            &self.aux,
            enabled,
        );
    }
}

/// The aux columns of an access, with the range checks they need recorded.
pub fn fill_aux<F: PrimeCharacteristicRing>(
    record: &AccessRecord,
    range: &RangeCheckerChip,
) -> MemoryAccessAux<F> {
    let aux = MemoryAccessAux::new(record.prev.timestamp, record.timestamp);
    for limb in aux.lt_limbs {
        range.request(limb, TIMESTAMP_LIMB_BITS);
    }
    MemoryAccessAux {
        prev_timestamp: F::from_u32(aux.prev_timestamp),
        lt_limbs: aux.lt_limbs.map(F::from_u32),
    }
}

/// The aux columns of a register access, with its range check recorded.
///
/// Preflight refreshes every register before it gets stale, so the access is recent. One that
/// is not (a test's forged run) gets its true difference and no range check is counted: there
/// is no table entry for it, and the proof fails on the range checker's bus.
pub fn fill_recent_aux<F: PrimeCharacteristicRing>(
    record: &AccessRecord,
    range: &RangeCheckerChip,
) -> RecentAccessAux<F> {
    let (prev, timestamp) = (record.prev.timestamp, record.timestamp);
    let lt = match RecentAccessAux::new(prev, timestamp) {
        Some(aux) => {
            range.request(aux.lt, RECENT_ACCESS_BITS);
            aux.lt
        }
        None => timestamp.wrapping_sub(prev).wrapping_sub(1),
    };
    RecentAccessAux {
        prev_timestamp: F::from_u32(prev),
        lt: F::from_u32(lt),
    }
}

/// Bytes as field elements.
pub fn bytes<F: PrimeCharacteristicRing>(data: [u8; MEMORY_BLOCK]) -> [F; MEMORY_BLOCK] {
    data.map(|b| F::from_u8(b))
}

impl<F: PrimeCharacteristicRing> RegReadCols<F> {
    /// The columns of a read of register `index` that saw `record`.
    pub fn fill(index: u32, record: &AccessRecord, range: &RangeCheckerChip) -> Self {
        Self {
            pointer: F::from_u32(4 * index),
            data: bytes(record.prev.data),
            aux: fill_recent_aux(record, range),
        }
    }
}

impl<F: PrimeCharacteristicRing> RegWriteCols<F> {
    /// The columns of a write of `data` to register `index` that saw `record`.
    pub fn fill(
        index: u32,
        data: [u8; MEMORY_BLOCK],
        record: &AccessRecord,
        range: &RangeCheckerChip,
    ) -> Self {
        Self {
            pointer: F::from_u32(4 * index),
            prev_data: bytes(record.prev.data),
            data: bytes(data),
            aux: fill_recent_aux(record, range),
        }
    }
}
