//! The preflight interpreter: runs a segment instruction by instruction, handing each one to
//! the chips of the extension that proves its opcode, on memory that records every access.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tessera_arch::{
    address_space::{PUBLIC_OUTPUT_DATA, PUBLIC_OUTPUT_LENGTH, PUBLIC_VALUES, REGISTER},
    ExecutionError, Fault, GuestInput, GuestMemory, InterpretedInstance, PreflightCtx,
    SparseMemoryImage, StreamPositions, Streams, VmExe, VmExecState, VmExecutionConfig, VmState,
};

use super::{Extensions, InitialMemory, Periphery, PreflightError, PreflightMemory, SyscallIo, F};
use crate::{connector::INITIAL_TIMESTAMP, register_refresh::RegisterRefreshChip};
use tessera_arch::{RecordArena, RecordStore};

/// Where a segment starts: everything execution needs to go on from there. Serializable, so
/// that segments can be proven on other machines once their start states are known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentStart {
    pub pc: u32,
    /// All of memory (registers, main memory, public output), as non-zero words.
    pub memory: SparseMemoryImage,
    /// How far the guest had read its streams before this segment.
    pub streams: StreamPositions,
    /// Instructions executed before this segment.
    pub instret: u64,
}

impl SegmentStart {
    /// The start of a run of `exe`.
    pub fn initial(exe: &VmExe<F>) -> Self {
        Self {
            pc: exe.pc_start,
            memory: exe.init_memory.clone(),
            streams: StreamPositions::default(),
            instret: 0,
        }
    }

    /// The public output held in this memory (address space 3: a length word, then bytes).
    /// A length beyond `capacity` is clamped (no proven run writes past it).
    pub fn public_output(&self, capacity: usize) -> Vec<u8> {
        let word = |pointer: u32| {
            self.memory
                .get(&(PUBLIC_VALUES, pointer))
                .copied()
                .unwrap_or(0)
                .to_le_bytes()
        };
        let len = (u32::from_le_bytes(word(PUBLIC_OUTPUT_LENGTH)) as usize).min(capacity);
        (0..len as u32)
            .map(|i| word(PUBLIC_OUTPUT_DATA + (i & !3))[(i & 3) as usize])
            .collect()
    }
}

/// What a preflight produced: the handlers' records, the memory accesses, and the outcome.
pub struct PreflightOutput {
    /// Where the segment started.
    pub start: SegmentStart,
    pub memory: PreflightMemory,
    /// The records the handlers made, by type: the backend's fillers take them
    /// ([`super::VmBackend::extension_traces`]).
    pub records: RecordStore,
    /// For each extension (in the configuration's order), its AIRs' planned row counts; empty
    /// without a plan.
    pub rows: Vec<Vec<usize>>,
    /// The refreshes of stale registers.
    pub refresh: RegisterRefreshChip,
    pub periphery: Periphery,
    /// How often each instruction of the program ran (the program chip's multiplicities).
    pub counts: Vec<u32>,
    pub final_pc: u32,
    /// `Some` if the guest exited; `None` if the segment was suspended after its instruction
    /// budget.
    pub exit_code: Option<u32>,
    pub instret: u64,
    /// Output the guest produced (host output and public output).
    pub io: SyscallIo,
}

/// A program ready for preflight: its instructions pre-computed once for the preflight
/// context ([`PreflightCtx`]) with the configuration's executors. A [`super::VmInstance`]
/// keeps one for all the segments it proves; [`super::VirtualMachine::execute_preflight`]
/// makes one per call.
pub struct PreflightProgram {
    exe: Arc<VmExe<F>>,
    instance: InterpretedInstance<F, PreflightCtx>,
}

impl PreflightProgram {
    /// `exe` prepared with `config`'s executors.
    pub(super) fn new<C: VmExecutionConfig<F>>(
        config: &C,
        exe: Arc<VmExe<F>>,
    ) -> Result<Self, PreflightError> {
        let unprovable = |message: String| PreflightError::Unprovable {
            pc: exe.pc_start,
            message,
        };
        let executors = config
            .create_executors()
            .map_err(|e| unprovable(e.to_string()))?;
        let instance = InterpretedInstance::new(config.system().clone(), Arc::new(executors), &exe)
            .map_err(|e| unprovable(e.to_string()))?;
        Ok(Self { exe, instance })
    }

    /// The executable.
    pub fn exe(&self) -> &Arc<VmExe<F>> {
        &self.exe
    }
}

