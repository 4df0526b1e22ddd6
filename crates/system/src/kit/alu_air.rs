//! The circuit adapter of the two-operand register instructions: the part of a row that is the
//! same for every ALU-like chip (execution step, program lookup, register accesses), so that each
//! chip's AIR only states its arithmetic.

use openvm_stark_backend::{interaction::InteractionBuilder, p3_field::PrimeCharacteristicRing};
use tessera_arch::{
    address_space,
    bus::{ExecutionBus, ExecutionState, MemoryBridge, ProgramBus},
};

use super::registers::{RegReadCols, RegWriteCols};

/// The buses an instruction row's adapter uses.
#[derive(Clone, Copy, Debug)]
pub struct AdapterBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
}

/// What the core tells the adapter about its row.
pub struct AdapterRow<AB: InteractionBuilder> {
    pub from_pc: AB::Var,
    pub from_timestamp: AB::Var,
    pub opcode: AB::Expr,
    pub is_valid: AB::Expr,
}

/// `rd = rs1 op rs2`: reads `rs1` at `ts`, `rs2` at `ts + 1`, writes `rd` at `ts + 2`; the
/// program holds `(opcode, rd, rs1, rs2, 1, 1, 0, 0)`; the pc moves by 4 and time by 3.
pub fn eval_reg_reg<AB: InteractionBuilder>(
    builder: &mut AB,
    buses: &AdapterBuses,
    row: AdapterRow<AB>,
    rs1: &RegReadCols<AB::Var>,
    rs2: &RegReadCols<AB::Var>,
    rd: &RegWriteCols<AB::Var>,
) {
    let register = AB::Expr::from_u32(address_space::REGISTER);
    eval(
        builder,
        buses,
        row,
        rs1,
        Some(rs2),
        rd,
        [
            rs2.pointer.into(),
            register.clone(),
            register,
            AB::Expr::ZERO,
            AB::Expr::ZERO,
        ],
    );
}

/// `rd = rs1 op imm`: reads `rs1` at `ts`, writes `rd` at `ts + 1`; the program holds
/// `(opcode, rd, rs1, c, 1, 0, f, g)` where `c`, `f`, `g` are the immediate's operands (see the
/// transpiler); the pc moves by 4 and time by 2.
pub fn eval_reg_imm<AB: InteractionBuilder>(
    builder: &mut AB,
    buses: &AdapterBuses,
    row: AdapterRow<AB>,
    rs1: &RegReadCols<AB::Var>,
    [c, f, g]: [AB::Expr; 3],
    rd: &RegWriteCols<AB::Var>,
) {
    let spaces = [
        AB::Expr::from_u32(address_space::REGISTER),
        AB::Expr::from_u32(address_space::IMMEDIATE),
    ];
    let [d, e] = spaces;
    eval(builder, buses, row, rs1, None, rd, [c, d, e, f, g]);
}

fn eval<AB: InteractionBuilder>(
    builder: &mut AB,
    buses: &AdapterBuses,
    row: AdapterRow<AB>,
    rs1: &RegReadCols<AB::Var>,
    rs2: Option<&RegReadCols<AB::Var>>,
    rd: &RegWriteCols<AB::Var>,
    [c, d, e, f, g]: [AB::Expr; 5],
) {
    let AdapterRow {
        from_pc,
        from_timestamp: ts,
        opcode,
        is_valid,
    } = row;
    let mut next = ts.into();
    rs1.eval(builder, &buses.memory, next.clone(), is_valid.clone());
    next += AB::Expr::ONE;
    if let Some(rs2) = rs2 {
        rs2.eval(builder, &buses.memory, next.clone(), is_valid.clone());
        next += AB::Expr::ONE;
    }
    rd.eval(builder, &buses.memory, next.clone(), is_valid.clone());
    next += AB::Expr::ONE;
    buses.program.lookup_instruction(
        builder,
        from_pc,
        opcode,
        [rd.pointer.into(), rs1.pointer.into(), c, d, e, f, g],
        is_valid.clone(),
    );
    buses.execution.execute(
        builder,
        is_valid,
        ExecutionState::new(from_pc, ts),
        ExecutionState::<AB::Expr>::new(from_pc + AB::Expr::from_u32(4), next),
    );
}
