//! The JAL/LUI AIRs: JAL and LUI with a destination (`rd != x0`), which write `rd`, and JAL
//! with `rd = x0` (`j`), which writes nothing. Separate AIRs rather than a "writes rd" flag: a
//! disabled access costs as much as an enabled one.
//!
//! The written word. `rd` gets `pc + 4` (JAL) or `imm << 12` (LUI) as four bytes `r_i`. The
//! AIR checks `V = sum r_i 256^i` against the value in the field and looks up
//! `(r_0, 3, r_0 + 3)` in the XOR table (so `r_0` is a byte and a multiple of 4: `r ^ 3 = r + 3`
//! iff the two low bits of `r` are zero) and `(r_1, r_2)`, `(r_3, rd_pointer - 4)` as byte
//! pairs. Both honest values are multiples of 4, and below `2^32` as integers; a second
//! 4-byte word `V'` with `V' = V (mod p)` would differ from `V` by `k p` with `|k| <= 2`
//! (`3p > 2^32`), and `k p` is a multiple of 4 only for `k = 0` (`p = 1 mod 4`). So the bytes are
//! the value's, with no decomposition of the pc or of the immediate (which the program fixes).
//! This assumes program pcs are below `p` (they are field elements of the program table).
//!
//! `x0`. The pair `(r_3, rd_pointer - 4)` also proves `rd_pointer >= 4`: a JAL with `rd = x0`
//! cannot use the linking AIR to write `x0` (the transpiler turns LUI to `x0` into NOP, and keeps
//! JAL to `x0`, which the jump AIR proves). The program lookup fixes `rd_pointer` to `4 * rd`.

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

use super::JalLuiOpcode;
use crate::adapters::registers::RegWriteCols;

/// JAL or LUI writing `rd != x0`. `flags = [jal, lui]` (at most one, none on padding rows).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct JalLuiCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rd: RegWriteCols<T>,
    /// Program operand `c`: the signed offset (JAL) or the 20-bit immediate (LUI).
    pub imm: T,
    pub flags: [T; 2],
}

/// JAL with `rd = x0`: a jump by the signed offset `imm`, no memory access.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct JumpCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub imm: T,
    pub is_valid: T,
}

tessera_arch::impl_columns!(JalLuiCols);
tessera_arch::impl_columns!(JumpCols);

/// The buses of the JAL/LUI AIRs (the jump AIR uses execution and program only).
#[derive(Clone, Copy, Debug)]
pub struct JalLuiBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub bitwise: BitwiseBus,
}

/// JAL/LUI with a destination. Interactions per row: execution 2, program 1, memory 2,
/// timestamp range 1, bitwise 3.
#[derive(Clone, Copy, Debug)]
pub struct JalLuiAir {
    pub buses: JalLuiBuses,
}

/// JAL to `x0`. Interactions per row: execution 2, program 1.
#[derive(Clone, Copy, Debug)]
pub struct JumpAir {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
}

impl<F: Field> BaseAir<F> for JalLuiAir {
    fn width(&self) -> usize {
        JalLuiCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for JalLuiAir {}
impl<F: Field> PartitionedBaseAir<F> for JalLuiAir {}

impl<F: Field> BaseAir<F> for JumpAir {
    fn width(&self) -> usize {
        JumpCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for JumpAir {}
impl<F: Field> PartitionedBaseAir<F> for JumpAir {}

impl<AB: InteractionBuilder> Air<AB> for JalLuiAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &JalLuiCols<AB::Var> = row[..].borrow();
        let buses = &self.buses;
        let [jal, lui] = cols.flags;
        builder.assert_bool(jal);
        builder.assert_bool(lui);
        let is_valid = jal + lui;
        builder.assert_bool(is_valid.clone());
        let opcode = jal * AB::Expr::from_u32(JalLuiOpcode::JAL.global().as_u32())
            + lui * AB::Expr::from_u32(JalLuiOpcode::LUI.global().as_u32());

        // The written value (zero on padding rows, where both flags are zero).
        let r = cols.rd.data;
        let value = (0..4).rev().fold(AB::Expr::ZERO, |acc, i| {
            acc * AB::Expr::from_u32(256) + r[i]
        });
        let four = AB::Expr::from_u32(4);
        builder.assert_eq(
            value,
            jal * (cols.from_pc + four.clone()) + lui * cols.imm * AB::Expr::from_u32(1 << 12),
        );
        buses.bitwise.xor(
            builder,
            r[0],
            AB::Expr::from_u32(3),
            r[0] + AB::Expr::from_u32(3),
            is_valid.clone(),
        );
        buses
            .bitwise
            .range_check(builder, r[1], r[2], is_valid.clone());
        buses.bitwise.range_check(
            builder,
            r[3],
            cols.rd.pointer - four.clone(),
            is_valid.clone(),
        );

        cols.rd.eval(
            builder,
            &buses.memory,
            cols.from_timestamp,
            is_valid.clone(),
        );
        buses.program.lookup_instruction(
            builder,
            cols.from_pc,
            opcode,
            [
                cols.rd.pointer.into(),
                AB::Expr::ZERO,
                cols.imm.into(),
                AB::Expr::from_u32(address_space::REGISTER),
                AB::Expr::ZERO,
                AB::Expr::ZERO,
                AB::Expr::ZERO,
            ],
            is_valid.clone(),
        );
        // JAL goes to pc + imm, LUI to pc + 4.
        let to_pc = cols.from_pc + four.clone() + jal * (cols.imm - four);
        buses.execution.execute(
            builder,
            is_valid,
            ExecutionState::new(cols.from_pc, cols.from_timestamp),
            ExecutionState::<AB::Expr>::new(to_pc, cols.from_timestamp + AB::Expr::ONE),
        );
    }
}

impl<AB: InteractionBuilder> Air<AB> for JumpAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &JumpCols<AB::Var> = row[..].borrow();
        builder.assert_bool(cols.is_valid);
        // `a = 0`: only a JAL to x0 matches.
        self.program.lookup_instruction(
            builder,
            cols.from_pc,
            AB::Expr::from_u32(JalLuiOpcode::JAL.global().as_u32()),
            [
                AB::Expr::ZERO,
                AB::Expr::ZERO,
                cols.imm.into(),
                AB::Expr::from_u32(address_space::REGISTER),
                AB::Expr::ZERO,
                AB::Expr::ZERO,
                AB::Expr::ZERO,
            ],
            cols.is_valid,
        );
        self.execution.execute(
            builder,
            cols.is_valid,
            ExecutionState::new(cols.from_pc, cols.from_timestamp),
            ExecutionState::<AB::Expr>::new(cols.from_pc + cols.imm, cols.from_timestamp),
        );
    }
}