/// Runs `exe` from `start` until it exits or `max_instructions` ran (then the segment is
/// suspended at the next instruction's pc), over the instruction handlers: the segment runs in
/// a [`PreflightCtx`] on a machine state rebuilt from `start`, with the executors of `config`
/// (the same handlers as pure and metered execution, so the same semantics and the same
/// faults), and each extension's chips then take the records of their types. `plan` holds, for
/// each extension, its AIRs' planned row counts, and the planned register refreshes (empty and
/// 0 without a plan).
pub(super) fn run<C: VmExecutionConfig<F>>(
    config: &C,
    program: &PreflightProgram,
    (extensions, periphery): (&Extensions, Periphery),
    (rows, refreshes): (&[Vec<usize>], usize),
    start: SegmentStart,
    input: &GuestInput,
    max_instructions: u64,
) -> Result<PreflightOutput, PreflightError> {
    let system = config.system();
    let public_capacity = system.public_output_capacity;
    let PreflightProgram { exe, instance } = program;

    let image = start.memory.clone();
    let initial: InitialMemory = Box::new(move |space, pointer| {
        image
            .get(&(space, pointer))
            .copied()
            .unwrap_or(0)
            .to_le_bytes()
    });
    let memory = PreflightMemory::new(initial, INITIAL_TIMESTAMP);
    let end = start.instret.saturating_add(max_instructions);
    let mut ctx = PreflightCtx::new(memory, exe.program.instructions.len(), end);
    ctx.refreshes.reserve(refreshes);

    let mut vm = VmState::initial(system, exe, Streams::new(input.clone()));
    vm.pc = start.pc;
    vm.instret = start.instret;
    vm.streams.seek(&start.streams);
    vm.memory = GuestMemory::new(system, &start.memory);
    let earlier_output = start.public_output(public_capacity);
    vm.memory
        .append_public_output(&earlier_output)
        .expect("the public output of a start state fits its capacity");
    for (index, slot) in vm.regs.iter_mut().enumerate().take(32) {
        let word = start.memory.get(&(REGISTER, 4 * index as u32));
        *slot = word.copied().unwrap_or(0);
    }

    // A planned segment's records go to arenas reserved at the planned rows.
    for (extension, planned) in extensions.iter().zip(rows) {
        extension
            .new_chips(&periphery, planned)
            .lend_arenas(&mut ctx.records);
    }
    let mut state = VmExecState { vm, ctx };
    let exit_code = match instance.run(&mut state) {
        Ok(()) => state.vm.exit_code,
        Err(ExecutionError::InstructionLimit { limit, .. }) if limit == end => None,
        Err(error) => return Err(preflight_error(error)),
    };
    let VmExecState { vm, ctx } = state;
    let segment_instret = vm.instret - start.instret;
    if let Some(pc) = ctx.unrecorded {
        let opcode = exe.program.get(pc).map(|inst| inst.opcode);
        return Err(PreflightError::Unprovable {
            pc,
            message: format!("{opcode:?} executes, but no chip of this configuration proves it"),
        });
    }
    let io = SyscallIo {
        positions: vm.streams.positions(),
        public_capacity,
        stdout: vm.host_output.stdout,
        stderr: vm.host_output.stderr,
        public_output: vm.memory.public_output()[earlier_output.len()..].to_vec(),
    };
    Ok(PreflightOutput {
        start,
        memory: ctx.memory,
        records: ctx.records,
        rows: rows.to_vec(),
        refresh: RegisterRefreshChip {
            range: periphery.range.clone(),
            records: RecordArena::from(ctx.refreshes),
        },
        periphery,
        counts: ctx.counts,
        final_pc: vm.pc,
        exit_code,
        instret: segment_instret,
        io,
    })
}

/// A run that stops before the segment's end: a fault, an illegal or missing instruction.
/// Execution ran first and reported the guest's faults, so this is a start state that does not
/// come from that execution (or a bug).
fn preflight_error(error: ExecutionError) -> PreflightError {
    match error {
        ExecutionError::IllegalInstruction {
            pc, word, reason, ..
        } => PreflightError::IllegalInstruction { pc, word, reason },
        ExecutionError::PcOutOfProgram { pc, .. }
        | ExecutionError::Fault {
            pc,
            fault: Fault::NoInstruction,
            ..
        } => PreflightError::NoInstruction { pc },
        ExecutionError::Fault { pc, .. } | ExecutionError::InstructionLimit { pc, .. } => {
            PreflightError::Unprovable {
                pc,
                message: error.to_string(),
            }
        }
    }
}
