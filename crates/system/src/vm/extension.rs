//! What an extension plugs into the machine: its AIRs and, for each segment, chips that run
//! its instructions in preflight and fill its traces.

use std::{collections::HashMap, ops::Deref};

use openvm_stark_backend::interaction::BusIndex;
use openvm_stark_backend::{p3_matrix::dense::RowMajorMatrix, AirRef};
use tessera_arch::{
    bus::{
        BitwiseBus, ExecutionBus, ExitBus, MemoryBridge, MemoryBus, ProgramBus, RangeCheckerBus,
        BITWISE_BUS, EXECUTION_BUS, EXIT_BUS, FIRST_EXTENSION_BUS, MEMORY_BUS, PROGRAM_BUS,
        RANGE_CHECKER_BUS, RANGE_CHECKER_MAX_BITS,
    },
    execution::tracing_memory::TracingMemory,
    ExecutorInventory, ExecutorInventoryError, Instruction, RecordStore, StreamPositions,
    VmExecutionExtension, VmOpcode,
};
use thiserror::Error;

use super::{Periphery, PeripheryBuses, PeripheryRequest, F, SC};

/// The buses every chip talks on, with the indices the system assigns them, and the buses of
/// the extension's own ([`CircuitExtension::own_buses`]).
#[derive(Clone, Copy, Debug)]
pub struct SystemBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub range: RangeCheckerBus,
    pub bitwise: BitwiseBus,
    pub exit: ExitBus,
    /// The buses of the periphery tables the extensions asked for, by type.
    pub periphery: PeripheryBuses,
    /// The bus indices the machine assigned to this extension alone.
    pub own: OwnBuses,
}

/// The bus indices one extension owns: `count` of them from `first`, disjoint from the system's
/// and from every other extension's (the machine hands them out in configuration order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnBuses {
    pub first: BusIndex,
    pub count: u16,
}

impl OwnBuses {
    /// The extension's `i`-th bus. Panics if the extension asked for fewer (a bug of the
    /// extension, not of its input).
    pub fn get(&self, i: u16) -> BusIndex {
        assert!(
            i < self.count,
            "bus {i} of an extension that declared {} (CircuitExtension::own_buses)",
            self.count
        );
        self.first + i
    }
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
            periphery: PeripheryBuses::default(),
            // The first extension's without periphery tables (what a chip test of one
            // extension sees); the machine assigns each extension its own, after the tables'.
            own: OwnBuses {
                first: FIRST_EXTENSION_BUS,
                count: 16,
            },
        }
    }
}

pub use tessera_arch::InitialMemory;

/// Preflight memory: every access is recorded with its timestamps.
pub type PreflightMemory = TracingMemory<InitialMemory>;

/// The guest's I/O during preflight.
#[derive(Clone, Debug, Default)]
pub struct SyscallIo {
    /// How far the guest has read its streams.
    pub positions: StreamPositions,
    /// Max public-output bytes (`SystemConfig::public_output_capacity`).
    pub public_capacity: usize,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub public_output: Vec<u8>,
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

/// An extension: its executors and transpiler ([`VmExecutionExtension`]), its AIRs, and for
/// each segment a fresh set of chips.
///
/// The opcodes an extension proves are the ones its executors run: they are declared once,
/// by [`VmExecutionExtension::extend_execution`], and the machine sends every instruction of
/// those opcodes to this extension's chips ([`Extensions`]).
///
/// The machine keeps AIRs and chips in step: [`SegmentChips::generate_traces`] returns one
/// trace per AIR of [`CircuitExtension::airs`], in the same order, and the machine checks it.
pub trait CircuitExtension: VmExecutionExtension<F> + Send + Sync {
    /// A name for reports and errors.
    fn name(&self) -> &'static str;
    /// How many buses of its own the extension's AIRs use (chains between its AIRs, ...): the
    /// machine assigns them indices no other extension uses, in [`SystemBuses::own`].
    fn own_buses(&self) -> u16 {
        0
    }
    /// The periphery tables the extension's chips look values up in, beyond the system's range
    /// checker and bitwise lookup ([`PeripheryRequest::of`]): the machine makes each table
    /// once, however many extensions ask, and assigns its bus
    /// ([`SystemBuses::periphery`]); chips find it with [`Periphery::get`].
    fn periphery(&self) -> Vec<PeripheryRequest> {
        Vec::new()
    }
    /// The extension's AIRs, talking on `buses`.
    fn airs(&self, buses: &SystemBuses) -> Vec<AirRef<SC>>;
    /// Empty chips for one segment. When metered execution planned the segment, `rows` holds
    /// each of this extension's AIRs' row count (indexed as [`Self::airs`]), and the chips
    /// reserve their record arenas once at that size (preflight lends them to the handlers:
    /// [`SegmentChips::lend_arenas`]); without a plan it is empty. Called twice in a planned
    /// segment (to lend the arenas, then with no rows to fill the traces), so it must not
    /// count anything in `periphery`.
    fn new_chips(&self, periphery: &Periphery, rows: &[usize]) -> Box<dyn SegmentChips>;

