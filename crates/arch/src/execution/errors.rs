//! Errors of execution.

use thiserror::Error;

use crate::IllegalReason;

/// Why an instruction could not complete. Handlers return it; the interpreter wraps it in an
/// [`ExecutionError::Fault`] that names the pc and the instruction.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum Fault {
    #[error("{len}-byte access at {addr:#010x} is outside main memory (0..{size:#010x})")]
    OutOfBounds { addr: u32, len: u32, size: u32 },
    #[error("{len}-byte access at {addr:#010x} is misaligned (Tessera requires naturally aligned loads and stores)")]
    Misaligned { addr: u32, len: u32 },
    #[error("jump target {target:#010x} is not 4-byte aligned")]
    MisalignedJump { target: u32 },
    #[error("no instruction at this pc (a gap between executable segments)")]
    NoInstruction,
    #[error("illegal instruction")]
    IllegalInstruction,
    #[error(
        "unknown syscall {0} in a7 (supported: 93 exit, 64 write, 63 read, 56 openat, 57 close)"
    )]
    UnknownSyscall(u32),
    #[error(
        "write to file descriptor {0} (supported: 1 stdout, 2 stderr, 3 public output, 4 hint requests, 0x7d00 and 0x7d01 the cycle tracker)"
    )]
    BadWriteFd(u32),
    #[error("read from file descriptor {0}, which is not open (0 is the private input, 4 the hint stream, 5 and up the values of the key-value store the guest opened)")]
    BadReadFd(u32),
    #[error(
        "public output would grow to {requested} bytes, above its capacity of {capacity} bytes"
    )]
    PublicOutputFull { capacity: u32, requested: u32 },
    #[error("the guest executed a trap instruction (`unimp`: unreachable code, usually after a failed assertion or abort)")]
    TrapInstruction,
}

/// How a handler stops the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    /// The guest exited (its exit code is in `VmState::exit_code`).
    Exit,
    /// The instruction failed.
    Fault(Fault),
}

impl From<Fault> for Trap {
    fn from(fault: Fault) -> Self {
        Trap::Fault(fault)
    }
}

/// Why a run failed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ExecutionError {
    #[error("{fault}, at pc {pc:#010x}{} executing {instruction}", in_function(.function))]
    Fault {
        pc: u32,
        function: Option<String>,
        instruction: String,
        fault: Fault,
    },
    #[error("pc {pc:#010x} is outside the program ({start:#010x}..{end:#010x}); the last instruction executed was at {last_pc:#010x}{}", in_function(.function))]
    PcOutOfProgram {
        pc: u32,
        start: u32,
        end: u32,
        last_pc: u32,
        function: Option<String>,
    },
    #[error("illegal instruction at pc {pc:#010x}{}: the word {word:#010x} is {reason}", in_function(.function))]
    IllegalInstruction {
        pc: u32,
        function: Option<String>,
        word: u32,
        reason: IllegalReason,
    },
    #[error("instruction limit of {limit} reached at pc {pc:#010x} without the guest exiting")]
    InstructionLimit { limit: u64, pc: u32 },
}

fn in_function(function: &Option<String>) -> String {
    function
        .as_ref()
        .map(|f| format!(" (in `{f}`)"))
        .unwrap_or_default()
}

/// A program the configured executors cannot run (found while pre-computing, before running).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum StaticProgramError {
    #[error("no executor for {opcode} at pc {pc:#010x}")]
    NoExecutor { pc: u32, opcode: String },
    #[error("invalid instruction at pc {pc:#010x}: {reason}")]
    InvalidInstruction { pc: u32, reason: String },
}

/// A VM configuration whose executors cannot be put together.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ExecutorInventoryError {
    #[error("opcode {opcode} is claimed by both {existing} and {new}")]
    DuplicateOpcode {
        opcode: u32,
        existing: String,
        new: String,
    },
    /// The configuration does not name a buildable set of extensions (unknown name, missing
    /// dependency, ...; the registry says which).
    #[error("{0}")]
    Extensions(String),
}
