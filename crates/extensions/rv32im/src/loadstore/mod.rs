//! Loads (LW, LH, LHU, LB, LBU) and stores (SW, SH, SB). Accesses must be naturally aligned:
//! a misaligned address is a fault naming the pc, not a silently split access.
mod core;
mod execution;
mod load_air;
#[cfg(test)]
mod load_tests;
mod load_trace;
mod store_air;
#[cfg(test)]
mod store_tests;
mod store_trace;
#[cfg(test)]
mod tests;

pub use self::core::LoadStoreOpcode;
pub use execution::LoadStoreExecutor;
pub use load_air::{LoadAir, LoadCols, LoadStoreBuses};
pub use load_trace::{LoadChip, LoadRecord};
pub use store_air::{StoreAir, StoreCols};
pub use store_trace::{StoreChip, StoreRecord};
