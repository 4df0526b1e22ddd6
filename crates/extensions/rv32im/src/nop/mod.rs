//! `NOP`: what `fence` and instructions that only write `x0` become.
mod execution;

pub use execution::{NopExecutor, NopOpcode};
