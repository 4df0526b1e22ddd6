crate::local_opcode! {
    /// Load and store opcodes.
    pub enum LoadStoreOpcode: 0x160 { LOADW, LOADBU, LOADHU, STOREW, STOREH, STOREB, LOADB, LOADH }
}

impl LoadStoreOpcode {
    /// Whether the opcode writes memory (operand `a` is then the source register).
    pub fn is_store(self) -> bool {
        matches!(self, Self::STOREW | Self::STOREH | Self::STOREB)
    }

    /// The register value a load produces from the bytes it read (sign or zero extension).
    #[inline(always)]
    pub fn extend(self, bytes: &[u8]) -> u32 {
        match (self, bytes.len()) {
            (Self::LOADB, 1) => bytes[0] as i8 as i32 as u32,
            (Self::LOADH, 2) => i16::from_le_bytes([bytes[0], bytes[1]]) as i32 as u32,
            (_, 1) => bytes[0] as u32,
            (_, 2) => u16::from_le_bytes([bytes[0], bytes[1]]) as u32,
            _ => u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        }
    }
}
