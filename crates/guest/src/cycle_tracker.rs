//! The cycle tracker: named regions of a run, for `cargo tessera run --profile`, which reports
//! the instructions and trace cells of each region (nested regions as a tree).
//!
//! ```ignore
//! use tessera_guest::cycle_tracker;
//!
//! cycle_tracker::start("hash");
//! let digest = keccak256(&input);
//! cycle_tracker::end("hash");
//! ```
//!
//! A marker is one `write` of the region's name to [`FD_CYCLE_START`] or [`FD_CYCLE_END`]: the
//! VM proves it like a write to the host and hands the name to the profiler. Under
//! qemu-riscv32 the file descriptor is not open, the write fails and the same ELF runs
//! unchanged. `end` closes the innermost open region and must name it.

use crate::abi::{FD_CYCLE_END, FD_CYCLE_START};
use crate::syscall::sys_write;

/// Opens the region `name`.
#[inline]
pub fn start(name: &str) {
    // SAFETY: `name` is a readable buffer of `name.len()` bytes.
    unsafe { sys_write(FD_CYCLE_START, name.as_ptr(), name.len()) };
}

/// Closes the region `name`, the innermost open one.
#[inline]
pub fn end(name: &str) {
    // SAFETY: `name` is a readable buffer of `name.len()` bytes.
    unsafe { sys_write(FD_CYCLE_END, name.as_ptr(), name.len()) };
}
