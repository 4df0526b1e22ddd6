//! The rotation AIRs: register amount (`rol`, `ror`) and immediate amount (`rori`), separate
//! AIRs like RV32IM's shifts, so that the immediate form pays for no second register read.
//!
//! Columns: the kit's instruction row and [`ZbbRotateCoreCols`] (66: the flags of ROL and
//! ROR, the 32 bits of `x = rs1` and a one-hot marker of the LEFT rotation amount `r`);
//! the register form adds `high` ([`ZbbRotateRegCols`], 94 columns; [`ZbbRotateImmCols`]: 86).
//!
//! Constraints (degree at most 2, except the flags' products in the kit):
//! - flags boolean, at most one set (`is_valid` is their sum);
//! - `bits` boolean, `x_k = sum_j 2^j bits[8k + j]`;
//! - `onehot` boolean with `sum onehot = is_valid`, and `r = sum i onehot_i` (so `r` is in
//!   `[0, 32)` on a valid row);
//! - the result: `rd.data[k] = sum_j 2^j z_{8k+j}` with `z_j = sum_i onehot_i b[(j - i) mod 32]`
//!   (bit `j` of `x` rotated left by `r`);
//! - the amount `s` the instruction asks for: ROL `r = s`; ROR (and RORI) rotate left by
//!   `r = 32 w - s` where `w = 1 - onehot_0` (so `r + s = 32` unless both are 0). Written as
//!   `rol (r - s) = 0` and `ror (r + s - 32 (1 - onehot_0)) = 0`. Either way `s = 32 w - r` or
//!   `s = r` lies in `[0, 32)`, which pins `s` (and `r`) uniquely: a column `w` with only
//!   "`w = 0` when `r = 0`" would also admit `s - 32` for `s > 0` in the register form.
//! - register form: `s` is the low 5 bits of `rs2`'s byte 0: `rs2.data[0] = s + 32 high`,
//!   with the byte-pair range check `(high, 32 high)` (both bytes means `high < 8`, an
//!   integer), so `s = y0 - 32 high` is an integer in `[0, 32)` by the above and `high` is
//!   `y0 >> 5`. The program holds `(opcode, rd, rs1, rs2, 1, 1, 0, 0)`.
//! - immediate form: `s` is the program's immediate: the program holds `(opcode, rd, rs1, s,
//!   1, 0, s, 0)` (`c = f = shamt`, `g = 0`, as RV32IM's `ShiftAir<true>` reads `slli`) with
//!   `s = rol r + ror (32 (1 - onehot_0) - r)`.
//!
//! Bus messages per row: register form 1 range check plus the adapter's; immediate form the
//! adapter's only.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_system::kit::{
    alu_air::{eval_reg_imm, eval_reg_reg, AdapterRow},
    registers::{RegReadCols, RegWriteCols},
};

use super::ZbbRotateOpcode;
use crate::circuit::{eval_flags, ZbbBuses};

/// Flags, in the order of [`ZbbRotateOpcode`]: ROL, ROR.
pub const NUM_FLAGS: usize = 2;
/// Bits of a word.
pub const WORD_BITS: usize = 32;

/// The rotation columns, shared by both forms.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct ZbbRotateCoreCols<T> {
    /// ROL, ROR; none on padding rows.
    pub flags: [T; NUM_FLAGS],
    /// The bits of `x = rs1`, least significant first.
    pub bits: [T; WORD_BITS],
    /// One-hot: the left rotation amount `r` (`s` for ROL, `(32 - s) mod 32` for ROR).
    pub onehot: [T; WORD_BITS],
}

impl<T: Default> Default for ZbbRotateCoreCols<T> {
    fn default() -> Self {
        Self {
            flags: std::array::from_fn(|_| T::default()),
            bits: std::array::from_fn(|_| T::default()),
            onehot: std::array::from_fn(|_| T::default()),
        }
    }
}

/// `rd = rs1 rot rs2`; `high` is `rs2`'s byte 0 above its 5 amount bits.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct ZbbRotateRegCols<T> {
    /// The instruction's pc.
    pub from_pc: T,
    /// The timestamp of the row's first memory access.
    pub from_timestamp: T,
    /// The read of `rs1` (`x`).
    pub rs1: RegReadCols<T>,
    /// The read of `rs2` (`y`).
    pub rs2: RegReadCols<T>,
    /// The write of `rd` (`z`, the result).
    pub rd: RegWriteCols<T>,
    /// `rs2.data[0] >> 5`.
    pub high: T,
    /// The rotation.
    pub core: ZbbRotateCoreCols<T>,
}

/// `rd = rs1 rot shamt`; the program's `c` and `f` are the amount.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct ZbbRotateImmCols<T> {
    /// The instruction's pc.
    pub from_pc: T,
    /// The timestamp of the row's first memory access.
    pub from_timestamp: T,
    /// The read of `rs1` (`x`).
    pub rs1: RegReadCols<T>,
    /// The write of `rd` (`z`, the result).
    pub rd: RegWriteCols<T>,
    /// The rotation.
    pub core: ZbbRotateCoreCols<T>,
}

