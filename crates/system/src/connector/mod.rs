//! The connector chip: where a segment's execution starts and ends, as public values.
//!
//! One row. It sends the initial state `(initial_pc, 1)` on the execution bus and receives the
//! final state `(final_pc, final_timestamp)`; it range-checks `final_timestamp < 2^24`, which
//! bounds every timestamp of the segment (they increase along the execution chain) and so makes
//! the memory bridge's ordering check sound. A terminating segment receives the exit code on the
//! exit bus, which only the exiting `ecall` sends: a segment claims to terminate exactly when
//! the guest exited.

mod air;
#[cfg(test)]
mod tests;
mod trace;

pub use air::{ConnectorAir, ConnectorCols, ConnectorPvs, INITIAL_TIMESTAMP};
pub use trace::connector_trace;
