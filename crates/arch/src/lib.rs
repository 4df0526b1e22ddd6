//! `tessera-arch`: the skeleton of the Tessera VM.
//!
//! It defines the instruction set ([`Instruction`], [`VmOpcode`]), programs and executables
//! ([`Program`], [`VmExe`]), ELF loading ([`elf::Elf`]), the transpiler framework
//! ([`TranspilerExtension`]), configuration traits ([`VmExecutionConfig`]) and execution
//! ([`Executor`], [`ExecutorInventory`], [`VmExecutor`]). No instruction lives here: extensions
//! such as `tessera-rv32im` bring them.

pub mod bus;
pub mod columns;
pub mod config;
pub mod elf;
pub mod execution;
pub mod isa;
pub mod program;
pub mod transpiler;

pub use config::{
    ConfigError, SystemConfig, VmExecutionConfig, VmExecutionExtension, MAX_PUBLIC_OUTPUT_CAPACITY,
};
pub use execution::{
    AnyExecutor, ExecutionCtx, ExecutionError, Executor, ExecutorInventory, ExecutorInventoryError,
    ExitCode, Fault, GuestInput, GuestMemory, Handler, HintHost, HostOutput, InitialMemory,
    InsnLog, InteractionCosts, InterpretedInstance, MemoryRows, MemoryShape, MeteredCtx,
    MeteringCosts, OpenValue, PreInsn, PreflightCtx, PureCtx, RecordArena, RecordStore, RegionEdge,
    Segment, SegmentLimits, StaticProgramError, Stream, StreamPositions, Streams, Trap,
    VmExecState, VmExecutor, VmRunError, VmState, FIRST_VALUE_FD, X0_SINK,
};

pub use isa::{address_space, Instruction, LocalOpcode, VmOpcode};
pub use program::{
    FnBound, IllegalReason, IllegalWord, Program, SparseMemoryImage, VmExe, PC_STEP,
};
pub use transpiler::{TranspileError, Transpiled, Transpiler, TranspilerExtension};

/// Loading an ELF into an executable: parse and validate, then transpile.
///
/// Its message includes the cause's, so it has no `source()`: an error chain printed in full
/// (`{:#}` of `anyhow`) says each thing once.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("invalid ELF: {0}")]
    Elf(elf::ElfError),
    #[error("cannot transpile: {0}")]
    Transpile(TranspileError),
}

impl From<elf::ElfError> for LoadError {
    fn from(error: elf::ElfError) -> Self {
        Self::Elf(error)
    }
}

impl From<TranspileError> for LoadError {
    fn from(error: TranspileError) -> Self {
        Self::Transpile(error)
    }
}

/// Parses, validates and transpiles an ELF for a configuration.
pub fn load_elf<F: p3_field::PrimeField32, VC: VmExecutionConfig<F>>(
    config: &VC,
    bytes: &[u8],
) -> Result<VmExe<F>, LoadError> {
    let elf = elf::Elf::parse(bytes, config.system().memory_size())?;
    Ok(config.create_transpiler().transpile(&elf)?)
}
