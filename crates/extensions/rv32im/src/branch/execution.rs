use p3_field::PrimeField32;
use tessera_arch::{
    address_space, ExecutionCtx, Executor, Handler, Instruction, PreInsn, StaticProgramError, Trap,
    VmExecState,
};

use super::{trace::BranchRecord, BranchFamily};
use crate::adapters::{expect_space, immediate, opcode, register};
use crate::jump_to;

/// Executor of a branch family. Operands: `a = 4 * rs1`, `b = 4 * rs2`, `c` = signed offset
/// from the branch's pc, `d = e = 1`. The target is computed once, at pre-compute time.
pub struct BranchExecutor<O>(std::marker::PhantomData<O>);

impl<O> Default for BranchExecutor<O> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<F: PrimeField32, O: BranchFamily + Send + Sync> Executor<F> for BranchExecutor<O> {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let op: O = opcode(pc, inst)?;
        expect_space(pc, inst.d, &[address_space::REGISTER], "operand d")?;
        expect_space(pc, inst.e, &[address_space::REGISTER], "operand e")?;
        let target = pc.wrapping_add(immediate(inst.c));
        let handler: Handler<Ctx> = match op.local() {
            0 => branch::<Ctx, O, 0>,
            1 => branch::<Ctx, O, 1>,
            2 => branch::<Ctx, O, 2>,
            3 => branch::<Ctx, O, 3>,
            _ => unreachable!("branch families have at most 4 opcodes"),
        };
        Ok(PreInsn::new(
            handler,
            register(pc, inst.a, "rs1")?,
            register(pc, inst.b, "rs2")?,
            target,
        ))
    }
}

fn branch<Ctx: ExecutionCtx, O: BranchFamily, const OP: usize>(
    s: &mut VmExecState<Ctx>,
    i: &PreInsn<Ctx>,
) -> Result<(), Trap> {
    let x = s.read_reg(i.a);
    let y = s.read_reg(i.b);
    let taken = O::ALL[OP].taken(x, y);
    let (rs1, rs2, target) = (i.a, i.b, i.c);
    s.record(|log, _| BranchRecord {
        from_pc: log.from_pc,
        from_timestamp: log.from_timestamp,
        opcode: O::ALL[OP],
        rs1,
        rs2,
        imm: target.wrapping_sub(log.from_pc) as i32,
        rs1_read: log.access(0),
        rs2_read: log.access(1),
        taken,
    });
    if taken {
        jump_to(s, target)
    } else {
        s.vm.pc = s.vm.pc.wrapping_add(4);
        Ok(())
    }
}
