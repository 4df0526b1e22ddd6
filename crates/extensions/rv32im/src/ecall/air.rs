//! The `ecall` AIR: one row per `ecall`, for `exit`, `write`, `read`, `openat` and `close`.
//!
//! Every row looks its instruction up in the program, moves the execution state, reads `a7`
//! (the syscall number: 93, 64, 63, 56 or 57, pinned by one flag per case) and `a2`, and
//! accesses `a0`,
//! in this order, one timestamp each:
//! - `exit`: `a0` is read (written back unchanged) and sent on the exit bus as two 16-bit
//!   halves; the pc does not move, so the connector's final pc is the `ecall`'s.
//! - `write(fd, buf, len)` to fd 1 or 2, to fd 4 (a hint request) or to the cycle tracker's
//!   fds `0x7d00` and `0x7d01`: `a0` must hold the fd and becomes `len` (`a2`). The bytes go
//!   to the host (the tracker's to the profiler) and are not proven, so the buffer is not read.
//! - `write` to fd 3, the public output: `a0` must hold 3 and becomes `len`. Then `a1` (`buf`)
//!   is read and the length word of [`PUBLIC_VALUES`] goes from `L` to `L + len` (all bytes
//!   range-checked, the top byte zero: the length stays below 2^24, and so does `len`). Each
//!   byte `buf + k` of main memory is then copied to byte `4 + L + k` of the public-output
//!   space by one row of [`super::PublicWriteAir`] (a read and a write, two timestamps).
//! - `read(fd, buf, len)`: `a0` (any fd: the private input, the hint stream or a value of the
//!   key-value store; what is read is a hint whichever it is) becomes `count`, a hint of the
//!   prover (no stream is proven). Its bytes are range-checked and `count <= len` is proven by the
//!   bytes of `len - count` (a subtraction with borrows and no borrow out); `count < 2^30`.
//!   `a1` is read and [`super::ReadAir`] writes the `count` bytes from `buf` on, one row (one
//!   timestamp) per word; their values are hints, checked to be bytes.
//! - `openat` (56) and `close` (57) of a value of the key-value store: `a0` becomes the host's
//!   answer (a file descriptor or a negated error number), a hint, checked to be bytes.
//!
//! A read or public write that moves bytes (`nonempty`) sends the start of a chain on its
//! bus, `(id, timestamp, pointer(s) and offset(s) of the first byte, count)` with `id` the
//! row's timestamp, and receives its end `(id, to_timestamp, 0, ..)` from the last buffer row.
//! Buffer rows step the chain (one byte, or the rest of a word), so the rows are exactly the
//! accesses of this `ecall`, at the timestamps right after its own accesses, and
//! `to_timestamp` (the next instruction's) counts all of them. `buf` is split as
//! `a1[0] = 4 q + offset` so the chain starts at an aligned word pointer, and `a1[3] < 2^5`
//! where bytes move (`buf < 2^29`), so no pointer wraps the field. An `ecall` that moves no
//! bytes has no chain, and `to_timestamp` follows its last own access.
//!
//! Memory holds bytes (every writer range-checks what it writes), which the constraints on
//! `a1`, `a2` and the length word rely on.

use std::{borrow::Borrow, sync::Arc};

use openvm_stark_backend::{
    interaction::{BusIndex, InteractionBuilder, PermutationCheckBus},
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    AirRef, PartitionedBaseAir,
};
use tessera_arch::{
    address_space::{PUBLIC_OUTPUT_DATA, PUBLIC_OUTPUT_LENGTH, PUBLIC_VALUES},
    bus::{
        BitwiseBus, ExecutionBus, ExecutionState, ExitBus, MemoryAccessAux, MemoryBridge,
        ProgramBus, RangeCheckerBus, MEMORY_BLOCK,
    },
    LocalOpcode,
};
use tessera_guest::abi::{
    FD_CYCLE_START, FD_HINTS, FD_PUBLIC, SYSCALL_CLOSE, SYSCALL_EXIT, SYSCALL_OPENAT, SYSCALL_READ,
    SYSCALL_WRITE,
};
use tessera_system::SC;

