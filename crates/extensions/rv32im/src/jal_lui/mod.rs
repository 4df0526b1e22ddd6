//! JAL (jump and link) and LUI (load upper immediate).
mod execution;

pub use execution::{JalLuiExecutor, JalLuiOpcode};
