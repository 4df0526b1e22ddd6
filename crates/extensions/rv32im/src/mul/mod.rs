//! MUL: the low 32 bits of the product.
mod core;
#[cfg(test)]
mod tests;

pub use self::core::MulOpcode;

/// Executor of MUL.
pub type MulExecutor = crate::adapters::AluExecutor<MulOpcode>;
