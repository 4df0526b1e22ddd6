//! The division AIR proves honest divisions, including division by zero and signed overflow,
//! and rejects the classic wrong answers. Toy proof parameters (see the test harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::LocalOpcode;

use super::{air::DivRemCols, trace::divrem_witness, *};
use crate::{
    adapters::AluFamily,
    encode::*,
    test_harness::{memory_bridge, new_run, range_bus, Run, BITWISE, EXECUTION, F, PROGRAM},
};

fn air() -> DivRemAir {
    DivRemAir {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        range: range_bus(),
        bitwise: BITWISE,
    }
}

const INT_MIN: u32 = 0x8000_0000;
const VALUES: [u32; 8] = [
    0,
    1,
    7,
    0xffff_fff9,
    0xffff_ffff,
    INT_MIN,
    0x7fff_ffff,
    0x100,
];

fn cases() -> Vec<(DivRemOpcode, u32, u32)> {
    let mut cases = Vec::new();
    for &x in &VALUES {
        for &y in &VALUES {
            for op in DivRemOpcode::ALL {
                cases.push((*op, x, y));
            }
        }
    }
    cases
}

fn run(cases: &[(DivRemOpcode, u32, u32)]) -> (Run, RowMajorMatrix<F>) {
    let mut words = Vec::new();
    let mut registers = Vec::new();
    for (k, &(op, x, y)) in cases.iter().enumerate() {
        let base = (3 * k as u32) % 30;
        registers.push((base + 1, x));
        registers.push((base + 2, y));
        let encode = match op {
            DivRemOpcode::DIV => div,
            DivRemOpcode::DIVU => divu,
            DivRemOpcode::REM => rem,
            DivRemOpcode::REMU => remu,
        };
        words.push(encode(base + 3, base + 1, base + 2));
    }
    let mut run = new_run(&words, &registers);
    let mut chip = DivRemChip::new(run.range.clone(), run.bitwise.clone());
    for &(op, _, _) in cases {
        let pc = run.pc;
        let inst = run.next_instruction();
        assert_eq!(DivRemOpcode::from_global(inst.opcode), Some(op));
        chip.records.push(run.execute(pc, &inst));
    }
    let trace = chip.generate_trace();
    (run, trace)
}

#[test]
fn witness_matches_the_executor() {
    for (op, x, y) in cases() {
        let w = divrem_witness(op, x, y);
        let expected = op.eval(x, y);
        let got = match op {
            DivRemOpcode::DIV | DivRemOpcode::DIVU => w.q,
            _ => w.r,
        };
        assert_eq!(got, expected, "{op:?} {x:#x} {y:#x}");
    }
}

#[test]
fn honest_divisions_prove() {
    for chunk in cases().chunks(10) {
        let (run, trace) = run(chunk);
        run.prove(vec![(Arc::new(air()), trace)])
            .unwrap_or_else(|e| panic!("{chunk:x?}: {e}"));
    }
}

fn cols(row: &mut [F]) -> &mut DivRemCols<F> {
    row.borrow_mut()
}

/// Proves a one-instruction run after replacing its quotient/remainder witness with `q`, `r`
/// (and rd with the opcode's one of them), refilling what depends on them.
fn with_answer(
    op: DivRemOpcode,
    x: u32,
    y: u32,
    tamper: impl Fn(&mut DivRemCols<F>),
) -> Result<(), String> {
    let (run, mut trace) = run(&[(op, x, y)]);
    let width = trace.width;
    tamper(cols(&mut trace.values[..width]));
    run.prove(vec![(Arc::new(air()), trace)])
}

fn set_bytes(target: &mut [F; 4], v: u32) {
    *target = v.to_le_bytes().map(F::from_u8);
}

#[test]
fn a_floored_instead_of_truncated_division_is_rejected() {
    // -7 / 2: truncated q = -3, r = -1; floored q = -4, r = 1 also satisfies q * y + r = x.
    let result = with_answer(DivRemOpcode::DIV, 0xffff_fff9, 2, |c| {
        set_bytes(&mut c.q, (-4i32) as u32);
        set_bytes(&mut c.rd.data, (-4i32) as u32);
        set_bytes(&mut c.r, 1);
        set_bytes(&mut c.abs_r, 1);
        c.msb[3] = F::ZERO;
        c.signs[3] = F::ZERO;
        c.abs_r_carries = [F::ZERO; 4];
    });
    assert!(result.is_err());
}

#[test]
fn a_remainder_as_large_as_the_divisor_is_rejected() {
    // 7 / 3 = 2 rem 1; q = 1, r = 4 also satisfies q * y + r = x.
    let result = with_answer(DivRemOpcode::DIVU, 7, 3, |c| {
        set_bytes(&mut c.q, 1);
        set_bytes(&mut c.rd.data, 1);
        set_bytes(&mut c.r, 4);
        set_bytes(&mut c.abs_r, 4);
    });
    assert!(result.is_err());
}

#[test]
fn division_by_zero_has_one_answer() {
    // Claiming y = 0 for y = 3 is rejected, and so is another quotient for y = 0.
    assert!(with_answer(DivRemOpcode::DIVU, 7, 3, |c| c.y_zero = F::ONE).is_err());
    assert!(with_answer(DivRemOpcode::DIVU, 7, 0, |c| {
        set_bytes(&mut c.q, 0);
        set_bytes(&mut c.rd.data, 0);
    })
    .is_err());
    assert!(with_answer(DivRemOpcode::REM, 7, 0, |c| c.y_zero = F::ZERO).is_err());
}

#[test]
fn signed_overflow_has_one_answer() {
    assert!(
        with_answer(DivRemOpcode::DIV, INT_MIN, u32::MAX, |c| c.overflow =
            F::ZERO)
        .is_err()
    );
    assert!(with_answer(DivRemOpcode::DIV, 7, u32::MAX, |c| c.overflow = F::ONE).is_err());
    assert!(
        with_answer(DivRemOpcode::DIVU, INT_MIN, u32::MAX, |c| c.overflow =
            F::ONE)
        .is_err()
    );
}

#[test]
fn flags_signs_and_padding() {
    assert!(with_answer(DivRemOpcode::DIV, 7, 2, |c| c.flags[0] = F::TWO).is_err());
    // Unsigned opcodes must not sign-extend.
    assert!(with_answer(DivRemOpcode::DIVU, 0xffff_fff9, 2, |c| c.signs[0] = F::ONE).is_err());
    assert!(
        with_answer(DivRemOpcode::DIV, 7, 2, |c| c.r_lt_y.diff_marker =
            [F::ZERO; 4])
        .is_err()
    );
    let (run, mut trace) = run(&[(DivRemOpcode::DIV, 7, 2)]);
    let width = trace.width;
    // A one-row trace has no padding; make a two-row one and enable the padding row.
    trace.values.resize(2 * width, F::ZERO);
    trace.values[width] = F::ONE;
    let c = cols(&mut trace.values[width..]);
    c.flags[1] = F::ONE;
    let trace = RowMajorMatrix::new(trace.values, width);
    assert!(run.prove(vec![(Arc::new(air()), trace)]).is_err());
}
