use p3_field::PrimeField32;
use tessera_arch::{
    address_space::{self, PUBLIC_OUTPUT_DATA, PUBLIC_OUTPUT_LENGTH},
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

/// The I/O channels whose buffer rows the `ecall` handler reports to the execution context
/// (metering); `CircuitExtension::io_costs` of the RV32IM circuit lists their AIRs in this order.
pub mod io_channel {
    /// A byte appended to the public output: one public-write row.
    pub const PUBLIC_WRITE: u32 = 0;
    /// A word of guest memory a `read` writes to: one read row.
    pub const READ: u32 = 1;
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
            match a0 {
                // Host output is not proven: the circuit does not read the buffer, so a
                // buffer outside memory cannot stop the run either (the proof would go on
                // where execution stopped). Such a write hands the host nothing.
                FD_STDOUT | FD_STDERR => {
                    if let Ok(data) = vm.memory.read_bytes(a1, a2) {
                        let out = match a0 {
                            FD_STDOUT => &mut vm.host_output.stdout,
                            _ => &mut vm.host_output.stderr,
                        };
                        out.extend_from_slice(data);
                    }
                }
                FD_PUBLIC => {
                    // An empty write accesses no memory, wherever `buf` points.
                    let data = match a2 {
                        0 => Vec::new(),
                        _ => vm.memory.read_bytes(a1, a2)?.to_vec(),
                    };
                    let offset = vm.memory.public_output().len() as u32;
                    vm.memory.append_public_output(&data)?;
                    s.ctx.on_io_rows(io_channel::PUBLIC_WRITE, a2);
                    // Each byte is read from main memory and written to the output.
                    s.ctx.on_memory(address_space::MEMORY, a1, a2);
                    let space = address_space::PUBLIC_VALUES;
                    s.ctx.on_memory(space, PUBLIC_OUTPUT_LENGTH, 4);
                    s.ctx.on_memory(space, PUBLIC_OUTPUT_DATA + offset, a2);
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
            // A read of nothing (empty input or `len = 0`) accesses no memory.
            if count > 0 {
                vm.memory
                    .write_bytes(a1, &vm.streams.input[start..start + count])?;
            }
            vm.streams.input_position += count;
            vm.set_reg(A0, count as u32);
            let count = count as u32;
            s.ctx.on_io_rows(io_channel::READ, words_spanned(a1, count));
            s.ctx.on_memory(address_space::MEMORY, a1, count);
        }
        number => return Err(Fault::UnknownSyscall(number).into()),
    }
    vm.pc = vm.pc.wrapping_add(4);
    Ok(())
}

/// Number of aligned words that `len` bytes from `pointer` touch.
fn words_spanned(pointer: u32, len: u32) -> u32 {
    if len == 0 {
        return 0;
    }
    let last = pointer as u64 + len as u64 - 1;
    (last / 4 - pointer as u64 / 4 + 1) as u32
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
