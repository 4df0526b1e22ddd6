//! The program chip: the program as a table that instruction rows look up.
//!
//! Each row is `(pc, opcode, a, b, c, d, e, f, g)`, a cached trace committed once per program
//! (its commitment is part of the executable's commitment), plus one multiplicity column per
//! segment: how many times the segment executed the instruction.

mod air;
#[cfg(test)]
mod tests;
mod trace;

pub use air::ProgramAir;
pub use trace::{multiplicity_trace, program_trace, program_trace_height, PROGRAM_WIDTH};
