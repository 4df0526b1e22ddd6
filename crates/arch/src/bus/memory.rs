use openvm_stark_backend::{
    interaction::{BusIndex, InteractionBuilder, PermutationCheckBus},
    p3_field::PrimeCharacteristicRing,
};

use super::RangeCheckerBus;

/// Bytes per memory access: memory is checked in aligned 4-byte words (a register is a word).
pub const MEMORY_BLOCK: usize = 4;
/// Timestamps of a segment are below `2^TIMESTAMP_BITS`.
pub const TIMESTAMP_BITS: usize = 24;
/// `timestamp - prev_timestamp - 1` is checked as two limbs of this many bits.
pub const TIMESTAMP_LIMB_BITS: usize = 12;
/// A *recent* access ([`RecentAccessAux`], every register access) comes less than
/// `2^RECENT_ACCESS_BITS` timestamps after the word's previous access: one limb, one range
/// check. Preflight keeps registers that recent by refreshing stale ones (see
/// [`REGISTER_REFRESH_AGE`]).
pub const RECENT_ACCESS_BITS: usize = TIMESTAMP_LIMB_BITS;
/// Before an instruction, once per [`REGISTER_REFRESH_PERIOD`] timestamps, preflight reads
/// every register slot last accessed at least this many timestamps ago (a refresh row of its
/// own, with a full-range timestamp check). Between the last check a register passed without
/// a refresh and its next access lie at most this age, one period, the refreshes of two checks
/// and the first accesses of an instruction (an instruction's register accesses are among its
/// first `REGISTER_ACCESS_OFFSET`, even an `ecall`'s with a long buffer); the assertion below
/// keeps that under `2^RECENT_ACCESS_BITS`. The larger the age, the fewer refreshes a hot loop needs.
pub const REGISTER_REFRESH_AGE: u32 = 3400;
/// See [`REGISTER_REFRESH_AGE`].
pub const REGISTER_REFRESH_PERIOD: u32 = 512;
/// At most this many accesses of an instruction come before its last register access (an
/// `ecall`'s `a7, a2, a0, a1`; a load's `rs1`, word, `rd`).
pub const REGISTER_ACCESS_OFFSET: u32 = 8;
const _: () = assert!(
    REGISTER_REFRESH_AGE
        + REGISTER_REFRESH_PERIOD
        + 2 * REGISTER_REFRESH_SLOTS
        + REGISTER_ACCESS_OFFSET
        < 1 << RECENT_ACCESS_BITS
);
/// The register slots refreshed: `x0..x31` and the sink of writes to `x0`.
pub const REGISTER_REFRESH_SLOTS: u32 = crate::execution::X0_SINK + 1;

/// The memory bus. Messages are `(address_space, pointer, data[MEMORY_BLOCK], timestamp)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryBus(pub PermutationCheckBus);

impl MemoryBus {
    pub const fn new(index: BusIndex) -> Self {
        Self(PermutationCheckBus::new(index))
    }

    fn message<E>(
        address_space: impl Into<E>,
        pointer: impl Into<E>,
        data: [impl Into<E>; MEMORY_BLOCK],
        timestamp: impl Into<E>,
    ) -> impl IntoIterator<Item = E> {
        [address_space.into(), pointer.into()]
            .into_iter()
            .chain(data.map(Into::into))
            .chain([timestamp.into()])
    }

    /// Sends a word's contents at a timestamp (an access's new state; the boundary's initial one).
    pub fn send<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        address_space: impl Into<AB::Expr>,
        pointer: impl Into<AB::Expr>,
        data: [impl Into<AB::Expr>; MEMORY_BLOCK],
        timestamp: impl Into<AB::Expr>,
        enabled: impl Into<AB::Expr>,
    ) {
        let message = Self::message::<AB::Expr>(address_space, pointer, data, timestamp);
        self.0.send(builder, message, enabled);
    }

    /// Receives a word's contents at a timestamp (an access's previous state; the boundary's
    /// final one).
    pub fn receive<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        address_space: impl Into<AB::Expr>,
        pointer: impl Into<AB::Expr>,
        data: [impl Into<AB::Expr>; MEMORY_BLOCK],
        timestamp: impl Into<AB::Expr>,
        enabled: impl Into<AB::Expr>,
    ) {
        let message = Self::message::<AB::Expr>(address_space, pointer, data, timestamp);
        self.0.receive(builder, message, enabled);
    }
}

/// The auxiliary columns of one memory access: the word's previous timestamp and the limbs of
/// `timestamp - prev_timestamp - 1`, which prove that the previous access came strictly before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MemoryAccessAux<T> {
    pub prev_timestamp: T,
    pub lt_limbs: [T; 2],
}

impl MemoryAccessAux<u32> {
    /// The auxiliary values of an access at `timestamp` to a word last accessed at
    /// `prev_timestamp` (`prev_timestamp < timestamp < 2^TIMESTAMP_BITS`).
    pub fn new(prev_timestamp: u32, timestamp: u32) -> Self {
        debug_assert!(prev_timestamp < timestamp && timestamp < 1 << TIMESTAMP_BITS);
        let diff = timestamp - prev_timestamp - 1;
        let mask = (1 << TIMESTAMP_LIMB_BITS) - 1;
        Self {
            prev_timestamp,
            lt_limbs: [diff & mask, diff >> TIMESTAMP_LIMB_BITS],
        }
    }
}

/// The auxiliary columns of a recent access: the word's previous timestamp and
/// `timestamp - prev_timestamp - 1`, which must be below `2^RECENT_ACCESS_BITS` (one limb).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct RecentAccessAux<T> {
    pub prev_timestamp: T,
    pub lt: T,
}

