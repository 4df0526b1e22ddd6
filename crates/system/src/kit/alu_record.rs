//! The record of the two-operand register instructions (`rd = rs1 op rs2` or `rs1 op imm`):
//! one record type for every [`AluFamily`], which [`AluExecutor`](super::AluExecutor)'s handler
//! makes in preflight from the accesses `rs1`, `rs2`, `rd`.

use tessera_arch::execution::tracing_memory::AccessRecord;

use super::AluFamily;

/// The second operand of an ALU-like instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOperand {
    /// Register index.
    Register(u32),
    /// The sign-extended immediate.
    Immediate(u32),
}

/// What trace generation needs from one executed ALU-like instruction.
#[derive(Clone, Copy, Debug)]
pub struct AluRecord<O> {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub opcode: O,
    pub rd: u32,
    pub rs1: u32,
    pub operand: AluOperand,
    pub rs1_read: AccessRecord,
    pub rs2_read: Option<AccessRecord>,
    pub rd_write: AccessRecord,
}

impl<O: AluFamily> AluRecord<O> {
    /// The first operand's value.
    pub fn x(&self) -> u32 {
        u32::from_le_bytes(self.rs1_read.prev.data)
    }

    /// The second operand's value (register or sign-extended immediate).
    pub fn y(&self) -> u32 {
        match (self.operand, self.rs2_read) {
            (AluOperand::Immediate(imm), _) => imm,
            (AluOperand::Register(_), Some(read)) => u32::from_le_bytes(read.prev.data),
            (AluOperand::Register(_), None) => unreachable!("register operands are read"),
        }
    }

    /// The result, by the family's semantics.
    pub fn z(&self) -> u32 {
        self.opcode.eval(self.x(), self.y())
    }
}
