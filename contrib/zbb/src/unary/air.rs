//! The AIR of the one-operand instructions: `clz`, `ctz`, `cpop`, `sext.b`, `sext.h`,
//! `zext.h`, `orc.b`, `rev8`.
//!
//! Columns ([`ZbbUnaryCols`], 96): the kit's instruction row in the immediate form (`rs1`
//! read, `rd` written; the program's operands are `(opcode, rd, rs1, 0, 1, 0, 0, 0)`), one
//! flag per opcode, the 32 bits of `x = rs1`, 32 "run" columns for CLZ/CTZ and 4 inverse
//! columns for ORC.B.
//!
//! Constraints (all of degree at most 3):
//! - flags boolean, at most one set (`is_valid` is their sum);
//! - `bits` boolean and `x_k = sum_j 2^j bits[8k + j]` for each byte (so the bits are `x`'s);
//! - CLZ: `clz (run_31 - (1 - b_31)) = 0`, `clz (run_i - run_{i+1} (1 - b_i)) = 0`: `run_i` is
//!   1 exactly when bits `31..=i` are all zero; CTZ: the same from bit 0 up,
//!   `ctz (run_0 - (1 - b_0)) = 0`, `ctz (run_i - run_{i-1} (1 - b_i)) = 0`; and
//!   `(1 - clz - ctz) run_i = 0`: the runs are zero on every other row;
//! - ORC.B, per byte `k`: `(1 - orc) inv_k = 0`, `x_k (orc - x_k inv_k) = 0`,
//!   `inv_k (1 - x_k inv_k) = 0`: on an ORC.B row `inv_k = 1 / x_k` (0 when `x_k = 0`), and
//!   `nz_k = x_k inv_k` is `[x_k != 0]`; `inv` is zero on every other row;
//! - `rd.data[k] = sum over opcodes of flag * result_k`, with `result_k`:
//!   CLZ, CTZ: `[sum run, 0, 0, 0]`; CPOP: `[sum bits, 0, 0, 0]`; SEXT.B: `[x_0, 255 b_7,
//!   255 b_7, 255 b_7]`; SEXT.H: `[x_0, x_1, 255 b_15, 255 b_15]`; ZEXT.H: `[x_0, x_1, 0, 0]`;
//!   ORC.B: `[255 nz_0, .., 255 nz_3]`; REV8: `[x_3, x_2, x_1, x_0]`.
//!
//! Every result byte is an expression of bits and bytes that is a byte, so no lookup is
//! needed: the row's only bus messages are the adapter's.

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
    alu_air::{eval_reg_imm, AdapterRow},
    registers::{RegReadCols, RegWriteCols},
};

use super::ZbbUnaryOpcode;
use crate::circuit::{eval_flags, ZbbBuses};

/// Flags, in the order of [`ZbbUnaryOpcode`].
pub const NUM_FLAGS: usize = 8;
/// Bits of a word.
pub const WORD_BITS: usize = 32;

/// A row of [`ZbbUnaryAir`]: `rd = op(rs1)`.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct ZbbUnaryCols<T> {
    /// The instruction's pc.
    pub from_pc: T,
    /// The timestamp of the row's first memory access.
    pub from_timestamp: T,
    /// The read of `rs1` (`x`).
    pub rs1: RegReadCols<T>,
    /// The write of `rd` (`z`, the result).
    pub rd: RegWriteCols<T>,
    /// One per opcode; none on padding rows.
    pub flags: [T; NUM_FLAGS],
    /// The bits of `x = rs1`, least significant first.
    pub bits: [T; WORD_BITS],
    /// CLZ: `run_i = [bits 31..=i are zero]`; CTZ: `run_i = [bits 0..=i are zero]`; else 0.
    pub run: [T; WORD_BITS],
    /// ORC.B: the inverse of each byte of `x` (0 for a zero byte); else 0.
    pub inv: [T; MEMORY_BLOCK],
}

impl<T: Default> Default for ZbbUnaryCols<T> {
    fn default() -> Self {
        Self {
            from_pc: T::default(),
            from_timestamp: T::default(),
            rs1: RegReadCols::default(),
            rd: RegWriteCols::default(),
            flags: std::array::from_fn(|_| T::default()),
            bits: std::array::from_fn(|_| T::default()),
            run: std::array::from_fn(|_| T::default()),
            inv: std::array::from_fn(|_| T::default()),
        }
    }
}

