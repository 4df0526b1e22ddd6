//! ROL, ROR (register amount) and RORI (immediate amount).
mod air;
mod core;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::ZbbRotateOpcode;
pub use air::{ZbbRotateAir, ZbbRotateCoreCols, ZbbRotateImmCols, ZbbRotateRegCols};
pub use trace::ZbbRotateChip;

/// Executor of the rotation family (the kit's, specialised per opcode and form).
pub type ZbbRotateExecutor = tessera_system::kit::AluExecutor<ZbbRotateOpcode>;
