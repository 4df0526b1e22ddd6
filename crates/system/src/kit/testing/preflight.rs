//! Single instructions in preflight, for chip tests: the same handlers and context as the
//! machine's preflight, one instruction at a time, so a test gets the records the machine would.

use std::{collections::HashMap, sync::Arc};

use tessera_arch::{
    address_space::REGISTER, execution::tracing_memory::TracingMemory, ExecutionCtx,
    ExecutorInventory, GuestMemory, HostOutput, InitialMemory, Instruction, PreflightCtx, Streams,
    SystemConfig, VmExecState, VmState,
};

use tessera_arch::execution::NUM_REGISTER_SLOTS;

use crate::{connector::INITIAL_TIMESTAMP, vm::F};

/// A preflight state at `pc` with registers `(index, value)` set and all memory zero.
///
/// ```
/// use tessera_system::kit::testing::preflight_state;
///
/// let state = preflight_state(0x1000, &[(5, 7)]);
/// assert_eq!(state.vm.reg(5), 7);
/// ```
pub fn preflight_state(pc: u32, registers: &[(u32, u32)]) -> VmExecState<PreflightCtx> {
    let words: HashMap<(u32, u32), u32> = registers
        .iter()
        .map(|&(index, value)| ((REGISTER, 4 * index), value))
        .collect();
    let mut regs = [0; NUM_REGISTER_SLOTS];
    for &(index, value) in registers {
        regs[index as usize] = value;
    }
    let words = Arc::new(words);
    let initial: InitialMemory = Box::new(move |space, pointer| {
        words
            .get(&(space, pointer))
            .copied()
            .unwrap_or(0)
            .to_le_bytes()
    });
    VmExecState {
        vm: VmState {
            pc,
            instret: 0,
            regs,
            memory: GuestMemory::new(&SystemConfig::default(), &Default::default()),
            streams: Streams::default(),
            host_output: HostOutput::default(),
            exit_code: None,
        },
        ctx: PreflightCtx::new(TracingMemory::new(initial, INITIAL_TIMESTAMP), 1, u64::MAX),
    }
}

/// Runs `instruction` at the state's pc with its executor from `executors`, as the machine's
/// preflight does: its accesses are timestamped on `state.ctx.memory` and its record lands in
/// `state.ctx.records`. `Err` says why it did not run (an executor that refuses the
/// instruction, a fault) or why no chip could prove it (no record).
pub fn preflight_instruction(
    executors: &ExecutorInventory<F>,
    state: &mut VmExecState<PreflightCtx>,
    instruction: &Instruction<F>,
) -> Result<(), String> {
    let (_, executor) = executors
        .executor(instruction.opcode)
        .ok_or_else(|| format!("no executor of {}", instruction.opcode))?;
    let pre = executor
        .pre_compute_preflight(state.vm.pc, instruction)
        .map_err(|e| e.to_string())?;
    state.ctx.next_batch(&state.vm).map_err(|e| e.to_string())?;
    match (pre.handler)(state, &pre) {
        Ok(()) | Err(tessera_arch::Trap::Exit) => {}
        Err(tessera_arch::Trap::Fault(fault)) => return Err(fault.to_string()),
    }
    state.ctx.on_instruction(0);
    state.vm.instret += 1;
    match state.ctx.unrecorded {
        Some(pc) => Err(format!(
            "the instruction at {pc:#x} made no record: no chip proves it"
        )),
        None => Ok(()),
    }
}
