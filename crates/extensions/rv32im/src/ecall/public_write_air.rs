//! The buffer rows of a write to the public output (fd 3): one row per byte.
//!
//! A row copies the byte at `src_pointer + src_offset` of main memory to
//! `dst_pointer + dst_offset` of the public-output space: it reads the source word at its
//! `timestamp` and rewrites the destination word at `timestamp + 1`, changing only the byte at
//! `dst_offset` (the offsets are one-hot selectors). Rows form a chain on
//! the public-write chain ([`super::EcallBuses::public_write`]): a row receives `(id, timestamp, src_pointer, src_offset,
//! dst_pointer, dst_offset, remaining)` and sends the state of the next byte (two timestamps
//! later, each offset one further, wrapping to the next word after 3). The `ecall` row sends
//! the first state; the last row (`remaining = 1`) sends `(id, timestamp + 2, 0, 0, 0, 0, 0)`
//! back to it instead. The pointers start word-aligned, so they stay aligned, and a chain of
//! strictly increasing timestamps cannot close on itself: the rows are exactly `len` bytes.
//!
//! The copied byte comes from memory, which holds bytes, so it needs no range check.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::{InteractionBuilder, PermutationCheckBus},
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    address_space::{MEMORY, PUBLIC_VALUES},
    bus::{MemoryAccessAux, MEMORY_BLOCK},
};

use super::EcallBuses;

/// Columns of one copied byte.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct PublicWriteCols<T> {
    pub is_valid: T,
    /// The write's last byte.
    pub is_last: T,
    /// The `ecall`'s timestamp.
    pub id: T,
    pub timestamp: T,
    /// Bytes left, this one included.
    pub remaining: T,
    pub byte: T,
    pub src_pointer: T,
    /// One-hot: the byte's position in the source word.
    pub src_offset: [T; MEMORY_BLOCK],
    pub src_data: [T; MEMORY_BLOCK],
    pub src_aux: MemoryAccessAux<T>,
    pub dst_pointer: T,
    /// One-hot: the byte's position in the destination word.
    pub dst_offset: [T; MEMORY_BLOCK],
    pub dst_prev_data: [T; MEMORY_BLOCK],
    pub dst_aux: MemoryAccessAux<T>,
}

tessera_arch::impl_columns!(PublicWriteCols);

/// The AIR of the bytes written to the public output.
#[derive(Clone, Copy, Debug)]
pub struct PublicWriteAir {
    pub buses: EcallBuses,
}

impl<F: Field> BaseAir<F> for PublicWriteAir {
    fn width(&self) -> usize {
        PublicWriteCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for PublicWriteAir {}
impl<F: Field> PartitionedBaseAir<F> for PublicWriteAir {}

/// Constrains a one-hot selector (zero where not `is_valid`); returns the selected position
/// and whether it is the last one of the word.
pub(super) fn one_hot<AB: InteractionBuilder>(
    builder: &mut AB,
    selector: [AB::Var; MEMORY_BLOCK],
    is_valid: AB::Var,
) -> (AB::Expr, AB::Var) {
    let mut sum = AB::Expr::ZERO;
    let mut position = AB::Expr::ZERO;
    for (j, &s) in selector.iter().enumerate() {
        builder.assert_bool(s);
        sum += s.into();
        position += s * AB::Expr::from_usize(j);
    }
    builder.assert_eq(sum, is_valid);
    (position, selector[MEMORY_BLOCK - 1])
}

impl<AB: InteractionBuilder> Air<AB> for PublicWriteAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let c: &PublicWriteCols<AB::Var> = row[..].borrow();
        let k = |v: u32| AB::Expr::from_u32(v);
        builder.assert_bool(c.is_valid);
        builder.assert_bool(c.is_last);
        builder.assert_zero(c.is_last * (AB::Expr::ONE - c.is_valid));
        builder.assert_zero(c.is_last * (c.remaining - AB::Expr::ONE));
        let (src_offset, src_wraps) = one_hot(builder, c.src_offset, c.is_valid);
        let (dst_offset, dst_wraps) = one_hot(builder, c.dst_offset, c.is_valid);

        // The byte is the selected one of the source word, and replaces the selected one of
        // the destination word; the other bytes of the destination stay.
        let selected = (0..MEMORY_BLOCK).fold(AB::Expr::ZERO, |acc, j| {
            acc + c.src_offset[j] * c.src_data[j]
        });
        builder.assert_eq(c.byte, selected);
        let dst_data: [AB::Expr; MEMORY_BLOCK] = std::array::from_fn(|j| {
            c.dst_prev_data[j] + c.dst_offset[j] * (c.byte - c.dst_prev_data[j])
        });

        let memory = &self.buses.memory;
        memory.read(
            builder,
            k(MEMORY),
            c.src_pointer,
            c.src_data,
            c.timestamp,
            &c.src_aux,
            c.is_valid,
        );
        memory.write(
            builder,
            k(PUBLIC_VALUES),
            c.dst_pointer,
            c.dst_prev_data,
            dst_data,
            c.timestamp + k(1),
            &c.dst_aux,
            c.is_valid,
        );

        let chain = PermutationCheckBus::new(self.buses.public_write);
        chain.receive(
            builder,
            [
                c.id.into(),
                c.timestamp.into(),
                c.src_pointer.into(),
                src_offset.clone(),
                c.dst_pointer.into(),
                dst_offset.clone(),
                c.remaining.into(),
            ],
            c.is_valid,
        );
        // The next byte, or zeros after the last (the `ecall` row receives that end).
        let more = AB::Expr::ONE - c.is_last;
        chain.send(
            builder,
            [
                c.id.into(),
                c.timestamp + k(2),
                more.clone() * (c.src_pointer + src_wraps * k(4)),
                more.clone() * (src_offset + k(1) - src_wraps * k(4)),
                more.clone() * (c.dst_pointer + dst_wraps * k(4)),
                more * (dst_offset + k(1) - dst_wraps * k(4)),
                c.remaining - k(1),
            ],
            c.is_valid,
        );
    }
}
