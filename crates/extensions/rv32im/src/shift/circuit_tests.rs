//! The shift AIRs prove honest shifts of every amount and reject tampered rows. Toy proof
//! parameters (see the test harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::LocalOpcode;

use super::{trace::shift_witness, *};
use crate::{
    adapters::AluFamily,
    encode::*,
    test_harness::{
        assert_unbalanced, memory_bridge, new_run, range_bus, Run, BITWISE, EXECUTION, F, PROGRAM,
    },
};

fn buses() -> ShiftBuses {
    ShiftBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        range: range_bus(),
        bitwise: BITWISE,
    }
}

const X: [u32; 3] = [0x8765_4321, 0x1234_5678, 0xffff_ffff];

/// A shift: the opcode, `Some(shamt)` for the immediate form, `x`, and the amount register's
/// value for the register form.
type Case = (ShiftOpcode, Option<u32>, u32, u32);

/// Immediate shifts by every amount and register shifts by amounts of 32 and more.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for s in 0..32u32 {
        let x = X[s as usize % 3];
        for op in ShiftOpcode::ALL {
            cases.push((*op, Some(s), x, 0));
        }
    }
    for (amount, x) in [(33u32, X[0]), (0xffff_ffe7, X[1]), (64, X[2]), (31, X[0])] {
        for op in ShiftOpcode::ALL {
            cases.push((*op, None, x, amount));
        }
    }
    cases
}

fn word(op: ShiftOpcode, imm: Option<u32>, rd: u32, rs1: u32, rs2: u32) -> u32 {
    match (op, imm) {
        (ShiftOpcode::SLL, Some(s)) => slli(rd, rs1, s),
        (ShiftOpcode::SRL, Some(s)) => srli(rd, rs1, s),
        (ShiftOpcode::SRA, Some(s)) => srai(rd, rs1, s),
        (ShiftOpcode::SLL, None) => sll(rd, rs1, rs2),
        (ShiftOpcode::SRL, None) => srl(rd, rs1, rs2),
        (ShiftOpcode::SRA, None) => sra(rd, rs1, rs2),
    }
}

fn run(cases: &[Case]) -> (Run, RowMajorMatrix<F>, RowMajorMatrix<F>) {
    let mut words = Vec::new();
    let mut registers = Vec::new();
    for (k, &(op, imm, x, amount)) in cases.iter().enumerate() {
        let base = (3 * k as u32) % 30;
        registers.push((base + 1, x));
        registers.push((base + 2, amount));
        words.push(word(op, imm, base + 3, base + 1, base + 2));
    }
    let mut run = new_run(&words, &registers);
    let mut chip = ShiftChip::new(run.range.clone(), run.bitwise.clone());
    for _ in &words {
        let pc = run.pc;
        let inst = run.next_instruction();
        chip.records.push(run.execute(pc, &inst));
    }
    let (reg, imm) = chip.generate_traces();
    (run, reg, imm)
}

fn prove(run: Run, reg: RowMajorMatrix<F>, imm: RowMajorMatrix<F>) -> Result<(), String> {
    run.prove(vec![
        (Arc::new(ShiftAir::<false> { buses: buses() }), reg),
        (Arc::new(ShiftAir::<true> { buses: buses() }), imm),
    ])
}

#[test]
fn witness_matches_the_executor() {
    for x in X {
        for s in 0..64 {
            for op in ShiftOpcode::ALL {
                assert_eq!(
                    shift_witness(*op, x, s).z,
                    op.eval(x, s),
                    "{op:?} {x:#x} {s}"
                );
            }
        }
    }
}

#[test]
fn honest_shifts_prove() {
    for chunk in cases().chunks(10) {
        let (run, reg, imm) = run(chunk);
        prove(run, reg, imm).unwrap_or_else(|e| panic!("{chunk:?}: {e}"));
    }
}

fn tampered(cases: &[Case], imm: bool, tamper: impl Fn(&mut [F])) -> Result<(), String> {
    let (run, mut reg, mut imm_trace) = run(cases);
    let trace = if imm { &mut imm_trace } else { &mut reg };
    let width = trace.width;
    tamper(&mut trace.values[..width]);
    prove(run, reg, imm_trace)
}

fn imm_cols(row: &mut [F]) -> &mut ShiftImmCols<F> {
    row.borrow_mut()
}

fn reg_cols(row: &mut [F]) -> &mut ShiftRegCols<F> {
    row.borrow_mut()
}

#[test]
fn a_changed_result_is_rejected() {
    let case = [(ShiftOpcode::SRA, Some(12), 0x8765_4321, 0)];
    assert!(tampered(&case, true, |r| imm_cols(r).rd.data[3] += F::ONE).is_err());
    let case = [(ShiftOpcode::SLL, Some(9), 0x8765_4321, 0)];
    assert!(tampered(&case, true, |r| imm_cols(r).rd.data[1] += F::ONE).is_err());
}

#[test]
fn the_amount_is_bound() {
    // Another bit amount (with the multiplier to match) is not the program's shamt.
    let case = [(ShiftOpcode::SRL, Some(12), 0x8765_4321, 0)];
    assert_unbalanced(tampered(&case, true, |r| {
        let c = imm_cols(r);
        c.core.bit_marker[4] = F::ZERO;
        c.core.bit_marker[5] = F::ONE;
        c.core.multiplier[1] = F::from_u32(32);
    }));
    // Two markers at once.
    assert!(tampered(&case, true, |r| imm_cols(r).core.limb_marker[0] = F::ONE).is_err());
    // The register amount's high bits must add up.
    let case = [(ShiftOpcode::SLL, None, 0x8765_4321, 33)];
    assert!(tampered(&case, false, |r| reg_cols(r).high += F::ONE).is_err());
}

#[test]
fn sra_fills_with_the_top_bit() {
    // Claiming a clear top bit for a negative x: SRL's result under SRA's opcode.
    let case = [(ShiftOpcode::SRA, Some(4), 0x8765_4321, 0)];
    assert!(tampered(&case, true, |r| {
        let c = imm_cols(r);
        c.core.msb = F::ZERO;
        c.core.fill = F::ZERO;
        c.rd.data[3] = F::from_u32(0x08);
    })
    .is_err());
    assert!(tampered(&case, true, |r| imm_cols(r).core.fill = F::ZERO).is_err());
}

#[test]
fn flags_and_padding() {
    let case = [(ShiftOpcode::SRL, Some(3), 0x1234_5678, 0)];
    assert!(tampered(&case, true, |r| imm_cols(r).core.flags[1] = F::TWO).is_err());
    let (run, reg, mut imm) = run(&case);
    let width = imm.width;
    imm.values.resize(2 * width, F::ZERO);
    let c = imm_cols(&mut imm.values[width..]);
    c.core.flags[0] = F::ONE;
    c.core.bit_marker[0] = F::ONE;
    c.core.limb_marker[0] = F::ONE;
    let imm = RowMajorMatrix::new(imm.values, width);
    assert!(prove(run, reg, imm).is_err());
}
