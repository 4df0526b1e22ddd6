//! Register refresh: keeps every register access *recent*, so that its ordering check is one
//! limb and one range check instead of two.
//!
//! A register access proves `prev_timestamp < timestamp` with `timestamp - prev_timestamp - 1 <
//! 2^RECENT_ACCESS_BITS` (see [`tessera_arch::bus::RecentAccessAux`]). A register the program
//! leaves alone for longer would make its next access unprovable, so preflight, once every
//! [`REGISTER_REFRESH_PERIOD`] timestamps (before an instruction), *refreshes* every register
//! slot not accessed for [`REGISTER_REFRESH_AGE`] timestamps: a row of this chip reads the
//! register with a full-range ordering check and moves its timestamp forward.
//!
//! A refresh row is an extra step of the execution chain that changes nothing: it receives
//! `(pc, t)` and sends `(pc, t + 1)` and reads (not writes) one word of the register address
//! space. A prover may add such rows anywhere, or read any word of that space: no state
//! changes, and the timestamps still increase along the chain (the connector bounds the last).
//! A hot loop that leaves most registers idle gets about 2% more rows (fib-loop: 29 idle
//! slots, each refreshed every ~3400 timestamps), against one message and one column fewer on
//! every register access (about two per instruction).
//!
//! [`REGISTER_REFRESH_PERIOD`]: tessera_arch::bus::REGISTER_REFRESH_PERIOD
//! [`REGISTER_REFRESH_AGE`]: tessera_arch::bus::REGISTER_REFRESH_AGE

mod air;
#[cfg(test)]
mod tests;
mod trace;

pub use air::{RegisterRefreshAir, RegisterRefreshCols};
pub use trace::{refresh_stale_registers, RefreshRecord, RegisterRefreshChip};