    /// For metering: which of this extension's AIRs (an index into [`Self::airs`]) gets the
    /// row of `instruction`; `None` for an opcode this extension does not prove. (The memory
    /// accesses are not declared: metering counts the ones the handler makes.)
    fn insn_air(&self, instruction: &Instruction<F>) -> Option<usize>;

    /// For metering, if this extension handles the syscalls that move data: for each I/O
    /// channel its handlers report rows of (see [`tessera_arch::ExecutionCtx::on_io_rows`]),
    /// the AIR (an index into [`Self::airs`]) that gets them. Empty (the default) if the
    /// extension has none.
    fn io_airs(&self) -> Vec<usize> {
        Vec::new()
    }
}

/// The extensions of a machine, in order, and which of them proves each opcode.
pub struct Extensions {
    list: Vec<Box<dyn CircuitExtension>>,
    owners: HashMap<VmOpcode, usize>,
}

impl Extensions {
    /// The extensions; fails if two of them execute the same opcode.
    pub fn new(list: Vec<Box<dyn CircuitExtension>>) -> Result<Self, ExecutorInventoryError> {
        // One inventory for all: it refuses an opcode claimed twice, naming both.
        let mut all = ExecutorInventory::<F>::default();
        let mut owners = HashMap::new();
        for (index, extension) in list.iter().enumerate() {
            let mut own = ExecutorInventory::<F>::default();
            extension.extend_execution(&mut own)?;
            owners.extend(own.opcodes().map(|op| (op, index)));
            extension.extend_execution(&mut all)?;
        }
        Ok(Self { list, owners })
    }

    /// The index of the extension whose chips prove `opcode`.
    pub fn owner(&self, opcode: VmOpcode) -> Option<usize> {
        self.owners.get(&opcode).copied()
    }
}

impl Deref for Extensions {
    type Target = [Box<dyn CircuitExtension>];

    fn deref(&self) -> &Self::Target {
        &self.list
    }
}

/// An extension's chips during one segment.
pub trait SegmentChips: Send {
    /// Before a planned segment's preflight: moves its record arenas, reserved by
    /// [`CircuitExtension::new_chips`] at the planned rows, into `records`, where the handlers
    /// push their records; so no record arena reallocates while the segment runs (see
    /// [`RecordStore::lend`]). The default lends nothing: the arenas grow as records come.
    fn lend_arenas(&mut self, records: &mut RecordStore) {
        let _ = records;
    }

    /// Takes the records of its families from `records` (preflight over the handlers, which
    /// push one record per instruction they run; see [`tessera_arch::PreflightCtx`]).
    fn load_records(&mut self, records: &mut RecordStore);

    /// One trace per AIR, in the order of [`CircuitExtension::airs`], `None` for an AIR with
    /// no rows in this segment (it is left out of the proof). Lookups are counted in the
    /// periphery chips as a side effect.
    fn generate_traces(self: Box<Self>) -> Vec<Option<RowMajorMatrix<F>>>;
}
