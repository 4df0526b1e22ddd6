//! `ecall` per the guest ABI (exit 93, write 64, read 63) and `unimp`, the trap instruction.
mod execution;

pub use execution::{EcallExecutor, EcallOpcode, UnimpExecutor, UnimpOpcode};
