//! DIV, DIVU, REM, REMU with the RISC-V results for division by zero and `INT_MIN / -1`.
mod air;
#[cfg(test)]
mod circuit_tests;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::DivRemOpcode;
pub use air::{DivRemAir, DivRemCols};
pub use trace::{DivRemChip, DivRemRecord};

/// Executor of the division family.
pub type DivRemExecutor = crate::adapters::AluExecutor<DivRemOpcode>;
