use crate::adapters::{AluFamily, AluForms};

crate::local_opcode! {
    /// Shift opcodes.
    pub enum ShiftOpcode: 0x110 { SLL, SRL, SRA }
}

impl AluFamily for ShiftOpcode {
    const FORMS: AluForms = AluForms::Both;

    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        let amount = y & 31;
        match self {
            Self::SLL => x << amount,
            Self::SRL => x >> amount,
            Self::SRA => ((x as i32) >> amount) as u32,
        }
    }
}
