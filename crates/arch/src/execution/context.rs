//! Execution contexts: what a mode adds to the shared instruction handlers.

use crate::isa::Instruction;

use super::{AnyExecutor, ExecutionError, PreInsn, StaticProgramError, VmState};

/// An execution mode. The interpreter runs instructions in batches: before each batch it asks
/// the context how many instructions may run before it wants control back (an instruction limit,
/// a segment-size check), so that the hot loop itself tests nothing.
pub trait ExecutionCtx: Sized + 'static {
    /// Whether the context hears about accesses and records at all. Pure execution does not,
    /// and the accessors then skip even the checks that decide what to report (a test of the
    /// destination against the `x0` sink would otherwise stay in every handler).
    const OBSERVES_ACCESSES: bool = true;

    /// Pre-computes `inst` through the type-erased executor, for this mode.
    fn pre_compute<F>(
        executor: &dyn AnyExecutor<F>,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Self>, StaticProgramError>;

    /// How many instructions may run now (at least 1), or why the run must stop here.
    fn next_batch(&mut self, vm: &VmState) -> Result<u64, ExecutionError>;

    /// Called after each instruction that ran (the exiting one included) with its index in
    /// the program. Pure execution does nothing here (and compiles to nothing).
    #[inline(always)]
    fn on_instruction(&mut self, _index: usize) {}

    /// Called for each memory access the circuit makes, through [`VmExecState`]'s accessors
    /// (handlers never call it themselves): a read of a register (address space 1, pointer
    /// `4 * index`) or of a word of main memory or of the public output (`pointer` a multiple
    /// of 4), in the order the instruction's AIR makes its accesses. Metered execution counts
    /// them (each is a timestamp) and the memory tree leaves a segment touches; preflight
    /// records them.
    ///
    /// [`VmExecState`]: super::VmExecState
    #[inline(always)]
    fn on_read(&mut self, _address_space: u32, _pointer: u32) {}

    /// Like [`Self::on_read`], for a write; `word` gives the word's contents after it (only
    /// preflight asks: the other modes never compute it).
    #[inline(always)]
    fn on_write(&mut self, _address_space: u32, _pointer: u32, _word: impl FnOnce() -> [u8; 4]) {}

    /// Called by a handler once its accesses are done, with what trace generation needs made
    /// from them: only preflight calls `make` (with the instruction's pc, timestamp and the
    /// [`AccessRecord`](super::tracing_memory::AccessRecord)s of its accesses, in order) and
    /// keeps the record for the chip that fills the instruction's rows.
    #[inline(always)]
    fn record<R: Send + 'static>(&mut self, _make: impl FnOnce(&super::InsnLog) -> R) {}

    /// Called by syscall handlers that add `rows` rows to the buffer chip of I/O channel
    /// `channel` (numbered by the extension that handles the syscalls; see
    /// [`MeteringCosts::io_slots`](super::MeteringCosts::io_slots)).
    #[inline(always)]
    fn on_io_rows(&mut self, _channel: u32, _rows: u32) {}

    /// Called by the `ecall` handler when the guest's cycle tracker opens or closes a named
    /// region (a write of its name to `tessera_guest::abi::FD_CYCLE_START` or `FD_CYCLE_END`),
    /// before the `ecall` counts as an instruction. Only the profiler listens.
    #[inline(always)]
    fn on_cycle_tracker(&mut self, _edge: RegionEdge, _name: &[u8]) {}
}

/// Whether a cycle-tracker marker opens or closes a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionEdge {
    Start,
    End,
}

/// Pure execution: no records, only an optional instruction limit.
#[derive(Clone, Copy, Debug)]
pub struct PureCtx {
    /// The run fails with [`ExecutionError::InstructionLimit`] after this many instructions.
    pub max_instructions: u64,
}

impl PureCtx {
    /// A context that stops the run after `max_instructions` (`None`: no limit).
    pub fn new(max_instructions: Option<u64>) -> Self {
        Self {
            max_instructions: max_instructions.unwrap_or(u64::MAX),
        }
    }
}

impl ExecutionCtx for PureCtx {
    const OBSERVES_ACCESSES: bool = false;

    fn pre_compute<F>(
        executor: &dyn AnyExecutor<F>,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Self>, StaticProgramError> {
        executor.pre_compute_pure(pc, inst)
    }

    fn next_batch(&mut self, vm: &VmState) -> Result<u64, ExecutionError> {
        match self.max_instructions.saturating_sub(vm.instret) {
            0 => Err(ExecutionError::InstructionLimit {
                limit: self.max_instructions,
                pc: vm.pc,
            }),
            n => Ok(n),
        }
    }
}
