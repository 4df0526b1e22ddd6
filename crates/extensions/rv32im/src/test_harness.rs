//! RV32IM's chip tests run on the test kit's chip harness (`tessera_system::kit::testing`):
//! straight-line RV32IM code through the handlers in the preflight context, then the chip's
//! traces proven with the system chips and a memory stub. Toy parameters
//! (`SystemParams::new_for_testing`): constraints and buses, not security.

pub use tessera_system::kit::testing::{
    assert_constraint_fails, assert_unbalanced, memory_bridge, range_bus, BoundaryEdit,
    ChipRun as Run, BASE, BITWISE, EXECUTION, PROGRAM,
};
pub use tessera_system::F;

use crate::Rv32ImConfig;

/// RV32IM code `words` at [`BASE`] with initial register values `registers` (index, value).
pub fn new_run(words: &[u32], registers: &[(u32, u32)]) -> Run {
    Run::new(&Rv32ImConfig::default(), words, registers)
}

/// Like [`new_run`], with initial main-memory words `(pointer, value)` too.
pub fn new_run_with_memory(words: &[u32], registers: &[(u32, u32)], data: &[(u32, u32)]) -> Run {
    Run::with_memory(&Rv32ImConfig::default(), words, registers, data)
}
