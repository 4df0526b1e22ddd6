use tessera_arch::LocalOpcode;

crate::local_opcode! {
    /// Branch-if-(not-)equal opcodes.
    pub enum BranchEqualOpcode: 0x170 { BEQ, BNE }
}

crate::local_opcode! {
    /// Branch-if-less-than / greater-or-equal opcodes.
    pub enum BranchLessThanOpcode: 0x180 { BLT, BLTU, BGE, BGEU }
}

/// A family of conditional branches comparing `rs1` with `rs2`.
pub trait BranchFamily: LocalOpcode + Send + Sync + 'static {
    /// Whether the branch is taken.
    fn taken(self, x: u32, y: u32) -> bool;
}

impl BranchFamily for BranchEqualOpcode {
    #[inline(always)]
    fn taken(self, x: u32, y: u32) -> bool {
        match self {
            Self::BEQ => x == y,
            Self::BNE => x != y,
        }
    }
}

impl BranchFamily for BranchLessThanOpcode {
    #[inline(always)]
    fn taken(self, x: u32, y: u32) -> bool {
        match self {
            Self::BLT => (x as i32) < (y as i32),
            Self::BLTU => x < y,
            Self::BGE => (x as i32) >= (y as i32),
            Self::BGEU => x >= y,
        }
    }
}
