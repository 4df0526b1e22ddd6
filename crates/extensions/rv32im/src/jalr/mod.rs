//! JALR: jump to `(rs1 + offset) & !1` and link.
mod execution;

pub use execution::{JalrExecutor, JalrOpcode};
