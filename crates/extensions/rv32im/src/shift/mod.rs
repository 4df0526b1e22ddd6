//! SLL, SRL, SRA (register and immediate forms). Only the low 5 bits of the amount count.
mod air;
#[cfg(test)]
mod circuit_tests;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::ShiftOpcode;
pub use air::{ShiftAir, ShiftBuses, ShiftImmCols, ShiftRegCols};
pub use trace::{ShiftChip, ShiftRecord};

/// Executor of the shift family.
pub type ShiftExecutor = crate::adapters::AluExecutor<ShiftOpcode>;
