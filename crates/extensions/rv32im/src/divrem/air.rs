//! The DIV/DIVU/REM/REMU AIR.
//!
//! Witnesses: quotient `q` and remainder `r`. Outside the two special cases the row proves
//! `q * y + r = x` over the 64-bit extensions (by sign for the signed opcodes; the true values
//! fit in 64 bits, so equality of the low 64 bits is equality), `|r| < |y|`, and that `r` is zero
//! or has the sign of `x`: together the truncated division, unique. The special cases:
//! - division by zero (`y_zero`, the [`IsZeroCols`] gadget on the byte sum of `y`):
//!   `q = 0xffffffff`, `r = x`;
//! - signed overflow (`overflow`, allowed only for `x = INT_MIN`, `y = -1` on a signed opcode):
//!   `q = INT_MIN`, `r = 0`. Without the flag that input has no witness (the quotient `2^31` is
//!   not a 32-bit signed value), so the flag cannot be dodged.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    bus::{BitwiseBus, ExecutionBus, MemoryBridge, ProgramBus, RangeCheckerBus, MEMORY_BLOCK},
    LocalOpcode,
};

use tessera_system::primitives::{AssertLessThanCols, IsZeroCols};

use super::DivRemOpcode;
use crate::adapters::{
    alu_air::{eval_reg_reg, AdapterBuses, AdapterRow},
    registers::{RegReadCols, RegWriteCols},
};

/// Bits of a carry of `q * y + r` (columns below `8 * 255^2 + 2 * 255 + carry < 2^20`). The
/// first carry is below `(255^2 + 255) / 256 < 2^8` and is looked up as a byte instead,
/// together with the byte of the remainder comparison.
pub const CARRY_BITS: usize = 12;

/// Columns of a DIV/REM row.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct DivRemCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    pub rd: RegWriteCols<T>,
    /// DIV, DIVU, REM, REMU.
    pub flags: [T; 4],
    pub q: [T; MEMORY_BLOCK],
    pub r: [T; MEMORY_BLOCK],
    /// Top bits of x, y, q, r.
    pub msb: [T; 4],
    /// Extension bits of x, y, q, r: the top bit for the signed opcodes, 0 otherwise.
    pub signs: [T; 4],
    pub carries: [T; 2 * MEMORY_BLOCK],
    pub y_zero: T,
    /// `y_zero = is_valid * [sum of y's bytes = 0]`.
    pub y_is_zero: IsZeroCols<T>,
    pub overflow: T,
    /// `|r|` and `|y|` as unsigned bytes, and the carries of `|v| + v = 2^32` for negative `v`.
    pub abs_r: [T; MEMORY_BLOCK],
    pub abs_y: [T; MEMORY_BLOCK],
    pub abs_r_carries: [T; MEMORY_BLOCK],
    pub abs_y_carries: [T; MEMORY_BLOCK],
    /// `|r| < |y|` unless `y = 0`: one-hot on the most significant byte where they differ.
    pub r_lt_y: AssertLessThanCols<T, MEMORY_BLOCK>,
}

tessera_arch::impl_columns!(DivRemCols);

/// The division AIR.
#[derive(Clone, Copy, Debug)]
pub struct DivRemAir {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub range: RangeCheckerBus,
    pub bitwise: BitwiseBus,
}

