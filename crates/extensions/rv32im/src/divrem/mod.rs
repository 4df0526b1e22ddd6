//! DIV, DIVU, REM, REMU with the RISC-V results for division by zero and `INT_MIN / -1`.
mod core;
#[cfg(test)]
mod tests;

pub use self::core::DivRemOpcode;

/// Executor of the division family.
pub type DivRemExecutor = crate::adapters::AluExecutor<DivRemOpcode>;
