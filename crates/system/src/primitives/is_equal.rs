//! Is-equal for limb arrays: `out = condition * [x == y]` with one inverse column.
//!
//! With `d_i = x_i - y_i` and `S = sum d_i^2`: if the limbs are small enough that `S` stays
//! below the field's characteristic as an integer (bytes: `S <= N * 255^2`), then `S = 0` in
//! the field iff `x == y`. Constraints (where `condition` is boolean):
//! 1. `out * d_i = 0` for every limb: a claimed equality holds limb by limb;
//! 2. `S * inv + out = condition`: a claimed difference (`out = 0` where `condition = 1`) has
//!    `S` invertible, so some limb differs; where `condition = 0`, `out = 0` (with 1).
//!
//! One column instead of one inverse per limb: a single linear combination of the differences
//! could vanish for different arrays (`0x100` vs `0x001`), the sum of squares cannot. Degrees:
//! `deg(out) + deg(d)` and `2 deg(d) + 1`, so `out` may be an expression of degree 2 of the
//! caller's columns (BEQ/BNE use `beq * taken + bne * (1 - taken)`).
//!
//! ```
//! use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
//! use p3_baby_bear::BabyBear as F;
//! use tessera_system::primitives::IsEqualCols;
//!
//! let (x, y) = ([1u32, 2, 3, 4].map(F::from_u32), [1u32, 2, 3, 5].map(F::from_u32));
//! let cols = IsEqualCols::<F>::fill(&x, &y, true);
//! assert_eq!(cols.diff_inv, F::ONE); // S = 1
//! // In an AIR (`cols: &IsEqualCols<AB::Var>`, limbs as expressions):
//! //     cols.eval(builder, rs1_bytes, rs2_bytes, eq, is_valid);
//! ```

use openvm_stark_backend::{
    p3_air::AirBuilder,
    p3_field::{Field, PrimeCharacteristicRing},
};

/// The columns of an is-equal test: the inverse of the sum of squared limb differences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct IsEqualCols<T> {
    pub diff_inv: T,
}

impl<V: Clone> IsEqualCols<V> {
    /// Constrains `out = condition * [x == y]`. `condition` must be boolean (constrained by the
    /// caller) and the limbs small enough that the sum of squared differences cannot wrap.
    pub fn eval<AB: AirBuilder<Var = V>, const N: usize>(
        &self,
        builder: &mut AB,
        x: [AB::Expr; N],
        y: [AB::Expr; N],
        out: impl Into<AB::Expr>,
        condition: impl Into<AB::Expr>,
    ) {
        let (out, condition) = (out.into(), condition.into());
        let mut sum_sq = AB::Expr::ZERO;
        for (x, y) in x.into_iter().zip(y) {
            let d = x - y;
            builder.assert_zero(out.clone() * d.clone());
            sum_sq += d.clone() * d;
        }
        builder.assert_eq(
            sum_sq * self.diff_inv.clone() + out.clone(),
            condition.clone(),
        );
        // The inverse is 0 where it is not needed (x = y, or the test disabled), so every row
        // has one honest filling (the column mutation checker holds each AIR to it).
        builder.assert_zero(out * self.diff_inv.clone());
        builder.assert_zero((AB::Expr::ONE - condition) * self.diff_inv.clone());
    }
}

impl<F: Field> IsEqualCols<F> {
    /// The columns for the arrays `x`, `y` on a row where the test is enabled (`condition`) or
    /// not. The result is `condition && x == y`.
    pub fn fill<const N: usize>(x: &[F; N], y: &[F; N], condition: bool) -> Self {
        let sum_sq: F = x.iter().zip(y).map(|(&a, &b)| (a - b).square()).sum();
        let diff_inv = match condition {
            true => sum_sq.try_inverse().unwrap_or(F::ZERO),
            false => F::ZERO,
        };
        Self { diff_inv }
    }
}
