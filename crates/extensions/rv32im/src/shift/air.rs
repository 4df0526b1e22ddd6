//! The shift AIRs (register and immediate forms).
//!
//! The amount `s = 8 L + B` is given by one-hot markers for `L` (whole bytes) and `B` (bits).
//! Left: byte `i` of `x * 2^B` is `x_i 2^B - 256 c_i + c_{i-1}` with `c_i = x_i >> (8 - B)`;
//! right: `z_j 2^B = x_{j+L} - c_{j+L} + 256 c_{j+L+1}` with `c_i = x_i mod 2^B`, where bytes
//! above the top are the sign fill (`0xff` for SRA of a negative value). With every carry below
//! `2^B` (a lookup with a variable width) and every result byte a byte, the result is unique.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    address_space,
    bus::{BitwiseBus, ExecutionBus, MemoryBridge, ProgramBus, RangeCheckerBus, MEMORY_BLOCK},
    LocalOpcode,
};

use super::ShiftOpcode;
use crate::adapters::{
    alu_air::{eval_reg_imm, eval_reg_reg, AdapterBuses, AdapterRow},
    registers::{RegReadCols, RegWriteCols},
};

/// The shift-specific columns, shared by both forms.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct ShiftCoreCols<T> {
    /// SLL, SRL, SRA.
    pub flags: [T; 3],
    /// One-hot: the amount's bit part `B`.
    pub bit_marker: [T; 8],
    /// One-hot: the amount's byte part `L`.
    pub limb_marker: [T; MEMORY_BLOCK],
    /// `2^B` on left shifts, else 0; `2^B` on right shifts, else 0.
    pub multiplier: [T; 2],
    pub carries: [T; MEMORY_BLOCK],
    /// The top bit of `x`, and what SRA fills with (`sra * msb`).
    pub msb: T,
    pub fill: T,
}

/// `rd = rs1 shift rs2`; `high` is `rs2`'s low byte above its 5 amount bits (`y_0 = s + 32 high`).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct ShiftRegCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    pub rd: RegWriteCols<T>,
    pub high: T,
    pub core: ShiftCoreCols<T>,
}

/// `rd = rs1 shift shamt`; the program's `c` and `f` are the amount.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct ShiftImmCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rd: RegWriteCols<T>,
    pub core: ShiftCoreCols<T>,
}

tessera_arch::impl_columns!(ShiftCoreCols);
tessera_arch::impl_columns!(ShiftRegCols);
tessera_arch::impl_columns!(ShiftImmCols);

/// The buses of a shift AIR.
#[derive(Clone, Copy, Debug)]
pub struct ShiftBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub range: RangeCheckerBus,
    pub bitwise: BitwiseBus,
}

impl ShiftBuses {
    /// The buses of the shared register adapter.
    pub fn adapter(&self) -> AdapterBuses {
        AdapterBuses {
            execution: self.execution,
            program: self.program,
            memory: self.memory,
        }
    }
}

/// The AIR of one form: `IMM = false` register amount, `IMM = true` immediate amount.
#[derive(Clone, Copy, Debug)]
pub struct ShiftAir<const IMM: bool> {
    pub buses: ShiftBuses,
}

impl<F: Field, const IMM: bool> BaseAir<F> for ShiftAir<IMM> {
    fn width(&self) -> usize {
        if IMM {
            ShiftImmCols::<F>::WIDTH
        } else {
            ShiftRegCols::<F>::WIDTH
        }
    }
}
impl<F: Field, const IMM: bool> BaseAirWithPublicValues<F> for ShiftAir<IMM> {}
impl<F: Field, const IMM: bool> PartitionedBaseAir<F> for ShiftAir<IMM> {}

