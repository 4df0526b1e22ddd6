//! SLT, SLTU (register and immediate forms).
mod air;
#[cfg(test)]
mod circuit_tests;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::LessThanOpcode;
pub use air::{LessThanAir, LessThanBuses, LessThanImmCols, LessThanRegCols};
pub use trace::{LessThanChip, LessThanRecord};

/// Executor of the set-less-than family.
pub type LessThanExecutor = crate::adapters::AluExecutor<LessThanOpcode>;
