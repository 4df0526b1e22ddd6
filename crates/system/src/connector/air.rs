use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, AirBuilder, AirBuilderWithPublicValues, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::bus::{
    ExecutionBus, ExecutionState, ExitBus, RangeCheckerBus, TIMESTAMP_LIMB_BITS,
};

/// The timestamp a segment starts at (0 is the memory's initial timestamp).
pub const INITIAL_TIMESTAMP: u32 = 1;

/// The connector's public values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ConnectorPvs<T> {
    pub initial_pc: T,
    pub final_pc: T,
    /// The exit code as two 16-bit halves (low, high); zero unless `is_terminate`.
    pub exit_code: [T; 2],
    /// 1 if the guest exited in this segment, 0 if the segment was suspended.
    pub is_terminate: T,
}

/// The connector's columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ConnectorCols<T> {
    pub pvs: ConnectorPvs<T>,
    pub final_timestamp: T,
    /// `final_timestamp` in two range-checked limbs.
    pub final_timestamp_limbs: [T; 2],
}

tessera_arch::impl_columns!(ConnectorPvs);
tessera_arch::impl_columns!(ConnectorCols);

/// The connector AIR.
#[derive(Clone, Copy, Debug)]
pub struct ConnectorAir {
    pub execution_bus: ExecutionBus,
    pub exit_bus: ExitBus,
    pub range_bus: RangeCheckerBus,
}

impl<F: Field> BaseAir<F> for ConnectorAir {
    fn width(&self) -> usize {
        ConnectorCols::<F>::WIDTH
    }
}

impl<F: Field> BaseAirWithPublicValues<F> for ConnectorAir {
    fn num_public_values(&self) -> usize {
        ConnectorPvs::<F>::WIDTH
    }
}

impl<F: Field> PartitionedBaseAir<F> for ConnectorAir {}

impl<AB: InteractionBuilder + AirBuilderWithPublicValues> Air<AB> for ConnectorAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: ConnectorCols<AB::Var> = {
            let row = main.row_slice(0).expect("window has a row");
            *(*row).borrow()
        };
        let pvs: ConnectorPvs<AB::PublicVar> = *builder.public_values().borrow();

        // Exactly one row: a second row would start a second execution chain.
        builder.when_transition().assert_zero(AB::Expr::ONE);

        let columns = local.pvs;
        builder.assert_eq(columns.initial_pc, pvs.initial_pc);
        builder.assert_eq(columns.final_pc, pvs.final_pc);
        builder.assert_eq(columns.exit_code[0], pvs.exit_code[0]);
        builder.assert_eq(columns.exit_code[1], pvs.exit_code[1]);
        builder.assert_eq(columns.is_terminate, pvs.is_terminate);
        builder.assert_bool(columns.is_terminate);
        let suspended = AB::Expr::ONE - columns.is_terminate;
        builder.assert_zero(suspended.clone() * columns.exit_code[0]);
        builder.assert_zero(suspended * columns.exit_code[1]);

        let [low, high] = local.final_timestamp_limbs;
        builder.assert_eq(
            local.final_timestamp,
            low + high * AB::Expr::from_u32(1 << TIMESTAMP_LIMB_BITS),
        );
        self.range_bus
            .range_check(builder, low, TIMESTAMP_LIMB_BITS, AB::Expr::ONE);
        self.range_bus
            .range_check(builder, high, TIMESTAMP_LIMB_BITS, AB::Expr::ONE);

        self.execution_bus.send(
            builder,
            ExecutionState::<AB::Expr>::new(
                columns.initial_pc,
                AB::Expr::from_u32(INITIAL_TIMESTAMP),
            ),
            AB::Expr::ONE,
        );
        self.execution_bus.receive(
            builder,
            ExecutionState::<AB::Expr>::new(columns.final_pc, local.final_timestamp),
            AB::Expr::ONE,
        );
        self.exit_bus
            .receive(builder, columns.exit_code, columns.is_terminate);
    }
}