use super::{EcallOpcode, PublicWriteAir, ReadAir};
use crate::adapters::registers::{RegReadCols, RegWriteCols};

/// The public output's length word: before and after a write to fd 3, and the access.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct LengthCols<T> {
    pub prev_data: [T; MEMORY_BLOCK],
    pub data: [T; MEMORY_BLOCK],
    pub aux: MemoryAccessAux<T>,
}

/// Columns of an `ecall` row.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct EcallCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub a7: RegReadCols<T>,
    pub a2: RegReadCols<T>,
    pub a0: RegWriteCols<T>,
    /// Read and public write: `buf`.
    pub a1: RegReadCols<T>,
    /// exit, write to the host (fd 1/2/4 or the cycle tracker's), write to the public output
    /// (fd 3), read, and `openat` or `close` (a file of the key-value store).
    pub flags: [T; 5],
    /// For host writes: 1 for the second fd of a pair, stderr (2) or the cycle tracker's end
    /// (`0x7d01`); 0 for stdout (1) or the tracker's start (`0x7d00`).
    pub second_fd: T,
    /// For host writes: 1 if the fd is the cycle tracker's (`0x7d00` or `0x7d01`).
    pub cycle_tracker: T,
    /// For host writes: 1 if the fd is the hint stream's (4): a hint request.
    pub hint_request: T,
    /// For files: 1 for `close`, 0 for `openat`.
    pub close: T,
    /// A read or public write that moves at least one byte (it then has buffer rows).
    pub nonempty: T,
    /// Read and public write: `a1[0] = 4 * buf_quarter + buf_offset`.
    pub buf_offset: T,
    pub buf_quarter: T,
    /// Public write: the length word.
    pub length: LengthCols<T>,
    /// Public write: `length.prev_data[0] = 4 * length_quarter + length_offset`.
    pub length_offset: T,
    pub length_quarter: T,
    /// Read: the bytes of `len - count` and the borrows of that subtraction.
    pub slack: [T; MEMORY_BLOCK],
    pub borrows: [T; MEMORY_BLOCK - 1],
    /// The timestamp after the last access, buffer rows included.
    pub to_timestamp: T,
}

tessera_arch::impl_columns!(LengthCols);
tessera_arch::impl_columns!(EcallCols);

/// The buses of the `ecall` AIRs, and the two chains between them, on buses the machine
/// assigned to RV32IM alone ([`tessera_system::vm::SystemBuses::own`]).
#[derive(Clone, Copy, Debug)]
pub struct EcallBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub exit: ExitBus,
    pub range: RangeCheckerBus,
    pub bitwise: BitwiseBus,
    /// The chain of a write to the public output: `(id, timestamp, src_pointer, src_offset,
    /// dst_pointer, dst_offset, remaining)`, where `id` is the `ecall`'s timestamp.
    pub public_write: BusIndex,
    /// The chain of a `read`: `(id, timestamp, pointer, offset, remaining)`.
    pub read: BusIndex,
}

impl EcallBuses {
    /// The AIRs of the `ecall` family, in the order of [`super::EcallChip::generate_traces`].
    pub fn airs(self) -> Vec<AirRef<SC>> {
        vec![
            Arc::new(EcallAir { buses: self }),
            Arc::new(PublicWriteAir { buses: self }),
            Arc::new(ReadAir { buses: self }),
        ]
    }
}

/// The `ecall` AIR.
#[derive(Clone, Copy, Debug)]
pub struct EcallAir {
    pub buses: EcallBuses,
}

