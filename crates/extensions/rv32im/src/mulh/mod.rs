//! MULH, MULHSU, MULHU: the high 32 bits of the 64-bit product.
mod air;
#[cfg(test)]
mod circuit_tests;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::MulHOpcode;
pub use air::{MulHAir, MulHCols};
pub use trace::{MulHChip, MulHRecord};

/// Executor of the MULH family.
pub type MulHExecutor = crate::adapters::AluExecutor<MulHOpcode>;
