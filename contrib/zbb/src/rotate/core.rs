//! The rotation opcodes and their semantics.

use tessera_system::kit::{AluFamily, AluForms};

crate::local_opcode! {
    /// `rol`, `ror` (register form) and `rori` (`ROR` in the immediate form, the immediate
    /// being the 5-bit shift amount).
    pub enum ZbbRotateOpcode: 0x230 {
        /// Rotate left by `rs2 mod 32`.
        ROL,
        /// Rotate right by `rs2 mod 32` (or by the immediate `shamt`).
        ROR,
    }
}

impl AluFamily for ZbbRotateOpcode {
    const FORMS: AluForms = AluForms::Both;

    #[inline(always)]
    fn eval(self, x: u32, y: u32) -> u32 {
        // `rotate_*` take the amount modulo 32 themselves; the mask states the ISA's rule.
        match self {
            Self::ROL => x.rotate_left(y & 31),
            Self::ROR => x.rotate_right(y & 31),
        }
    }
}
