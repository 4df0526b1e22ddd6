//! The JALR AIRs: with a destination (`rd != x0`, writes `pc + 4`) and without (`jalr x0`,
//! e.g. `ret`), separate AIRs since a disabled access costs as much as an enabled one.
//!
//! The target. `rs1`'s bytes `x_i` plus the sign-extended immediate's bytes
//! `y = [i_0, i_1, 255 s, 255 s]` is checked limb by limb with boolean carries against
//! `[t_0 + lsb, t_1, t_2, t_3]` (the final carry is the discarded overflow), so
//! `t + lsb = (x + imm) mod 2^32` with `lsb` boolean: `t = (x + imm) & !1` is the target and
//! `to_pc = sum t_i 256^i`. The immediate is the program's operand `c`, decomposed as
//! `c = i_0 + 256 i_1 - 65536 s` (unique for bytes `i_0, i_1` and boolean `s`, as `|c| < 2^11`).
//! The XOR lookup `(t_0, 3, t_0 + 3)` proves `t_0` is a byte and a multiple of 4: a target that
//! is not 4-byte aligned (where the executor faults) cannot be proven; and as a program pc is
//! a multiple of 4 below `p` and `p = 1 mod 4`, a target at or above `p` can never alias one.
//!
//! The link (as for JAL, see `crate::jal_lui`): the bytes `r_i` of `pc + 4` with `r_0` a multiple
//! of 4 (XOR lookup) and `(r_1, r_2)`, `(r_3, rd_pointer - 4)` byte pairs; the last pair also
//! proves `rd != x0`, so `jalr x0` cannot use the linking AIR to write `x0`.

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
    bus::{BitwiseBus, ExecutionBus, ExecutionState, MemoryBridge, ProgramBus, MEMORY_BLOCK},
    LocalOpcode,
};

use super::JalrOpcode;
use crate::adapters::registers::{RegReadCols, RegWriteCols};

/// JALR without a destination (`rd = x0`).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct JalrCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    /// The signed offset (program operand `c`).
    pub imm: T,
    /// `[i_0, i_1, s]`: the immediate's two low bytes and its sign.
    pub imm_bytes: [T; 3],
    /// The target's bytes.
    pub target: [T; MEMORY_BLOCK],
    /// Bit 0 of `rs1 + imm`, which JALR clears.
    pub lsb: T,
    pub is_valid: T,
}

/// JALR with a destination: [`JalrCols`] and the write of `rd`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct JalrLinkCols<T> {
    pub jump: JalrCols<T>,
    pub rd: RegWriteCols<T>,
}

tessera_arch::impl_columns!(JalrCols);
tessera_arch::impl_columns!(JalrLinkCols);

/// The buses of the JALR AIRs.
#[derive(Clone, Copy, Debug)]
pub struct JalrBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub bitwise: BitwiseBus,
}

/// `LINK = true`: `rd != x0`; interactions per row (16): execution 2, program 1, memory 4,
/// timestamp range 2, bitwise 7. `LINK = false` (10): `rd = x0`; execution 2, program 1, memory 2,
/// timestamp range 1, bitwise 4.
#[derive(Clone, Copy, Debug)]
pub struct JalrAir<const LINK: bool> {
    pub buses: JalrBuses,
}

impl<F: Field, const LINK: bool> BaseAir<F> for JalrAir<LINK> {
    fn width(&self) -> usize {
        if LINK {
            JalrLinkCols::<F>::WIDTH
        } else {
            JalrCols::<F>::WIDTH
        }
    }
}
impl<F: Field, const LINK: bool> BaseAirWithPublicValues<F> for JalrAir<LINK> {}
impl<F: Field, const LINK: bool> PartitionedBaseAir<F> for JalrAir<LINK> {}

impl<AB: InteractionBuilder, const LINK: bool> Air<AB> for JalrAir<LINK> {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let (cols, rd): (&JalrCols<AB::Var>, Option<&RegWriteCols<AB::Var>>) = if LINK {
            let link: &JalrLinkCols<AB::Var> = row[..].borrow();
            (&link.jump, Some(&link.rd))
        } else {
            (row[..].borrow(), None)
        };
        let buses = &self.buses;
        let is_valid = cols.is_valid;
        builder.assert_bool(is_valid);
        let four = AB::Expr::from_u32(4);
        let byte = AB::Expr::from_u32(256);

        // The immediate's bytes.
        let [i0, i1, sign] = cols.imm_bytes;
        builder.assert_bool(sign);
        builder.assert_eq(
            cols.imm,
            i0 + i1 * byte.clone() - sign * AB::Expr::from_u32(1 << 16),
        );
        let sign_byte = sign * AB::Expr::from_u32(0xff);
        let y = [i0.into(), i1.into(), sign_byte.clone(), sign_byte];

        // x + y = t + lsb (mod 2^32), limb by limb with boolean carries.
        builder.assert_bool(cols.lsb);
        let t = cols.target;
        let inv_256 = AB::F::from_u32(256).inverse();
        let mut carry = AB::Expr::ZERO;
        for i in 0..MEMORY_BLOCK {
            let sum = if i == 0 { t[0] + cols.lsb } else { t[i].into() };
            carry = (cols.rs1.data[i] + y[i].clone() + carry - sum) * inv_256;
            builder.assert_bool(carry.clone());
        }
        let to_pc = (0..MEMORY_BLOCK)
            .rev()
            .fold(AB::Expr::ZERO, |acc, i| acc * byte.clone() + t[i]);

        // Byte checks: t_0 aligned, t_1..t_3, i_0, i_1 (and the link's bytes).
        buses.bitwise.xor(
            builder,
            t[0],
            AB::Expr::from_u32(3),
            t[0] + AB::Expr::from_u32(3),
            is_valid,
        );
        buses.bitwise.range_check(builder, t[1], t[2], is_valid);
        buses.bitwise.range_check(builder, t[3], i0, is_valid);

        let ts = cols.from_timestamp;
        cols.rs1.eval(builder, &buses.memory, ts, is_valid);
        let (rd_pointer, accesses) = if let Some(rd) = rd {
            let r = rd.data;
            let value = (0..MEMORY_BLOCK)
                .rev()
                .fold(AB::Expr::ZERO, |acc, i| acc * byte.clone() + r[i]);
            // r = pc + 4 (zero on padding rows).
            builder.assert_eq(value, (cols.from_pc + four.clone()) * is_valid);
            buses
                .bitwise
                .range_check(builder, i1, rd.pointer - four.clone(), is_valid);
            buses.bitwise.xor(
                builder,
                r[0],
                AB::Expr::from_u32(3),
                r[0] + AB::Expr::from_u32(3),
                is_valid,
            );
            buses.bitwise.range_check(builder, r[1], r[2], is_valid);
            buses
                .bitwise
                .range_check(builder, r[3], AB::Expr::ZERO, is_valid);
            rd.eval(builder, &buses.memory, ts + AB::Expr::ONE, is_valid);
            (rd.pointer.into(), 2)
        } else {
            buses
                .bitwise
                .range_check(builder, i1, AB::Expr::ZERO, is_valid);
            (AB::Expr::ZERO, 1)
        };

        buses.program.lookup_instruction(
            builder,
            cols.from_pc,
            AB::Expr::from_u32(JalrOpcode::JALR.global().as_u32()),
            [
                rd_pointer,
                cols.rs1.pointer.into(),
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
            ExecutionState::new(cols.from_pc, ts),
            ExecutionState::<AB::Expr>::new(to_pc, ts + AB::Expr::from_u32(accesses)),
        );
    }
}
