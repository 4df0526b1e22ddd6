//! The connector binds a segment's start, end and exit to its public values. Toy proof
//! parameters.

use std::sync::Arc;

use openvm_stark_backend::p3_field::PrimeField32;
use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    prover::AirProvingContext,
    PartitionedBaseAir,
};
use p3_baby_bear::BabyBear;
use tessera_arch::bus::{
    ExecutionBus, ExecutionState, ExitBus, RangeCheckerBus, RANGE_CHECKER_MAX_BITS,
    TIMESTAMP_LIMB_BITS,
};

use super::*;
use crate::{
    range_checker::{RangeCheckerAir, RangeCheckerChip},
    test_utils::{prove_and_verify_contexts, test_engine},
};

type F = BabyBear;
const EXECUTION: ExecutionBus = ExecutionBus::new(0);
const EXIT: ExitBus = ExitBus::new(5);
const RANGE: RangeCheckerBus = RangeCheckerBus::new(3, RANGE_CHECKER_MAX_BITS);

/// Test instruction rows: `pc, timestamp, next_pc, next_timestamp, exits, exit_low, exit_high,
/// enabled` (padding rows are all zero).
struct ChainAir;

impl<F: Field> BaseAir<F> for ChainAir {
    fn width(&self) -> usize {
        8
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for ChainAir {}
impl<F: Field> PartitionedBaseAir<F> for ChainAir {}

impl<AB: InteractionBuilder> Air<AB> for ChainAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let [pc, ts, next_pc, next_ts, exits, low, high, enabled] = {
            let r = main.row_slice(0).expect("row");
            [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]]
        };
        EXECUTION.execute(
            builder,
            enabled,
            ExecutionState::new(pc, ts),
            ExecutionState::new(next_pc, next_ts),
        );
        EXIT.send(builder, [low, high], exits);
    }
}

/// A run: instruction rows `(pc, ts) -> (next_pc, next_ts)`; the last one may exit.
struct Run {
    rows: Vec<[u32; 8]>,
    pvs: ConnectorPvs<u32>,
    final_timestamp: u32,
}

fn terminating() -> Run {
    Run {
        rows: vec![
            [1, 1, 5, 4, 0, 0, 0, 1],
            [5, 4, 9, 7, 0, 0, 0, 1],
            [9, 7, 9, 10, 1, 42, 7, 1],
        ],
        pvs: ConnectorPvs {
            initial_pc: 1,
            final_pc: 9,
            exit_code: [42, 7],
            is_terminate: 1,
        },
        final_timestamp: 10,
    }
}

fn suspended() -> Run {
    Run {
        rows: vec![[1, 1, 5, 4, 0, 0, 0, 1], [5, 4, 9, 7, 0, 0, 0, 1]],
        pvs: ConnectorPvs {
            initial_pc: 1,
            final_pc: 9,
            exit_code: [0, 0],
            is_terminate: 0,
        },
        final_timestamp: 7,
    }
}

/// Proves a run after `tamper` changed the connector rows, the public values or the
/// instruction rows. The range checker counts whatever limbs the connector rows hold (when they
/// are in range), so that a tampered limb shows up as a failed constraint, not a lost lookup.
fn prove(
    run: Run,
    tamper: impl FnOnce(&mut Vec<F>, &mut Vec<F>, &mut Vec<[u32; 8]>),
) -> Result<(), String> {
    let pvs = run.pvs;
    let mask = (1 << TIMESTAMP_LIMB_BITS) - 1;
    let limbs = [
        run.final_timestamp & mask,
        run.final_timestamp >> TIMESTAMP_LIMB_BITS,
    ];
    let mut connector: Vec<F> = [
        pvs.initial_pc,
        pvs.final_pc,
        pvs.exit_code[0],
        pvs.exit_code[1],
        pvs.is_terminate,
        run.final_timestamp,
        limbs[0],
        limbs[1],
    ]
    .map(F::from_u32)
    .to_vec();
    let mut public_values: Vec<F> = [
        pvs.initial_pc,
        pvs.final_pc,
        pvs.exit_code[0],
        pvs.exit_code[1],
        pvs.is_terminate,
    ]
    .map(F::from_u32)
    .to_vec();
    let mut rows = run.rows;
    tamper(&mut connector, &mut public_values, &mut rows);

    let chip = RangeCheckerChip::new(RANGE);
    for row in connector.chunks(ConnectorCols::<F>::WIDTH) {
        for limb in [row[FINAL_TS + 1], row[FINAL_TS + 2]] {
            let limb = limb.as_canonical_u32();
            if limb < 1 << TIMESTAMP_LIMB_BITS {
                chip.request(limb, TIMESTAMP_LIMB_BITS);
            }
        }
    }
    let mut chain: Vec<F> = rows.iter().flatten().map(|&v| F::from_u32(v)).collect();
    chain.resize(8 * rows.len().next_power_of_two(), F::ZERO);
    let engine = test_engine(13);
    prove_and_verify_contexts(
        &engine,
        vec![
            Arc::new(ConnectorAir {
                execution_bus: EXECUTION,
                exit_bus: EXIT,
                range_bus: RANGE,
            }),
            Arc::new(ChainAir),
            Arc::new(RangeCheckerAir { bus: RANGE }),
        ],
        vec![
            AirProvingContext::simple(
                RowMajorMatrix::new(connector, ConnectorCols::<F>::WIDTH),
                public_values,
            ),
            AirProvingContext::simple_no_pis(RowMajorMatrix::new(chain, 8)),
            AirProvingContext::simple_no_pis(chip.generate_trace()),
        ],
    )
}

