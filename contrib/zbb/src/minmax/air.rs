//! The AIR of `min`, `max`, `minu`, `maxu` (register form).
//!
//! Columns ([`ZbbMinMaxCols`], 39): the kit's instruction row, one flag per opcode, the
//! comparison `lt = (x < y)` (signed for MIN/MAX, unsigned for MINU/MAXU) with its gadget
//! columns, and the top bytes of both operands as the opcode reads them (`msb_x`, `msb_y`).
//!
//! The comparison is the one of RV32IM's `LessThanAir` (`tessera-rv32im`,
//! `less_than/air.rs`), adapted: signed and unsigned comparison differ only in the most
//! significant byte, which is read as `msb = top - 256` when a signed opcode reads a negative
//! number and `msb = top` otherwise. `msb` is pinned by `(msb - top)(msb - top + 256) = 0` and
//! the byte lookup of `msb + 128 signed` (for unsigned opcodes only `top` is a byte, for signed
//! ones only the signed reading lies in `[-128, 128)`). Then `x < y` is the lexicographic
//! comparison of `(msb_x, x2, x1, x0)` and `(msb_y, y2, y1, y0)`, decided by the system's
//! [`IsLessThanCols`] gadget (result `lt`, condition `is_valid`), whose returned value is looked
//! up as a byte (equal operands have the single witness `diff_val = -1`: the gadget pins it).
//!
//! The result: `sel = min_like lt + max_like (1 - lt)` (`min_like = MIN + MINU`,
//! `max_like = MAX + MAXU`), and `rd.data[i] = y_i + sel (x_i - y_i)` (degree 3). On a valid
//! row `sel` is boolean, so `rd` is `x` or `y` byte for byte. Bus messages per row: 2 byte-pair
//! range checks (`(msb_x + 128 signed, msb_y + 128 signed)` and `(gadget value, 0)`) plus the
//! adapter's.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, AirBuilder, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::bus::MEMORY_BLOCK;
use tessera_system::{
    kit::{
        alu_air::{eval_reg_reg, AdapterRow},
        registers::{RegReadCols, RegWriteCols},
    },
    primitives::IsLessThanCols,
};

use super::ZbbMinMaxOpcode;
use crate::circuit::{eval_flags, ZbbBuses};

/// Flags, in the order of [`ZbbMinMaxOpcode`]: MIN, MAX, MINU, MAXU.
pub const NUM_FLAGS: usize = 4;

/// A row of [`ZbbMinMaxAir`].
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct ZbbMinMaxCols<T> {
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
    /// One per opcode; none on padding rows.
    pub flags: [T; NUM_FLAGS],
    /// `x < y` as the opcode compares.
    pub lt: T,
    /// The comparison of `(msb_x, x2, x1, x0)` and `(msb_y, y2, y1, y0)`.
    pub compare: IsLessThanCols<T, MEMORY_BLOCK>,
    /// The top byte of `x` as the opcode reads it (`x3 - 256` for a negative signed operand).
    pub msb_x: T,
    /// The same for `y`.
    pub msb_y: T,
}

impl<T: Default> Default for ZbbMinMaxCols<T> {
    fn default() -> Self {
        Self {
            from_pc: T::default(),
            from_timestamp: T::default(),
            rs1: RegReadCols::default(),
            rs2: RegReadCols::default(),
            rd: RegWriteCols::default(),
            flags: Default::default(),
            lt: T::default(),
            compare: IsLessThanCols::default(),
            msb_x: T::default(),
            msb_y: T::default(),
        }
    }
}

tessera_arch::impl_columns!(ZbbMinMaxCols);

/// The AIR of MIN, MAX, MINU and MAXU (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct ZbbMinMaxAir {
    /// The buses the AIR talks on.
    pub buses: ZbbBuses,
}

impl<F: Field> BaseAir<F> for ZbbMinMaxAir {
    fn width(&self) -> usize {
        ZbbMinMaxCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for ZbbMinMaxAir {}
impl<F: Field> PartitionedBaseAir<F> for ZbbMinMaxAir {}

/// `msb ∈ {top, top - 256}` (which one the byte lookup of `msb + 128 signed` decides). From
/// RV32IM's `LessThanAir`.
fn assert_msb<AB: AirBuilder>(builder: &mut AB, msb: AB::Var, top: AB::Var) {
    let d = msb - top;
    builder.assert_zero(d.clone() * (d + AB::Expr::from_u32(256)));
}

impl<AB: InteractionBuilder> Air<AB> for ZbbMinMaxAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &ZbbMinMaxCols<AB::Var> = row[..].borrow();
        let (is_valid, opcode) = eval_flags::<AB, ZbbMinMaxOpcode>(builder, &cols.flags);
        let [min, max, minu, maxu] = cols.flags;
        let signed: AB::Expr = min + max;
        let min_like: AB::Expr = min + minu;
        let max_like: AB::Expr = max + maxu;
        let (x, y, z) = (cols.rs1.data, cols.rs2.data, cols.rd.data);
        let top = MEMORY_BLOCK - 1;

        // The comparison (RV32IM's LessThanAir technique).
        assert_msb(builder, cols.msb_x, x[top]);
        assert_msb(builder, cols.msb_y, y[top]);
        builder.assert_bool(cols.lt);
        let limbs = |v: [AB::Var; MEMORY_BLOCK], msb: AB::Var| -> [AB::Expr; MEMORY_BLOCK] {
            std::array::from_fn(|i| if i == top { msb.into() } else { v[i].into() })
        };
        let diff_byte = cols.compare.eval(
            builder,
            limbs(x, cols.msb_x),
            limbs(y, cols.msb_y),
            cols.lt,
            is_valid.clone(),
        );
        let half = AB::Expr::from_u32(128);
        self.buses.bitwise.range_check(
            builder,
            cols.msb_x + signed.clone() * half.clone(),
            cols.msb_y + signed * half,
            is_valid.clone(),
        );
        self.buses
            .bitwise
            .range_check(builder, diff_byte, AB::Expr::ZERO, is_valid.clone());

        // The result: x where `sel`, else y.
        let sel = min_like * cols.lt + max_like * (AB::Expr::ONE - cols.lt);
        for i in 0..MEMORY_BLOCK {
            builder.assert_eq(z[i], y[i] + sel.clone() * (x[i] - y[i]));
        }

        let row = AdapterRow {
            from_pc: cols.from_pc,
            from_timestamp: cols.from_timestamp,
            opcode,
            is_valid,
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
