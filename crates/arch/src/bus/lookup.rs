//! Buses of the periphery lookup tables (the tables themselves live in `tessera-system`).

use openvm_stark_backend::{
    interaction::{BusIndex, InteractionBuilder, LookupBus},
    p3_field::PrimeCharacteristicRing,
};

/// The bus of byte-pair lookups. Messages are `(x, y, z, op)`: `op = 0` asks `x, y < 256` (with
/// `z = 0`), `op = 1` asks that and `z = x ^ y`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitwiseBus(pub LookupBus);

impl BitwiseBus {
    pub const fn new(index: BusIndex) -> Self {
        Self(LookupBus::new(index))
    }

    /// Constrains `x, y < 2^8` where `count` is non-zero (`count` must be boolean or a
    /// constrained multiplicity).
    pub fn range_check<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        x: impl Into<AB::Expr>,
        y: impl Into<AB::Expr>,
        count: impl Into<AB::Expr>,
    ) {
        self.0.lookup_key(
            builder,
            [x.into(), y.into(), AB::Expr::ZERO, AB::Expr::ZERO],
            count,
        );
    }

    /// Constrains `x, y < 2^8` and `z = x ^ y` where `count` is non-zero.
    pub fn xor<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        x: impl Into<AB::Expr>,
        y: impl Into<AB::Expr>,
        z: impl Into<AB::Expr>,
        count: impl Into<AB::Expr>,
    ) {
        self.0.lookup_key(
            builder,
            [x.into(), y.into(), z.into(), AB::Expr::ONE],
            count,
        );
    }
}

/// The bus of range checks. Messages are `(value, bits)`, meaning `value < 2^bits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeCheckerBus {
    pub inner: LookupBus,
    /// The largest `bits` the table serves.
    pub max_bits: usize,
}

impl RangeCheckerBus {
    pub const fn new(index: BusIndex, max_bits: usize) -> Self {
        Self {
            inner: LookupBus::new(index),
            max_bits,
        }
    }

    /// Constrains `value < 2^bits` where `count` is non-zero. `bits` must be at most
    /// `max_bits` (checked when the AIR is built, at keygen).
    pub fn range_check<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        value: impl Into<AB::Expr>,
        bits: usize,
        count: impl Into<AB::Expr>,
    ) {
        assert!(
            bits <= self.max_bits,
            "range check of {bits} bits on a {}-bit range checker",
            self.max_bits
        );
        self.inner
            .lookup_key(builder, [value.into(), AB::Expr::from_usize(bits)], count);
    }
}
