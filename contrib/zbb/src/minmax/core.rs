//! The minimum and maximum opcodes and their semantics.

use tessera_system::kit::{AluFamily, AluForms};

crate::local_opcode! {
    /// `min`, `max` (signed), `minu`, `maxu` (unsigned); register form only.
    pub enum ZbbMinMaxOpcode: 0x210 {
        /// The smaller of `rs1` and `rs2` as signed integers.
        MIN,
        /// The larger of `rs1` and `rs2` as signed integers.
        MAX,
        /// The smaller of `rs1` and `rs2` as unsigned integers.
        MINU,
        /// The larger of `rs1` and `rs2` as unsigned integers.
        MAXU,
    }
}

impl ZbbMinMaxOpcode {
    /// Whether the opcode compares signed integers.
    pub fn is_signed(self) -> bool {
        matches!(self, Self::MIN | Self::MAX)
    }

    /// Whether the opcode returns the smaller operand.
    pub fn is_min(self) -> bool {
        matches!(self, Self::MIN | Self::MINU)
    }
}

impl AluFamily for ZbbMinMaxOpcode {
    const FORMS: AluForms = AluForms::Register;

    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        match self {
            Self::MIN => (x as i32).min(y as i32) as u32,
            Self::MAX => (x as i32).max(y as i32) as u32,
            Self::MINU => x.min(y),
            Self::MAXU => x.max(y),
        }
    }
}
