//! Less-than for byte arrays, decided by the most significant differing limb.
//!
//! `x` and `y` are little-endian arrays of `N` limbs whose differences `d_i = y_i - x_i` lie in
//! `(-256, 256)`: bytes, and a most significant limb that the caller may read signed (in
//! `[-128, 128)`, for two's complement words). Then `x < y` is the lexicographic comparison
//! from the top limb down. The columns:
//! - `diff_marker`: one-hot on the most significant index `k` where `x` and `y` differ, zero
//!   when `x = y`;
//! - (is-less-than only) `diff_val = d_k`.
//!
//! Constraints, with `prefix_i = sum_{j >= i} diff_marker[j]` and `condition` boolean:
//! 1. every marker is boolean;
//! 2. `(condition - prefix_i) * d_i = 0`: every limb above the marked one is equal (with no
//!    marker: all of them);
//! 3. [`IsLessThanCols`]: `marker_i * (d_i - diff_val) = 0`, `prefix_0` boolean (at most one
//!    marker) and `(condition - prefix_0) * lt = 0` (equal arrays are not less); the byte
//!    lookup of `(2 lt - 1) diff_val - 1` then makes `diff_val` lie in `[1, 256]` if `lt` and in
//!    `[-256, -1]` otherwise, so `lt` is the sign of `d_k`; and `(condition - prefix_0)
//!    (diff_val + 1) = 0`: for equal arrays `diff_val = -1` (lookup value 0), the one witness.
//! 4. [`AssertLessThanCols`] (`x < y` wherever `condition`): `prefix_0 = condition` (exactly one
//!    marker) and the lookup of `sum_i marker_i d_i - condition`, which is `d_k - 1` (so `d_k`
//!    is in `[1, 256]`) and 0 where `condition = 0`. No `diff_val` column: the marked
//!    difference is the degree-2 expression `sum_i marker_i d_i`.
//!
//! The lookup is not sent here: `eval` returns the value, and the caller must look it up as a
//! byte (the bitwise bus's `range_check`) with count `condition`, paired with any other byte it
//! checks, which saves a message. Degrees: `deg(condition) + deg(d)` for 2, `deg(condition) +
//! deg(lt)`, `deg(condition) + 1` and `deg(lt) + 1` for the lookup value of 3, `1 + deg(d)` for 4.
//!
//! ```
//! use tessera_system::primitives::LessThanWitness;
//!
//! // 0x0102 < 0x0201 (limbs little-endian): decided at limb 1, d_1 = 2 - 1.
//! let w = LessThanWitness::new([2, 1], [1, 2]);
//! assert!(w.lt);
//! assert_eq!((w.diff_marker, w.diff_val), ([false, true], 1));
//! assert_eq!(w.lookup_value(w.lt), 0);
//! // In an AIR (`cols: &IsLessThanCols<AB::Var, 4>`):
//! //     let byte = cols.eval(builder, x, y, cmp, is_valid);
//! //     bitwise.range_check(builder, byte, other_byte, is_valid);
//! ```

use openvm_stark_backend::{
    p3_air::AirBuilder,
    p3_field::{Field, PrimeCharacteristicRing},
};

use super::signed_field;

/// The columns of an is-less-than test whose result is an input (a column or expression of
/// the caller's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct IsLessThanCols<T, const N: usize> {
    pub diff_marker: [T; N],
    /// `d_k` at the marked limb (`-1` when the arrays are equal).
    pub diff_val: T,
}

/// The columns of an assertion `x < y`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct AssertLessThanCols<T, const N: usize> {
    pub diff_marker: [T; N],
}

impl<T: Default, const N: usize> Default for IsLessThanCols<T, N> {
    fn default() -> Self {
        Self {
            diff_marker: std::array::from_fn(|_| T::default()),
            diff_val: T::default(),
        }
    }
}

impl<T: Default, const N: usize> Default for AssertLessThanCols<T, N> {
    fn default() -> Self {
        Self {
            diff_marker: std::array::from_fn(|_| T::default()),
        }
    }
}

/// Constraints 1 and 2 of the module documentation. Returns `prefix_0` and the differences.
fn eval_markers<AB: AirBuilder, const N: usize>(
    builder: &mut AB,
    x: [AB::Expr; N],
    y: [AB::Expr; N],
    diff_marker: &[AB::Var; N],
    condition: &AB::Expr,
) -> (AB::Expr, [AB::Expr; N]) {
    let diffs: [AB::Expr; N] = std::array::from_fn(|i| y[i].clone() - x[i].clone());
    let mut prefix = AB::Expr::ZERO;
    for i in (0..N).rev() {
        let marker: AB::Expr = diff_marker[i].clone().into();
        builder.assert_bool(marker.clone());
        prefix += marker;
        builder.assert_zero((condition.clone() - prefix.clone()) * diffs[i].clone());
    }
    (prefix, diffs)
}

