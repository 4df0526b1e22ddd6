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
/// (metering); `CircuitExtension::io_airs` of the RV32IM circuit lists their AIRs in this order.
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

/// Runs a syscall, accessing what the `ecall` AIRs access in the order they access it: `a7`,
/// `a2`, then `a0` (read by `exit`, written with the result by the others), `a1` (the buffer of
/// a read or of a write to the public output), the public output's length word, and the buffer
/// word by word. A write to the host's stdout or stderr is not proven: its fd and buffer are
/// looked at, not accessed.
fn ecall<Ctx: ExecutionCtx>(s: &mut VmExecState<Ctx>, _: &PreInsn<Ctx>) -> Result<(), Trap> {
    let number = s.read_reg(A7);
    let len = s.read_reg(A2);
    match number {
        SYSCALL_EXIT => {
            let code = s.read_reg(A0);
            s.vm.exit_code = Some(code);
            return Err(Trap::Exit);
        }
        SYSCALL_WRITE => match s.vm.reg(A0) {
            // Host output is not proven: the circuit does not read the buffer, so a buffer
            // outside memory cannot stop the run either (the proof would go on where execution
            // stopped). Such a write hands the host nothing.
            fd @ (FD_STDOUT | FD_STDERR) => {
                let vm = &mut s.vm;
                if let Ok(data) = vm.memory.read_bytes(vm.reg(A1), len) {
                    let out = match fd {
                        FD_STDOUT => &mut vm.host_output.stdout,
                        _ => &mut vm.host_output.stderr,
                    };
                    out.extend_from_slice(data);
                }
                s.write_reg(A0, len);
            }
            FD_PUBLIC => {
                let buf = s.vm.reg(A1);
                // An empty write accesses no memory, wherever `buf` points.
                let data = match len {
                    0 => Vec::new(),
                    _ => s.vm.memory.read_bytes(buf, len)?.to_vec(),
                };
                let offset = s.vm.memory.public_output().len() as u32;
                s.vm.memory.append_public_output(&data)?;
                s.write_reg(A0, len);
                s.read_reg(A1);
                s.access(address_space::PUBLIC_VALUES, PUBLIC_OUTPUT_LENGTH);
                // Each byte is read from its word of main memory and written to its word of
                // the public output: one row of the public-write AIR.
                for i in 0..len {
                    s.access(address_space::MEMORY, buf.wrapping_add(i) & !3);
                    let dst = PUBLIC_OUTPUT_DATA + offset + i;
                    s.access(address_space::PUBLIC_VALUES, dst & !3);
                }
                s.ctx.on_io_rows(io_channel::PUBLIC_WRITE, len);
            }
            fd => return Err(Fault::BadWriteFd(fd).into()),
        },
        SYSCALL_READ => {
            let fd = s.vm.reg(A0);
            if fd != FD_STDIN {
                return Err(Fault::BadReadFd(fd).into());
            }
            let buf = s.vm.reg(A1);
            let vm = &mut s.vm;
            let start = vm.streams.input_position;
            let count = (len as usize).min(vm.streams.input.len() - start);
            // A read of nothing (empty input or `len = 0`) accesses no memory.
            if count > 0 {
                vm.memory
                    .write_bytes(buf, &vm.streams.input[start..start + count])?;
            }
            vm.streams.input_position += count;
            let count = count as u32;
            s.write_reg(A0, count);
            s.read_reg(A1);
            // One row of the read AIR per word written.
            let words = words_spanned(buf, count);
            for word in 0..words {
                s.access(address_space::MEMORY, (buf & !3).wrapping_add(4 * word));
            }
            s.ctx.on_io_rows(io_channel::READ, words);
        }
        number => return Err(Fault::UnknownSyscall(number).into()),
    }
    s.vm.pc = s.vm.pc.wrapping_add(4);
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
