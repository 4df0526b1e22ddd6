//! Conditional branches: BEQ, BNE (branch-equal family) and BLT, BLTU, BGE, BGEU
//! (branch-less-than family).
mod air;
#[cfg(test)]
mod circuit_tests;
mod core;
mod execution;
#[cfg(test)]
mod tests;
mod trace;

pub use self::core::{BranchEqualOpcode, BranchFamily, BranchLessThanOpcode};
pub use air::{
    BranchBuses, BranchEqualAir, BranchEqualCols, BranchLessThanAir, BranchLessThanCols,
};
pub use execution::BranchExecutor;
pub(crate) use trace::signed;
pub use trace::{BranchEqualChip, BranchLessThanChip, BranchRecord};
