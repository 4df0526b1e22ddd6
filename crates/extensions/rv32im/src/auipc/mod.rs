//! AUIPC: `rd = pc + (imm << 12)`.
mod air;
#[cfg(test)]
mod circuit_tests;
mod execution;
mod trace;

pub use air::{AuipcAir, AuipcBuses, AuipcCols};
pub use execution::{AuipcExecutor, AuipcOpcode};
pub use trace::{AuipcChip, AuipcRecord};
