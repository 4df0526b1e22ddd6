use p3_field::PrimeField32;
use tessera_arch::{
    address_space, ExecutionCtx, Executor, Instruction, PreInsn, StaticProgramError, Trap,
    VmExecState,
};

use super::trace::JalLuiRecord;
use crate::adapters::{destination, expect_space, immediate, invalid, opcode};
use crate::jump_to;
use tessera_arch::X0_SINK;

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
    let (slot, link, target) = (i.a, i.b, i.c);
    s.record(|log, _| JalLuiRecord {
        from_pc: log.from_pc,
        from_timestamp: log.from_timestamp,
        opcode: JalLuiOpcode::JAL,
        rd: if slot == X0_SINK { 0 } else { slot },
        imm: target.wrapping_sub(log.from_pc) as i32,
        value: link,
        rd_write: (slot != X0_SINK).then(|| log.access(0)),
    });
    Ok(())
}

fn lui<Ctx: ExecutionCtx>(s: &mut VmExecState<Ctx>, i: &PreInsn<Ctx>) -> Result<(), Trap> {
    s.write_reg(i.a, i.c);
    // LUI to x0 has no row (the transpiler turns it into NOP).
    if i.a != X0_SINK {
        let (rd, value) = (i.a, i.c);
        s.record(|log, _| JalLuiRecord {
            from_pc: log.from_pc,
            from_timestamp: log.from_timestamp,
            opcode: JalLuiOpcode::LUI,
            rd,
            imm: (value >> 12) as i32,
            value,
            rd_write: Some(log.access(0)),
        });
    }
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}
