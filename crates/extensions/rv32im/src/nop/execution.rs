use p3_field::PrimeField32;
use tessera_arch::{
    ExecutionCtx, Executor, Instruction, PreInsn, StaticProgramError, Trap, VmExecState,
};

use super::trace::NopRecord;
use crate::adapters::opcode;

crate::local_opcode! {
    /// The instruction that only advances the pc.
    pub enum NopOpcode: 0x1e0 { NOP }
}

/// Executor of `NOP`. All operands are zero.
#[derive(Default)]
pub struct NopExecutor;

impl<F: PrimeField32> Executor<F> for NopExecutor {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let _: NopOpcode = opcode(pc, inst)?;
        Ok(PreInsn::new(nop::<Ctx>, 0, 0, 0))
    }
}

fn nop<Ctx: ExecutionCtx>(s: &mut VmExecState<Ctx>, _: &PreInsn<Ctx>) -> Result<(), Trap> {
    s.vm.pc = s.vm.pc.wrapping_add(4);
    s.record(|log, _| NopRecord {
        from_pc: log.from_pc,
        from_timestamp: log.from_timestamp,
    });
    Ok(())
}
