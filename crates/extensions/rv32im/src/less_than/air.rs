//! The set-less-than AIRs: register-register (SLT, SLTU) and register-immediate (SLTI, SLTIU)
//! forms, separate AIRs sharing one core evaluation, like the base ALU.
//!
//! The core compares `x` (rs1) and `y` (rs2 or the immediate), both given as 4 bytes, and writes
//! `rd = [cmp, 0, 0, 0]` with `cmp = (x < y)`. Signed and unsigned comparison differ only in the
//! most significant byte, which the core reads through `msb_x`, `msb_y`: the top byte as an
//! integer, `x[3] - 256` when SLT reads a negative number, `x[3]` otherwise. Then `x < y` is the
//! lexicographic comparison of `(msb_x, x[2], x[1], x[0])` and `(msb_y, y[2], y[1], y[0])`, by
//! the [`IsLessThanCols`] gadget (result `cmp`, condition `is_valid`):
//! - `diff_marker` is one-hot on the most significant index `k` where they differ, or zero when
//!   `x = y` (then `cmp = 0`);
//! - every index above `k` is equal; `diff_val = d_k` (`d_i = y_i - x_i`, `d_3 = msb_y - msb_x`);
//! - `(2 cmp - 1) diff_val - 1` is looked up as a byte: `diff_val` is in `[1, 256]` when
//!   `cmp = 1` and in `[-256, -1]` when `cmp = 0`, so `cmp` is the sign of `d_k`.
//!
//! `msb_x` is pinned by `(msb_x - x[3]) (msb_x - x[3] + 256) = 0` and the byte lookup of
//! `msb_x + 128 slt`: for SLTU only `msb_x = x[3]` is a byte, for SLT only the signed reading
//! lies in `[-128, 128)`. The same holds for `msb_y` in the register form; in the immediate form
//! `y` comes from the committed program and `msb_y` is an expression (`-sign` for SLTI,
//! `255 sign` for SLTIU).
//!
//! Lookups per row: register form 2 (`(msb_x + 128 slt, msb_y + 128 slt)` and
//! `((2 cmp - 1) diff_val - 1, 0)`), immediate form 1 (`(msb_x + 128 slt, (2 cmp - 1) diff_val
//! - 1)`), all on the bitwise bus as byte-pair range checks with count `is_valid`. On a row
//! with `x = y` the prover sets `diff_val = -1`, whose lookup value is `0`.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, AirBuilder, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{bus::MEMORY_BLOCK, LocalOpcode};
use tessera_system::primitives::IsLessThanCols;

use super::LessThanOpcode;
use crate::{
    adapters::{
        alu_air::{eval_reg_imm, eval_reg_reg, AdapterRow},
        registers::{RegReadCols, RegWriteCols},
    },
    base_alu::BaseAluBuses,
};

/// Opcode flags, in the order of [`LessThanOpcode`]: SLT, SLTU. At most one is set; none on
/// padding rows.
pub const NUM_FLAGS: usize = 2;

/// The buses a set-less-than AIR uses: the same as the base ALU's.
pub type LessThanBuses = BaseAluBuses;

/// `rd = rs1 < rs2`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct LessThanRegCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    /// `data = [cmp, 0, 0, 0]`.
    pub rd: RegWriteCols<T>,
    pub flags: [T; NUM_FLAGS],
    pub compare: IsLessThanCols<T, MEMORY_BLOCK>,
    pub msb_x: T,
    pub msb_y: T,
}

/// `rd = rs1 < imm`. `imm = [byte0, byte1, sign]` of the sign-extended 12-bit immediate; the
/// program's operands `f, g` are the two bytes and its `c` (the signed immediate) pins the sign.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct LessThanImmCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub imm: [T; 3],
    /// `data = [cmp, 0, 0, 0]`.
    pub rd: RegWriteCols<T>,
    pub flags: [T; NUM_FLAGS],
    pub compare: IsLessThanCols<T, MEMORY_BLOCK>,
    pub msb_x: T,
}

tessera_arch::impl_columns!(LessThanRegCols);
tessera_arch::impl_columns!(LessThanImmCols);

/// The AIR of one form: `IMM = false` register-register, `IMM = true` register-immediate.
#[derive(Clone, Copy, Debug)]
pub struct LessThanAir<const IMM: bool> {
    pub buses: LessThanBuses,
}

impl<F: Field, const IMM: bool> BaseAir<F> for LessThanAir<IMM> {
    fn width(&self) -> usize {
        if IMM {
            LessThanImmCols::<F>::WIDTH
        } else {
            LessThanRegCols::<F>::WIDTH
        }
    }
}
impl<F: Field, const IMM: bool> BaseAirWithPublicValues<F> for LessThanAir<IMM> {}
impl<F: Field, const IMM: bool> PartitionedBaseAir<F> for LessThanAir<IMM> {}

