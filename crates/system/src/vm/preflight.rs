//! The preflight interpreter: runs a segment instruction by instruction, handing each one to
//! the chips of the extension that proves its opcode, on memory that records every access.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tessera_arch::{
    address_space::{PUBLIC_OUTPUT_DATA, PUBLIC_OUTPUT_LENGTH, PUBLIC_VALUES},
    SparseMemoryImage, VmExe,
};

use super::{
    Extensions, InitialMemory, Periphery, PreflightError, PreflightMemory, SegmentChips, Step,
    SyscallIo, F,
};
use crate::{
    bitwise::BitwiseLookupChip,
    connector::INITIAL_TIMESTAMP,
    range_checker::RangeCheckerChip,
    register_refresh::{refresh_stale_registers, RegisterRefreshChip},
};
use tessera_arch::bus::REGISTER_REFRESH_PERIOD;
use tessera_backend_cpu::RecordArena;

/// Where a segment starts: everything execution needs to go on from there. Serializable, so
/// that segments can be proven on other machines once their start states are known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentStart {
    pub pc: u32,
    /// All of memory (registers, main memory, public output), as non-zero words.
    pub memory: SparseMemoryImage,
    /// Bytes of the private input consumed before this segment.
    pub input_position: usize,
    /// Instructions executed before this segment.
    pub instret: u64,
}

impl SegmentStart {
    /// The start of a run of `exe`.
    pub fn initial(exe: &VmExe<F>) -> Self {
        Self {
            pc: exe.pc_start,
            memory: exe.init_memory.clone(),
            input_position: 0,
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

/// What a preflight produced: the chips' records, the memory accesses, and the outcome.
pub struct PreflightOutput {
    /// Where the segment started.
    pub start: SegmentStart,
    pub memory: PreflightMemory,
    /// Each extension's chips, in the order of the configuration's extensions.
    pub chips: Vec<Box<dyn SegmentChips>>,
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
    pub io: SyscallIo<'static>,
}

/// Runs `exe` from `start` until it exits or `max_instructions` ran (then the segment is
/// suspended at the next instruction's pc). `plan` holds, for each extension, its AIRs' planned
/// row counts, and the planned register refreshes (empty and 0 without a plan).
pub(super) fn run(
    exe: &VmExe<F>,
    extensions: &Extensions,
    (rows, refreshes): (&[Vec<usize>], usize),
    start: SegmentStart,
    input: &[u8],
    public_capacity: usize,
    max_instructions: u64,
) -> Result<PreflightOutput, PreflightError> {
    let program = &exe.program;
    // Which extension proves each instruction, decided once.
    let owners: Vec<Option<usize>> = program
        .instructions
        .iter()
        .map(|inst| {
            let opcode = inst.as_ref()?.opcode;
            extensions.owner(opcode)
        })
        .collect();
    let periphery = Periphery {
        range: Arc::new(RangeCheckerChip::new(super::SystemBuses::default().range)),
        bitwise: Arc::new(BitwiseLookupChip::default()),
    };
    let mut chips: Vec<Box<dyn SegmentChips>> = extensions
        .iter()
        .enumerate()
        .map(|(i, e)| e.new_chips(&periphery, rows.get(i).map_or(&[], |r| &r[..])))
        .collect();
    let image = start.memory.clone();
    let initial: InitialMemory = Box::new(move |space, pointer| {
        image
            .get(&(space, pointer))
            .copied()
            .unwrap_or(0)
            .to_le_bytes()
    });
    let mut memory = PreflightMemory::new(initial, INITIAL_TIMESTAMP);
    let mut io = SyscallIo {
        input,
        input_position: start.input_position,
        public_capacity,
        ..SyscallIo::default()
    };
    let mut counts = vec![0u32; program.instructions.len()];
    let mut pc = start.pc;
    let mut instret = 0u64;
    let mut refresh = RegisterRefreshChip {
        range: periphery.range.clone(),
        records: RecordArena::with_capacity(refreshes),
    };
    let mut next_refresh = REGISTER_REFRESH_PERIOD;
    let exit_code = loop {
        if instret == max_instructions {
            break None;
        }
        // Keep every register recent (see `register_refresh`): a check once per period,
        // before the instruction that crosses it.
        if memory.timestamp >= next_refresh {
            refresh_stale_registers(&mut memory, pc, &mut refresh.records);
            next_refresh = memory.timestamp - memory.timestamp % REGISTER_REFRESH_PERIOD
                + REGISTER_REFRESH_PERIOD;
        }
        let index = program
            .index_of(pc)
            .filter(|&i| program.instructions[i].is_some())
            .ok_or_else(|| match program.illegal.get(&pc) {
                Some(illegal) => PreflightError::IllegalInstruction {
                    pc,
                    word: illegal.word,
                    reason: illegal.reason.clone(),
                },
                None => PreflightError::NoInstruction { pc },
            })?;
        let instruction = program.instructions[index].as_ref().expect("filtered");
        let owner = owners[index].ok_or(PreflightError::NoChip {
            pc,
            opcode: instruction.opcode,
        })?;
        counts[index] += 1;
        instret += 1;
        match chips[owner].execute(&mut memory, &mut io, pc, instruction)? {
            Step::Continue(next) => pc = next,
            Step::Exit(code) => break Some(code),
        }
    };
    let io = SyscallIo {
        input: &[],
        input_position: io.input_position,
        public_capacity,
        stdout: io.stdout,
        stderr: io.stderr,
        public_output: io.public_output,
    };
    Ok(PreflightOutput {
        start,
        memory,
        chips,
        refresh,
        periphery,
        counts,
        final_pc: pc,
        exit_code,
        instret,
        io,
    })
}
