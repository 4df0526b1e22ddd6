//! The preflight interpreter: runs a segment instruction by instruction, handing each one to
//! the chips of the extension that proves its opcode, on memory that records every access.

use std::sync::Arc;

use tessera_arch::VmExe;

use super::{
    CircuitExtension, InitialMemory, Periphery, PreflightError, PreflightMemory, SegmentChips,
    Step, SyscallIo, F,
};
use crate::{
    bitwise::BitwiseLookupChip, connector::INITIAL_TIMESTAMP, range_checker::RangeCheckerChip,
};

/// What a preflight produced: the chips' records, the memory accesses, and the outcome.
pub struct PreflightOutput {
    pub memory: PreflightMemory,
    /// Each extension's chips, in the order of the configuration's extensions.
    pub chips: Vec<Box<dyn SegmentChips>>,
    pub periphery: Periphery,
    /// How often each instruction of the program ran (the program chip's multiplicities).
    pub counts: Vec<u32>,
    pub final_pc: u32,
    /// `Some` if the guest exited.
    pub exit_code: Option<u32>,
    pub instret: u64,
    /// Output the guest produced (host output and public output).
    pub io: SyscallIo<'static>,
}

/// Runs `exe` from its entry point until it exits or `max_instructions` ran.
pub(super) fn run(
    exe: &VmExe<F>,
    extensions: &[Box<dyn CircuitExtension>],
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
            extensions.iter().position(|e| e.handles(opcode))
        })
        .collect();
    let periphery = Periphery {
        range: Arc::new(RangeCheckerChip::new(super::SystemBuses::default().range)),
        bitwise: Arc::new(BitwiseLookupChip::default()),
    };
    let mut chips: Vec<Box<dyn SegmentChips>> =
        extensions.iter().map(|e| e.new_chips(&periphery)).collect();
    let image = exe.init_memory.clone();
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
        public_capacity,
        ..SyscallIo::default()
    };
    let mut counts = vec![0u32; program.instructions.len()];
    let mut pc = exe.pc_start;
    let mut instret = 0u64;
    let exit_code = loop {
        if instret == max_instructions {
            return Err(PreflightError::InstructionLimit {
                limit: max_instructions,
            });
        }
        let index = program
            .index_of(pc)
            .filter(|&i| program.instructions[i].is_some())
            .ok_or(PreflightError::NoInstruction { pc })?;
        let instruction = program.instructions[index].as_ref().expect("filtered");
        let owner = owners[index].ok_or(PreflightError::NoChip {
            pc,
            opcode: instruction.opcode,
        })?;
        counts[index] += 1;
        instret += 1;
        match chips[owner].execute(&mut memory, &mut io, pc, instruction)? {
            Step::Continue(next) => pc = next,
            Step::Exit(code) => break code,
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
        memory,
        chips,
        periphery,
        counts,
        final_pc: pc,
        exit_code: Some(exit_code),
        instret,
        io,
    })
}
