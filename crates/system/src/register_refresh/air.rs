//! The register refresh AIR.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    address_space::REGISTER,
    bus::{ExecutionBus, ExecutionState, MemoryAccessAux, MemoryBridge, MEMORY_BLOCK},
};

/// One refresh: the register word read at `timestamp`, where the execution chain stands at
/// `pc`. Padding rows are all zero.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct RegisterRefreshCols<T> {
    pub is_valid: T,
    pub pc: T,
    pub timestamp: T,
    pub pointer: T,
    pub data: [T; MEMORY_BLOCK],
    pub aux: MemoryAccessAux<T>,
}

tessera_arch::impl_columns!(RegisterRefreshCols);

/// The register refresh AIR. Interactions per row: execution 2, memory 2, range 2.
#[derive(Clone, Copy, Debug)]
pub struct RegisterRefreshAir {
    pub execution: ExecutionBus,
    pub memory: MemoryBridge,
}

impl<F: Field> BaseAir<F> for RegisterRefreshAir {
    fn width(&self) -> usize {
        RegisterRefreshCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for RegisterRefreshAir {}
impl<F: Field> PartitionedBaseAir<F> for RegisterRefreshAir {}

impl<AB: InteractionBuilder> Air<AB> for RegisterRefreshAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &RegisterRefreshCols<AB::Var> = row[..].borrow();
        // A count of 2 or -1 would duplicate or reverse an edge of the execution chain.
        builder.assert_bool(cols.is_valid);
        // One step of the chain that stays at `pc` and uses one timestamp.
        self.execution.execute(
            builder,
            cols.is_valid,
            ExecutionState::new(cols.pc, cols.timestamp),
            ExecutionState::<AB::Expr>::new(cols.pc, cols.timestamp + AB::Expr::ONE),
        );
        // A read: the word keeps its data, its timestamp moves (full-range check: a refreshed
        // register is by definition one accessed long ago).
        self.memory.read(
            builder,
            AB::Expr::from_u32(REGISTER),
            cols.pointer,
            cols.data,
            cols.timestamp,
            &cols.aux,
            cols.is_valid,
        );
    }
}
