//! Records and trace generation of `ecall`: the instruction's row and the buffer rows of
//! writes to the public output and of reads.

use std::{borrow::BorrowMut, sync::Arc};
use tessera_arch::RecordArena;
use tessera_backend_cpu::fill_trace;

use openvm_stark_backend::{p3_field::PrimeField32, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::{
    address_space::PUBLIC_OUTPUT_DATA, bus::MEMORY_BLOCK, execution::tracing_memory::AccessRecord,
    InsnLog,
};
use tessera_guest::abi::{FD_CYCLE_END, FD_CYCLE_START, FD_HINTS, FD_STDERR};
use tessera_system::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip};

use super::{
    air::{EcallCols, LengthCols, A0, A1, A2, A7},
    PublicWriteCols, ReadCols,
};
use crate::adapters::registers::{bytes, fill_aux, RegReadCols, RegWriteCols};

const WORD: u32 = MEMORY_BLOCK as u32;

/// What the syscall was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syscall {
    Exit {
        code: u32,
    },
    /// A write to stdout (fd 1), stderr (fd 2) or the cycle tracker (fd `0x7d00` or `0x7d01`).
    HostWrite {
        fd: u32,
        len: u32,
    },
    /// A write of `len` bytes from `buf` to the public output, which held `old_length` bytes.
    PublicWrite {
        buf: u32,
        len: u32,
        old_length: u32,
    },
    /// A read of `count <= len` bytes of a stream to `buf`.
    Read {
        buf: u32,
        len: u32,
        count: u32,
    },
    /// `openat` (`close` false) or `close` of a value of the key-value store, which returned
    /// `result`.
    File {
        close: bool,
        result: u32,
    },
}

/// One byte copied to the public output: the read of its source word and the write of its
/// destination word.
#[derive(Clone, Copy, Debug)]
pub struct PublicByte {
    pub src: AccessRecord,
    pub dst: AccessRecord,
}

/// One word written by a read.
#[derive(Clone, Copy, Debug)]
pub struct ReadWord {
    pub pointer: u32,
    /// Positions `start..start + len` were written.
    pub start: u32,
    pub len: u32,
    pub data: [u8; MEMORY_BLOCK],
    pub access: AccessRecord,
}

/// What trace generation needs from one executed `ecall`.
#[derive(Clone, Debug)]
pub struct EcallRecord {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub syscall: Syscall,
    pub a7_read: AccessRecord,
    pub a2_read: AccessRecord,
    pub a0_access: AccessRecord,
    /// Read and public write: the read of `a1`.
    pub a1_read: Option<AccessRecord>,
    /// Public write: the update of the length word.
    pub length_access: Option<AccessRecord>,
    /// Public write: per byte.
    pub public_bytes: Vec<PublicByte>,
    /// Read: per word.
    pub read_words: Vec<ReadWord>,
}

impl EcallRecord {
    /// The record of an `ecall` from its accesses (see the handler): `a7`, `a2`, `a0`, then for
    /// a write to the public output `a1`, the length word and a (source, destination) pair
    /// per byte, and for a read `a1` and the words written (which the caller fills in).
    pub fn from_log(log: &InsnLog, syscall: Syscall) -> Self {
        let access = |i| log.access(i);
        let mut record = EcallRecord {
            from_pc: log.from_pc,
            from_timestamp: log.from_timestamp,
            syscall,
            a7_read: access(0),
            a2_read: access(1),
            a0_access: access(2),
            a1_read: None,
            length_access: None,
            public_bytes: Vec::new(),
            read_words: Vec::new(),
        };
        match syscall {
            Syscall::Exit { .. } | Syscall::HostWrite { .. } | Syscall::File { .. } => {}
            Syscall::PublicWrite { .. } => {
                record.a1_read = Some(access(3));
                record.length_access = Some(access(4));
                record.public_bytes = log.accesses[5..]
                    .chunks_exact(2)
                    .map(|pair| PublicByte {
                        src: pair[0],
                        dst: pair[1],
                    })
                    .collect();
            }
            Syscall::Read { .. } => record.a1_read = Some(access(3)),
        }
        record
    }
}

/// Collects `ecall` records and fills the traces.
pub struct EcallChip {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub records: RecordArena<EcallRecord>,
}

