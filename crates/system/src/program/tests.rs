//! The program table answers lookups of the program's instructions only, each as often as its
//! multiplicity says. Toy proof parameters.

use std::sync::Arc;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    prover::{AirProvingContext, CommittedTraceData, TraceCommitter},
    PartitionedBaseAir, StarkEngine,
};
use p3_baby_bear::BabyBear;
use tessera_arch::{bus::ProgramBus, Instruction, Program, VmOpcode};

use super::*;
use crate::test_utils::{prove_and_verify_contexts, test_engine};

const BUS: ProgramBus = ProgramBus::new(2);
type F = BabyBear;

/// Test requester: `pc, opcode, a..g, enabled`.
struct RequesterAir;

impl<F: Field> BaseAir<F> for RequesterAir {
    fn width(&self) -> usize {
        PROGRAM_WIDTH + 1
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for RequesterAir {}
impl<F: Field> PartitionedBaseAir<F> for RequesterAir {}

impl<AB: InteractionBuilder> Air<AB> for RequesterAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: [AB::Var; PROGRAM_WIDTH + 1] = {
            let r = main.row_slice(0).expect("row");
            std::array::from_fn(|i| r[i])
        };
        builder.assert_bool(row[PROGRAM_WIDTH]);
        BUS.lookup_instruction(
            builder,
            row[0],
            row[1],
            std::array::from_fn(|i| row[2 + i]),
            row[PROGRAM_WIDTH],
        );
    }
}

fn program() -> Program<F> {
    let inst = |op: u32, a: i64, c: i64| Instruction::new(VmOpcode::from_u32(op), a, 8, c, 1, 0);
    Program {
        pc_base: 0x1000,
        instructions: vec![
            Some(inst(0x100, 4, -1)),
            Some(inst(0x110, 8, 7)),
            None,
            Some(inst(0x1c0, 0, 0)),
            Some(inst(0x100, 12, 2047)),
        ],
        illegal: Default::default(),
    }
}

/// Executes the instruction slots in `run` (each once, in order) and proves the lookups.
fn prove(
    run: &[usize],
    tamper: impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>),
) -> Result<(), String> {
    let program = program();
    let program_rows = program_trace(&program);
    let mut counts = vec![0u32; program.instructions.len()];
    let mut values = Vec::new();
    for &slot in run {
        counts[slot] += 1;
        values.extend_from_slice(
            &program_rows.values[slot * PROGRAM_WIDTH..(slot + 1) * PROGRAM_WIDTH],
        );
        values.push(F::ONE);
    }
    values.resize((PROGRAM_WIDTH + 1) * run.len().next_power_of_two(), F::ZERO);
    let mut requests = RowMajorMatrix::new(values, PROGRAM_WIDTH + 1);
    let mut multiplicities = multiplicity_trace(&counts);
    tamper(&mut requests, &mut multiplicities);

    let engine = test_engine(10);
    let (commitment, data) = engine
        .device()
        .commit(&[&program_rows])
        .map_err(|e| format!("{e:?}"))?;
    let cached = CommittedTraceData {
        commitment,
        trace: program_rows,
        data: Arc::new(data),
    };
    prove_and_verify_contexts(
        &engine,
        vec![Arc::new(RequesterAir), Arc::new(ProgramAir { bus: BUS })],
        vec![
            AirProvingContext::simple_no_pis(requests),
            AirProvingContext::new(vec![cached], multiplicities, vec![]),
        ],
    )
}

fn assert_unbalanced(result: Result<(), String>) {
    let err = result.unwrap_err();
    assert!(err.contains("NonZeroRootSum"), "{err}");
}

const RUN: [usize; 7] = [0, 1, 3, 4, 4, 0, 1];

#[test]
fn executed_instructions_prove() {
    prove(&RUN, |_, _| {}).unwrap();
}

#[test]
fn trace_layout() {
    let trace = program_trace(&program());
    assert_eq!(trace.height(), 8);
    assert_eq!(trace.values[0], F::from_u32(0x1000));
    assert_eq!(trace.values[1], F::from_u32(0x100));
    assert_eq!(trace.values[4], -F::ONE, "operand c = -1");
    assert!(
        trace.values[2 * PROGRAM_WIDTH..3 * PROGRAM_WIDTH]
            .iter()
            .all(|v| *v == F::ZERO),
        "gap"
    );
    assert_eq!(trace.values[3 * PROGRAM_WIDTH], F::from_u32(0x100c));
}

#[test]
fn a_changed_operand_is_rejected() {
    for column in 0..PROGRAM_WIDTH {
        assert_unbalanced(prove(&RUN, |req, _| req.values[column] += F::ONE));
    }
}

#[test]
fn an_instruction_outside_the_program_is_rejected() {
    // The gap at 0x1008 is an all-zero row, but a lookup at pc 0x1008 with opcode 0 is still not
    // in the table (the table row has pc 0).
    assert_unbalanced(prove(&RUN, |req, _| {
        req.values[..PROGRAM_WIDTH].fill(F::ZERO);
        req.values[0] = F::from_u32(0x1008);
    }));
}

#[test]
fn wrong_multiplicity_is_rejected() {
    assert_unbalanced(prove(&RUN, |_, mult| mult.values[4] -= F::ONE));
    assert_unbalanced(prove(&RUN, |_, mult| mult.values[2] += F::ONE));
}

#[test]
fn cached_trace_commitment_depends_on_the_program() {
    let engine = test_engine(10);
    let mut other = program();
    other.instructions[1] = other.instructions[0];
    let (c1, _) = engine
        .device()
        .commit(&[&program_trace(&program())])
        .unwrap();
    let (c2, _) = engine.device().commit(&[&program_trace(&other)]).unwrap();
    assert_ne!(c1, c2);
}
