use crate::adapters::{AluFamily, AluForms};

crate::local_opcode! {
    /// Division and remainder opcodes.
    pub enum DivRemOpcode: 0x150 { DIV, DIVU, REM, REMU }
}

impl AluFamily for DivRemOpcode {
    const FORMS: AluForms = AluForms::Register;

    /// RISC-V defines every case: `x / 0` is all ones (-1), `x % 0` is `x`, and
    /// `INT_MIN / -1` overflows to `INT_MIN` with remainder 0. No trap.
    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        let (sx, sy) = (x as i32, y as i32);
        match self {
            Self::DIV if y == 0 => u32::MAX,
            Self::DIV => sx.wrapping_div(sy) as u32,
            Self::DIVU => x.checked_div(y).unwrap_or(u32::MAX),
            Self::REM if y == 0 => x,
            Self::REM => sx.wrapping_rem(sy) as u32,
            Self::REMU => x.checked_rem(y).unwrap_or(x),
        }
    }
}
