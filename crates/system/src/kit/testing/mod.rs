//! The test kit: what an extension author needs to show that the extension's AIRs accept
//! honest rows and reject tampered ones, at three levels.
//!
//! - [`preflight`]: one instruction through its handler in the preflight context, for the
//!   record it makes ([`preflight_instruction`]).
//! - [`chip`]: a chip's AIR proven with the system chips and a memory stub on a few rows of
//!   straight-line code ([`ChipRun`]): prove and verify, then tamper with a row and assert what
//!   rejects it: a constraint ([`assert_constraint_fails`]) or an unbalanced bus
//!   ([`assert_unbalanced`]).
//! - [`segment`]: a program through the whole machine ([`TestMachine`], [`TestSegment`]), rows
//!   by AIR name, edits as a cheating prover makes them, the debug checks' verdict
//!   ([`Verdict::assert_rejected_by`]), and the **column mutation checker**
//!   ([`TestSegment::unbound_cells`]): every column of every row checked is changed in turn,
//!   and each change nothing rejects is reported; a column no test can break is a bug.
//!
//! RV32IM's chip tests and the Zbb extension (`contrib/zbb`, outside the core) use this kit.
//! Every proof here uses toy parameters (`SystemParams::new_for_testing`): the kit checks
//! constraints and buses, not security.

pub mod chip;
pub mod preflight;
pub mod segment;

pub use chip::{
    memory_bridge, range_bus, BoundaryEdit, ChipRun, MemoryStubAir, BASE, BITWISE, EXECUTION,
    PROGRAM,
};
pub use preflight::{preflight_instruction, preflight_state};
pub use segment::{TestMachine, TestSegment};

pub use crate::vm::mutation::{rejections, unbound_cells, MutationReport, UnboundCell, Verdict};

/// Asserts that the prover refused the proof because a bus did not balance (the LogUp sum
/// of the proof's messages is not zero).
///
/// ```
/// tessera_system::kit::testing::assert_unbalanced::<()>(Err("NonZeroRootSum".into()));
/// ```
pub fn assert_unbalanced<T: std::fmt::Debug>(result: Result<T, String>) {
    let err = result.expect_err("the proof was accepted, but a bus should not balance");
    assert!(err.contains("NonZeroRootSum"), "{err}");
}

/// Asserts that the verifier rejected the proof because a constraint failed.
///
/// ```
/// tessera_system::kit::testing::assert_constraint_fails(Err("constraint 3 failed".into()));
/// ```
pub fn assert_constraint_fails(result: Result<(), String>) {
    let err = result.expect_err("the proof was accepted, but a constraint should fail");
    assert!(err.contains("constraint"), "{err}");
}
