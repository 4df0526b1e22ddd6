//! The interpreter: pre-computes a program once, then runs it without decoding.

use std::sync::Arc;

use p3_field::PrimeField32;

use crate::{
    config::{ConfigError, SystemConfig, VmExecutionConfig},
    isa::Instruction,
    program::{VmExe, PC_STEP},
};

use super::{
    ExecutionCtx, ExecutionError, ExecutorInventory, Fault, PreInsn, PureCtx, StaticProgramError,
    Streams, Trap, VmExecState, VmState,
};

/// Runs arbitrary programs of one VM configuration.
///
/// Extensions bring the instructions; see the crate example of `tessera-rv32im`, which builds a
/// `VmExecutor` for `Rv32ImConfig` and runs a program with it.
pub struct VmExecutor<F, VC> {
    pub config: VC,
    inventory: Arc<ExecutorInventory<F>>,
}

impl<F: PrimeField32, VC: VmExecutionConfig<F>> VmExecutor<F, VC> {
    /// Checks `config` and builds its executors.
    pub fn new(config: VC) -> Result<Self, ConfigError> {
        config.system().validate()?;
        let inventory = Arc::new(config.create_executors()?);
        Ok(Self { config, inventory })
    }

    /// The executor inventory.
    pub fn inventory(&self) -> &ExecutorInventory<F> {
        &self.inventory
    }

    /// An interpreter for pure execution of `exe`.
    pub fn instance(
        &self,
        exe: &Arc<VmExe<F>>,
    ) -> Result<InterpretedInstance<F, PureCtx>, StaticProgramError> {
        InterpretedInstance::new(self.config.system().clone(), self.inventory.clone(), exe)
    }

    /// An interpreter of `exe` for the execution context `Ctx` (metered execution, ...).
    pub fn instance_for<Ctx: ExecutionCtx>(
        &self,
        exe: &Arc<VmExe<F>>,
    ) -> Result<InterpretedInstance<F, Ctx>, StaticProgramError> {
        InterpretedInstance::new(self.config.system().clone(), self.inventory.clone(), exe)
    }

    /// Runs `exe` from its start with `streams` as input, for at most `max_instructions`.
    pub fn execute(
        &self,
        exe: &Arc<VmExe<F>>,
        streams: Streams,
        max_instructions: Option<u64>,
    ) -> Result<VmState, VmRunError> {
        let instance = self.instance(exe)?;
        let state = instance.initial_state(streams);
        Ok(instance.execute_from_state(state, PureCtx::new(max_instructions))?)
    }
}