impl<AB: InteractionBuilder, const IMM: bool> Air<AB> for LessThanAir<IMM> {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let buses = &self.buses;
        if IMM {
            let cols: &LessThanImmCols<AB::Var> = row[..].borrow();
            let [byte0, byte1, sign] = cols.imm;
            let [slt, _] = cols.flags;
            // The immediate's top byte is `255 sign`: as a signed byte `-sign`, unsigned `255 sign`.
            let msb_y = sign * (AB::Expr::from_u32(255) - slt * AB::Expr::from_u32(256));
            let sign_byte = sign * AB::Expr::from_u32(0xff);
            let y = [byte0.into(), byte1.into(), sign_byte.clone(), sign_byte];
            let core = eval_core(
                builder,
                cols.flags,
                &cols.compare,
                &cols.rs1.data,
                cols.msb_x,
                y,
                msb_y,
                &cols.rd.data,
            );
            let is_valid = core.is_valid;
            buses
                .bitwise
                .range_check(builder, core.msb_x_byte, core.diff_byte, is_valid.clone());
            let imm_value =
                byte0 + byte1 * AB::Expr::from_u32(256) - sign * AB::Expr::from_u32(1 << 16);
            let row = AdapterRow {
                from_pc: cols.from_pc,
                from_timestamp: cols.from_timestamp,
                opcode: core.opcode,
                is_valid,
            };
            let operands = [imm_value, byte0.into(), byte1.into()];
            eval_reg_imm(
                builder,
                &buses.adapter(),
                row,
                &cols.rs1,
                operands,
                &cols.rd,
            );
        } else {
            let cols: &LessThanRegCols<AB::Var> = row[..].borrow();
            let [slt, _] = cols.flags;
            assert_msb(builder, cols.msb_y, cols.rs2.data[MEMORY_BLOCK - 1]);
            let core = eval_core(
                builder,
                cols.flags,
                &cols.compare,
                &cols.rs1.data,
                cols.msb_x,
                cols.rs2.data.map(Into::into),
                cols.msb_y.into(),
                &cols.rd.data,
            );
            let is_valid = core.is_valid;
            let msb_y_byte = cols.msb_y + slt * AB::Expr::from_u32(128);
            buses
                .bitwise
                .range_check(builder, core.msb_x_byte, msb_y_byte, is_valid.clone());
            buses
                .bitwise
                .range_check(builder, core.diff_byte, AB::Expr::ZERO, is_valid.clone());
            let row = AdapterRow {
                from_pc: cols.from_pc,
                from_timestamp: cols.from_timestamp,
                opcode: core.opcode,
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

/// What the core hands back to the form's AIR: the row's validity and opcode, and the two
/// values it must look up as bytes (with count `is_valid`).
struct Core<E> {
    is_valid: E,
    opcode: E,
    /// `msb_x + 128 slt`.
    msb_x_byte: E,
    /// `(2 cmp - 1) diff_val - 1`.
    diff_byte: E,
}

/// `msb ∈ {top, top - 256}` (which one the byte lookup of `msb + 128 slt` decides).
fn assert_msb<AB: AirBuilder>(builder: &mut AB, msb: AB::Var, top: AB::Var) {
    let d = msb - top;
    builder.assert_zero(d.clone() * (d + AB::Expr::from_u32(256)));
}

/// The comparison (see the module documentation). `x` are rs1's bytes, `y` the second operand's
/// bytes (bytes: they come from memory or the committed program), `msb_y` its top byte as read
/// by the opcode (constrained by the caller), `z` the bytes written to rd.
#[allow(clippy::too_many_arguments)]
fn eval_core<AB: InteractionBuilder>(
    builder: &mut AB,
    flags: [AB::Var; NUM_FLAGS],
    compare: &IsLessThanCols<AB::Var, MEMORY_BLOCK>,
    x: &[AB::Var; MEMORY_BLOCK],
    msb_x: AB::Var,
    y: [AB::Expr; MEMORY_BLOCK],
    msb_y: AB::Expr,
    z: &[AB::Var; MEMORY_BLOCK],
) -> Core<AB::Expr> {
    let [slt, sltu] = flags;
    builder.assert_bool(slt);
    builder.assert_bool(sltu);
    let is_valid = slt + sltu;
    builder.assert_bool(is_valid.clone());
    let opcode = slt * AB::Expr::from_u32(LessThanOpcode::SLT.global().as_u32())
        + sltu * AB::Expr::from_u32(LessThanOpcode::SLTU.global().as_u32());

    // rd = [cmp, 0, 0, 0].
    let cmp = z[0];
    builder.assert_bool(cmp);
    for &byte in &z[1..] {
        builder.assert_zero(byte);
    }

    assert_msb(builder, msb_x, x[MEMORY_BLOCK - 1]);

    // The comparison of (msb_x, x[2], x[1], x[0]) and (msb_y, y[2], y[1], y[0]).
    let x_limbs = std::array::from_fn(|i| {
        if i == MEMORY_BLOCK - 1 {
            msb_x.into()
        } else {
            x[i].into()
        }
    });
    let mut y_limbs = y;
    y_limbs[MEMORY_BLOCK - 1] = msb_y;
    let diff_byte = compare.eval(builder, x_limbs, y_limbs, cmp, is_valid.clone());

    Core {
        is_valid,
        opcode,
        msb_x_byte: msb_x + slt * AB::Expr::from_u32(128),
        diff_byte,
    }
}
