//! What an extension plugs into the machine: its AIRs and, for each segment, chips that run
//! its instructions in preflight and fill its traces.

use std::sync::Arc;

use openvm_stark_backend::{p3_matrix::dense::RowMajorMatrix, AirRef};
use tessera_arch::{
    bus::{
        BitwiseBus, ExecutionBus, ExitBus, MemoryBridge, MemoryBus, ProgramBus, RangeCheckerBus,
        BITWISE_BUS, EXECUTION_BUS, EXIT_BUS, MEMORY_BUS, PROGRAM_BUS, RANGE_CHECKER_BUS,
        RANGE_CHECKER_MAX_BITS,
    },
    execution::tracing_memory::TracingMemory,
    Instruction, VmOpcode,
};
use thiserror::Error;

use super::{F, SC};
use crate::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

/// The buses every chip talks on, with the indices the system assigns them.
#[derive(Clone, Copy, Debug)]
pub struct SystemBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub range: RangeCheckerBus,
    pub bitwise: BitwiseBus,
    pub exit: ExitBus,
}

impl Default for SystemBuses {
    fn default() -> Self {
        let range = RangeCheckerBus::new(RANGE_CHECKER_BUS, RANGE_CHECKER_MAX_BITS);
        Self {
            execution: ExecutionBus::new(EXECUTION_BUS),
            program: ProgramBus::new(PROGRAM_BUS),
            memory: MemoryBridge {
                memory: MemoryBus::new(MEMORY_BUS),
                range,
            },
            range,
            bitwise: BitwiseBus::new(BITWISE_BUS),
            exit: ExitBus::new(EXIT_BUS),
        }
    }
}

/// The periphery chips of one segment, shared by every extension's chips: they count the
/// lookups trace generation makes and become the multiplicity traces last.
#[derive(Clone)]
pub struct Periphery {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
}

/// The initial contents of a word, by address space and pointer (the segment's start memory).
pub type InitialMemory = Box<dyn Fn(u32, u32) -> [u8; 4] + Send + Sync>;

/// Preflight memory: every access is recorded with its timestamps.
pub type PreflightMemory = TracingMemory<InitialMemory>;

/// The guest's I/O during preflight.
#[derive(Clone, Debug, Default)]
pub struct SyscallIo<'a> {
    pub input: &'a [u8],
    pub input_position: usize,
    /// Max public-output bytes (`SystemConfig::public_output_capacity`).
    pub public_capacity: usize,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub public_output: Vec<u8>,
}

/// What one instruction did to the control flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Go on at this pc.
    Continue(u32),
    /// The guest exited with this code; the segment ends at this instruction.
    Exit(u32),
}

/// Why preflight could not run an instruction. Pure execution runs first and reports the
/// guest's faults, so these mean an instruction that executes but has no proof yet, or a
/// broken invariant between execution and preflight.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PreflightError {
    #[error("pc {pc:#x}: {message}")]
    Unprovable { pc: u32, message: String },
    #[error("pc {pc:#x} is outside the program or holds no instruction")]
    NoInstruction { pc: u32 },
    #[error("illegal instruction at pc {pc:#x}: the word {word:#010x} is {reason}; a run that executes it cannot be proven")]
    IllegalInstruction {
        pc: u32,
        word: u32,
        reason: tessera_arch::IllegalReason,
    },
    #[error("pc {pc:#x}: opcode {opcode:?} belongs to no circuit extension")]
    NoChip { pc: u32, opcode: VmOpcode },
}

/// An extension's circuit: its AIRs, and for each segment a fresh set of chips.
///
/// The inventory keeps AIRs and chips in step: [`SegmentChips::generate_traces`] returns one
/// trace per AIR of [`CircuitExtension::airs`], in the same order, and the machine checks it.
pub trait CircuitExtension: Send + Sync {
    /// A name for reports and errors.
    fn name(&self) -> &'static str;
    /// Whether this extension's chips prove `opcode`.
    fn handles(&self, opcode: VmOpcode) -> bool;
    /// The extension's AIRs, talking on `buses`.
    fn airs(&self, buses: &SystemBuses) -> Vec<AirRef<SC>>;
    /// Empty chips for one segment. When metered execution planned the segment, `rows` holds
    /// each of this extension's AIRs' row count (indexed as [`Self::airs`]), and the chips
    /// reserve their record arenas once at that size; without a plan it is empty.
    fn new_chips(&self, periphery: &Periphery, rows: &[usize]) -> Box<dyn SegmentChips>;

    /// For metering: which of this extension's AIRs (an index into [`Self::airs`]) gets the
    /// row of `instruction`, and how many memory accesses it makes (an upper bound is safe:
    /// it only cuts segments earlier). `None` for an opcode this extension does not prove.
    fn insn_cost(&self, instruction: &Instruction<F>) -> Option<(usize, u32)>;

    /// For metering, if this extension handles the syscalls that move data: for each I/O
    /// channel its handlers report rows of (see [`tessera_arch::ExecutionCtx::on_io_rows`]),
    /// the AIR (an index into [`Self::airs`]) that gets them and the memory accesses per row.
    /// Empty (the default) if the extension has none.
    fn io_costs(&self) -> Vec<(usize, u32)> {
        Vec::new()
    }
}

/// An extension's chips during one segment.
pub trait SegmentChips: Send {
    /// Runs the instruction at `pc` in preflight: accesses `memory`, records what trace
    /// generation needs, and says where control goes.
    fn execute(
        &mut self,
        memory: &mut PreflightMemory,
        io: &mut SyscallIo,
        pc: u32,
        instruction: &Instruction<F>,
    ) -> Result<Step, PreflightError>;

    /// One trace per AIR, in the order of [`CircuitExtension::airs`], `None` for an AIR with
    /// no rows in this segment (it is left out of the proof). Lookups are counted in the
    /// periphery chips as a side effect.
    fn generate_traces(self: Box<Self>) -> Vec<Option<RowMajorMatrix<F>>>;
}