/// Constrains `z = x shift s` and returns `(is_valid, opcode, s)`.
fn eval_core<AB: InteractionBuilder>(
    builder: &mut AB,
    buses: &ShiftBuses,
    c: &ShiftCoreCols<AB::Var>,
    x: [AB::Var; MEMORY_BLOCK],
    z: [AB::Var; MEMORY_BLOCK],
) -> (AB::Expr, AB::Expr, AB::Expr) {
    let [sll, srl, sra] = c.flags;
    for flag in c.flags {
        builder.assert_bool(flag);
    }
    let is_valid: AB::Expr = sll + srl + sra;
    builder.assert_bool(is_valid.clone());
    let right: AB::Expr = srl + sra;
    let opcode = ShiftOpcode::ALL
        .iter()
        .zip(c.flags)
        .fold(AB::Expr::ZERO, |acc, (op, flag)| {
            acc + flag * AB::Expr::from_u32(op.global().as_u32())
        });

    // The amount: exactly one bit marker and one limb marker on a valid row.
    let mut bits = AB::Expr::ZERO;
    let mut power = AB::Expr::ZERO;
    let mut bit_count = AB::Expr::ZERO;
    for (b, &marker) in c.bit_marker.iter().enumerate() {
        builder.assert_bool(marker);
        bits += marker * AB::Expr::from_usize(b);
        power += marker * AB::Expr::from_u32(1 << b);
        bit_count += marker.into();
    }
    let mut limbs = AB::Expr::ZERO;
    let mut limb_count = AB::Expr::ZERO;
    for (l, &marker) in c.limb_marker.iter().enumerate() {
        builder.assert_bool(marker);
        limbs += marker * AB::Expr::from_usize(8 * l);
        limb_count += marker.into();
    }
    builder.assert_eq(bit_count, is_valid.clone());
    builder.assert_eq(limb_count, is_valid.clone());
    let [left_mult, right_mult] = c.multiplier;
    builder.assert_eq(left_mult, sll * power.clone());
    builder.assert_eq(right_mult, right.clone() * power);

    // SRA fills with the top bit; it is the top bit: 2 (x_3 - 128 msb) is a byte.
    builder.assert_bool(c.msb);
    builder.assert_eq(c.fill, sra * c.msb);
    buses.bitwise.range_check(
        builder,
        (x[3] - c.msb * AB::Expr::from_u32(128)) * AB::Expr::TWO,
        AB::Expr::ZERO,
        is_valid.clone(),
    );

    let ff = AB::Expr::from_u32(0xff);
    // A byte of x on a right shift (`right * x_i`; above the top, the fill, which is already
    // zero unless the row is an SRA) and its carry (the fill's low B bits above the top).
    let x_at = |i: usize| -> AB::Expr {
        if i < MEMORY_BLOCK {
            right.clone() * x[i]
        } else {
            c.fill * ff.clone()
        }
    };
    let carry_at = |i: usize| -> AB::Expr {
        if i < MEMORY_BLOCK {
            right.clone() * c.carries[i]
        } else {
            c.fill * (right_mult - AB::Expr::ONE)
        }
    };
    for (l, &marker) in c.limb_marker.iter().enumerate() {
        for (j, &z_j) in z.iter().enumerate() {
            // Left: z_j comes from x_{j-l}; below l it is zero.
            if j >= l {
                let i = j - l;
                let carry_in = if i == 0 {
                    AB::Expr::ZERO
                } else {
                    c.carries[i - 1].into()
                };
                builder.assert_zero(
                    marker
                        * (x[i] * left_mult
                            - sll * (c.carries[i] * AB::Expr::from_u32(256) - carry_in + z_j)),
                );
            } else {
                builder.assert_zero(marker * sll * z_j);
            }
            // Right: z_j 2^B = x_{j+l} - c_{j+l} + 256 c_{j+l+1}.
            let i = j + l;
            builder.assert_zero(
                marker
                    * (z_j * right_mult - x_at(i) + carry_at(i)
                        - carry_at(i + 1) * AB::Expr::from_u32(256)),
            );
        }
    }
    for i in 0..MEMORY_BLOCK {
        buses.range.inner.lookup_key(
            builder,
            [c.carries[i].into(), bits.clone()],
            is_valid.clone(),
        );
    }
    buses
        .bitwise
        .range_check(builder, z[0], z[1], is_valid.clone());
    buses
        .bitwise
        .range_check(builder, z[2], z[3], is_valid.clone());
    (is_valid, opcode, limbs + bits)
}

impl<AB: InteractionBuilder, const IMM: bool> Air<AB> for ShiftAir<IMM> {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let buses = &self.buses;
        let _reg = AB::Expr::from_u32(address_space::REGISTER);
        if IMM {
            let cols: &ShiftImmCols<AB::Var> = row[..].borrow();
            let (is_valid, opcode, amount) =
                eval_core(builder, buses, &cols.core, cols.rs1.data, cols.rd.data);
            let row = AdapterRow {
                from_pc: cols.from_pc,
                from_timestamp: cols.from_timestamp,
                opcode,
                is_valid,
            };
            let operands = [amount.clone(), amount, AB::Expr::ZERO];
            eval_reg_imm(
                builder,
                &buses.adapter(),
                row,
                &cols.rs1,
                operands,
                &cols.rd,
            );
        } else {
            let cols: &ShiftRegCols<AB::Var> = row[..].borrow();
            let (is_valid, opcode, amount) =
                eval_core(builder, buses, &cols.core, cols.rs1.data, cols.rd.data);
            // Only the low 5 bits of rs2 count: y_0 = amount + 32 high, high < 8.
            builder.assert_eq(
                cols.rs2.data[0],
                amount + cols.high * AB::Expr::from_u32(32),
            );
            buses
                .range
                .range_check(builder, cols.high, 3, is_valid.clone());
            let row = AdapterRow {
                from_pc: cols.from_pc,
                from_timestamp: cols.from_timestamp,
                opcode,
                is_valid,
            };
            eval_reg_reg(
                builder,
                &buses.adapter(),
                row,
                &cols.rs1,
                &cols.rs2,
                &cols.rd,
            );
        }
    }
}
