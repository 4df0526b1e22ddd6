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
pub mod state;
pub mod tracing_memory;

pub use context::{ExecutionCtx, PureCtx};
pub use errors::{ExecutionError, ExecutorInventoryError, Fault, StaticProgramError, Trap};
pub use interpreter::{InterpretedInstance, VmExecutor, VmRunError};
pub use inventory::{AnyExecutor, ExecutorInventory};
pub use memory::GuestMemory;
pub use memory_meter::{MemoryRows, MemoryShape};
pub use metered::{
    register_refresh_bound, InsnCost, InteractionCosts, MeteredCtx, MeteringCosts, Segment,
    SegmentLimits,
};
pub use state::{ExitCode, HostOutput, Streams, VmState, NUM_REGISTER_SLOTS, X0_SINK};

use crate::isa::Instruction;

/// Execution state seen by handlers: the machine plus the mode's context.
pub struct VmExecState<Ctx> {
    pub vm: VmState,
    pub ctx: Ctx,
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
