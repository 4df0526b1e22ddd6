//! The `ecall` AIR for `exit` and `write` to the host's stdout/stderr.
//!
//! Every row reads `a7` (the syscall number: 93 or 64, pinned by flags), `a2`, and accesses `a0`:
//! - `exit`: `a0` is read (written back unchanged) and sent on the exit bus as two 16-bit
//!   halves; the pc does not move, so the connector's final pc is the `ecall`'s.
//! - `write(fd, buf, len)` with fd 1 or 2: `a0` must hold the fd and becomes `len` (`a2`). The
//!   bytes go to the host and are not proven, so the buffer is not read.
//!
//! Writes to fd 3 (the public output) and `read` need multi-row accesses to memory: next.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    bus::{ExecutionBus, ExecutionState, ExitBus, MemoryBridge, ProgramBus},
    LocalOpcode,
};
use tessera_guest::abi::{SYSCALL_EXIT, SYSCALL_WRITE};

use super::EcallOpcode;
use crate::adapters::registers::{RegReadCols, RegWriteCols};

/// Columns of an `ecall` row.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct EcallCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub a7: RegReadCols<T>,
    pub a2: RegReadCols<T>,
    pub a0: RegWriteCols<T>,
    /// exit, write to the host.
    pub flags: [T; 2],
    /// For writes: 1 if the fd is 2 (stderr), 0 if 1 (stdout).
    pub stderr: T,
}

tessera_arch::impl_columns!(EcallCols);

/// The buses of the `ecall` AIR.
#[derive(Clone, Copy, Debug)]
pub struct EcallBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub exit: ExitBus,
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

const A0: u32 = 10;
const A2: u32 = 12;
const A7: u32 = 17;

impl<AB: InteractionBuilder> Air<AB> for EcallAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let c: &EcallCols<AB::Var> = row[..].borrow();
        let buses = &self.buses;
        let [exit, write] = c.flags;
        builder.assert_bool(exit);
        builder.assert_bool(write);
        let is_valid: AB::Expr = exit + write;
        builder.assert_bool(is_valid.clone());
        builder.assert_bool(c.stderr);
        builder.assert_zero(c.stderr * (AB::Expr::ONE - write));
        let k = |v: u32| AB::Expr::from_u32(v);

        // The registers are a7, a2 and a0 (fixed pointers), and a7 holds the syscall number.
        builder.assert_eq(c.a7.pointer, is_valid.clone() * k(4 * A7));
        builder.assert_eq(c.a2.pointer, is_valid.clone() * k(4 * A2));
        builder.assert_eq(c.a0.pointer, is_valid.clone() * k(4 * A0));
        builder.assert_eq(
            c.a7.data[0],
            exit * k(SYSCALL_EXIT) + write * k(SYSCALL_WRITE),
        );
        for i in 1..4 {
            builder.assert_zero(c.a7.data[i]);
        }

        // exit: a0 unchanged, sent on the exit bus. write: a0 held the fd (1 or 2), gets len.
        let a0 = c.a0;
        for i in 0..4 {
            builder.assert_zero(exit * (a0.data[i] - a0.prev_data[i]));
            builder.assert_zero(write * (a0.data[i] - c.a2.data[i]));
        }
        builder.assert_zero(write * (a0.prev_data[0] - AB::Expr::ONE - c.stderr));
        for i in 1..4 {
            builder.assert_zero(write * a0.prev_data[i]);
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

        let ts = c.from_timestamp;
        c.a7.eval(builder, &buses.memory, ts, is_valid.clone());
        c.a2.eval(builder, &buses.memory, ts + AB::Expr::ONE, is_valid.clone());
        c.a0.eval(builder, &buses.memory, ts + AB::Expr::TWO, is_valid.clone());
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
            ExecutionState::<AB::Expr>::new(c.from_pc + write * k(4), ts + k(3)),
        );
    }
}
