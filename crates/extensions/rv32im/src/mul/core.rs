use crate::adapters::{AluFamily, AluForms};

crate::local_opcode! {
    /// The MUL opcode.
    pub enum MulOpcode: 0x130 { MUL }
}

impl AluFamily for MulOpcode {
    const FORMS: AluForms = AluForms::Register;

    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        x.wrapping_mul(y)
    }
}
