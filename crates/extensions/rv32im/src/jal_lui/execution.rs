use p3_field::PrimeField32;
use tessera_arch::{
    address_space, ExecutionCtx, Executor, Instruction, PreInsn, StaticProgramError, Trap,
    VmExecState,
};

use crate::adapters::{destination, expect_space, immediate, invalid, opcode};
use crate::jump_to;

crate::local_opcode! {
    /// JAL and LUI.
    pub enum JalLuiOpcode: 0x190 { JAL, LUI }
}

/// Executor of JAL and LUI. Operands: `a = 4 * rd`, `c` = signed offset (JAL) or the 20-bit
/// upper immediate (LUI, `rd = c << 12`), `d = 1`.
#[derive(Default)]
pub struct JalLuiExecutor;

impl<F: PrimeField32> Executor<F> for JalLuiExecutor {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let op: JalLuiOpcode = opcode(pc, inst)?;
        expect_space(pc, inst.d, &[address_space::REGISTER], "operand d")?;
        let rd = destination(pc, inst.a)?;
        Ok(match op {
            JalLuiOpcode::JAL => PreInsn::new(
                jal::<Ctx>,
                rd,
                pc.wrapping_add(4),
                pc.wrapping_add(immediate(inst.c)),
            ),
            JalLuiOpcode::LUI => {
                let imm = inst.c.as_canonical_u32();
                if imm >= 1 << 20 {
                    return Err(invalid(
                        pc,
                        format!("LUI immediate {imm:#x} has more than 20 bits"),
                    ));
                }
                PreInsn::new(lui::<Ctx>, rd, 0, imm << 12)
            }
        })
    }
}

fn jal<Ctx: ExecutionCtx>(s: &mut VmExecState<Ctx>, i: &PreInsn<Ctx>) -> Result<(), Trap> {
    jump_to(s, i.c)?;
    s.write_reg(i.a, i.b);
    Ok(())
}

fn lui<Ctx: ExecutionCtx>(s: &mut VmExecState<Ctx>, i: &PreInsn<Ctx>) -> Result<(), Trap> {
    s.write_reg(i.a, i.c);
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}
