use crate::adapters::{AluFamily, AluForms};

crate::local_opcode! {
    /// Set-less-than opcodes.
    pub enum LessThanOpcode: 0x120 { SLT, SLTU }
}

impl AluFamily for LessThanOpcode {
    const FORMS: AluForms = AluForms::Both;

    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        match self {
            Self::SLT => ((x as i32) < (y as i32)) as u32,
            Self::SLTU => (x < y) as u32,
        }
    }
}