tessera_arch::impl_columns!(ZbbRotateCoreCols);
tessera_arch::impl_columns!(ZbbRotateRegCols);
tessera_arch::impl_columns!(ZbbRotateImmCols);

/// The AIR of one form: `IMM = false` register amount, `IMM = true` immediate amount (see the
/// module documentation).
#[derive(Clone, Copy, Debug)]
pub struct ZbbRotateAir<const IMM: bool> {
    /// The buses the AIR talks on.
    pub buses: ZbbBuses,
}

impl<F: Field, const IMM: bool> BaseAir<F> for ZbbRotateAir<IMM> {
    fn width(&self) -> usize {
        if IMM {
            ZbbRotateImmCols::<F>::WIDTH
        } else {
            ZbbRotateRegCols::<F>::WIDTH
        }
    }
}
impl<F: Field, const IMM: bool> BaseAirWithPublicValues<F> for ZbbRotateAir<IMM> {}
impl<F: Field, const IMM: bool> PartitionedBaseAir<F> for ZbbRotateAir<IMM> {}

/// What the core hands back to the form's AIR.
struct Core<E> {
    is_valid: E,
    opcode: E,
    /// ROL, ROR.
    flags: [E; NUM_FLAGS],
    /// The left rotation amount `r`.
    left: E,
    /// `1 - onehot_0`: whether a right rotation wraps (`r + s = 32`).
    wraps: E,
}

/// Constrains `z = x rotated left by r` and returns the row's flags and amount expressions.
fn eval_core<AB: InteractionBuilder>(
    builder: &mut AB,
    c: &ZbbRotateCoreCols<AB::Var>,
    x: [AB::Var; MEMORY_BLOCK],
    z: [AB::Var; MEMORY_BLOCK],
) -> Core<AB::Expr> {
    let (is_valid, opcode) = eval_flags::<AB, ZbbRotateOpcode>(builder, &c.flags);
    let b = c.bits;
    for k in 0..MEMORY_BLOCK {
        let mut byte = AB::Expr::ZERO;
        for j in 0..8 {
            builder.assert_bool(b[8 * k + j]);
            byte += b[8 * k + j] * AB::Expr::from_u32(1 << j);
        }
        builder.assert_eq(x[k], byte);
    }
    let mut count = AB::Expr::ZERO;
    let mut left = AB::Expr::ZERO;
    for (i, &marker) in c.onehot.iter().enumerate() {
        builder.assert_bool(marker);
        count += marker.into();
        left += marker * AB::Expr::from_usize(i);
    }
    builder.assert_eq(count, is_valid.clone());
    for (k, &z_k) in z.iter().enumerate() {
        let mut byte = AB::Expr::ZERO;
        for j in 0..8 {
            let bit = 8 * k + j;
            let mut rotated = AB::Expr::ZERO;
            for (i, &marker) in c.onehot.iter().enumerate() {
                rotated += marker * b[(bit + WORD_BITS - i) % WORD_BITS];
            }
            byte += rotated * AB::Expr::from_u32(1 << j);
        }
        builder.assert_eq(z_k, byte);
    }
    Core {
        is_valid,
        opcode,
        flags: c.flags.map(Into::into),
        left,
        wraps: AB::Expr::ONE - c.onehot[0],
    }
}

impl<AB: InteractionBuilder, const IMM: bool> Air<AB> for ZbbRotateAir<IMM> {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let thirty_two = AB::Expr::from_u32(32);
        if IMM {
            let cols: &ZbbRotateImmCols<AB::Var> = row[..].borrow();
            let core = eval_core(builder, &cols.core, cols.rs1.data, cols.rd.data);
            let [rol, ror] = core.flags;
            // The amount the program must hold: s = r (ROL) or 32 w - r (ROR).
            let amount = rol * core.left.clone() + ror * (core.wraps * thirty_two - core.left);
            let row = AdapterRow {
                from_pc: cols.from_pc,
                from_timestamp: cols.from_timestamp,
                opcode: core.opcode,
                is_valid: core.is_valid,
            };
            eval_reg_imm(
                builder,
                &self.buses.adapter(),
                row,
                &cols.rs1,
                [amount.clone(), amount, AB::Expr::ZERO],
                &cols.rd,
            );
        } else {
            let cols: &ZbbRotateRegCols<AB::Var> = row[..].borrow();
            let core = eval_core(builder, &cols.core, cols.rs1.data, cols.rd.data);
            let [rol, ror] = core.flags;
            // s = the low 5 bits of rs2: y0 = s + 32 high, high < 8.
            let amount = cols.rs2.data[0] - cols.high * thirty_two.clone();
            builder.assert_zero(rol * (core.left.clone() - amount.clone()));
            builder.assert_zero(ror * (core.left + amount - core.wraps * thirty_two.clone()));
            self.buses.bitwise.range_check(
                builder,
                cols.high,
                cols.high * thirty_two,
                core.is_valid.clone(),
            );
            let row = AdapterRow {
                from_pc: cols.from_pc,
                from_timestamp: cols.from_timestamp,
                opcode: core.opcode,
                is_valid: core.is_valid,
            };
            eval_reg_reg(
                builder,
                &self.buses.adapter(),
                row,
                &cols.rs1,
                &cols.rs2,
                &cols.rd,
            );
        }
    }
}
