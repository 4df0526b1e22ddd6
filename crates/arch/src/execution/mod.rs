//! Execution: executors, the inventory that maps opcodes to them, and the interpreter.
//!
//! An extension implements [`Executor`] once per instruction family. At load time the
//! interpreter asks each executor to *pre-compute* every instruction of the program into a
//! [`PreInsn`]: a handler function specialised for that instruction (e.g. "ADD, register form")
//! plus decoded operands. Running is then a loop of indirect calls, with no decoding. Handlers
//! are generic over the execution context `Ctx`, so that the same handler code (one definition
//! of an instruction's semantics) serves pure, metered and preflight execution.

mod context;
mod errors;
mod interpreter;
mod inventory;
pub mod memory;
mod memory_meter;
mod metered;
pub mod preflight;
pub mod profile;
mod record_arena;
pub mod state;
pub mod tracing_memory;

pub use context::{ExecutionCtx, PureCtx, RegionEdge};
pub use errors::{ExecutionError, ExecutorInventoryError, Fault, StaticProgramError, Trap};
pub use interpreter::{InterpretedInstance, VmExecutor, VmRunError};
pub use inventory::{AnyExecutor, ExecutorInventory};
pub use memory::GuestMemory;
pub use memory_meter::{MemoryRows, MemoryShape};
pub use metered::{
    register_refresh_bound, InteractionCosts, MeteredCtx, MeteringCosts, Segment, SegmentLimits,
};
pub use preflight::{InitialMemory, InsnLog, PreflightCtx, RecordStore};
pub use record_arena::RecordArena;
pub use state::{
    ExitCode, GuestInput, HintHost, HostOutput, OpenValue, Stream, StreamPositions, Streams,
    VmState, FIRST_VALUE_FD, NUM_REGISTER_SLOTS, X0_SINK,
};

use crate::isa::{address_space, Instruction};

/// Execution state seen by handlers: the machine plus the mode's context.
///
/// Handlers access registers and memory through its accessors ([`read_reg`](Self::read_reg),
/// [`write_reg`](Self::write_reg), [`load`](Self::load), [`store`](Self::store),
/// [`read_word`](Self::read_word), [`wrote_word`](Self::wrote_word)), which tell the context about every access the circuit makes: pure
/// execution ignores them (the calls compile to nothing), metered execution counts them. An
/// access the circuit does not make (a syscall looking at a register it does not constrain)
/// reads `vm` directly.
pub struct VmExecState<Ctx> {
    pub vm: VmState,
    pub ctx: Ctx,
}

impl<Ctx: ExecutionCtx> VmExecState<Ctx> {
    /// Reads register `x_index` (`index < 32`).
    #[inline(always)]
    pub fn read_reg(&mut self, index: u32) -> u32 {
        self.ctx.on_read(address_space::REGISTER, 4 * index);
        self.vm.reg(index)
    }

    /// Writes a register slot from a pre-decoded destination: a write to [`X0_SINK`] (an
    /// instruction with `rd = x0`) is discarded and is no access.
    #[inline(always)]
    pub fn write_reg(&mut self, slot: u32, value: u32) {
        if Ctx::OBSERVES_ACCESSES && slot != X0_SINK {
            self.ctx
                .on_write(address_space::REGISTER, 4 * slot, || value.to_le_bytes());
        }
        self.vm.set_reg(slot, value);
    }

    /// Loads `N` naturally aligned bytes of main memory: an access of their word.
    #[inline(always)]
    pub fn load<const N: usize>(&mut self, addr: u32) -> Result<[u8; N], Fault> {
        let bytes = self.vm.memory.load::<N>(addr)?;
        self.ctx.on_read(address_space::MEMORY, addr & !3);
        Ok(bytes)
    }

    /// Stores `N` naturally aligned bytes to main memory: an access of their word.
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) -> Result<(), Fault> {
        self.vm.memory.store::<N>(addr, bytes)?;
        let (word, memory) = (addr & !3, &self.vm.memory);
        self.ctx.on_write(address_space::MEMORY, word, || {
            memory.load::<4>(word).expect("the word was just stored to")
        });
        Ok(())
    }

    /// Reports a read the handler made of the word at `pointer` (a multiple of 4) of
    /// `address_space` by other means (a syscall copying a buffer word by word).
    #[inline(always)]
    pub fn read_word(&mut self, address_space: u32, pointer: u32) {
        debug_assert!(pointer.is_multiple_of(4), "word access at {pointer:#x}");
        self.ctx.on_read(address_space, pointer);
    }

    /// Reports a write the handler made to the word at `pointer` by other means; `word` gives
    /// the word's contents after this write (asked for in preflight only).
    #[inline(always)]
    pub fn wrote_word(
        &mut self,
        address_space: u32,
        pointer: u32,
        word: impl FnOnce(&VmState) -> [u8; 4],
    ) {
        debug_assert!(pointer.is_multiple_of(4), "word access at {pointer:#x}");
        let vm = &self.vm;
        self.ctx.on_write(address_space, pointer, || word(vm));
    }

    /// Hands the context the record of this instruction (see [`ExecutionCtx::record`]):
    /// `make` builds it from the instruction's accesses and the state after it, in preflight
    /// only.
    #[inline(always)]
    pub fn record<R: Send + 'static>(&mut self, make: impl FnOnce(&InsnLog, &VmState) -> R) {
        let vm = &self.vm;
        self.ctx.record(|log| make(log, vm));
    }
}

/// A handler: executes one pre-computed instruction, updates `pc`, and returns `Err` to stop
/// (the guest exited or faulted). It must not touch `instret`: the interpreter counts.
pub type Handler<Ctx> = fn(&mut VmExecState<Ctx>, &PreInsn<Ctx>) -> Result<(), Trap>;

/// A pre-computed instruction: its handler and decoded operands (meaning chosen by the executor).
pub struct PreInsn<Ctx> {
    pub handler: Handler<Ctx>,
    pub a: u32,
    pub b: u32,
    pub c: u32,
    pub d: u32,
}

impl<Ctx> Clone for PreInsn<Ctx> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Ctx> Copy for PreInsn<Ctx> {}

impl<Ctx> PreInsn<Ctx> {
    /// A pre-computed instruction with operands `a, b, c` and `d = 0`.
    pub fn new(handler: Handler<Ctx>, a: u32, b: u32, c: u32) -> Self {
        Self {
            handler,
            a,
            b,
            c,
            d: 0,
        }
    }
}

/// The execution side of an instruction family. `pre_compute` validates and decodes one
/// instruction for the context `Ctx` and returns its handler; it is called once per instruction of
/// the program, never while running.
///
/// ```
/// use tessera_arch::{Executor, ExecutionCtx, Instruction, PreInsn, StaticProgramError, VmExecState, Trap};
/// use p3_baby_bear::BabyBear;
///
/// /// An instruction that does nothing but advance the pc.
/// struct Nop;
/// fn nop<Ctx>(s: &mut VmExecState<Ctx>, _: &PreInsn<Ctx>) -> Result<(), Trap> {
///     s.vm.pc = s.vm.pc.wrapping_add(4);
///     Ok(())
/// }
/// impl Executor<BabyBear> for Nop {
///     fn pre_compute<Ctx: ExecutionCtx>(
///         &self, _pc: u32, _inst: &Instruction<BabyBear>,
///     ) -> Result<PreInsn<Ctx>, StaticProgramError> {
///         Ok(PreInsn::new(nop::<Ctx>, 0, 0, 0))
///     }
/// }
/// ```
pub trait Executor<F>: Send + Sync + 'static {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError>;
}
