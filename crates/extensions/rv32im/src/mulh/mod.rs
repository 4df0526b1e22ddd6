//! MULH, MULHSU, MULHU: the high 32 bits of the 64-bit product.
mod core;
#[cfg(test)]
mod tests;

pub use self::core::MulHOpcode;

/// Executor of the MULH family.
pub type MulHExecutor = crate::adapters::AluExecutor<MulHOpcode>;
