//! Small sub-AIRs ("gadgets") that chips embed in their own rows: [`is_zero`], [`is_equal`]
//! (limb arrays) and [`is_less_than`] (byte arrays, by the most significant differing limb).
//!
//! A gadget is a `#[repr(C)]` column struct of `T`s that a chip puts among its own columns, an
//! `eval` that adds the gadget's constraints under a `condition` (the chip's `is_valid`, or
//! another boolean expression; where it is 0 the gadget claims nothing and its honest columns
//! are zero), and a `fill` that computes the columns of one row. The gadgets take their
//! result as an input expression instead of owning a result column, so that a chip can use one
//! of its own columns or an expression of its flags (BEQ/BNE decide "equal" from the opcode
//! and the branch decision) and pays no extra column. The less-than gadgets need a byte
//! lookup; they return the value to look up instead of sending it, so that a chip can pair it
//! with another byte in one bitwise message.

pub mod is_equal;
pub mod is_less_than;
pub mod is_zero;
#[cfg(test)]
mod tests;

pub use is_equal::IsEqualCols;
pub use is_less_than::{AssertLessThanCols, IsLessThanCols, LessThanWitness};
pub use is_zero::IsZeroCols;

use openvm_stark_backend::p3_field::Field;

/// A signed integer as a field element (`-v` for negative `v`).
pub fn signed_field<F: Field>(v: i32) -> F {
    if v >= 0 {
        F::from_u32(v as u32)
    } else {
        -F::from_u32(v.unsigned_abs())
    }
}
