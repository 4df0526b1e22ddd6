//! ADD, SUB, XOR, OR, AND (register and immediate forms).
mod core;
#[cfg(test)]
mod tests;

pub use self::core::BaseAluOpcode;

/// Executor of the base ALU family.
pub type BaseAluExecutor = crate::adapters::AluExecutor<BaseAluOpcode>;
