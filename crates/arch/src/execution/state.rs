//! The machine state that execution reads and writes.

use crate::{config::SystemConfig, program::VmExe};

use super::memory::GuestMemory;

/// Number of register slots. RISC-V has 32 registers; slot [`X0_SINK`] absorbs writes to `x0`, so
/// that handlers never test for `rd == 0`, and the slot count is a power of two, so that a masked
/// index needs no bounds check.
pub const NUM_REGISTER_SLOTS: usize = 64;
/// The slot that instructions with `rd = x0` write to. Reads of `x0` read slot 0, which stays 0.
pub const X0_SINK: u32 = 32;

/// The guest's input (the private input stream of the guest ABI's `read`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Streams {
    /// The whole private input.
    pub input: Vec<u8>,
    /// How many bytes of `input` the guest has read.
    pub input_position: usize,
}

impl Streams {
    /// Streams holding `input` as the private input.
    pub fn new(input: impl Into<Vec<u8>>) -> Self {
        Self {
            input: input.into(),
            input_position: 0,
        }
    }
}

impl From<Vec<u8>> for Streams {
    fn from(input: Vec<u8>) -> Self {
        Streams::new(input)
    }
}

/// What the guest wrote to the host's stdout and stderr (fd 1 and 2; not proven).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Exit codes with a meaning to the VM.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// The guest exited with code 0.
    Success = 0,
    /// A conventional failure code.
    Error = 1,
    /// The run was suspended at a segment boundary and continues in the next segment.
    Suspended = -1,
}

/// The complete state of a guest machine between instructions.
#[derive(Clone, Debug)]
pub struct VmState {
    pub pc: u32,
    /// Instructions retired so far.
    pub instret: u64,
    /// Registers `x0..x31` in slots `0..32`; see [`X0_SINK`].
    pub regs: [u32; NUM_REGISTER_SLOTS],
    pub memory: GuestMemory,
    pub streams: Streams,
    pub host_output: HostOutput,
    /// `Some(code)` once the guest has called `exit`.
    pub exit_code: Option<u32>,
}

impl VmState {
    /// The state at the start of `exe` with the given input.
    pub fn initial<F>(config: &SystemConfig, exe: &VmExe<F>, streams: Streams) -> Self {
        Self {
            pc: exe.pc_start,
            instret: 0,
            regs: [0; NUM_REGISTER_SLOTS],
            memory: GuestMemory::new(config, &exe.init_memory),
            streams,
            host_output: HostOutput::default(),
            exit_code: None,
        }
    }

    /// Register `x_i` (or a slot index from a pre-decoded operand).
    #[inline(always)]
    pub fn reg(&self, index: u32) -> u32 {
        self.regs[index as usize % NUM_REGISTER_SLOTS]
    }

    /// Writes a register slot; pre-decoded operands map `x0` to [`X0_SINK`].
    #[inline(always)]
    pub fn set_reg(&mut self, index: u32, value: u32) {
        self.regs[index as usize % NUM_REGISTER_SLOTS] = value;
    }

    /// The 32 architectural registers.
    pub fn registers(&self) -> [u32; 32] {
        self.regs[..32].try_into().expect("32 registers")
    }
}
