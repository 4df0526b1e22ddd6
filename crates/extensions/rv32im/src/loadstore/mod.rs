//! Loads (LW, LH, LHU, LB, LBU) and stores (SW, SH, SB). Accesses must be naturally aligned:
//! a misaligned address is a fault naming the pc, not a silently split access.
mod core;
mod execution;
#[cfg(test)]
mod tests;

pub use self::core::LoadStoreOpcode;
pub use execution::LoadStoreExecutor;
