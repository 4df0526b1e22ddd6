//! `ecall` per the guest ABI (exit 93, write 64, read 63) and `unimp`, the trap instruction.
mod air;
#[cfg(test)]
mod circuit_tests;
mod execution;
mod trace;

pub use air::{EcallAir, EcallBuses, EcallCols};
pub use execution::{EcallExecutor, EcallOpcode, UnimpExecutor, UnimpOpcode};
pub use trace::{preflight, EcallChip, EcallRecord, Syscall, UnprovenSyscall};
