//! SLL, SRL, SRA (register and immediate forms). Only the low 5 bits of the amount count.
mod core;
#[cfg(test)]
mod tests;

pub use self::core::ShiftOpcode;

/// Executor of the shift family.
pub type ShiftExecutor = crate::adapters::AluExecutor<ShiftOpcode>;
