//! The one-operand opcodes (count, extend, byte operations) and their semantics.

use tessera_system::kit::{AluFamily, AluForms};

crate::local_opcode! {
    /// The Zbb instructions of one source register. They are VM instructions of the kit's
    /// immediate form with the immediate 0 (`c = f = g = 0`, `e = 0`), which the semantics
    /// ignore.
    pub enum ZbbUnaryOpcode: 0x220 {
        /// Count leading zero bits (32 for 0).
        CLZ,
        /// Count trailing zero bits (32 for 0).
        CTZ,
        /// Count set bits.
        CPOP,
        /// Sign-extend the low byte.
        SEXT_B,
        /// Sign-extend the low halfword.
        SEXT_H,
        /// Zero-extend the low halfword.
        ZEXT_H,
        /// Each byte becomes `0xff` if it is non-zero, else `0x00`.
        ORC_B,
        /// Reverse the byte order.
        REV8,
    }
}

impl AluFamily for ZbbUnaryOpcode {
    /// The instructions are encoded in the immediate form (with immediate 0), the one form the
    /// circuit proves; the executor refuses a register form.
    const FORMS: AluForms = AluForms::Immediate;

    #[inline(always)]
    fn eval(self, x: u32, _y: u32) -> u32 {
        match self {
            Self::CLZ => x.leading_zeros(),
            Self::CTZ => x.trailing_zeros(),
            Self::CPOP => x.count_ones(),
            Self::SEXT_B => x as u8 as i8 as i32 as u32,
            Self::SEXT_H => x as u16 as i16 as i32 as u32,
            Self::ZEXT_H => x & 0xffff,
            Self::ORC_B => {
                u32::from_le_bytes(x.to_le_bytes().map(|b| if b == 0 { 0 } else { 0xff }))
            }
            Self::REV8 => x.swap_bytes(),
        }
    }
}
