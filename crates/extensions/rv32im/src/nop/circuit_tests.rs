//! The NOP AIR proves honest runs (alone and interleaved with ALU rows, whose accesses move the
//! timestamp while NOP's do not) and rejects tampered rows. Toy proof parameters (see the test
//! harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::LocalOpcode;

use super::*;
use crate::{
    base_alu::{AluKind, BaseAluAir, BaseAluBuses, BaseAluChip, BaseAluOpcode},
    encode::*,
    test_harness::{
        assert_unbalanced, memory_bridge, new_run, Run, BITWISE, EXECUTION, F, PROGRAM,
    },
};

fn air() -> NopAir {
    NopAir {
        execution: EXECUTION,
        program: PROGRAM,
    }
}

fn alu_buses() -> BaseAluBuses {
    BaseAluBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        bitwise: BITWISE,
    }
}

/// NOPs and register-register ALU instructions; `nop`, `add x0, ..`, `lui x0, ..` and `fence`
/// all transpile to NOP.
fn program() -> Vec<u32> {
    vec![
        NOP,
        add(3, 1, 2),
        add(0, 1, 2),
        lui(0, 0x12345),
        0x0ff0_000f, // fence
        add(4, 3, 3),
        NOP,
    ]
}

/// Runs the code; returns the run, the NOP trace and the ALU register-form trace.
fn run(words: &[u32]) -> (Run, RowMajorMatrix<F>, RowMajorMatrix<F>) {
    let mut run = new_run(words, &[(1, 7), (2, 9)]);
    let mut nops = NopChip::default();
    let mut alu = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    for _ in words {
        let pc = run.pc;
        let inst = run.next_instruction();
        if inst.opcode == NopOpcode::NOP.global() {
            assert!([inst.a, inst.b, inst.c, inst.d, inst.e, inst.f, inst.g]
                .iter()
                .all(|v| *v == F::ZERO));
            nops.records.push(run.execute(pc, &inst));
        } else {
            assert!(
                BaseAluOpcode::from_global(inst.opcode).is_some(),
                "NOP or ALU"
            );
            alu.records.push(run.execute(pc, &inst));
        }
    }
    let nop_trace = nops.generate_trace();
    let [reg, _, _, _] = alu.generate_traces();
    (run, nop_trace, reg)
}

fn prove(run: Run, nop: RowMajorMatrix<F>, reg: RowMajorMatrix<F>) -> Result<(), String> {
    run.prove(vec![
        (Arc::new(air()), nop),
        (
            Arc::new(BaseAluAir::<false> {
                buses: alu_buses(),
                kind: AluKind::Arith,
            }),
            reg,
        ),
    ])
}

fn tampered(row: usize, tamper: impl Fn(&mut NopCols<F>)) -> Result<(), String> {
    let (run, mut nop, reg) = run(&program());
    let width = nop.width;
    tamper(nop.values[row * width..(row + 1) * width].borrow_mut());
    prove(run, nop, reg)
}

#[test]
fn honest_runs_prove() {
    let (run, nop, reg) = run(&program());
    // 5 NOPs (padded to 8 rows), 2 ALU rows; the timestamp moved by the ALU accesses only.
    assert_eq!(nop.values.len(), 8 * NopCols::<F>::WIDTH);
    assert_eq!(run.memory.timestamp, 1 + 2 * 3);
    prove(run, nop, reg).unwrap();
}

#[test]
fn nop_only_runs_prove() {
    let words = [NOP; 3];
    let (run, nop, reg) = run(&words);
    prove(run, nop, reg).unwrap();
}

#[test]
fn the_pc_and_the_timestamp_are_bound() {
    // Row 1 is `add x0, ..` at BASE + 8: skipping ahead breaks the execution chain.
    assert_unbalanced(tampered(1, |c| c.from_pc += F::from_u32(4)));
    // A NOP that claims to consume a timestamp: the chain no longer meets the ALU row.
    assert_unbalanced(tampered(1, |c| c.from_timestamp += F::ONE));
    // Moving both the start and (implicitly) the end pc to a slot that holds an ADD: the
    // execution chain and the program lookup both object.
    assert_unbalanced(tampered(0, |c| c.from_pc += F::from_u32(4)));
}

#[test]
fn a_non_boolean_is_valid_is_rejected() {
    assert_unbalanced(tampered(0, |c| c.is_valid = F::TWO));
    assert_unbalanced(tampered(1, |c| c.is_valid = -F::ONE));
}

#[test]
fn padding_rows_stay_inert() {
    // Rows 5..8 are padding: activating one adds a receive of (0, 0) and a lookup of an
    // instruction at pc 0 that the program does not hold.
    assert_unbalanced(tampered(6, |c| c.is_valid = F::ONE));
    // Dropping a real row breaks the chain.
    assert_unbalanced(tampered(2, |c| c.is_valid = F::ZERO));
}
