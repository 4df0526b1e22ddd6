//! The AUIPC AIR: `rd = pc + (imm << 12)` (mod 2^32). The transpiler turns AUIPC to `x0` into
//! NOP, so every row writes.
//!
//! The sum is checked limb by limb with boolean carries on the bytes of the pc, of
//! `imm << 12` and of the result `r`:
//! - the pc: `from_pc = r_0 + 256 p_1 + 65536 p_2 + 2^24 p_3`, where `p_3` is derived (not a
//!   column) and the pc's low byte is `r_0` (the immediate's low byte is 0). With bytes `p_i`
//!   and `r_0` a multiple of 4 (XOR lookup `(r_0, 3, r_0 + 3)`), this is the pc's unique
//!   decomposition: another 4-byte one would differ by `k p`, `0 < |k| <= 2`, which is not a
//!   multiple of 4;
//! - the immediate: `16 c = q_1 + 256 q_2 + 65536 q_3` with bytes `q_i` (`q_1` derived): as
//!   `16 c < 2^24`, these are the bytes of `c << 4`, i.e. bytes 1..3 of `c << 12`;
//! - the result: `p_i + q_i + carry_{i-1} = r_i + 256 carry_i` for `i = 1..3` (the last carry
//!   is the discarded overflow), bytes `r_i`.
//!
//! Byte lookups: `(r_0, 3, r_0 + 3)` XOR, `(r_1, r_2)`, `(r_3, p_1)`, `(p_2, p_3)`, `(q_1, q_2)`,
//! `(q_3, rd_pointer - 4)` (which also proves `rd != x0`).

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
    bus::{BitwiseBus, ExecutionBus, ExecutionState, MemoryBridge, ProgramBus},
    LocalOpcode,
};

use super::AuipcOpcode;
use crate::adapters::registers::RegWriteCols;

#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct AuipcCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rd: RegWriteCols<T>,
    /// The 20-bit immediate (program operand `c`).
    pub imm: T,
    /// Bytes 1 and 2 of the pc (byte 0 is `rd.data[0]`, byte 3 is derived).
    pub pc_bytes: [T; 2],
    /// Bytes 2 and 3 of `imm << 12` (byte 0 is 0, byte 1 is derived).
    pub imm_bytes: [T; 2],
    pub is_valid: T,
}

tessera_arch::impl_columns!(AuipcCols);

/// The buses of the AUIPC AIR.
#[derive(Clone, Copy, Debug)]
pub struct AuipcBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub bitwise: BitwiseBus,
}

/// Interactions per row: execution 2, program 1, memory 2, timestamp range 1, bitwise 6.
#[derive(Clone, Copy, Debug)]
pub struct AuipcAir {
    pub buses: AuipcBuses,
}

impl<F: Field> BaseAir<F> for AuipcAir {
    fn width(&self) -> usize {
        AuipcCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for AuipcAir {}
impl<F: Field> PartitionedBaseAir<F> for AuipcAir {}

impl<AB: InteractionBuilder> Air<AB> for AuipcAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &AuipcCols<AB::Var> = row[..].borrow();
        let buses = &self.buses;
        let is_valid = cols.is_valid;
        builder.assert_bool(is_valid);
        let r = cols.rd.data;
        let [p1, p2] = cols.pc_bytes;
        let [q2, q3] = cols.imm_bytes;
        let byte = AB::Expr::from_u32(256);
        let inv = |bits: u32| AB::F::from_u32(1 << bits).inverse();
        // Derived bytes (zero on padding rows).
        let p3 =
            (cols.from_pc - r[0] - p1 * byte.clone() - p2 * AB::Expr::from_u32(1 << 16)) * inv(24);
        let q1 = cols.imm * AB::Expr::from_u32(16)
            - q2 * byte.clone()
            - q3 * AB::Expr::from_u32(1 << 16);
        let p = [p1.into(), p2.into(), p3.clone()];
        let q = [q1.clone(), q2.into(), q3.into()];
        let mut carry = AB::Expr::ZERO;
        for i in 0..3 {
            carry = (p[i].clone() + q[i].clone() + carry - r[i + 1]) * inv(8);
            builder.assert_bool(carry.clone());
        }

        buses.bitwise.xor(
            builder,
            r[0],
            AB::Expr::from_u32(3),
            r[0] + AB::Expr::from_u32(3),
            is_valid,
        );
        buses.bitwise.range_check(builder, r[1], r[2], is_valid);
        buses.bitwise.range_check(builder, r[3], p1, is_valid);
        buses.bitwise.range_check(builder, p2, p3, is_valid);
        buses.bitwise.range_check(builder, q1, q2, is_valid);
        buses.bitwise.range_check(
            builder,
            q3,
            cols.rd.pointer - AB::Expr::from_u32(4),
            is_valid,
        );

        cols.rd
            .eval(builder, &buses.memory, cols.from_timestamp, is_valid);
        buses.program.lookup_instruction(
            builder,
            cols.from_pc,
            AB::Expr::from_u32(AuipcOpcode::AUIPC.global().as_u32()),
            [
                cols.rd.pointer.into(),
                AB::Expr::ZERO,
                cols.imm.into(),
                AB::Expr::from_u32(address_space::REGISTER),
                AB::Expr::ZERO,
                AB::Expr::ZERO,
                AB::Expr::ZERO,
            ],
            is_valid,
        );
        buses.execution.execute(
            builder,
            is_valid,
            ExecutionState::new(cols.from_pc, cols.from_timestamp),
            ExecutionState::<AB::Expr>::new(
                cols.from_pc + AB::Expr::from_u32(4),
                cols.from_timestamp + AB::Expr::ONE,
            ),
        );
    }
}
