//! Preflight and trace generation of `ecall` (exit, write to the host).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::{
    address_space::REGISTER,
    bus::MEMORY_BLOCK,
    execution::tracing_memory::{AccessRecord, TracingMemory},
};
use tessera_guest::abi::{FD_STDERR, FD_STDOUT, SYSCALL_EXIT, SYSCALL_WRITE};
use tessera_system::range_checker::RangeCheckerChip;

use super::air::EcallCols;
use crate::adapters::registers::{RegReadCols, RegWriteCols};

const A0: u32 = 10;
const A2: u32 = 12;
const A7: u32 = 17;

/// What the syscall was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syscall {
    Exit {
        code: u32,
    },
    /// A write to stdout (fd 1) or stderr (fd 2).
    HostWrite {
        fd: u32,
        len: u32,
    },
}

/// What trace generation needs from one executed `ecall`.
#[derive(Clone, Copy, Debug)]
pub struct EcallRecord {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub syscall: Syscall,
    pub a7_read: AccessRecord,
    pub a2_read: AccessRecord,
    pub a0_access: AccessRecord,
}

/// Why an `ecall` cannot be proven yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnprovenSyscall {
    #[error(
        "syscall {number} (a0 = {a0}) is not provable yet: only exit and writes to fd 1/2 are"
    )]
    Unsupported { number: u32, a0: u32 },
}

/// Executes one `ecall` on tracing memory: reads a7 and a2, then reads (exit) or rewrites
/// (write) a0. The caller moves the pc (not at all for exit) and the segment ends at an exit.
pub fn preflight<I: Fn(u32, u32) -> [u8; MEMORY_BLOCK]>(
    memory: &mut TracingMemory<I>,
    from_pc: u32,
) -> Result<EcallRecord, UnprovenSyscall> {
    let from_timestamp = memory.timestamp;
    let (number, a7_read) = memory.read(REGISTER, 4 * A7);
    let number = u32::from_le_bytes(number);
    let (len, a2_read) = memory.read(REGISTER, 4 * A2);
    let len = u32::from_le_bytes(len);
    let (syscall, a0_access) = match number {
        SYSCALL_EXIT => {
            let (code, access) = memory.read(REGISTER, 4 * A0);
            (
                Syscall::Exit {
                    code: u32::from_le_bytes(code),
                },
                access,
            )
        }
        SYSCALL_WRITE => {
            let access = memory.write(REGISTER, 4 * A0, len.to_le_bytes());
            let fd = u32::from_le_bytes(access.prev.data);
            if fd != FD_STDOUT && fd != FD_STDERR {
                return Err(UnprovenSyscall::Unsupported { number, a0: fd });
            }
            (Syscall::HostWrite { fd, len }, access)
        }
        _ => {
            return Err(UnprovenSyscall::Unsupported { number, a0: 0 });
        }
    };
    Ok(EcallRecord {
        from_pc,
        from_timestamp,
        syscall,
        a7_read,
        a2_read,
        a0_access,
    })
}

/// Collects `ecall` records and fills the trace.
pub struct EcallChip {
    pub range: Arc<RangeCheckerChip>,
    pub records: Vec<EcallRecord>,
}

impl EcallChip {
    pub fn new(range: Arc<RangeCheckerChip>) -> Self {
        Self {
            range,
            records: Vec::new(),
        }
    }

    /// The trace, padded to a power of two.
    pub fn generate_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let width = EcallCols::<F>::WIDTH;
        let mut values = vec![F::ZERO; self.records.len().next_power_of_two() * width];
        for (r, row) in self.records.iter().zip(values.chunks_exact_mut(width)) {
            let c: &mut EcallCols<F> = row.borrow_mut();
            c.from_pc = F::from_u32(r.from_pc);
            c.from_timestamp = F::from_u32(r.from_timestamp);
            c.a7 = RegReadCols::fill(A7, &r.a7_read, &self.range);
            c.a2 = RegReadCols::fill(A2, &r.a2_read, &self.range);
            let new_a0 = match r.syscall {
                Syscall::Exit { .. } => {
                    c.flags[0] = F::ONE;
                    r.a0_access.prev.data
                }
                Syscall::HostWrite { fd, len } => {
                    c.flags[1] = F::ONE;
                    c.stderr = F::from_bool(fd == FD_STDERR);
                    len.to_le_bytes()
                }
            };
            c.a0 = RegWriteCols::fill(A0, new_a0, &r.a0_access, &self.range);
        }
        RowMajorMatrix::new(values, width)
    }
}
