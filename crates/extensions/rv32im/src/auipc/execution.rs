use p3_field::PrimeField32;
use tessera_arch::{
    address_space, ExecutionCtx, Executor, Instruction, PreInsn, StaticProgramError, Trap,
    VmExecState,
};

use super::trace::AuipcRecord;
use crate::adapters::{destination, expect_space, invalid, opcode};
use tessera_arch::X0_SINK;

crate::local_opcode! {
    /// AUIPC.
    pub enum AuipcOpcode: 0x1b0 { AUIPC }
}

/// Executor of AUIPC. Operands: `a = 4 * rd`, `c` = the 20-bit upper immediate, `d = 1`.
/// The result is a constant of the instruction, computed once at pre-compute time.
#[derive(Default)]
pub struct AuipcExecutor;

impl<F: PrimeField32> Executor<F> for AuipcExecutor {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let _: AuipcOpcode = opcode(pc, inst)?;
        expect_space(pc, inst.d, &[address_space::REGISTER], "operand d")?;
        let imm = inst.c.as_canonical_u32();
        if imm >= 1 << 20 {
            return Err(invalid(
                pc,
                format!("AUIPC immediate {imm:#x} has more than 20 bits"),
            ));
        }
        Ok(PreInsn::new(
            auipc::<Ctx>,
            destination(pc, inst.a)?,
            0,
            pc.wrapping_add(imm << 12),
        ))
    }
}

fn auipc<Ctx: ExecutionCtx>(s: &mut VmExecState<Ctx>, i: &PreInsn<Ctx>) -> Result<(), Trap> {
    s.write_reg(i.a, i.c);
    // AUIPC to x0 has no row (the transpiler turns it into NOP).
    if i.a != X0_SINK {
        let (rd, value) = (i.a, i.c);
        s.record(|log, _| AuipcRecord {
            from_pc: log.from_pc,
            from_timestamp: log.from_timestamp,
            rd,
            imm: value.wrapping_sub(log.from_pc) >> 12,
            value,
            rd_write: log.access(0),
        });
    }
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}
