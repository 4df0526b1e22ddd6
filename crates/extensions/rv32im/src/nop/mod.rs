//! `NOP`: what `fence` and instructions that only write `x0` become.
mod air;
#[cfg(test)]
mod circuit_tests;
mod execution;
mod trace;

pub use air::{NopAir, NopCols};
pub use execution::{NopExecutor, NopOpcode};
pub use trace::{NopChip, NopRecord};
