use p3_field::PrimeField32;
use tessera_arch::{
    address_space::{self, PUBLIC_OUTPUT_DATA, PUBLIC_OUTPUT_LENGTH},
    execution::tracing_memory::AccessRecord,
    ExecutionCtx, Executor, Fault, Instruction, PreInsn, RegionEdge, StaticProgramError, Stream,
    Trap, VmExecState, VmState,
};
use tessera_guest::abi::{
    AT_FDCWD, EBADF, EFAULT, ENAMETOOLONG, ENOENT, EROFS, FD_CYCLE_END, FD_CYCLE_START, FD_HINTS,
    FD_PUBLIC, FD_STDERR, FD_STDIN, FD_STDOUT, MAX_KEY_LEN, SYSCALL_CLOSE, SYSCALL_EXIT,
    SYSCALL_OPENAT, SYSCALL_READ, SYSCALL_WRITE,
};

use super::trace::{EcallRecord, ReadWord, Syscall};
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
const A3: u32 = 13;
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
            s.record(|log, _| EcallRecord::from_log(log, Syscall::Exit { code }));
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
                s.record(|log, _| EcallRecord::from_log(log, Syscall::HostWrite { fd, len }));
            }
            // A cycle-tracker marker: proven like a host write, its name goes to the
            // profiler (a name outside memory marks nothing).
            fd @ (FD_CYCLE_START | FD_CYCLE_END) => {
                let edge = match fd {
                    FD_CYCLE_START => RegionEdge::Start,
                    _ => RegionEdge::End,
                };
                if let Ok(name) = s.vm.memory.read_bytes(s.vm.reg(A1), len) {
                    s.ctx.on_cycle_tracker(edge, name);
                }
                s.write_reg(A0, len);
                s.record(|log, _| EcallRecord::from_log(log, Syscall::HostWrite { fd, len }));
            }
            // A hint request: proven like a host write; the hint host (if any) appends its
            // answer to the hint stream (a request outside memory asks nothing).
            fd @ FD_HINTS => {
                let vm = &mut s.vm;
                if let Ok(request) = vm.memory.read_bytes(vm.reg(A1), len) {
                    vm.streams.request_hint(request);
                }
                s.write_reg(A0, len);
                s.record(|log, _| EcallRecord::from_log(log, Syscall::HostWrite { fd, len }));
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
                let space = address_space::PUBLIC_VALUES;
                s.wrote_word(space, PUBLIC_OUTPUT_LENGTH, |_| {
                    (offset + len).to_le_bytes()
                });
                // Each byte is read from its word of main memory and written to its word of
                // the public output: one row of the public-write AIR.
                for i in 0..len {
                    s.read_word(address_space::MEMORY, buf.wrapping_add(i) & !3);
                    let word = (PUBLIC_OUTPUT_DATA + offset + i) & !3;
                    s.wrote_word(space, word, |vm| public_word(vm, word, offset + i + 1));
                }
                s.ctx.on_io_rows(io_channel::PUBLIC_WRITE, len);
                let syscall = Syscall::PublicWrite {
                    buf,
                    len,
                    old_length: offset,
                };
                s.record(|log, _| EcallRecord::from_log(log, syscall));
            }
            fd => return Err(Fault::BadWriteFd(fd).into()),
        },
        SYSCALL_READ => {
            let fd = s.vm.reg(A0);
            let stream = match fd {
                FD_STDIN => Stream::Input,
                FD_HINTS => Stream::Hints,
                fd => Stream::Value(fd),
            };
            let buf = s.vm.reg(A1);
            let vm = &mut s.vm;
            let data = vm
                .streams
                .take(stream, len as usize)
                .ok_or(Fault::BadReadFd(fd))?;
            // A read of nothing (the stream is exhausted, or `len = 0`) accesses no memory.
            if !data.is_empty() {
                vm.memory.write_bytes(buf, data)?;
            }
            let count = data.len() as u32;
            s.write_reg(A0, count);
            s.read_reg(A1);
            // One row of the read AIR per word written.
            let words = words_spanned(buf, count);
            for word in 0..words {
                let pointer = (buf & !3).wrapping_add(4 * word);
                s.wrote_word(address_space::MEMORY, pointer, |vm| main_word(vm, pointer));
            }
            s.ctx.on_io_rows(io_channel::READ, words);
            let syscall = Syscall::Read { buf, len, count };
            s.record(|log, vm| {
                let mut record = EcallRecord::from_log(log, syscall);
                record.read_words = read_words(buf, count, &log.accesses[4..], vm);
                record
            });
        }
        // Opening and closing a value of the key-value store: the result in `a0` is the
        // host's answer, unproven like the value itself.
        SYSCALL_OPENAT => {
            let result = open_value(&mut s.vm);
            s.write_reg(A0, result);
            let syscall = Syscall::File {
                close: false,
                result,
            };
            s.record(|log, _| EcallRecord::from_log(log, syscall));
        }
        SYSCALL_CLOSE => {
            let fd = s.vm.reg(A0);
            let result = match s.vm.streams.close_value(fd) {
                true => 0,
                false => EBADF.wrapping_neg(),
            };
            s.write_reg(A0, result);
            let syscall = Syscall::File {
                close: true,
                result,
            };
            s.record(|log, _| EcallRecord::from_log(log, syscall));
        }
        number => return Err(Fault::UnknownSyscall(number).into()),
    }
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}

