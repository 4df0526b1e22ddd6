//! The store AIR: SW, SH, SB. The word at the aligned address is read and rewritten with the
//! stored bytes in place (one memory access); the address is computed as for loads.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    address_space,
    bus::{ExecutionState, MemoryAccessAux, MEMORY_BLOCK},
    LocalOpcode,
};

use super::{
    load_air::{eval_address, AddressCols, LoadStoreBuses},
    LoadStoreOpcode,
};
use crate::adapters::registers::RegReadCols;

/// The store opcodes, in the order of the flag columns.
pub const STORES: [LoadStoreOpcode; 3] = [
    LoadStoreOpcode::STOREW,
    LoadStoreOpcode::STOREH,
    LoadStoreOpcode::STOREB,
];

/// `mem[rs1 + offset] = low bytes of rs2`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct StoreCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    pub address: AddressCols<T>,
    /// The word before and after the store.
    pub prev_data: [T; MEMORY_BLOCK],
    pub data: [T; MEMORY_BLOCK],
    pub aux: MemoryAccessAux<T>,
    /// SW, SH, SB.
    pub flags: [T; 3],
}

tessera_arch::impl_columns!(StoreCols);

/// The store AIR.
#[derive(Clone, Copy, Debug)]
pub struct StoreAir {
    pub buses: LoadStoreBuses,
}

impl<F: Field> BaseAir<F> for StoreAir {
    fn width(&self) -> usize {
        StoreCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for StoreAir {}
impl<F: Field> PartitionedBaseAir<F> for StoreAir {}

impl<AB: InteractionBuilder> Air<AB> for StoreAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &StoreCols<AB::Var> = row[..].borrow();
        let buses = &self.buses;
        let [sw, sh, sb] = cols.flags;
        for flag in cols.flags {
            builder.assert_bool(flag);
        }
        let is_valid: AB::Expr = sw + sh + sb;
        builder.assert_bool(is_valid.clone());
        let opcode = STORES
            .iter()
            .zip(cols.flags)
            .fold(AB::Expr::ZERO, |acc, (op, flag)| {
                acc + flag * AB::Expr::from_u32(op.global().as_u32())
            });
        let (pointer, offset) = eval_address(
            builder,
            &buses.range,
            cols.rs1.data,
            &cols.address,
            is_valid.clone(),
        );
        let m = cols.address.shift;
        builder.assert_zero(sw * (m[1] + m[2] + m[3]));
        builder.assert_zero(sh * (m[1] + m[3]));

        // The new word: SW replaces it; SH replaces the half at shift 0 or 2; SB one byte.
        let (value, prev) = (cols.rs2.data, cols.prev_data);
        for j in 0..MEMORY_BLOCK {
            let half_at_0 = if j < 2 { value[j] } else { prev[j] };
            let half_at_2 = if j >= 2 { value[j - 2] } else { prev[j] };
            let byte = m[j] * value[0] + (AB::Expr::ONE - m[j]) * prev[j];
            builder.assert_eq(
                cols.data[j],
                sw * value[j] + sh * (m[0] * half_at_0 + m[2] * half_at_2) + sb * byte,
            );
        }

        let ts = cols.from_timestamp;
        cols.rs1.eval(builder, &buses.memory, ts, is_valid.clone());
        cols.rs2
            .eval(builder, &buses.memory, ts + AB::Expr::ONE, is_valid.clone());
        buses.memory.write(
            builder,
            AB::Expr::from_u32(address_space::MEMORY),
            pointer,
            prev,
            cols.data,
            ts + AB::Expr::TWO,
            &cols.aux,
            is_valid.clone(),
        );
        let [offset_low, sign] = cols.address.offset;
        buses.program.lookup_instruction(
            builder,
            cols.from_pc,
            opcode,
            [
                cols.rs2.pointer.into(),
                cols.rs1.pointer.into(),
                offset,
                AB::Expr::from_u32(address_space::REGISTER),
                AB::Expr::from_u32(address_space::MEMORY),
                offset_low.into(),
                sign.into(),
            ],
            is_valid.clone(),
        );
        buses.execution.execute(
            builder,
            is_valid,
            ExecutionState::new(cols.from_pc, cols.from_timestamp),
            ExecutionState::<AB::Expr>::new(
                cols.from_pc + AB::Expr::from_u32(4),
                ts + AB::Expr::from_u32(3),
            ),
        );
    }
}