impl RecentAccessAux<u32> {
    /// The auxiliary values of an access at `timestamp` to a word last accessed at
    /// `prev_timestamp`, or `None` if that was not recent (`prev_timestamp < timestamp` and
    /// the gap below `2^RECENT_ACCESS_BITS` are required).
    pub fn new(prev_timestamp: u32, timestamp: u32) -> Option<Self> {
        let lt = timestamp.checked_sub(prev_timestamp)?.checked_sub(1)?;
        (lt < 1 << RECENT_ACCESS_BITS).then_some(Self { prev_timestamp, lt })
    }
}

/// How an access proves that its word's previous access came strictly before it: the aux
/// columns hold the previous timestamp and range-checked limbs of `timestamp - prev - 1`.
pub trait TimestampOrder<V> {
    /// The word's previous timestamp (what the access receives on the memory bus).
    fn prev_timestamp(&self) -> V;

    /// Constrains `timestamp - prev_timestamp - 1` to the range-checked limbs where `enabled`.
    fn assert_after<AB: InteractionBuilder<Var = V>>(
        &self,
        builder: &mut AB,
        range: &RangeCheckerBus,
        timestamp: AB::Expr,
        enabled: AB::Expr,
    );
}

impl<V: Copy> TimestampOrder<V> for MemoryAccessAux<V> {
    fn prev_timestamp(&self) -> V {
        self.prev_timestamp
    }

    /// Two limbs of [`TIMESTAMP_LIMB_BITS`]: any earlier timestamp of the segment.
    fn assert_after<AB: InteractionBuilder<Var = V>>(
        &self,
        builder: &mut AB,
        range: &RangeCheckerBus,
        timestamp: AB::Expr,
        enabled: AB::Expr,
    ) {
        let [low, high]: [AB::Expr; 2] = self.lt_limbs.map(Into::into);
        let prev: AB::Expr = self.prev_timestamp.into();
        let diff = timestamp - prev - AB::Expr::ONE;
        let limbs = low.clone() + high.clone() * AB::Expr::from_u32(1 << TIMESTAMP_LIMB_BITS);
        builder.assert_zero(enabled.clone() * (diff - limbs));
        range.range_check(builder, low, TIMESTAMP_LIMB_BITS, enabled.clone());
        range.range_check(builder, high, TIMESTAMP_LIMB_BITS, enabled);
    }
}

impl<V: Copy> TimestampOrder<V> for RecentAccessAux<V> {
    fn prev_timestamp(&self) -> V {
        self.prev_timestamp
    }

    /// One limb of [`RECENT_ACCESS_BITS`]: a timestamp less than that far back.
    fn assert_after<AB: InteractionBuilder<Var = V>>(
        &self,
        builder: &mut AB,
        range: &RangeCheckerBus,
        timestamp: AB::Expr,
        enabled: AB::Expr,
    ) {
        let (lt, prev): (AB::Expr, AB::Expr) = (self.lt.into(), self.prev_timestamp.into());
        let diff = timestamp - prev - AB::Expr::ONE;
        builder.assert_zero(enabled.clone() * (diff - lt.clone()));
        range.range_check(builder, lt, RECENT_ACCESS_BITS, enabled);
    }
}

/// Offline memory checking for AIRs: reads and writes of one word, each moving the word's
/// timestamp forward. With every timestamp below `2^TIMESTAMP_BITS` (the connector checks the
/// segment's final timestamp), the range-checked limbs of the aux ([`TimestampOrder`]) prove
/// `prev_timestamp < timestamp`, so every access sees the latest write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryBridge {
    pub memory: MemoryBus,
    pub range: RangeCheckerBus,
}

impl MemoryBridge {
    /// Reads a word: its data stays, its timestamp moves to `timestamp`.
    #[allow(clippy::too_many_arguments)]
    pub fn read<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        address_space: impl Into<AB::Expr>,
        pointer: impl Into<AB::Expr>,
        data: [impl Into<AB::Expr>; MEMORY_BLOCK],
        timestamp: impl Into<AB::Expr>,
        aux: &impl TimestampOrder<AB::Var>,
        enabled: impl Into<AB::Expr>,
    ) {
        let data = data.map(Into::into);
        self.write(
            builder,
            address_space,
            pointer,
            data.clone(),
            data,
            timestamp,
            aux,
            enabled,
        );
    }

    /// Writes a word: `prev_data` at `aux`'s previous timestamp becomes `data` at `timestamp`.
    /// `enabled` must be boolean.
    #[allow(clippy::too_many_arguments)]
    pub fn write<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        address_space: impl Into<AB::Expr>,
        pointer: impl Into<AB::Expr>,
        prev_data: [impl Into<AB::Expr>; MEMORY_BLOCK],
        data: [impl Into<AB::Expr>; MEMORY_BLOCK],
        timestamp: impl Into<AB::Expr>,
        aux: &impl TimestampOrder<AB::Var>,
        enabled: impl Into<AB::Expr>,
    ) {
        let (address_space, pointer) = (address_space.into(), pointer.into());
        let (timestamp, enabled) = (timestamp.into(), enabled.into());
        aux.assert_after(builder, &self.range, timestamp.clone(), enabled.clone());
        self.memory.receive(
            builder,
            address_space.clone(),
            pointer.clone(),
            prev_data,
            aux.prev_timestamp(),
            enabled.clone(),
        );
        self.memory
            .send(builder, address_space, pointer, data, timestamp, enabled);
    }
}
