//! JAL (jump and link) and LUI (load upper immediate).
mod air;
#[cfg(test)]
mod circuit_tests;
mod execution;
mod trace;

pub use air::{JalLuiAir, JalLuiBuses, JalLuiCols, JumpAir, JumpCols};
pub use execution::{JalLuiExecutor, JalLuiOpcode};
pub use trace::{JalLuiChip, JalLuiRecord};