tessera_arch::impl_columns!(ZbbUnaryCols);

/// The AIR of the eight one-operand Zbb instructions (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct ZbbUnaryAir {
    /// The buses the AIR talks on.
    pub buses: ZbbBuses,
}

impl<F: Field> BaseAir<F> for ZbbUnaryAir {
    fn width(&self) -> usize {
        ZbbUnaryCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for ZbbUnaryAir {}
impl<F: Field> PartitionedBaseAir<F> for ZbbUnaryAir {}

impl<AB: InteractionBuilder> Air<AB> for ZbbUnaryAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &ZbbUnaryCols<AB::Var> = row[..].borrow();
        let (is_valid, opcode) = eval_flags::<AB, ZbbUnaryOpcode>(builder, &cols.flags);
        let [clz, ctz, cpop, sext_b, sext_h, zext_h, orc_b, rev8] = cols.flags;
        let (x, z, b, run) = (cols.rs1.data, cols.rd.data, cols.bits, cols.run);
        let one = || AB::Expr::ONE;
        let ff = || AB::Expr::from_u32(0xff);

        // The bits of x.
        for k in 0..MEMORY_BLOCK {
            let mut byte = AB::Expr::ZERO;
            for j in 0..8 {
                builder.assert_bool(b[8 * k + j]);
                byte += b[8 * k + j] * AB::Expr::from_u32(1 << j);
            }
            builder.assert_eq(x[k], byte);
        }

        // The runs of zeros: from the top (CLZ) or from the bottom (CTZ); zero elsewhere.
        let top = WORD_BITS - 1;
        builder.assert_zero(clz * (run[top] - (one() - b[top])));
        builder.assert_zero(ctz * (run[0] - (one() - b[0])));
        for i in 0..WORD_BITS {
            if i < top {
                builder.assert_zero(clz * (run[i] - run[i + 1] * (one() - b[i])));
            }
            if i > 0 {
                builder.assert_zero(ctz * (run[i] - run[i - 1] * (one() - b[i])));
            }
            builder.assert_zero((one() - clz - ctz) * run[i]);
        }
        let zeros = run.iter().fold(AB::Expr::ZERO, |acc, &r| acc + r);
        let ones = b.iter().fold(AB::Expr::ZERO, |acc, &bit| acc + bit);

        // ORC.B: nz_k = x_k inv_k = [x_k != 0] on ORC.B rows, inv = 0 elsewhere.
        let nz: [AB::Expr; MEMORY_BLOCK] = std::array::from_fn(|k| x[k] * cols.inv[k]);
        for k in 0..MEMORY_BLOCK {
            builder.assert_zero((one() - orc_b) * cols.inv[k]);
            builder.assert_zero(x[k] * (orc_b - nz[k].clone()));
            builder.assert_zero(cols.inv[k] * (one() - nz[k].clone()));
        }

        // The result, byte by byte.
        let sign_b = b[7] * ff();
        let sign_h = b[15] * ff();
        for k in 0..MEMORY_BLOCK {
            let mut result = orc_b * nz[k].clone() * ff() + rev8 * x[MEMORY_BLOCK - 1 - k];
            if k == 0 {
                result += (clz + ctz) * zeros.clone() + cpop * ones.clone();
                result += (sext_b + sext_h + zext_h) * x[0];
            } else {
                result += sext_b * sign_b.clone();
            }
            if k == 1 {
                result += (sext_h + zext_h) * x[1];
            } else if k > 1 {
                result += sext_h * sign_h.clone();
            }
            builder.assert_eq(z[k], result);
        }

        let row = AdapterRow {
            from_pc: cols.from_pc,
            from_timestamp: cols.from_timestamp,
            opcode,
            is_valid,
        };
        let zero = || AB::Expr::ZERO;
        eval_reg_imm(
            builder,
            &self.buses.adapter(),
            row,
            &cols.rs1,
            [zero(), zero(), zero()],
            &cols.rd,
        );
    }
}
