//! The MULH/MULHSU/MULHU AIR: the high word of the 64-bit product of sign- or zero-extended
//! operands, checked byte by byte over all eight bytes with range-checked carries.

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

use super::MulHOpcode;
use crate::adapters::{
    alu_air::{eval_reg_reg, AdapterBuses, AdapterRow},
    registers::{RegReadCols, RegWriteCols},
};

/// Bits of a carry: a column of the 8x8-byte product sums at most 8 * 255^2 plus a carry, below
/// 2^20, so carries are below 2^12.
pub const CARRY_BITS: usize = 12;

/// `rd = high word of rs1 * rs2`. `low` is the product's low word (not written anywhere, but
/// needed to carry into the high word); `msb` the top bits of `x` and `y`; `signs` the bits that
/// extend them (the top bit for signed operands, 0 for unsigned ones).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct MulHCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    pub rd: RegWriteCols<T>,
    pub low: [T; MEMORY_BLOCK],
    pub carries: [T; 2 * MEMORY_BLOCK],
    pub msb: [T; 2],
    pub signs: [T; 2],
    /// MULH, MULHSU, MULHU.
    pub flags: [T; 3],
}

tessera_arch::impl_columns!(MulHCols);

/// The MULH family AIR.
#[derive(Clone, Copy, Debug)]
pub struct MulHAir {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub range: RangeCheckerBus,
    pub bitwise: BitwiseBus,
}

impl<F: Field> BaseAir<F> for MulHAir {
    fn width(&self) -> usize {
        MulHCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for MulHAir {}
impl<F: Field> PartitionedBaseAir<F> for MulHAir {}

impl<AB: InteractionBuilder> Air<AB> for MulHAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &MulHCols<AB::Var> = row[..].borrow();
        let [mulh, mulhsu, mulhu] = cols.flags;
        for flag in cols.flags {
            builder.assert_bool(flag);
        }
        let is_valid: AB::Expr = mulh + mulhsu + mulhu;
        builder.assert_bool(is_valid.clone());
        let opcode = MulHOpcode::ALL
            .iter()
            .zip(cols.flags)
            .fold(AB::Expr::ZERO, |acc, (op, flag)| {
                acc + flag * AB::Expr::from_u32(op.global().as_u32())
            });

        // The top bits: x_3 - 128 msb_x and y_3 - 128 msb_y are below 128 (looked up doubled, as
        // a byte pair). The extension bits are the top bits of the operands that are signed.
        let (x, y) = (cols.rs1.data, cols.rs2.data);
        let [msb_x, msb_y] = cols.msb;
        let [sign_x, sign_y] = cols.signs;
        builder.assert_bool(msb_x);
        builder.assert_bool(msb_y);
        builder.assert_eq(sign_x, msb_x * (mulh + mulhsu));
        builder.assert_eq(sign_y, msb_y * mulh);
        let two = AB::Expr::TWO;
        let half = AB::Expr::from_u32(128);
        self.bitwise.range_check(
            builder,
            (x[3] - msb_x * half.clone()) * two.clone(),
            (y[3] - msb_y * half) * two,
            is_valid.clone(),
        );

        // Eight bytes of the product of the 64-bit extensions; its low 64 bits are the exact
        // signed, mixed or unsigned product. Both sides stay below 2^21, far from the field's
        // size, so the byte equations hold over the integers.
        let ff = AB::Expr::from_u32(0xff);
        let byte = |v: [AB::Var; MEMORY_BLOCK], sign: AB::Var, i: usize| -> AB::Expr {
            if i < MEMORY_BLOCK {
                v[i].into()
            } else {
                sign * ff.clone()
            }
        };
        let mut carry_in = AB::Expr::ZERO;
        for k in 0..2 * MEMORY_BLOCK {
            let column = (0..=k).fold(AB::Expr::ZERO, |acc, i| {
                acc + byte(x, sign_x, i) * byte(y, sign_y, k - i)
            });
            let out = if k < MEMORY_BLOCK {
                cols.low[k]
            } else {
                cols.rd.data[k - MEMORY_BLOCK]
            };
            builder.assert_eq(
                column + carry_in,
                out + cols.carries[k] * AB::Expr::from_u32(256),
            );
            self.range
                .range_check(builder, cols.carries[k], CARRY_BITS, is_valid.clone());
            carry_in = cols.carries[k].into();
        }
        for pair in [cols.low, cols.rd.data] {
            self.bitwise
                .range_check(builder, pair[0], pair[1], is_valid.clone());
            self.bitwise
                .range_check(builder, pair[2], pair[3], is_valid.clone());
        }

        let buses = AdapterBuses {
            execution: self.execution,
            program: self.program,
            memory: self.memory,
        };
        let row = AdapterRow {
            from_pc: cols.from_pc,
            from_timestamp: cols.from_timestamp,
            opcode,
            is_valid,
        };
        eval_reg_reg(builder, &buses, row, &cols.rs1, &cols.rs2, &cols.rd);
    }
}