/// Either kind of failure of [`VmExecutor::execute`].
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum VmRunError {
    #[error(transparent)]
    StaticProgram(#[from] StaticProgramError),
    #[error(transparent)]
    Execution(#[from] ExecutionError),
}

/// A program pre-computed for the context `Ctx`: one [`PreInsn`] per pc.
pub struct InterpretedInstance<F, Ctx> {
    system: SystemConfig,
    inventory: Arc<ExecutorInventory<F>>,
    exe: Arc<VmExe<F>>,
    pc_base: u32,
    table: Vec<PreInsn<Ctx>>,
}

impl<F: PrimeField32, Ctx: ExecutionCtx> InterpretedInstance<F, Ctx> {
    /// Pre-computes every instruction of `exe`; fails if an opcode has no executor or an
    /// executor rejects an instruction's operands.
    pub fn new(
        system: SystemConfig,
        inventory: Arc<ExecutorInventory<F>>,
        exe: &Arc<VmExe<F>>,
    ) -> Result<Self, StaticProgramError> {
        let program = &exe.program;
        let mut table = Vec::with_capacity(program.instructions.len());
        for (i, inst) in program.instructions.iter().enumerate() {
            let pc = program.pc_base + PC_STEP * i as u32;
            let pre = match inst {
                None if program.illegal.contains_key(&pc) => {
                    PreInsn::new(illegal_instruction::<Ctx>, 0, 0, 0)
                }
                None => PreInsn::new(no_instruction::<Ctx>, 0, 0, 0),
                Some(inst) => {
                    let (_, executor) = inventory.executor(inst.opcode).ok_or_else(|| {
                        StaticProgramError::NoExecutor {
                            pc,
                            opcode: inventory.opcode_name(inst.opcode),
                        }
                    })?;
                    Ctx::pre_compute(executor, pc, inst)?
                }
            };
            table.push(pre);
        }
        Ok(Self {
            system,
            inventory,
            exe: exe.clone(),
            pc_base: program.pc_base,
            table,
        })
    }

    /// The state at the start of the program.
    pub fn initial_state(&self, streams: Streams) -> VmState {
        VmState::initial(&self.system, &self.exe, streams)
    }

    /// Runs from `state` until the guest exits or an error stops it.
    pub fn execute_from_state(&self, vm: VmState, ctx: Ctx) -> Result<VmState, ExecutionError> {
        let mut state = VmExecState { vm, ctx };
        self.run(&mut state)?;
        Ok(state.vm)
    }

    /// The hot loop. Runs batches of instructions sized by the context; within a batch it only
    /// fetches (one bounds check) and calls the handler.
    #[inline]
    pub fn run(&self, s: &mut VmExecState<Ctx>) -> Result<(), ExecutionError> {
        let mut last_pc = s.vm.pc;
        loop {
            let batch = s.ctx.next_batch(&s.vm)?;
            let mut done = 0u64;
            let outcome = loop {
                if done == batch {
                    break Ok(());
                }
                let pc = s.vm.pc;
                let index = (pc.wrapping_sub(self.pc_base) / PC_STEP) as usize;
                let Some(insn) = self.table.get(index) else {
                    break Err(None);
                };
                last_pc = pc;
                match (insn.handler)(s, insn) {
                    Ok(()) => {
                        s.ctx.on_instruction(index);
                        done += 1;
                    }
                    Err(Trap::Exit) => {
                        s.ctx.on_instruction(index);
                        break Err(Some(Trap::Exit));
                    }
                    Err(trap) => break Err(Some(trap)),
                }
            };
            match outcome {
                Ok(()) => s.vm.instret += done,
                Err(Some(Trap::Exit)) => {
                    s.vm.instret += done + 1;
                    return Ok(());
                }
                Err(Some(Trap::Fault(fault))) => {
                    s.vm.instret += done;
                    return Err(self.fault_error(s.vm.pc, fault));
                }
                Err(None) => {
                    s.vm.instret += done;
                    return Err(ExecutionError::PcOutOfProgram {
                        pc: s.vm.pc,
                        start: self.pc_base,
                        end: self.pc_base + PC_STEP * self.table.len() as u32,
                        last_pc,
                        function: self.exe.function_at(last_pc).map(str::to_owned),
                    });
                }
            }
        }
    }

    fn fault_error(&self, pc: u32, fault: Fault) -> ExecutionError {
        if let (Fault::IllegalInstruction, Some(illegal)) =
            (fault, self.exe.program.illegal.get(&pc))
        {
            return ExecutionError::IllegalInstruction {
                pc,
                function: self.exe.function_at(pc).map(str::to_owned),
                word: illegal.word,
                reason: illegal.reason.clone(),
            };
        }
        ExecutionError::Fault {
            pc,
            function: self.exe.function_at(pc).map(str::to_owned),
            instruction: match self.exe.program.get(pc) {
                Some(inst) => self.describe(inst),
                None => "nothing".to_owned(),
            },
            fault,
        }
    }

    /// `NAME a, b, c, d, e` with signed operands, for messages.
    pub fn describe(&self, inst: &Instruction<F>) -> String {
        let ops = [inst.a, inst.b, inst.c, inst.d, inst.e].map(Instruction::<F>::signed);
        format!(
            "{} {}, {}, {}, {}, {}",
            self.inventory.opcode_name(inst.opcode),
            ops[0],
            ops[1],
            ops[2],
            ops[3],
            ops[4]
        )
    }
}

fn no_instruction<Ctx>(_: &mut VmExecState<Ctx>, _: &PreInsn<Ctx>) -> Result<(), Trap> {
    Err(Trap::Fault(Fault::NoInstruction))
}

/// A word of an executable segment that is not an instruction (see `Program::illegal`).
fn illegal_instruction<Ctx>(_: &mut VmExecState<Ctx>, _: &PreInsn<Ctx>) -> Result<(), Trap> {
    Err(Trap::Fault(Fault::IllegalInstruction))
}
