//! The MUL AIR: `rd = (rs1 * rs2) mod 2^32`, byte by byte with range-checked carries.

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

use super::MulOpcode;
use crate::adapters::{
    alu_air::{eval_reg_reg, AdapterBuses, AdapterRow},
    registers::{RegReadCols, RegWriteCols},
};

/// Bits of a carry: the largest column sum is `4 * 255^2 + carry < 2^19`, so carries are
/// below `2^11`.
pub const CARRY_BITS: usize = 11;

/// `rd = rs1 * rs2`. `carries[k]` is what byte `k` of the product carries into byte `k + 1`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct MulCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    pub rd: RegWriteCols<T>,
    pub carries: [T; MEMORY_BLOCK],
    pub is_valid: T,
}

tessera_arch::impl_columns!(MulCols);

/// The MUL AIR.
#[derive(Clone, Copy, Debug)]
pub struct MulAir {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub range: RangeCheckerBus,
    pub bitwise: BitwiseBus,
}

impl<F: Field> BaseAir<F> for MulAir {
    fn width(&self) -> usize {
        MulCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for MulAir {}
impl<F: Field> PartitionedBaseAir<F> for MulAir {}

impl<AB: InteractionBuilder> Air<AB> for MulAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &MulCols<AB::Var> = row[..].borrow();
        let is_valid = cols.is_valid;
        builder.assert_bool(is_valid);

        // Byte k of x * y: the sum of x_i * y_j with i + j = k, plus the carry in, equals
        // z_k + 256 carry_k. With z_k bytes and carries below 2^11 both sides stay far below
        // the field's size, so the equation holds over the integers and z is the product mod
        // 2^32 (the carry out of byte 3 is the discarded high part).
        let (x, y, z) = (cols.rs1.data, cols.rs2.data, cols.rd.data);
        let mut carry_in = AB::Expr::ZERO;
        for k in 0..MEMORY_BLOCK {
            let column = (0..=k).fold(AB::Expr::ZERO, |acc, i| acc + x[i] * y[k - i]);
            builder.assert_eq(
                column + carry_in,
                z[k] + cols.carries[k] * AB::Expr::from_u32(256),
            );
            self.range
                .range_check(builder, cols.carries[k], CARRY_BITS, is_valid);
            carry_in = cols.carries[k].into();
        }
        self.bitwise.range_check(builder, z[0], z[1], is_valid);
        self.bitwise.range_check(builder, z[2], z[3], is_valid);

        let buses = AdapterBuses {
            execution: self.execution,
            program: self.program,
            memory: self.memory,
        };
        let row = AdapterRow {
            from_pc: cols.from_pc,
            from_timestamp: cols.from_timestamp,
            opcode: AB::Expr::from_u32(MulOpcode::MUL.global().as_u32()),
            is_valid: is_valid.into(),
        };
        eval_reg_reg(builder, &buses, row, &cols.rs1, &cols.rs2, &cols.rd);
    }
}
