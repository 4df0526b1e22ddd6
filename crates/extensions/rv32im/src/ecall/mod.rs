//! `ecall` per the guest ABI (exit 93, write 64, read 63, openat 56, close 57) and `unimp`, the
//! trap instruction.
//!
//! Three AIRs prove `ecall`: [`EcallAir`] has one row per instruction; [`PublicWriteAir`]
//! (one row per byte written to the public output) and [`ReadAir`] (one row per main-memory
//! word a `read` writes) hold the buffer accesses, chained to their `ecall` row over the buses
//! below.
mod air;
#[cfg(test)]
mod circuit_tests;
mod execution;
#[cfg(test)]
mod io_tests;
mod public_write_air;
mod read_air;
#[cfg(test)]
mod stream_tests;
mod trace;

pub use air::{EcallAir, EcallBuses, EcallCols, LengthCols};
pub use execution::{EcallExecutor, EcallOpcode, UnimpExecutor, UnimpOpcode};
pub use public_write_air::{PublicWriteAir, PublicWriteCols};
pub use read_air::{ReadAir, ReadCols};
pub use trace::{EcallChip, EcallRecord, PublicByte, ReadWord, Syscall};
