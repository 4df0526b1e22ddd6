//! JALR: jump to `(rs1 + offset) & !1` and link.
mod air;
#[cfg(test)]
mod circuit_tests;
mod execution;
mod trace;

pub use air::{JalrAir, JalrBuses, JalrCols, JalrLinkCols};
pub use execution::{JalrExecutor, JalrOpcode};
pub use trace::{JalrChip, JalrRecord};
