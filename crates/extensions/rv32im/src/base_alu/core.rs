use crate::adapters::{AluFamily, AluForms};

crate::local_opcode! {
    /// Base ALU opcodes.
    pub enum BaseAluOpcode: 0x100 { ADD, SUB, XOR, OR, AND }
}

impl AluFamily for BaseAluOpcode {
    const FORMS: AluForms = AluForms::Both;

    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        match self {
            Self::ADD => x.wrapping_add(y),
            Self::SUB => x.wrapping_sub(y),
            Self::XOR => x ^ y,
            Self::OR => x | y,
            Self::AND => x & y,
        }
    }
}
