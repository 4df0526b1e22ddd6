use p3_field::PrimeField32;
use tessera_arch::{
    address_space, ExecutionCtx, Executor, Instruction, PreInsn, StaticProgramError, Trap,
    VmExecState,
};

use super::trace::JalrRecord;
use crate::adapters::{destination, expect_space, immediate, opcode, register};
use crate::jump_to;
use tessera_arch::X0_SINK;

crate::local_opcode! {
    /// JALR.
    pub enum JalrOpcode: 0x1a0 { JALR }
}

/// Executor of JALR. Operands: `a = 4 * rd`, `b = 4 * rs1`, `c` = signed offset, `d = 1`.
#[derive(Default)]
pub struct JalrExecutor;

impl<F: PrimeField32> Executor<F> for JalrExecutor {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let _: JalrOpcode = opcode(pc, inst)?;
        expect_space(pc, inst.d, &[address_space::REGISTER], "operand d")?;
        Ok(PreInsn::new(
            jalr::<Ctx>,
            destination(pc, inst.a)?,
            register(pc, inst.b, "rs1")?,
            immediate(inst.c),
        ))
    }
}

/// Reads `rs1` before writing `rd`, so `jalr ra, 0(ra)` jumps to the old `ra`.
fn jalr<Ctx: ExecutionCtx>(s: &mut VmExecState<Ctx>, i: &PreInsn<Ctx>) -> Result<(), Trap> {
    let target = s.read_reg(i.b).wrapping_add(i.c) & !1;
    let link = s.vm.pc.wrapping_add(4);
    s.write_reg(i.a, link);
    let (slot, rs1, imm) = (i.a, i.b, i.c);
    s.record(|log, _| JalrRecord {
        from_pc: log.from_pc,
        from_timestamp: log.from_timestamp,
        rd: if slot == X0_SINK { 0 } else { slot },
        rs1,
        imm: imm as i32,
        rs1_read: log.access(0),
        rd_write: (slot != X0_SINK).then(|| log.access(1)),
        to_pc: target,
    });
    // Last: a misaligned target faults, and a faulting run's state is thrown away (chip tests
    // still get the record of the jump the circuit must refuse).
    jump_to(s, target)?;
    Ok(())
}
