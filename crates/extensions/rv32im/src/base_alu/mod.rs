//! ADD, SUB, XOR, OR, AND (register and immediate forms).
mod air;
#[cfg(test)]
mod circuit_tests;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::BaseAluOpcode;
pub use air::{AluKind, BaseAluAir, BaseAluBuses, BaseAluImmCols, BaseAluRegCols};
pub use trace::{AluOperand, BaseAluChip, BaseAluRecord};

/// Executor of the base ALU family.
pub type BaseAluExecutor = crate::adapters::AluExecutor<BaseAluOpcode>;
