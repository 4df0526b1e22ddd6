//! MIN, MAX, MINU, MAXU (register form).
mod air;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::ZbbMinMaxOpcode;
pub use air::{ZbbMinMaxAir, ZbbMinMaxCols};
pub use trace::ZbbMinMaxChip;

/// Executor of the min/max family (the kit's, specialised per opcode).
pub type ZbbMinMaxExecutor = tessera_system::kit::AluExecutor<ZbbMinMaxOpcode>;