fn assert_unbalanced(result: Result<(), String>) {
    let err = result.unwrap_err();
    assert!(err.contains("NonZeroRootSum"), "{err}");
}

fn assert_constraint_fails(result: Result<(), String>) {
    let err = result.unwrap_err();
    assert!(err.contains("constraint"), "{err}");
}

/// Column indices.
const FINAL_PC: usize = 1;
const EXIT_LOW: usize = 2;
const IS_TERMINATE: usize = 4;
const FINAL_TS: usize = 5;

#[test]
fn terminating_and_suspended_segments_prove() {
    prove(terminating(), |_, _, _| {}).unwrap();
    prove(suspended(), |_, _, _| {}).unwrap();
}

#[test]
fn public_values_must_match_the_columns() {
    for pv in 0..5 {
        assert_constraint_fails(prove(terminating(), |_, pvs, _| pvs[pv] += F::ONE));
    }
}

#[test]
fn termination_must_match_an_exit() {
    // Claiming termination without an exiting instruction, or suspension despite one.
    assert_unbalanced(prove(suspended(), |cols, pvs, _| {
        cols[IS_TERMINATE] = F::ONE;
        pvs[IS_TERMINATE] = F::ONE;
    }));
    assert_unbalanced(prove(terminating(), |cols, pvs, _| {
        for i in [IS_TERMINATE, EXIT_LOW, EXIT_LOW + 1] {
            cols[i] = F::ZERO;
            pvs[i] = F::ZERO;
        }
    }));
    // A different exit code than the one the guest exited with.
    assert_unbalanced(prove(terminating(), |cols, pvs, _| {
        cols[EXIT_LOW] = F::from_u32(43);
        pvs[EXIT_LOW] = F::from_u32(43);
    }));
}

#[test]
fn is_terminate_is_boolean_and_suspension_has_no_exit_code() {
    // The exit is sent twice so that the bus balances and only the boolean constraint fails.
    assert_constraint_fails(prove(terminating(), |cols, pvs, rows| {
        cols[IS_TERMINATE] = F::from_u32(2);
        pvs[IS_TERMINATE] = F::from_u32(2);
        rows[2][4] = 2;
    }));
    assert_constraint_fails(prove(suspended(), |cols, pvs, _| {
        cols[EXIT_LOW] = F::from_u32(5);
        pvs[EXIT_LOW] = F::from_u32(5);
    }));
}

#[test]
fn the_final_state_must_be_the_end_of_the_chain() {
    assert_unbalanced(prove(terminating(), |cols, pvs, _| {
        cols[FINAL_PC] = F::from_u32(5);
        pvs[FINAL_PC] = F::from_u32(5);
    }));
    let mut run = terminating();
    run.final_timestamp = 7;
    assert_unbalanced(prove(run, |_, _, _| {}));
}

#[test]
fn the_final_timestamp_is_range_checked() {
    // A final timestamp of 2^24 + 10 cannot be written with two 12-bit limbs; forcing the limbs
    // (10, 4096) makes the range check fail.
    assert_unbalanced(prove(terminating(), |cols, _, _| {
        cols[FINAL_TS + 2] = F::from_u32(1 << TIMESTAMP_LIMB_BITS);
        cols[FINAL_TS] += F::from_u32(1 << 24);
    }));
    // Limbs that do not add up to the timestamp.
    assert_constraint_fails(prove(terminating(), |cols, _, _| {
        cols[FINAL_TS + 1] += F::ONE
    }));
}

#[test]
fn exactly_one_row() {
    // A second connector row with a second, identical chain balances every bus; only the
    // one-row constraint rejects it.
    assert_constraint_fails(prove(terminating(), |cols, _, rows| {
        let row = cols.clone();
        cols.extend(row);
        let chain = rows.clone();
        rows.extend(chain);
    }));
}
