use p3_field::PrimeField32;
use tessera_arch::{
    ExecutionCtx, Executor, Fault, Instruction, PreInsn, StaticProgramError, Trap, VmExecState,
};
use tessera_guest::abi::{
    FD_PUBLIC, FD_STDERR, FD_STDIN, FD_STDOUT, SYSCALL_EXIT, SYSCALL_READ, SYSCALL_WRITE,
};

use crate::adapters::opcode;

crate::local_opcode! {
    /// The environment call. The syscall number is read from `a7` at run time.
    pub enum EcallOpcode: 0x1c0 { ECALL }
}

crate::local_opcode! {
    /// `unimp` (`csrrw x0, cycle, x0`), which compilers emit for unreachable code.
    pub enum UnimpOpcode: 0x1d0 { UNIMP }
}

const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;
const A7: u32 = 17;

/// Executor of `ecall`. All operands are zero.
#[derive(Default)]
pub struct EcallExecutor;

impl<F: PrimeField32> Executor<F> for EcallExecutor {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let _: EcallOpcode = opcode(pc, inst)?;
        Ok(PreInsn::new(ecall::<Ctx>, 0, 0, 0))
    }
}

fn ecall<Ctx: ExecutionCtx>(s: &mut VmExecState<Ctx>, _: &PreInsn<Ctx>) -> Result<(), Trap> {
    let vm = &mut s.vm;
    let (a0, a1, a2) = (vm.reg(A0), vm.reg(A1), vm.reg(A2));
    match vm.reg(A7) {
        SYSCALL_EXIT => {
            vm.exit_code = Some(a0);
            return Err(Trap::Exit);
        }
        SYSCALL_WRITE => {
            let data = vm.memory.read_bytes(a1, a2)?;
            match a0 {
                FD_STDOUT => vm.host_output.stdout.extend_from_slice(data),
                FD_STDERR => vm.host_output.stderr.extend_from_slice(data),
                FD_PUBLIC => {
                    let data = data.to_vec();
                    vm.memory.append_public_output(&data)?;
                    s.ctx.on_io_bytes(a2);
                }
                fd => return Err(Fault::BadWriteFd(fd).into()),
            }
            vm.set_reg(A0, a2);
        }
        SYSCALL_READ => {
            if a0 != FD_STDIN {
                return Err(Fault::BadReadFd(a0).into());
            }
            let start = vm.streams.input_position;
            let count = (a2 as usize).min(vm.streams.input.len() - start);
            vm.memory
                .write_bytes(a1, &vm.streams.input[start..start + count])?;
            vm.streams.input_position += count;
            vm.set_reg(A0, count as u32);
            s.ctx.on_io_bytes(count as u32);
        }
        number => return Err(Fault::UnknownSyscall(number).into()),
    }
    vm.pc = vm.pc.wrapping_add(4);
    Ok(())
}

/// Executor of `unimp`: executing it is a fault.
#[derive(Default)]
pub struct UnimpExecutor;

impl<F: PrimeField32> Executor<F> for UnimpExecutor {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let _: UnimpOpcode = opcode(pc, inst)?;
        Ok(PreInsn::new(unimp::<Ctx>, 0, 0, 0))
    }
}

fn unimp<Ctx>(_: &mut VmExecState<Ctx>, _: &PreInsn<Ctx>) -> Result<(), Trap> {
    Err(Fault::TrapInstruction.into())
}
