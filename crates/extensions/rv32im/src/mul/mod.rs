//! MUL: the low 32 bits of the product.
mod air;
#[cfg(test)]
mod circuit_tests;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::MulOpcode;
pub use air::{MulAir, MulCols};
pub use trace::{MulChip, MulRecord};

/// Executor of MUL.
pub type MulExecutor = crate::adapters::AluExecutor<MulOpcode>;
