//! SLT, SLTU (register and immediate forms).
mod core;
#[cfg(test)]
mod tests;

pub use self::core::LessThanOpcode;

/// Executor of the set-less-than family.
pub type LessThanExecutor = crate::adapters::AluExecutor<LessThanOpcode>;
