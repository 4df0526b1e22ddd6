//! The branch AIRs: branch-equal (BEQ, BNE) and branch-less-than (BLT, BLTU, BGE, BGEU).
//!
//! Both read `rs1` at `ts` and `rs2` at `ts + 1` (the next instruction starts at `ts + 2`) and
//! go to `from_pc + imm` if the branch is taken, to `from_pc + 4` otherwise. `imm` is the
//! program's operand `c` (a signed field element): the program lookup fixes it, so it needs
//! no decomposition.
//!
//! Misaligned targets. The transpiler emits even offsets, so a taken branch may target
//! `pc + 2`, where the executor faults. The AIR does not check alignment: the row that would
//! start at the misaligned pc must look its instruction up in the program table, which only
//! holds pcs `pc_base + 4 i`, so nothing can execute there (see the `misaligned` tests). A
//! segment can still *end* at such a pc (the connector's final pc is a public value): no
//! following segment can start there for the same reason, and a terminating segment ends at its
//! exiting `ecall`, whose pc is in the program.

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

use tessera_system::primitives::{IsEqualCols, IsLessThanCols};

use super::{BranchEqualOpcode, BranchLessThanOpcode};
use crate::adapters::registers::RegReadCols;

/// The buses a branch AIR uses (branch-equal makes no bitwise lookup).
#[derive(Clone, Copy, Debug)]
pub struct BranchBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub bitwise: BitwiseBus,
}

/// BEQ / BNE. `flags = [beq, bne]` (at most one set, none on padding rows).
///
/// Equality: the [`IsEqualCols`] gadget over the bytes of `x` and `y` (bytes, since every limb
/// on the memory bus is a byte), with the result `eq = beq * taken + bne * (1 - taken)`
/// (whether the row claims `x == y`) and condition `is_valid`: one inverse column.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BranchEqualCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    /// The signed offset (program operand `c`).
    pub imm: T,
    pub flags: [T; 2],
    /// Whether the branch is taken.
    pub taken: T,
    pub is_equal: IsEqualCols<T>,
}

/// BLT / BLTU / BGE / BGEU. `flags` in the order of [`BranchLessThanOpcode`]: BLT, BLTU, BGE,
/// BGEU.
///
/// The comparison `cmp_lt = (x < y)` (signed for BLT/BGE): `x_msb`, `y_msb` are the top bytes
/// as the signed (BLT/BGE, in `[-128, 128)`) or unsigned (`[0, 256)`) most significant limb,
/// and the [`IsLessThanCols`] gadget compares `(x_msb, x_2, x_1, x_0)` with `(y_msb, y_2, y_1,
/// y_0)`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BranchLessThanCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    /// The signed offset (program operand `c`).
    pub imm: T,
    pub flags: [T; 4],
    /// Whether the branch is taken.
    pub taken: T,
    /// `x < y` (signed or unsigned per the opcode).
    pub cmp_lt: T,
    pub x_msb: T,
    pub y_msb: T,
    pub compare: IsLessThanCols<T, MEMORY_BLOCK>,
}

tessera_arch::impl_columns!(BranchEqualCols);
tessera_arch::impl_columns!(BranchLessThanCols);

/// The BEQ/BNE AIR. Interactions per row: execution 2, program 1, memory 4, timestamp range 2.
#[derive(Clone, Copy, Debug)]
pub struct BranchEqualAir {
    pub buses: BranchBuses,
}

/// The BLT/BLTU/BGE/BGEU AIR. Interactions per row: execution 2, program 1, memory 4,
/// timestamp range 2, bitwise 2.
#[derive(Clone, Copy, Debug)]
pub struct BranchLessThanAir {
    pub buses: BranchBuses,
}

