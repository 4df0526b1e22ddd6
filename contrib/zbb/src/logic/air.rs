//! The AIR of `andn`, `orn`, `xnor` (register form).
//!
//! Columns ([`ZbbLogicCols`], 30): the kit's instruction row (`from_pc`, `from_timestamp`, the
//! reads of `rs1` and `rs2` and the write of `rd`) and one flag per opcode.
//!
//! Constraints: the flags are boolean and at most one is set (`is_valid` is their sum); per
//! byte `i`, with `x = rs1.data[i]`, `y = rs2.data[i]`, `z = rd.data[i]`, one XOR lookup
//! `bitwise.xor(x, y, e, is_valid)` where `e` is what `x ^ y` must be for `z` to be the
//! opcode's result:
//!
//! - `x & !y = (x - y + (x ^ y)) / 2`, so `e = 2z - x + y` (ANDN);
//! - `x | !y = 255 - y + (x + y - (x ^ y)) / 2`, so `e = x - y - 2z + 510` (ORN);
//! - `!(x ^ y) = 255 - (x ^ y)`, so `e = 255 - z` (XNOR).
//!
//! `e = andn (2z - x + y) + orn (x - y - 2z + 510) + xnor (255 - z)` has degree 2. The lookup
//! makes `e` the byte `x ^ y`, and `z` is a linear function of `x`, `y`, `e` on each opcode,
//! so `z` is the result (a byte). The kit's adapter does the rest: program lookup of
//! `(opcode, rd, rs1, rs2, 1, 1, 0, 0)`, memory accesses at `ts, ts + 1, ts + 2`, execution
//! step. Bus messages per row: 4 XOR lookups plus the adapter's.

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
    alu_air::{eval_reg_reg, AdapterRow},
    registers::{RegReadCols, RegWriteCols},
};

use super::ZbbLogicOpcode;
use crate::circuit::{eval_flags, ZbbBuses};

/// Flags, in the order of [`ZbbLogicOpcode`]: ANDN, ORN, XNOR.
pub const NUM_FLAGS: usize = 3;

/// A row of [`ZbbLogicAir`]: `rd = rs1 op rs2`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct ZbbLogicCols<T> {
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
}

tessera_arch::impl_columns!(ZbbLogicCols);

/// The AIR of ANDN, ORN and XNOR (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct ZbbLogicAir {
    /// The buses the AIR talks on.
    pub buses: ZbbBuses,
}

impl<F: Field> BaseAir<F> for ZbbLogicAir {
    fn width(&self) -> usize {
        ZbbLogicCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for ZbbLogicAir {}
impl<F: Field> PartitionedBaseAir<F> for ZbbLogicAir {}

impl<AB: InteractionBuilder> Air<AB> for ZbbLogicAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &ZbbLogicCols<AB::Var> = row[..].borrow();
        let (is_valid, opcode) = eval_flags::<AB, ZbbLogicOpcode>(builder, &cols.flags);
        let [andn, orn, xnor] = cols.flags;
        for i in 0..MEMORY_BLOCK {
            let (x, y, z) = (cols.rs1.data[i], cols.rs2.data[i], cols.rd.data[i]);
            let two_z = z * AB::Expr::TWO;
            let x_xor_y = andn * (two_z.clone() - x + y)
                + orn * (x - y - two_z + AB::Expr::from_u32(510))
                + xnor * (AB::Expr::from_u32(255) - z);
            self.buses
                .bitwise
                .xor(builder, x, y, x_xor_y, is_valid.clone());
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
