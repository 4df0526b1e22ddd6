//! CLZ, CTZ, CPOP, SEXT.B, SEXT.H, ZEXT.H, ORC.B, REV8 (one source register).
mod air;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::ZbbUnaryOpcode;
pub use air::{ZbbUnaryAir, ZbbUnaryCols};
pub use trace::ZbbUnaryChip;

/// Executor of the one-operand family (the kit's, specialised per opcode; the immediate is 0).
pub type ZbbUnaryExecutor = tessera_system::kit::AluExecutor<ZbbUnaryOpcode>;