impl<F: Field> BaseAir<F> for BranchEqualAir {
    fn width(&self) -> usize {
        BranchEqualCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for BranchEqualAir {}
impl<F: Field> PartitionedBaseAir<F> for BranchEqualAir {}

impl<F: Field> BaseAir<F> for BranchLessThanAir {
    fn width(&self) -> usize {
        BranchLessThanCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for BranchLessThanAir {}
impl<F: Field> PartitionedBaseAir<F> for BranchLessThanAir {}

/// One-hot opcode flags: each boolean, their sum (`is_valid`) boolean. Returns `is_valid` and
/// the opcode expression.
fn eval_flags<AB: InteractionBuilder, O: LocalOpcode>(
    builder: &mut AB,
    flags: &[AB::Var],
) -> (AB::Expr, AB::Expr) {
    assert_eq!(flags.len(), O::ALL.len());
    for &flag in flags {
        builder.assert_bool(flag);
    }
    let is_valid = flags.iter().fold(AB::Expr::ZERO, |acc, &f| acc + f);
    builder.assert_bool(is_valid.clone());
    let opcode = O::ALL
        .iter()
        .zip(flags)
        .fold(AB::Expr::ZERO, |acc, (op, &flag)| {
            acc + flag * AB::Expr::from_u32(op.global().as_u32())
        });
    (is_valid, opcode)
}

/// The adapter part shared by both AIRs: the two register reads, the program lookup
/// `(from_pc, opcode, 4 rs1, 4 rs2, imm, 1, 1, 0, 0)` and the execution step to
/// `(taken ? from_pc + imm : from_pc + 4, ts + 2)`.
#[allow(clippy::too_many_arguments)]
fn eval_adapter<AB: InteractionBuilder>(
    builder: &mut AB,
    buses: &BranchBuses,
    from_pc: AB::Var,
    from_timestamp: AB::Var,
    rs1: &RegReadCols<AB::Var>,
    rs2: &RegReadCols<AB::Var>,
    imm: AB::Var,
    taken: AB::Var,
    opcode: AB::Expr,
    is_valid: AB::Expr,
) {
    rs1.eval(builder, &buses.memory, from_timestamp, is_valid.clone());
    rs2.eval(
        builder,
        &buses.memory,
        from_timestamp + AB::Expr::ONE,
        is_valid.clone(),
    );
    buses.program.lookup_instruction(
        builder,
        from_pc,
        opcode,
        [
            rs1.pointer.into(),
            rs2.pointer.into(),
            imm.into(),
            AB::Expr::from_u32(address_space::REGISTER),
            AB::Expr::from_u32(address_space::REGISTER),
            AB::Expr::ZERO,
            AB::Expr::ZERO,
        ],
        is_valid.clone(),
    );
    let four = AB::Expr::from_u32(4);
    let to_pc = from_pc + four.clone() + taken * (imm - four);
    buses.execution.execute(
        builder,
        is_valid,
        ExecutionState::new(from_pc, from_timestamp),
        ExecutionState::<AB::Expr>::new(to_pc, from_timestamp + AB::Expr::TWO),
    );
}

impl<AB: InteractionBuilder> Air<AB> for BranchEqualAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &BranchEqualCols<AB::Var> = row[..].borrow();
        let (is_valid, opcode) = eval_flags::<AB, BranchEqualOpcode>(builder, &cols.flags);
        let [beq, bne] = cols.flags;
        // Implied on real rows by the two constraints below (they pin `eq`); kept so that
        // `taken` is a clean boolean for the execution message.
        builder.assert_bool(cols.taken);
        let eq = beq * cols.taken + bne * (AB::Expr::ONE - cols.taken);
        // On padding rows (no flag) `eq = 0` and the all-zero row satisfies it.
        cols.is_equal.eval(
            builder,
            cols.rs1.data.map(Into::into),
            cols.rs2.data.map(Into::into),
            eq,
            is_valid.clone(),
        );
        eval_adapter(
            builder,
            &self.buses,
            cols.from_pc,
            cols.from_timestamp,
            &cols.rs1,
            &cols.rs2,
            cols.imm,
            cols.taken,
            opcode,
            is_valid,
        );
    }
}

impl<AB: InteractionBuilder> Air<AB> for BranchLessThanAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &BranchLessThanCols<AB::Var> = row[..].borrow();
        let (is_valid, opcode) = eval_flags::<AB, BranchLessThanOpcode>(builder, &cols.flags);
        let [blt, bltu, bge, bgeu] = cols.flags;
        let lt = blt + bltu;
        let ge = bge + bgeu;
        let signed = blt + bge;
        let (x, y) = (cols.rs1.data, cols.rs2.data);

        // taken = cmp_lt for BLT/BLTU, 1 - cmp_lt for BGE/BGEU (so cmp_lt = 0 on padding).
        builder.assert_bool(cols.taken);
        builder.assert_bool(cols.cmp_lt);
        builder.assert_eq(
            cols.cmp_lt,
            cols.taken * lt + (AB::Expr::ONE - cols.taken) * ge,
        );

        // The most significant limbs: x_msb + 128 * signed and y_msb + 128 * signed are bytes,
        // and x_3 - x_msb is 0 or 256. Unsigned: x_msb in [0, 256) so x_msb = x_3. Signed:
        // x_msb in [-128, 128), so x_msb = x_3 if x_3 < 128, x_3 - 256 otherwise.
        let half = AB::Expr::from_u32(128);
        let byte = AB::Expr::from_u32(256);
        for (top, msb) in [(x[3], cols.x_msb), (y[3], cols.y_msb)] {
            builder.assert_zero((top - msb) * (top - msb - byte.clone()));
        }
        self.buses.bitwise.range_check(
            builder,
            cols.x_msb + half.clone() * signed.clone(),
            cols.y_msb + half * signed,
            is_valid.clone(),
        );

        // The comparison of (x_msb, x_2, x_1, x_0) and (y_msb, y_2, y_1, y_0); its byte lookup
        // goes alone (the msb pair fills the other message).
        let limbs = |data: [AB::Var; MEMORY_BLOCK], msb: AB::Var| -> [AB::Expr; MEMORY_BLOCK] {
            std::array::from_fn(|i| {
                if i == MEMORY_BLOCK - 1 {
                    msb.into()
                } else {
                    data[i].into()
                }
            })
        };
        let diff_byte = cols.compare.eval(
            builder,
            limbs(x, cols.x_msb),
            limbs(y, cols.y_msb),
            cols.cmp_lt,
            is_valid.clone(),
        );
        self.buses
            .bitwise
            .range_check(builder, diff_byte, AB::Expr::ZERO, is_valid.clone());

        eval_adapter(
            builder,
            &self.buses,
            cols.from_pc,
            cols.from_timestamp,
            &cols.rs1,
            &cols.rs2,
            cols.imm,
            cols.taken,
            opcode,
            is_valid,
        );
    }
}