impl<V: Clone, const N: usize> IsLessThanCols<V, N> {
    /// Constrains `lt = (x < y)` where `condition` (boolean, constrained by the caller); `lt`
    /// must be boolean (constrained by the caller). Returns the value the caller must look up
    /// as a byte with count `condition`.
    #[must_use = "the returned value must be looked up as a byte with count `condition`"]
    pub fn eval<AB: AirBuilder<Var = V>>(
        &self,
        builder: &mut AB,
        x: [AB::Expr; N],
        y: [AB::Expr; N],
        lt: impl Into<AB::Expr>,
        condition: impl Into<AB::Expr>,
    ) -> AB::Expr {
        let (lt, condition) = (lt.into(), condition.into());
        let (prefix, diffs) = eval_markers(builder, x, y, &self.diff_marker, &condition);
        for (marker, d) in self.diff_marker.iter().zip(diffs) {
            builder.assert_zero((d - self.diff_val.clone()) * marker.clone());
        }
        builder.assert_bool(prefix.clone());
        builder.assert_zero((condition.clone() - prefix.clone()) * lt.clone());
        // Equal arrays: `diff_val = -1`, the one value of the 256 the lookup allows (a
        // canonical witness).
        let diff_val: AB::Expr = self.diff_val.clone().into();
        builder.assert_zero((condition - prefix) * (diff_val + AB::Expr::ONE));
        (lt * AB::Expr::TWO - AB::Expr::ONE) * self.diff_val.clone() - AB::Expr::ONE
    }
}

impl<V: Clone, const N: usize> AssertLessThanCols<V, N> {
    /// Constrains `x < y` where `condition` (boolean, constrained by the caller). Returns the
    /// value the caller must look up as a byte with count `condition` (or any boolean count
    /// that is 1 where `condition` is: the value is 0 where `condition = 0`).
    #[must_use = "the returned value must be looked up as a byte with count `condition`"]
    pub fn eval<AB: AirBuilder<Var = V>>(
        &self,
        builder: &mut AB,
        x: [AB::Expr; N],
        y: [AB::Expr; N],
        condition: impl Into<AB::Expr>,
    ) -> AB::Expr {
        let condition = condition.into();
        let (prefix, diffs) = eval_markers(builder, x, y, &self.diff_marker, &condition);
        builder.assert_eq(prefix, condition.clone());
        let marked = self
            .diff_marker
            .iter()
            .zip(diffs)
            .fold(AB::Expr::ZERO, |acc, (marker, d)| acc + d * marker.clone());
        marked - condition
    }
}

/// One comparison, as integers: what trace generation fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LessThanWitness<const N: usize> {
    /// `x < y`.
    pub lt: bool,
    pub diff_marker: [bool; N],
    /// `d_k` at the marked limb, `-1` when `x = y`.
    pub diff_val: i32,
}

impl<const N: usize> LessThanWitness<N> {
    /// Compares `x` and `y` (limbs little-endian, as the integers the AIR reads: bytes, or a
    /// signed top limb).
    pub fn new(x: [i32; N], y: [i32; N]) -> Self {
        let mut diff_marker = [false; N];
        let mut diff_val = -1;
        if let Some(k) = (0..N).rev().find(|&i| x[i] != y[i]) {
            diff_marker[k] = true;
            diff_val = y[k] - x[k];
        }
        Self {
            lt: diff_val > 0,
            diff_marker,
            diff_val,
        }
    }

    /// The value of the byte lookup for a claimed result `lt`: `(2 lt - 1) diff_val - 1`. It is
    /// a byte for the true result; for a forged one it is negative (no table entry matches).
    pub fn lookup_value(&self, lt: bool) -> i32 {
        if lt {
            self.diff_val - 1
        } else {
            -self.diff_val - 1
        }
    }
}

impl<F: Field, const N: usize> IsLessThanCols<F, N> {
    /// The columns of one comparison.
    pub fn fill(witness: &LessThanWitness<N>) -> Self {
        Self {
            diff_marker: witness.diff_marker.map(F::from_bool),
            diff_val: signed_field(witness.diff_val),
        }
    }
}

impl<F: Field, const N: usize> AssertLessThanCols<F, N> {
    /// The columns of one asserted comparison (`witness.lt` must hold where the assertion is
    /// enabled); on rows where it is not, use the default (all zero, lookup value 0).
    pub fn fill(witness: &LessThanWitness<N>) -> Self {
        debug_assert!(witness.lt, "asserting x < y for x >= y");
        Self {
            diff_marker: witness.diff_marker.map(F::from_bool),
        }
    }
}
