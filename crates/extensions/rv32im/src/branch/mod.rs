//! Conditional branches: BEQ, BNE (branch-equal family) and BLT, BLTU, BGE, BGEU
//! (branch-less-than family).
mod core;
mod execution;
#[cfg(test)]
mod tests;

pub use self::core::{BranchEqualOpcode, BranchFamily, BranchLessThanOpcode};
pub use execution::BranchExecutor;
