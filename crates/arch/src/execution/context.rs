//! Execution contexts: what a mode adds to the shared instruction handlers.

use crate::isa::Instruction;

use super::{AnyExecutor, ExecutionError, PreInsn, StaticProgramError, VmState};

/// An execution mode. The interpreter runs instructions in batches: before each batch it asks
/// the context how many instructions may run before it wants control back (an instruction limit,
/// a segment-size check), so that the hot loop itself tests nothing.
pub trait ExecutionCtx: Sized + 'static {
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

    /// Called by syscall handlers that move `bytes` bytes between guest memory and the
    /// input or the public output (each byte is a row of a buffer chip).
    #[inline(always)]
    fn on_io_bytes(&mut self, _bytes: u32) {}
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