/// `openat(a0 = dirfd, a1 = path, a2 = flags, a3 = mode)` on the key-value store: the file
/// descriptor of the value whose key is the NUL-terminated `path`, or a negated error number,
/// as Linux would answer for a directory holding one file per key.
fn open_value(vm: &mut VmState) -> u32 {
    let (dirfd, path, flags) = (vm.reg(A0), vm.reg(A1), vm.reg(A2));
    let _mode = vm.reg(A3);
    let key = match read_c_string(vm, path) {
        Ok(key) => key,
        Err(errno) => return errno.wrapping_neg(),
    };
    if dirfd != AT_FDCWD && !key.starts_with(b"/") {
        return EBADF.wrapping_neg();
    }
    if flags & 3 != 0 {
        return EROFS.wrapping_neg();
    }
    match vm.streams.open_value(&key) {
        Some(fd) => fd,
        None => ENOENT.wrapping_neg(),
    }
}

/// The NUL-terminated string at `pointer` (without the NUL), or the error number `openat`
/// returns for it.
fn read_c_string(vm: &VmState, pointer: u32) -> Result<Vec<u8>, u32> {
    let mut key = Vec::new();
    for i in 0..=MAX_KEY_LEN {
        let address = pointer.checked_add(i).ok_or(EFAULT)?;
        match vm.memory.read_bytes(address, 1).map_err(|_| EFAULT)?[0] {
            0 => return Ok(key),
            byte => key.push(byte),
        }
    }
    Err(ENAMETOOLONG)
}

/// The word of main memory at `pointer` (inside memory: it was just written).
fn main_word(vm: &VmState, pointer: u32) -> [u8; 4] {
    vm.memory.load::<4>(pointer).expect("a word the read wrote")
}

/// The public output's word at `pointer` (address space 3) when it held `length` bytes.
fn public_word(vm: &VmState, pointer: u32, length: u32) -> [u8; 4] {
    let output = vm.memory.public_output();
    std::array::from_fn(|j| {
        let index = (pointer - PUBLIC_OUTPUT_DATA) as usize + j;
        match index < length as usize {
            true => output[index],
            false => 0,
        }
    })
}

/// The words a read of `count` bytes to `buf` wrote, with their accesses.
fn read_words(buf: u32, count: u32, accesses: &[AccessRecord], vm: &VmState) -> Vec<ReadWord> {
    let mut done = 0;
    accesses
        .iter()
        .map(|&access| {
            let address = buf.wrapping_add(done);
            let (pointer, start) = (address & !3, address % 4);
            let len = (4 - start).min(count - done);
            done += len;
            ReadWord {
                pointer,
                start,
                len,
                data: main_word(vm, pointer),
                access,
            }
        })
        .collect()
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
