use crate::adapters::{AluFamily, AluForms};

crate::local_opcode! {
    /// High-multiply opcodes.
    pub enum MulHOpcode: 0x140 { MULH, MULHSU, MULHU }
}

impl AluFamily for MulHOpcode {
    const FORMS: AluForms = AluForms::Register;

    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        let product = match self {
            Self::MULH => (x as i32 as i64).wrapping_mul(y as i32 as i64) as u64,
            Self::MULHSU => (x as i32 as i64).wrapping_mul(y as i64) as u64,
            Self::MULHU => (x as u64) * (y as u64),
        };
        (product >> 32) as u32
    }
}