impl<F: Field> BaseAir<F> for EcallAir {
    fn width(&self) -> usize {
        EcallCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for EcallAir {}
impl<F: Field> PartitionedBaseAir<F> for EcallAir {}

pub(super) const A0: u32 = 10;
pub(super) const A1: u32 = 11;
pub(super) const A2: u32 = 12;
pub(super) const A7: u32 = 17;

/// The little-endian value of bytes.
pub(super) fn value<AB: InteractionBuilder>(bytes: [AB::Var; MEMORY_BLOCK]) -> AB::Expr {
    bytes
        .iter()
        .rev()
        .fold(AB::Expr::ZERO, |acc, &b| acc * AB::Expr::from_u32(256) + b)
}

impl<AB: InteractionBuilder> Air<AB> for EcallAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let c: &EcallCols<AB::Var> = row[..].borrow();
        let buses = &self.buses;
        let k = |v: u32| AB::Expr::from_u32(v);
        let [exit, host, public, read, file] = c.flags;
        for flag in c.flags {
            builder.assert_bool(flag);
        }
        let is_valid: AB::Expr = exit + host + public + read + file;
        builder.assert_bool(is_valid.clone());
        let write: AB::Expr = host + public;
        let io: AB::Expr = public + read;
        builder.assert_bool(c.second_fd);
        builder.assert_zero(c.second_fd * (AB::Expr::ONE - host));
        builder.assert_bool(c.cycle_tracker);
        builder.assert_zero(c.cycle_tracker * (AB::Expr::ONE - host));
        builder.assert_bool(c.hint_request);
        builder.assert_zero(c.hint_request * (AB::Expr::ONE - host));
        builder.assert_zero(c.hint_request * (c.cycle_tracker + c.second_fd));
        builder.assert_bool(c.close);
        builder.assert_zero(c.close * (AB::Expr::ONE - file));
        builder.assert_bool(c.nonempty);
        builder.assert_zero(c.nonempty * (AB::Expr::ONE - io.clone()));
        // The columns of the other kinds of syscall are zero (so are all on padding rows):
        // every row has one honest filling (the column mutation checker holds each AIR to it).
        let unused = |builder: &mut AB, used: &AB::Expr, columns: &[AB::Var]| {
            for &column in columns {
                builder.assert_zero((AB::Expr::ONE - used.clone()) * column);
            }
        };
        let a1 = c.a1;
        unused(builder, &io, &a1.data);
        unused(
            builder,
            &io,
            &[
                a1.aux.prev_timestamp,
                a1.aux.lt,
                c.buf_offset,
                c.buf_quarter,
            ],
        );
        let length = c.length;
        unused(builder, &public.into(), &length.prev_data);
        unused(builder, &public.into(), &length.data);
        unused(
            builder,
            &public.into(),
            &[
                length.aux.prev_timestamp,
                length.aux.lt_limbs[0],
                length.aux.lt_limbs[1],
                c.length_offset,
                c.length_quarter,
            ],
        );
        unused(builder, &read.into(), &c.slack);
        unused(builder, &read.into(), &c.borrows);

        // The registers are a7, a2, a0 and a1 (fixed pointers), and a7 holds the syscall number.
        builder.assert_eq(c.a7.pointer, is_valid.clone() * k(4 * A7));
        builder.assert_eq(c.a2.pointer, is_valid.clone() * k(4 * A2));
        builder.assert_eq(c.a0.pointer, is_valid.clone() * k(4 * A0));
        builder.assert_eq(c.a1.pointer, io.clone() * k(4 * A1));
        builder.assert_eq(
            c.a7.data[0],
            exit * k(SYSCALL_EXIT)
                + write.clone() * k(SYSCALL_WRITE)
                + read * k(SYSCALL_READ)
                + file * k(SYSCALL_OPENAT)
                + c.close * k(SYSCALL_CLOSE - SYSCALL_OPENAT),
        );
        for i in 1..MEMORY_BLOCK {
            builder.assert_zero(c.a7.data[i]);
        }

        // a0: exit leaves it; a write needs the fd and returns len; a read (any fd) returns
        // count; a file call returns the host's answer. Host fds are 1 + second_fd, 4 for a
        // hint request, or 0x7d00 + second_fd for the cycle tracker (low byte 1 -
        // cycle_tracker + 3 hint_request + second_fd, second byte 0x7d * cycle_tracker); the
        // public output's is 3.
        let a0 = c.a0;
        for i in 0..MEMORY_BLOCK {
            builder.assert_zero(exit * (a0.data[i] - a0.prev_data[i]));
            builder.assert_zero(write.clone() * (a0.data[i] - c.a2.data[i]));
        }
        let [tracker_low, tracker_high, ..] = FD_CYCLE_START.to_le_bytes();
        let first_fd_low: AB::Expr = (AB::Expr::ONE - c.cycle_tracker)
            + c.cycle_tracker * k(tracker_low as u32)
            + c.hint_request * k(FD_HINTS - 1);
        builder.assert_zero(host * (a0.prev_data[0] - first_fd_low - c.second_fd));
        builder.assert_zero(public * (a0.prev_data[0] - k(FD_PUBLIC)));
        builder.assert_zero(
            write.clone() * a0.prev_data[1] - c.cycle_tracker * k(tracker_high as u32),
        );
        for i in 2..MEMORY_BLOCK {
            builder.assert_zero(write.clone() * a0.prev_data[i]);
        }
        let half = |lo: AB::Var, hi: AB::Var| lo + hi * k(256);
        buses.exit.send(
            builder,
            [
                half(a0.prev_data[0], a0.prev_data[1]),
                half(a0.prev_data[2], a0.prev_data[3]),
            ],
            exit,
        );

        let len = value::<AB>(c.a2.data);
        let count = value::<AB>(a0.data);
        let buf = value::<AB>(c.a1.data);
        // Bytes move only where `nonempty`; it may be set for zero bytes (then the chain must
        // end where it starts, which only `buf = 0` allows, and changes nothing).
        builder.assert_zero(
            (AB::Expr::ONE - c.nonempty) * (public * len.clone() + read * count.clone()),
        );

        // buf = 4 q + offset + 256 (...): the buffer's first word and the byte within it.
        builder.assert_zero(io.clone() * (c.a1.data[0] - c.buf_quarter * k(4) - c.buf_offset));
        buses
            .range
            .range_check(builder, c.buf_offset, 2, io.clone());
        buses
            .range
            .range_check(builder, c.buf_quarter, 6, io.clone());
        // buf < 2^29 where bytes move, so buffer pointers stay far below the modulus (main
        // memory has at most 2^29 bytes; the memory boundary rejects words beyond it).
        buses
            .range
            .range_check(builder, c.a1.data[3], 5, c.nonempty);
        let buf_word = buf - c.buf_offset;

        // Public write: len < 2^24; the length word goes from L to L + len < 2^24, whose bytes
        // are checked; L's low byte is split like buf's.
        let lw = c.length;
        builder.assert_zero(public * c.a2.data[3]);
        builder.assert_zero(public * lw.data[3]);
        let old_length = value::<AB>(lw.prev_data);
        builder.assert_zero(public * (value::<AB>(lw.data) - old_length.clone() - len.clone()));
        buses
            .bitwise
            .range_check(builder, lw.data[0], lw.data[1], public);
        buses
            .bitwise
            .range_check(builder, lw.data[2], AB::Expr::ZERO, public);
        builder.assert_zero(public * (lw.prev_data[0] - c.length_quarter * k(4) - c.length_offset));
        buses.range.range_check(builder, c.length_offset, 2, public);
        buses
            .range
            .range_check(builder, c.length_quarter, 6, public);

        // File calls: the answer is bytes.
        buses
            .bitwise
            .range_check(builder, a0.data[0], a0.data[1], file);
        buses
            .bitwise
            .range_check(builder, a0.data[2], a0.data[3], file);

        // Read: count is bytes with count < 2^30 (a register value, and no wrap), and
        // len - count = slack (bytes) with borrows, no borrow out: count <= len.
        buses
            .bitwise
            .range_check(builder, a0.data[0], a0.data[1], read);
        buses
            .bitwise
            .range_check(builder, a0.data[2], c.slack[0], read);
        buses
            .bitwise
            .range_check(builder, c.slack[1], c.slack[2], read);
        buses
            .bitwise
            .range_check(builder, c.slack[3], AB::Expr::ZERO, read);
        buses.range.range_check(builder, a0.data[3], 6, read);
        for &b in &c.borrows {
            builder.assert_bool(b);
        }
        for i in 0..MEMORY_BLOCK {
            let borrow_in: AB::Expr = if i == 0 {
                AB::Expr::ZERO
            } else {
                c.borrows[i - 1].into()
            };
            let borrow_out: AB::Expr = if i + 1 == MEMORY_BLOCK {
                AB::Expr::ZERO
            } else {
                c.borrows[i] * k(256)
            };
            builder.assert_zero(
                read * (c.a2.data[i] + borrow_out - borrow_in - a0.data[i] - c.slack[i]),
            );
        }

        // Accesses: a7, a2, a0, then a1 (I/O) and the length word (public), then the buffer.
        let ts = c.from_timestamp;
        c.a7.eval(builder, &buses.memory, ts, is_valid.clone());
        c.a2.eval(builder, &buses.memory, ts + k(1), is_valid.clone());
        c.a0.eval(builder, &buses.memory, ts + k(2), is_valid.clone());
        c.a1.eval(builder, &buses.memory, ts + k(3), io.clone());
        buses.memory.write(
            builder,
            k(PUBLIC_VALUES),
            k(PUBLIC_OUTPUT_LENGTH),
            lw.prev_data,
            lw.data,
            ts + k(4),
            &lw.aux,
            public,
        );
        let buffer_start: AB::Expr = ts + k(3) + io + public;
        builder
            .assert_zero((is_valid.clone() - c.nonempty) * (c.to_timestamp - buffer_start.clone()));
        let public_chain = PermutationCheckBus::new(self.buses.public_write);
        let public_moves: AB::Expr = public * c.nonempty;
        public_chain.send(
            builder,
            [
                ts.into(),
                buffer_start.clone(),
                buf_word.clone(),
                c.buf_offset.into(),
                k(PUBLIC_OUTPUT_DATA) + old_length - c.length_offset,
                c.length_offset.into(),
                len,
            ],
            public_moves.clone(),
        );
        public_chain.receive(
            builder,
            [ts.into(), c.to_timestamp.into()]
                .into_iter()
                .chain([AB::Expr::ZERO; 5]),
            public_moves,
        );
        let read_chain = PermutationCheckBus::new(self.buses.read);
        let read_moves: AB::Expr = read * c.nonempty;
        read_chain.send(
            builder,
            [
                ts.into(),
                buffer_start,
                buf_word,
                c.buf_offset.into(),
                count,
            ],
            read_moves.clone(),
        );
        read_chain.receive(
            builder,
            [ts.into(), c.to_timestamp.into()]
                .into_iter()
                .chain([AB::Expr::ZERO; 3]),
            read_moves,
        );

        buses.program.lookup_instruction(
            builder,
            c.from_pc,
            k(EcallOpcode::ECALL.global().as_u32()),
            [AB::Expr::ZERO; 7],
            is_valid.clone(),
        );
        buses.execution.execute(
            builder,
            is_valid,
            ExecutionState::new(c.from_pc, c.from_timestamp),
            ExecutionState::<AB::Expr>::new(
                c.from_pc + (write + read + file) * k(4),
                c.to_timestamp.into(),
            ),
        );
    }
}