/// One-hot selector of `position`.
fn one_hot<F: PrimeField32>(position: u32) -> [F; MEMORY_BLOCK] {
    std::array::from_fn(|j| F::from_bool(j as u32 == position))
}

impl EcallChip {
    pub fn new(range: Arc<RangeCheckerChip>, bitwise: Arc<BitwiseLookupChip>) -> Self {
        Self {
            range,
            bitwise,
            records: RecordArena::default(),
        }
    }

    /// All traces of the ecall family, in the same order as `EcallBuses::airs` returns AIRs:
    /// the `ecall` rows, the public-output bytes, the words written by reads. Each is padded
    /// to a power of two (at least one row); padding rows are zero.
    pub fn generate_traces<F: PrimeField32>(&self) -> Vec<RowMajorMatrix<F>> {
        vec![
            self.ecall_trace(),
            self.public_write_trace(),
            self.read_trace(),
        ]
    }

    fn ecall_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        let (range, bitwise) = (&*self.range, &*self.bitwise);
        fill_trace(&self.records, EcallCols::<F>::WIDTH, |r, row| {
            let c: &mut EcallCols<F> = row.borrow_mut();
            c.from_pc = F::from_u32(r.from_pc);
            c.from_timestamp = F::from_u32(r.from_timestamp);
            c.a7 = RegReadCols::fill(A7, &r.a7_read, range);
            c.a2 = RegReadCols::fill(A2, &r.a2_read, range);
            if let Some(a1) = &r.a1_read {
                c.a1 = RegReadCols::fill(A1, a1, range);
            }
            // The timestamp after the ecall's own accesses; buffer rows come after.
            let own_accesses = 3 + r.a1_read.is_some() as u32 + r.length_access.is_some() as u32;
            let buffer_start = r.from_timestamp + own_accesses;
            let (new_a0, flag, buffer_accesses) = match r.syscall {
                Syscall::Exit { .. } => (r.a0_access.prev.data, 0, 0),
                Syscall::HostWrite { fd, len } => {
                    c.second_fd = F::from_bool(fd == FD_STDERR || fd == FD_CYCLE_END);
                    c.cycle_tracker = F::from_bool(fd == FD_CYCLE_START || fd == FD_CYCLE_END);
                    c.hint_request = F::from_bool(fd == FD_HINTS);
                    (len.to_le_bytes(), 1, 0)
                }
                Syscall::File { close, result } => {
                    c.close = F::from_bool(close);
                    let [r0, r1, r2, r3] = result.to_le_bytes().map(u32::from);
                    bitwise.request_range(r0, r1);
                    bitwise.request_range(r2, r3);
                    (result.to_le_bytes(), 4, 0)
                }
                Syscall::PublicWrite {
                    buf,
                    len,
                    old_length,
                } => {
                    self.fill_buffer_start(c, buf, len);
                    let new_length = (old_length + len).to_le_bytes();
                    let access = r.length_access.as_ref().expect("public write");
                    c.length = LengthCols {
                        prev_data: bytes(access.prev.data),
                        data: bytes(new_length),
                        aux: fill_aux(access, range),
                    };
                    bitwise.request_range(new_length[0] as u32, new_length[1] as u32);
                    bitwise.request_range(new_length[2] as u32, 0);
                    let low = access.prev.data[0] as u32;
                    c.length_offset = F::from_u32(low % WORD);
                    c.length_quarter = F::from_u32(low / WORD);
                    range.request(low % WORD, 2);
                    range.request(low / WORD, 6);
                    (len.to_le_bytes(), 2, 2 * len)
                }
                Syscall::Read { buf, len, count } => {
                    self.fill_buffer_start(c, buf, count);
                    let (len_bytes, count_bytes) = (len.to_le_bytes(), count.to_le_bytes());
                    let slack = (len - count).to_le_bytes();
                    c.slack = bytes(slack);
                    let mut borrow = 0;
                    for i in 0..MEMORY_BLOCK - 1 {
                        borrow = ((len_bytes[i] as u32) < count_bytes[i] as u32 + borrow) as u32;
                        c.borrows[i] = F::from_u32(borrow);
                    }
                    let [c0, c1, c2, c3] = count_bytes.map(u32::from);
                    bitwise.request_range(c0, c1);
                    bitwise.request_range(c2, slack[0] as u32);
                    bitwise.request_range(slack[1] as u32, slack[2] as u32);
                    bitwise.request_range(slack[3] as u32, 0);
                    range.request(c3, 6);
                    (count_bytes, 3, r.read_words.len() as u32)
                }
            };
            c.flags[flag] = F::ONE;
            c.a0 = RegWriteCols::fill(A0, new_a0, &r.a0_access, range);
            c.to_timestamp = F::from_u32(buffer_start + buffer_accesses);
        })
    }

    /// The buffer columns of a read or public write of `n` bytes from `buf`.
    fn fill_buffer_start<F: PrimeField32>(&self, c: &mut EcallCols<F>, buf: u32, n: u32) {
        let low = buf & 0xff;
        c.buf_offset = F::from_u32(low % WORD);
        c.buf_quarter = F::from_u32(low / WORD);
        self.range.request(low % WORD, 2);
        self.range.request(low / WORD, 6);
        if n > 0 {
            c.nonempty = F::ONE;
            self.range.request(buf >> 24, 5);
        }
    }

    fn public_write_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        // One row per byte: (its ecall, its index in the buffer).
        let bytes_written: Vec<(&EcallRecord, usize)> = self
            .records
            .iter()
            .filter(|r| matches!(r.syscall, Syscall::PublicWrite { .. }))
            .flat_map(|r| (0..r.public_bytes.len()).map(move |i| (r, i)))
            .collect();
        fill_trace(
            &bytes_written,
            PublicWriteCols::<F>::WIDTH,
            |&(r, i), row| {
                let Syscall::PublicWrite {
                    buf,
                    len,
                    old_length,
                } = r.syscall
                else {
                    unreachable!("filtered")
                };
                let b = &r.public_bytes[i];
                let i = i as u32;
                let c: &mut PublicWriteCols<F> = row.borrow_mut();
                let src = buf.wrapping_add(i);
                let dst = PUBLIC_OUTPUT_DATA + old_length + i;
                c.is_valid = F::ONE;
                c.is_last = F::from_bool(i + 1 == len);
                c.id = F::from_u32(r.from_timestamp);
                c.timestamp = F::from_u32(b.src.timestamp);
                c.remaining = F::from_u32(len - i);
                c.byte = F::from_u8(b.src.prev.data[(src % WORD) as usize]);
                c.src_pointer = F::from_u32(src - src % WORD);
                c.src_offset = one_hot(src % WORD);
                c.src_data = bytes(b.src.prev.data);
                c.src_aux = fill_aux(&b.src, &self.range);
                c.dst_pointer = F::from_u32(dst - dst % WORD);
                c.dst_offset = one_hot(dst % WORD);
                c.dst_prev_data = bytes(b.dst.prev.data);
                c.dst_aux = fill_aux(&b.dst, &self.range);
            },
        )
    }

    fn read_trace<F: PrimeField32>(&self) -> RowMajorMatrix<F> {
        // One row per word: (its ecall, its index, the bytes still to come before it).
        let mut words: Vec<(&EcallRecord, usize, u32)> = Vec::new();
        for r in self.records.iter() {
            let Syscall::Read { count, .. } = r.syscall else {
                continue;
            };
            let mut remaining = count;
            for (i, w) in r.read_words.iter().enumerate() {
                words.push((r, i, remaining));
                remaining -= w.len;
            }
        }
        fill_trace(&words, ReadCols::<F>::WIDTH, |&(r, i, remaining), row| {
            let w = &r.read_words[i];
            let c: &mut ReadCols<F> = row.borrow_mut();
            c.is_valid = F::ONE;
            c.is_last = F::from_bool(i + 1 == r.read_words.len());
            c.id = F::from_u32(r.from_timestamp);
            c.timestamp = F::from_u32(w.access.timestamp);
            c.remaining = F::from_u32(remaining);
            c.pointer = F::from_u32(w.pointer);
            c.start = one_hot(w.start);
            c.mask = std::array::from_fn(|j| {
                F::from_bool((w.start..w.start + w.len).contains(&(j as u32)))
            });
            c.prev_data = bytes(w.access.prev.data);
            c.data = bytes(w.data);
            c.aux = fill_aux(&w.access, &self.range);
            self.bitwise
                .request_range(w.data[0] as u32, w.data[1] as u32);
            self.bitwise
                .request_range(w.data[2] as u32, w.data[3] as u32);
        })
    }
}
