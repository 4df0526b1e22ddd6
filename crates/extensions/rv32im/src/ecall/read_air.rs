//! The buffer rows of a `read`: one row per main-memory word it writes.
//!
//! A row rewrites the word at `pointer` at its `timestamp`: the bytes under `mask` are input
//! bytes (hints, range-checked), the others keep their previous values. `mask` is a run of
//! ones that starts at the one-hot `start` (the first byte's position, non-zero only in the
//! first word of an unaligned buffer) and reaches the end of the word unless the row is the
//! last. Rows form a chain on the read chain ([`super::EcallBuses::read`]): a row receives `(id, timestamp, pointer,
//! start, remaining)` and sends `(id, timestamp + 1, pointer + 4, 0, remaining - n)` for its
//! `n` bytes; the last row (`n = remaining`) sends `(id, timestamp + 1, 0, 0, 0)`, which the
//! `ecall` row receives. The chain starts at an aligned word, so every pointer is aligned,
//! and the rows cover exactly the `count` bytes from `buf`, each word once.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::{InteractionBuilder, PermutationCheckBus},
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    address_space::MEMORY,
    bus::{MemoryAccessAux, MEMORY_BLOCK},
};

use super::{public_write_air::one_hot, EcallBuses};

/// Columns of one written word.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct ReadCols<T> {
    pub is_valid: T,
    /// The read's last word.
    pub is_last: T,
    /// The `ecall`'s timestamp.
    pub id: T,
    pub timestamp: T,
    /// Bytes left, this word's included.
    pub remaining: T,
    pub pointer: T,
    /// One-hot: the position of the first byte written in this word.
    pub start: [T; MEMORY_BLOCK],
    /// The bytes written.
    pub mask: [T; MEMORY_BLOCK],
    pub prev_data: [T; MEMORY_BLOCK],
    pub data: [T; MEMORY_BLOCK],
    pub aux: MemoryAccessAux<T>,
}

tessera_arch::impl_columns!(ReadCols);

/// The AIR of the words a `read` writes.
#[derive(Clone, Copy, Debug)]
pub struct ReadAir {
    pub buses: EcallBuses,
}

impl<F: Field> BaseAir<F> for ReadAir {
    fn width(&self) -> usize {
        ReadCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for ReadAir {}
impl<F: Field> PartitionedBaseAir<F> for ReadAir {}

impl<AB: InteractionBuilder> Air<AB> for ReadAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let c: &ReadCols<AB::Var> = row[..].borrow();
        let k = |v: u32| AB::Expr::from_u32(v);
        builder.assert_bool(c.is_valid);
        builder.assert_bool(c.is_last);
        builder.assert_zero(c.is_last * (AB::Expr::ONE - c.is_valid));
        let (start, _) = one_hot(builder, c.start, c.is_valid);

        // The mask rises (0 -> 1, with a 0 before position 0) exactly at `start`: one run
        // from there. Only the last row may end the run before the word's end.
        let m = c.mask;
        for &bit in &m {
            builder.assert_bool(bit);
        }
        builder.assert_eq(m[0], c.start[0]);
        for j in 1..MEMORY_BLOCK {
            builder.assert_eq(m[j] * (AB::Expr::ONE - m[j - 1]), c.start[j]);
        }
        builder.assert_zero((c.is_valid - c.is_last) * (AB::Expr::ONE - m[MEMORY_BLOCK - 1]));
        let written = m.iter().fold(AB::Expr::ZERO, |acc, &b| acc + b);
        builder.assert_zero(c.is_last * (c.remaining - written.clone()));

        // Unwritten bytes keep their values; written ones are the input's bytes.
        for ((&bit, &new), &prev) in m.iter().zip(&c.data).zip(&c.prev_data) {
            builder.assert_zero((AB::Expr::ONE - bit) * (new - prev));
        }
        let bitwise = &self.buses.bitwise;
        bitwise.range_check(builder, c.data[0], c.data[1], c.is_valid);
        bitwise.range_check(builder, c.data[2], c.data[3], c.is_valid);
        self.buses.memory.write(
            builder,
            k(MEMORY),
            c.pointer,
            c.prev_data,
            c.data,
            c.timestamp,
            &c.aux,
            c.is_valid,
        );

        let chain = PermutationCheckBus::new(self.buses.read);
        chain.receive(
            builder,
            [
                c.id.into(),
                c.timestamp.into(),
                c.pointer.into(),
                start,
                c.remaining.into(),
            ],
            c.is_valid,
        );
        // The next word, or zeros after the last (the `ecall` row receives that end).
        chain.send(
            builder,
            [
                c.id.into(),
                c.timestamp + k(1),
                (AB::Expr::ONE - c.is_last) * (c.pointer + k(4)),
                AB::Expr::ZERO,
                c.remaining - written,
            ],
            c.is_valid,
        );
    }
}
