//! The MULH-family AIR proves honest products and rejects tampered rows. Toy proof parameters
//! (see the test harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use tessera_arch::LocalOpcode;

use super::{air::CARRY_BITS, trace::mulh_witness, *};
use crate::{
    adapters::AluFamily,
    encode::*,
    test_harness::{
        assert_constraint_fails, assert_unbalanced, memory_bridge, new_run, range_bus, Run,
        BITWISE, EXECUTION, F, PROGRAM,
    },
};

fn air() -> MulHAir {
    MulHAir {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        range: range_bus(),
        bitwise: BITWISE,
    }
}

const VALUES: [u32; 6] = [0, 1, 0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x1234_5678];

/// Every opcode on every pair of interesting values. A run gives each instruction its own
/// register triple, so runs take at most ten cases.
fn cases() -> Vec<(MulHOpcode, u32, u32)> {
    let mut cases = Vec::new();
    for (i, &x) in VALUES.iter().enumerate() {
        for &y in &VALUES[i..] {
            for op in MulHOpcode::ALL {
                cases.push((*op, x, y));
            }
        }
    }
    cases
}

fn run(cases: &[(MulHOpcode, u32, u32)]) -> (Run, RowMajorMatrix<F>) {
    let mut words = Vec::new();
    let mut registers = Vec::new();
    for (k, &(op, x, y)) in cases.iter().enumerate() {
        let base = (3 * k as u32) % 30;
        registers.push((base + 1, x));
        registers.push((base + 2, y));
        let encode = match op {
            MulHOpcode::MULH => mulh,
            MulHOpcode::MULHSU => mulhsu,
            MulHOpcode::MULHU => mulhu,
        };
        words.push(encode(base + 3, base + 1, base + 2));
    }
    let mut run = new_run(&words, &registers);
    let mut chip = MulHChip::new(run.range.clone(), run.bitwise.clone());
    for &(op, _, _) in cases {
        let pc = run.pc;
        let inst = run.next_instruction();
        assert_eq!(MulHOpcode::from_global(inst.opcode), Some(op));
        chip.records.push(run.execute(pc, &inst));
    }
    let trace = chip.generate_trace();
    (run, trace)
}

#[test]
fn witness_matches_the_executor() {
    for (op, x, y) in cases() {
        let w = mulh_witness(op, x, y);
        assert_eq!(
            u32::from_le_bytes(w.high),
            op.eval(x, y),
            "{op:?} {x:#x} {y:#x}"
        );
        assert!(w.carries.iter().all(|&c| c < 1 << CARRY_BITS));
    }
}

#[test]
fn honest_products_prove() {
    // Ten instructions at a time: registers are initialised once per run.
    for chunk in cases().chunks(10) {
        let (run, trace) = run(chunk);
        run.prove(vec![(Arc::new(air()), trace)]).unwrap();
    }
}

fn cols(row: &mut [F]) -> &mut MulHCols<F> {
    row.borrow_mut()
}

/// Cases where signs matter: x = -1 and y = -1 under each opcode.
fn signed_cases() -> Vec<(MulHOpcode, u32, u32)> {
    MulHOpcode::ALL
        .iter()
        .map(|&op| (op, 0xffff_ffff, 0xffff_ffff))
        .collect()
}

fn tampered(
    row: usize,
    tamper: impl Fn(&mut [F]),
    rebalance: impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>),
) -> Result<(), String> {
    let (run, mut trace) = run(&signed_cases());
    let width = trace.width;
    tamper(&mut trace.values[row * width..(row + 1) * width]);
    run.prove_with(vec![(Arc::new(air()), trace)], rebalance)
}

#[test]
fn a_changed_result_is_rejected() {
    assert!(tampered(0, |r| cols(r).rd.data[3] += F::ONE, |_, _| {}).is_err());
    assert!(tampered(1, |r| cols(r).low[0] += F::ONE, |_, _| {}).is_err());
}

#[test]
fn extension_signs_follow_the_opcode() {
    // MULHU (row 2) with sign-extended operands would compute MULH's result; the sign
    // constraint forbids it.
    let (_, honest) = run(&signed_cases());
    let mulh_row = honest.values[..honest.width].to_vec();
    let result = tampered(
        2,
        |r| {
            // Take MULH's arithmetic columns but keep MULHU's flags and registers.
            let c = cols(r);
            let m: &MulHCols<F> = std::borrow::Borrow::borrow(&mulh_row[..]);
            c.signs = m.signs;
            c.carries = m.carries;
            c.low = m.low;
            c.rd.data = m.rd.data;
        },
        |_, _| {},
    );
    assert!(result.is_err());
    // A wrong top bit (the lookup of the doubled remainder fails).
    assert!(tampered(0, |r| cols(r).msb[0] = F::ZERO, |_, _| {}).is_err());
    assert_constraint_fails(tampered(0, |r| cols(r).signs[1] = F::ZERO, |_, _| {}));
}

#[test]
fn carries_are_constrained() {
    let (_, trace) = run(&signed_cases());
    let c: &MulHCols<F> = std::borrow::Borrow::borrow(&trace.values[..trace.width]);
    let old = c.carries[0].as_canonical_u32();
    assert_constraint_fails(tampered(
        0,
        |r| cols(r).carries[0] += F::ONE,
        |range, _| {
            use tessera_system::range_checker::table_row;
            range.values[table_row(old, CARRY_BITS)] -= F::ONE;
            range.values[table_row(old + 1, CARRY_BITS)] += F::ONE;
        },
    ));
}

#[test]
fn flags_registers_and_padding() {
    assert!(tampered(0, |r| cols(r).flags[0] = F::TWO, |_, _| {}).is_err());
    assert_unbalanced(tampered(
        0,
        |r| {
            let c = cols(r);
            c.flags[0] = F::ZERO;
            c.flags[1] = F::ONE;
        },
        |_, _| {},
    ));
    assert_unbalanced(tampered(
        1,
        |r| cols(r).rs1.pointer += F::from_u32(4),
        |_, _| {},
    ));
    // 3 real rows, padded to 4.
    assert!(tampered(3, |r| cols(r).flags[2] = F::ONE, |_, _| {}).is_err());
}
