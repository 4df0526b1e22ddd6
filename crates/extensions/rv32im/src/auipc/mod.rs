//! AUIPC: `rd = pc + (imm << 12)`.
mod execution;

pub use execution::{AuipcExecutor, AuipcOpcode};
