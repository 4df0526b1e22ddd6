use p3_field::PrimeField32;
use tessera_arch::{
    address_space, ExecutionCtx, Executor, Handler, Instruction, PreInsn, StaticProgramError, Trap,
    VmExecState, X0_SINK,
};

use super::{
    load_trace::LoadRecord,
    store_trace::StoreRecord,
    LoadStoreOpcode::{self, *},
};
use crate::adapters::{destination, expect_space, immediate, opcode, register};

/// Executor of loads and stores. Operands: `a = 4 * rd` (load) or `4 * rs2` (store),
/// `b = 4 * rs1`, `c` = signed offset, `d = 1`, `e = 2` (main memory).
#[derive(Default)]
pub struct LoadStoreExecutor;

impl<F: PrimeField32> Executor<F> for LoadStoreExecutor {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let op: LoadStoreOpcode = opcode(pc, inst)?;
        expect_space(pc, inst.d, &[address_space::REGISTER], "operand d")?;
        expect_space(pc, inst.e, &[address_space::MEMORY], "operand e")?;
        let a = if op.is_store() {
            register(pc, inst.a, "rs2")?
        } else {
            destination(pc, inst.a)?
        };
        let handler: Handler<Ctx> = match op {
            LOADW => load::<Ctx, 4, { LOADW as usize }>,
            LOADBU => load::<Ctx, 1, { LOADBU as usize }>,
            LOADHU => load::<Ctx, 2, { LOADHU as usize }>,
            LOADB => load::<Ctx, 1, { LOADB as usize }>,
            LOADH => load::<Ctx, 2, { LOADH as usize }>,
            STOREW => store::<Ctx, 4, { STOREW as usize }>,
            STOREH => store::<Ctx, 2, { STOREH as usize }>,
            STOREB => store::<Ctx, 1, { STOREB as usize }>,
        };
        Ok(PreInsn::new(
            handler,
            a,
            register(pc, inst.b, "rs1")?,
            immediate(inst.c),
        ))
    }
}

/// `rd = extend(mem[rs1 + offset .. + N])`; `OP` is the local opcode (it picks the extension).
fn load<Ctx: ExecutionCtx, const N: usize, const OP: usize>(
    s: &mut VmExecState<Ctx>,
    i: &PreInsn<Ctx>,
) -> Result<(), Trap> {
    let addr = s.read_reg(i.b).wrapping_add(i.c);
    let bytes: [u8; N] = s.load(addr)?;
    let opcode = <LoadStoreOpcode as tessera_arch::LocalOpcode>::ALL[OP];
    s.write_reg(i.a, opcode.extend(&bytes));
    // A load into x0 has no row (the transpiler turns it into NOP).
    if i.a != X0_SINK {
        let (rd, rs1, offset) = (i.a, i.b, i.c);
        s.record(|log, _| LoadRecord {
            from_pc: log.from_pc,
            from_timestamp: log.from_timestamp,
            opcode,
            rd,
            rs1,
            offset,
            rs1_read: log.access(0),
            mem_read: log.access(1),
            rd_write: log.access(2),
        });
    }
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}

/// `mem[rs1 + offset .. + N] = low N bytes of rs2`.
fn store<Ctx: ExecutionCtx, const N: usize, const OP: usize>(
    s: &mut VmExecState<Ctx>,
    i: &PreInsn<Ctx>,
) -> Result<(), Trap> {
    let addr = s.read_reg(i.b).wrapping_add(i.c);
    let bytes = s.read_reg(i.a).to_le_bytes();
    s.store::<N>(addr, bytes[..N].try_into().expect("N <= 4"))?;
    let (rs2, rs1, offset) = (i.a, i.b, i.c);
    s.record(|log, _| StoreRecord {
        from_pc: log.from_pc,
        from_timestamp: log.from_timestamp,
        opcode: <LoadStoreOpcode as tessera_arch::LocalOpcode>::ALL[OP],
        rs1,
        rs2,
        offset,
        rs1_read: log.access(0),
        rs2_read: log.access(1),
        mem_write: log.access(2),
    });
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}
