//! Is-zero: `out = condition * [x == 0]` with one inverse column.
//!
//! Constraints (where `condition` is boolean):
//! 1. `out * x = 0`: if `x != 0` then `out = 0`;
//! 2. `x * inv + out = condition`: if `x = 0` then `out = condition`; if `condition = 0` and
//!    `x != 0`, then (with 1) `out = 0` and `inv = 0`.
//!
//! So `out` is fixed (and boolean) on every row, padding rows included, and `inv` is the
//! inverse of `x` where `condition = 1` and `x != 0`, zero elsewhere. Degrees: `deg(out) +
//! deg(x)` and `deg(x) + 1`, `deg(condition)`.
//!
//! ```
//! use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
//! use p3_baby_bear::BabyBear as F;
//! use tessera_system::primitives::IsZeroCols;
//!
//! // Trace generation: the divisor is 7 on a real row, so `out = 0` and `inv = 7^-1`.
//! let cols = IsZeroCols::<F>::fill(F::from_u32(7), true);
//! assert_eq!(cols.inv * F::from_u32(7), F::ONE);
//! // In an AIR (`cols: &IsZeroCols<AB::Var>`):
//! //     cols.eval(builder, y_sum, y_zero, is_valid);
//! ```

use openvm_stark_backend::{
    p3_air::AirBuilder,
    p3_field::{Field, PrimeCharacteristicRing},
};

/// The columns of an is-zero test: the witness inverse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct IsZeroCols<T> {
    pub inv: T,
}

impl<V: Clone> IsZeroCols<V> {
    /// Constrains `out = condition * [x == 0]`. `condition` must be boolean (constrained by the
    /// caller); then `out` is boolean too.
    pub fn eval<AB: AirBuilder<Var = V>>(
        &self,
        builder: &mut AB,
        x: impl Into<AB::Expr>,
        out: impl Into<AB::Expr>,
        condition: impl Into<AB::Expr>,
    ) {
        let (x, out, condition) = (x.into(), out.into(), condition.into());
        builder.assert_zero(out.clone() * x.clone());
        builder.assert_eq(x * self.inv.clone() + out.clone(), condition.clone());
        // The inverse is 0 where it is not needed (x = 0, or the test disabled), so every row
        // has one honest filling (the column mutation checker holds each AIR to it).
        builder.assert_zero(out * self.inv.clone());
        builder.assert_zero((AB::Expr::ONE - condition) * self.inv.clone());
    }
}

impl<F: Field> IsZeroCols<F> {
    /// The columns for the value `x` on a row where the test is enabled (`condition`) or not.
    /// The result is `condition && x == 0`.
    pub fn fill(x: F, condition: bool) -> Self {
        let inv = match condition {
            true => x.try_inverse().unwrap_or(F::ZERO),
            false => F::ZERO,
        };
        Self { inv }
    }
}