impl<F: Field> BaseAir<F> for DivRemAir {
    fn width(&self) -> usize {
        DivRemCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for DivRemAir {}
impl<F: Field> PartitionedBaseAir<F> for DivRemAir {}

/// Constrains `abs` to be `v` (sign 0) or `2^32 - v` (sign 1, so `v != 0`), byte by byte.
fn eval_abs<AB: InteractionBuilder>(
    builder: &mut AB,
    sign: AB::Var,
    v: [AB::Var; MEMORY_BLOCK],
    abs: [AB::Var; MEMORY_BLOCK],
    carries: [AB::Var; MEMORY_BLOCK],
) {
    let not_sign = AB::Expr::ONE - sign;
    let mut carry_in = AB::Expr::ZERO;
    for i in 0..MEMORY_BLOCK {
        builder.assert_bool(carries[i]);
        builder.assert_zero(not_sign.clone() * (abs[i] - v[i]));
        builder.assert_zero(not_sign.clone() * carries[i]);
        builder
            .assert_zero(sign * (abs[i] + v[i] + carry_in - carries[i] * AB::Expr::from_u32(256)));
        carry_in = carries[i].into();
    }
    builder.assert_zero(sign * (carries[MEMORY_BLOCK - 1] - AB::Expr::ONE));
}

impl<AB: InteractionBuilder> Air<AB> for DivRemAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let c: &DivRemCols<AB::Var> = row[..].borrow();
        let [div, divu, rem, remu] = c.flags;
        for flag in c.flags {
            builder.assert_bool(flag);
        }
        let is_valid: AB::Expr = div + divu + rem + remu;
        builder.assert_bool(is_valid.clone());
        let signed: AB::Expr = div + rem;
        let opcode = DivRemOpcode::ALL
            .iter()
            .zip(c.flags)
            .fold(AB::Expr::ZERO, |acc, (op, flag)| {
                acc + flag * AB::Expr::from_u32(op.global().as_u32())
            });
        let (x, y, q, r) = (c.rs1.data, c.rs2.data, c.q, c.r);
        let byte = |v: u32| AB::Expr::from_u32(v);

        // rd is the quotient or the remainder.
        for i in 0..MEMORY_BLOCK {
            builder.assert_eq(c.rd.data[i], (div + divu) * q[i] + (rem + remu) * r[i]);
        }

        // Top bits (looked up as doubled remainders, two per byte pair) and extension bits.
        let tops = [x[3], y[3], q[3], r[3]];
        for i in 0..4 {
            builder.assert_bool(c.msb[i]);
            builder.assert_eq(c.signs[i], c.msb[i] * signed.clone());
        }
        let low7 = |i: usize| (tops[i] - c.msb[i] * byte(128)) * AB::Expr::TWO;
        self.bitwise
            .range_check(builder, low7(0), low7(1), is_valid.clone());
        self.bitwise
            .range_check(builder, low7(2), low7(3), is_valid.clone());
        let [sign_x, sign_y, sign_q, sign_r] = c.signs;

        // Division by zero: y_zero exactly when every byte of y is zero (bytes: their sum is
        // zero only then); boolean since is_valid is.
        let (y_zero, overflow) = (c.y_zero, c.overflow);
        let y_sum = y.iter().fold(AB::Expr::ZERO, |acc, &b| acc + b);
        c.y_is_zero.eval(builder, y_sum, y_zero, is_valid.clone());
        for i in 0..MEMORY_BLOCK {
            builder.assert_zero(y_zero * (q[i] - byte(0xff)));
            builder.assert_zero(y_zero * (r[i] - x[i]));
        }

        // Signed overflow: only for INT_MIN / -1, with q = INT_MIN and r = 0.
        builder.assert_bool(overflow);
        builder.assert_zero(overflow * (AB::Expr::ONE - signed.clone()));
        for i in 0..MEMORY_BLOCK {
            let int_min = byte(if i == 3 { 0x80 } else { 0 });
            builder.assert_zero(overflow * (x[i] - int_min));
            builder.assert_zero(overflow * (y[i] - byte(0xff)));
            builder.assert_zero(overflow * (q[i] - x[i]));
            builder.assert_zero(overflow * r[i]);
        }

        // q * y + r = x over the 64-bit extensions, unless a special case applies.
        let general = is_valid.clone() - y_zero - overflow;
        let ext = |v: [AB::Var; MEMORY_BLOCK], sign: AB::Var, i: usize| -> AB::Expr {
            if i < MEMORY_BLOCK {
                v[i].into()
            } else {
                sign * byte(0xff)
            }
        };
        let mut carry_in = AB::Expr::ZERO;
        for k in 0..2 * MEMORY_BLOCK {
            let column = (0..=k).fold(ext(r, sign_r, k), |acc, i| {
                acc + ext(q, sign_q, i) * ext(y, sign_y, k - i)
            });
            builder.assert_zero(
                general.clone()
                    * (column + carry_in
                        - ext(x, sign_x, k)
                        - c.carries[k] * AB::Expr::from_u32(256)),
            );
            // The first carry is a byte, looked up below.
            if k > 0 {
                self.range
                    .range_check(builder, c.carries[k], CARRY_BITS, is_valid.clone());
            }
            carry_in = c.carries[k].into();
        }

        // The remainder is zero or has the dividend's sign (its bytes are non-negative, so their
        // sum is zero only for r = 0).
        let r_sum = r.iter().fold(AB::Expr::ZERO, |acc, &b| acc + b);
        builder.assert_zero((AB::Expr::ONE - sign_x) * sign_r);
        builder.assert_zero(sign_x * (AB::Expr::ONE - sign_r) * r_sum);

        // |r| < |y| unless y = 0 (the gadget's byte is 0 where y = 0, so it may be counted by
        // is_valid), paired with the first carry.
        eval_abs(builder, sign_r, r, c.abs_r, c.abs_r_carries);
        eval_abs(builder, sign_y, y, c.abs_y, c.abs_y_carries);
        let compared = is_valid.clone() - y_zero;
        let lt_byte = c.r_lt_y.eval(
            builder,
            c.abs_r.map(Into::into),
            c.abs_y.map(Into::into),
            compared,
        );
        self.bitwise
            .range_check(builder, lt_byte, c.carries[0], is_valid.clone());
        for v in [q, r, c.abs_r, c.abs_y] {
            self.bitwise
                .range_check(builder, v[0], v[1], is_valid.clone());
            self.bitwise
                .range_check(builder, v[2], v[3], is_valid.clone());
        }

        // The adapter: rs1, rs2, rd; the program; the execution chain.
        let buses = AdapterBuses {
            execution: self.execution,
            program: self.program,
            memory: self.memory,
        };
        let row = AdapterRow {
            from_pc: c.from_pc,
            from_timestamp: c.from_timestamp,
            opcode,
            is_valid,
        };
        eval_reg_reg(builder, &buses, row, &c.rs1, &c.rs2, &c.rd);
    }
}
