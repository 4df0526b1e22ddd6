//! Preflight of the two-operand register instructions (`rd = rs1 op rs2` or `rs1 op imm`):
//! one record type and one preflight function for every [`AluFamily`].

use tessera_arch::{
    address_space::REGISTER,
    bus::MEMORY_BLOCK,
    execution::tracing_memory::{AccessRecord, TracingMemory},
};

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

/// Executes one ALU-like instruction on tracing memory (registers in address space 1) and
/// records it. The accesses happen in the order the AIRs constrain: `rs1`, `rs2`, then `rd`.
pub fn preflight<O: AluFamily, I: Fn(u32, u32) -> [u8; MEMORY_BLOCK]>(
    memory: &mut TracingMemory<I>,
    from_pc: u32,
    opcode: O,
    rd: u32,
    rs1: u32,
    operand: AluOperand,
) -> AluRecord<O> {
    debug_assert!(rd != 0, "the transpiler turns writes to x0 into NOP");
    let from_timestamp = memory.timestamp;
    let (x, rs1_read) = memory.read(REGISTER, 4 * rs1);
    let (y, rs2_read) = match operand {
        AluOperand::Register(rs2) => {
            let (y, record) = memory.read(REGISTER, 4 * rs2);
            (u32::from_le_bytes(y), Some(record))
        }
        AluOperand::Immediate(imm) => (imm, None),
    };
    let z = opcode.eval(u32::from_le_bytes(x), y);
    let rd_write = memory.write(REGISTER, 4 * rd, z.to_le_bytes());
    AluRecord {
        from_pc,
        from_timestamp,
        opcode,
        rd,
        rs1,
        operand,
        rs1_read,
        rs2_read,
        rd_write,
    }
}
