//! The NOP AIR: advances the pc by 4, makes no memory access (the timestamp stays).

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    bus::{ExecutionBus, ExecutionState, ProgramBus},
    LocalOpcode,
};

use super::NopOpcode;

/// One executed `NOP`. Padding rows are all zero.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct NopCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub is_valid: T,
}

tessera_arch::impl_columns!(NopCols);

/// The NOP AIR. Interactions per row: execution 2, program 1.
#[derive(Clone, Copy, Debug)]
pub struct NopAir {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
}

impl<F: Field> BaseAir<F> for NopAir {
    fn width(&self) -> usize {
        NopCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for NopAir {}
impl<F: Field> PartitionedBaseAir<F> for NopAir {}

impl<AB: InteractionBuilder> Air<AB> for NopAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &NopCols<AB::Var> = row[..].borrow();
        // A count of 2 or -1 would duplicate or reverse an edge of the execution chain.
        builder.assert_bool(cols.is_valid);
        // The program has NOP (all operands zero) at `from_pc`: this also pins `from_pc` to a
        // real instruction slot (a multiple of 4 inside the program).
        self.program.lookup_instruction(
            builder,
            cols.from_pc,
            AB::Expr::from_u32(NopOpcode::NOP.global().as_u32()),
            std::array::from_fn::<_, 7, _>(|_| AB::Expr::ZERO),
            cols.is_valid,
        );
        self.execution.execute(
            builder,
            cols.is_valid,
            ExecutionState::new(cols.from_pc, cols.from_timestamp),
            ExecutionState::<AB::Expr>::new(
                cols.from_pc + AB::Expr::from_u32(4),
                cols.from_timestamp,
            ),
        );
    }
}
