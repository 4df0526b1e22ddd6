//! The logic-with-negate opcodes and their semantics.

use tessera_system::kit::{AluFamily, AluForms};

crate::local_opcode! {
    /// `andn`, `orn`, `xnor` (register form only).
    pub enum ZbbLogicOpcode: 0x200 {
        /// `rd = rs1 & !rs2`.
        ANDN,
        /// `rd = rs1 | !rs2`.
        ORN,
        /// `rd = !(rs1 ^ rs2)`.
        XNOR,
    }
}

impl AluFamily for ZbbLogicOpcode {
    const FORMS: AluForms = AluForms::Register;

    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        match self {
            Self::ANDN => x & !y,
            Self::ORN => x | !y,
            Self::XNOR => !(x ^ y),
        }
    }
}
