//! ANDN, ORN, XNOR: logic with a negated operand (register form).
mod air;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::ZbbLogicOpcode;
pub use air::{ZbbLogicAir, ZbbLogicCols};
pub use trace::ZbbLogicChip;

/// Executor of the logic family (the kit's, specialised per opcode).
pub type ZbbLogicExecutor = tessera_system::kit::AluExecutor<ZbbLogicOpcode>;
