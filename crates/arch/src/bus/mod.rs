//! The buses every chip shares, with the helpers ("bridges") an AIR calls to use them.
//!
//! | bus | kind | message | who |
//! |---|---|---|---|
//! | [`EXECUTION_BUS`] | permutation | `(pc, timestamp)` | every instruction row receives its start state and sends its end state; the connector sends the initial state and receives the final one |
//! | [`MEMORY_BUS`] | permutation | `(address_space, pointer, data[4], timestamp)` | every access receives the word's previous value and timestamp and sends the new ones; the memory boundary sends the initial and receives the final contents |
//! | [`PROGRAM_BUS`] | lookup | `(pc, opcode, a, b, c, d, e, f, g)` | every instruction row looks its instruction up in the program table |
//! | [`RANGE_CHECKER_BUS`] | lookup | `(value, bits)` | `value < 2^bits` |
//! | [`BITWISE_BUS`] | lookup | `(x, y, z, op)` | bytes `x, y`; `z = x ^ y` when `op = 1` |
//! | [`EXIT_BUS`] | permutation | `(exit_code_low16, exit_code_high16)` | the exiting `ecall` sends, the connector of a terminating segment receives |

mod execution;
mod lookup;
mod memory;
mod program;

pub use execution::{ExecutionBus, ExecutionState, ExitBus};
pub use lookup::{BitwiseBus, RangeCheckerBus};
pub use memory::{
    MemoryAccessAux, MemoryBridge, MemoryBus, RecentAccessAux, TimestampOrder, MEMORY_BLOCK,
    RECENT_ACCESS_BITS, REGISTER_REFRESH_AGE, REGISTER_REFRESH_PERIOD, REGISTER_REFRESH_SLOTS,
    TIMESTAMP_BITS, TIMESTAMP_LIMB_BITS,
};
pub use program::ProgramBus;

use openvm_stark_backend::interaction::BusIndex;

pub const EXECUTION_BUS: BusIndex = 0;
pub const MEMORY_BUS: BusIndex = 1;
pub const PROGRAM_BUS: BusIndex = 2;
pub const RANGE_CHECKER_BUS: BusIndex = 3;
pub const BITWISE_BUS: BusIndex = 4;
pub const EXIT_BUS: BusIndex = 5;
/// The first bus index extensions may allocate for their own buses.
pub const FIRST_EXTENSION_BUS: BusIndex = 16;

/// Largest `bits` of the shared range checker: timestamps are checked in limbs of this size.
pub const RANGE_CHECKER_MAX_BITS: usize = TIMESTAMP_LIMB_BITS;
