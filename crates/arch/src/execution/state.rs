//! The machine state that execution reads and writes.

use std::{collections::BTreeMap, sync::Arc};

use serde::{Deserialize, Serialize};

use crate::{config::SystemConfig, program::VmExe};

use super::memory::GuestMemory;

/// Number of register slots. RISC-V has 32 registers; slot [`X0_SINK`] absorbs writes to `x0`, so
/// that handlers never test for `rd == 0`, and the slot count is a power of two, so that a masked
/// index needs no bounds check.
pub const NUM_REGISTER_SLOTS: usize = 64;
/// The slot that instructions with `rd = x0` write to. Reads of `x0` read slot 0, which stays 0.
pub const X0_SINK: u32 = 32;

/// What the host gives a run: the private input (fd 0), the hint stream (fd 4) and the
/// key-value store (files the guest opens by name). None of it is proven: the guest must check
/// what it reads where that matters (a hinted square root by squaring it, a value by its hash).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestInput {
    /// The private input stream, read from fd 0.
    pub stdin: Vec<u8>,
    /// The hint stream, read from fd 4 (answers to hint requests are appended to it).
    pub hints: Vec<u8>,
    /// The key-value store: `openat(AT_FDCWD, key)` opens a value, `read` reads it.
    pub kv: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl From<Vec<u8>> for GuestInput {
    /// Private input only.
    fn from(stdin: Vec<u8>) -> Self {
        GuestInput {
            stdin,
            ..GuestInput::default()
        }
    }
}

impl<const N: usize> From<&[u8; N]> for GuestInput {
    /// Private input only.
    fn from(stdin: &[u8; N]) -> Self {
        GuestInput::from(stdin.to_vec())
    }
}

impl From<&[u8]> for GuestInput {
    /// Private input only.
    fn from(stdin: &[u8]) -> Self {
        GuestInput::from(stdin.to_vec())
    }
}

/// A value of the key-value store that the guest has opened: its key and how much of it the
/// guest has read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenValue {
    pub key: Vec<u8>,
    pub position: usize,
}

/// How far the guest has read each stream: what a segment that starts mid-run needs besides
/// the [`GuestInput`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamPositions {
    /// Bytes of the private input read.
    pub input: usize,
    /// Bytes of the hint stream read.
    pub hints: usize,
    /// The values of the key-value store that are open, by file descriptor.
    pub open: BTreeMap<u32, OpenValue>,
}

/// Answers the guest's hint requests (a `write` to fd 4): the answer is appended to the hint
/// stream, where the guest reads it.
pub trait HintHost: Send + Sync {
    fn answer(&self, request: &[u8]) -> Vec<u8>;
}

impl<T: Fn(&[u8]) -> Vec<u8> + Send + Sync> HintHost for T {
    fn answer(&self, request: &[u8]) -> Vec<u8> {
        self(request)
    }
}

/// The guest's streams during a run: what the host gave it and how far it has read.
#[derive(Clone, Default)]
pub struct Streams {
    /// The whole private input.
    pub input: Vec<u8>,
    /// How many bytes of `input` the guest has read.
    pub input_position: usize,
    /// The hint stream so far: the hints given up front, then the answers to requests.
    pub hints: Vec<u8>,
    /// How many bytes of `hints` the guest has read.
    pub hint_position: usize,
    /// The key-value store.
    pub kv: Arc<BTreeMap<Vec<u8>, Vec<u8>>>,
    /// The values the guest has open, by file descriptor.
    pub open: BTreeMap<u32, OpenValue>,
    /// Who answers hint requests. Without one a request adds nothing: the answers must be in
    /// the hints already (given up front, or recorded by an earlier run of the same program),
    /// as under qemu-riscv32, where the write to a read-only fd 4 fails.
    pub hint_host: Option<Arc<dyn HintHost>>,
}

impl std::fmt::Debug for Streams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streams")
            .field("input", &self.input.len())
            .field("input_position", &self.input_position)
            .field("hints", &self.hints.len())
            .field("hint_position", &self.hint_position)
            .field("kv", &self.kv.len())
            .field("open", &self.open)
            .field("hint_host", &self.hint_host.is_some())
            .finish()
    }
}

/// The first file descriptor a value of the key-value store gets (0 to 4 are the guest ABI's).
pub const FIRST_VALUE_FD: u32 = 5;

impl Streams {
    /// Streams at the start of a run on `input` (bytes: the private input).
    pub fn new(input: impl Into<GuestInput>) -> Self {
        let GuestInput { stdin, hints, kv } = input.into();
        Self {
            input: stdin,
            hints,
            kv: Arc::new(kv),
            ..Self::default()
        }
    }

    /// These streams with `host` answering hint requests.
    pub fn with_hint_host(mut self, host: Arc<dyn HintHost>) -> Self {
        self.hint_host = Some(host);
        self
    }

    /// How far the guest has read.
    pub fn positions(&self) -> StreamPositions {
        StreamPositions {
            input: self.input_position,
            hints: self.hint_position,
            open: self.open.clone(),
        }
    }

    /// Moves the read positions to `positions` (a segment's start).
    pub fn seek(&mut self, positions: &StreamPositions) {
        self.input_position = positions.input.min(self.input.len());
        self.hint_position = positions.hints.min(self.hints.len());
        self.open = positions.open.clone();
    }

    /// What the host gave, with the hint stream as it is now (the answers to requests
    /// included): proving the run again from it needs no hint host.
    pub fn recorded_input(&self) -> GuestInput {
        GuestInput {
            stdin: self.input.clone(),
            hints: self.hints.clone(),
            kv: (*self.kv).clone(),
        }
    }

    /// Opens the value of `key`: its file descriptor (the lowest free one from
    /// [`FIRST_VALUE_FD`]), or `None` if the store has no such key.
    pub fn open_value(&mut self, key: &[u8]) -> Option<u32> {
        if !self.kv.contains_key(key) {
            return None;
        }
        let fd = (FIRST_VALUE_FD..)
            .find(|fd| !self.open.contains_key(fd))
            .expect("fewer than 2^32 open values");
        let key = key.to_vec();
        self.open.insert(fd, OpenValue { key, position: 0 });
        Some(fd)
    }

    /// Closes an open value; false if `fd` is not one.
    pub fn close_value(&mut self, fd: u32) -> bool {
        self.open.remove(&fd).is_some()
    }

    /// Takes up to `len` unread bytes of `stream`, or `None` if it is a value that is not open
    /// (or whose key the store lacks).
    pub fn take(&mut self, stream: Stream, len: usize) -> Option<&[u8]> {
        let (data, position): (&[u8], &mut usize) = match stream {
            Stream::Input => (&self.input, &mut self.input_position),
            Stream::Hints => (&self.hints, &mut self.hint_position),
            Stream::Value(fd) => {
                let open = self.open.get_mut(&fd)?;
                // A start state (a file) may name a key the store lacks: not open, then.
                let value = self.kv.get(&open.key)?;
                (value, &mut open.position)
            }
        };
        let start = (*position).min(data.len());
        let count = len.min(data.len() - start);
        *position = start + count;
        Some(&data[start..start + count])
    }

    /// Hands a hint request to the hint host, which appends its answer to the hint stream.
    pub fn request_hint(&mut self, request: &[u8]) {
        if let Some(host) = &self.hint_host {
            let answer = host.answer(request);
            self.hints.extend_from_slice(&answer);
        }
    }
}

/// A stream the guest reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The private input.
    Input,
    /// The hint stream.
    Hints,
    /// The open value with this file descriptor.
    Value(u32),
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
