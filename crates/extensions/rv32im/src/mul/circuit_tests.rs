//! The MUL AIR proves honest products and rejects tampered rows. Toy proof parameters (see the
//! test harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use proptest_free::random_pairs;

use super::{air::CARRY_BITS, trace::mul_carries, *};
use crate::{
    encode::*,
    test_harness::{
        assert_constraint_fails, assert_unbalanced, memory_bridge, new_run, range_bus, Run,
        BITWISE, EXECUTION, F, PROGRAM,
    },
};

mod proptest_free {
    /// Deterministic pseudo-random operand pairs (no external crate needed).
    pub fn random_pairs(n: usize) -> Vec<(u32, u32)> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 32) as u32, state as u32)
            })
            .collect()
    }
}

fn air() -> MulAir {
    MulAir {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        range: range_bus(),
        bitwise: BITWISE,
    }
}

/// `mul x3, x1, x2` after loading operand pairs, plus aliasing cases.
fn run(pairs: &[(u32, u32)]) -> (Run, RowMajorMatrix<F>) {
    // Each pair gets its own registers: x(3k+1) * x(3k+2) -> x(3k+3), cycling through x1..x30.
    let mut words = Vec::new();
    let mut registers = Vec::new();
    for (k, &(x, y)) in pairs.iter().enumerate() {
        let base = (3 * k as u32) % 30;
        registers.push((base + 1, x));
        registers.push((base + 2, y));
        words.push(mul(base + 3, base + 1, base + 2));
    }
    words.push(mul(5, 5, 5)); // rd == rs1 == rs2
    let mut run = new_run(&words, &registers);
    let mut chip = MulChip::new(run.range.clone(), run.bitwise.clone());
    for _ in &words {
        let pc = run.pc;
        let inst = run.next_instruction();
        chip.records.push(run.execute(pc, &inst));
    }
    let trace = chip.generate_trace();
    (run, trace)
}

fn pairs() -> Vec<(u32, u32)> {
    let mut pairs = vec![
        (0xffff_ffff, 0xffff_ffff),
        (0x8000_0000, 0xffff_ffff),
        (0, 12345),
        (0x1_0000, 0x1_0000),
        (12345, 6789),
    ];
    pairs.extend(random_pairs(4));
    pairs
}

fn cols(row: &mut [F]) -> &mut MulCols<F> {
    row.borrow_mut()
}

fn tampered(
    row: usize,
    tamper: impl Fn(&mut [F]),
    rebalance: impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>),
) -> Result<(), String> {
    let (run, mut trace) = run(&pairs());
    let width = trace.width;
    tamper(&mut trace.values[row * width..(row + 1) * width]);
    run.prove_with(vec![(Arc::new(air()), trace)], rebalance)
}

#[test]
fn honest_products_prove() {
    let (run, trace) = run(&pairs());
    run.prove(vec![(Arc::new(air()), trace)]).unwrap();
}

#[test]
fn carries_and_bytes_match_the_executor() {
    for (x, y) in pairs() {
        let (z, carries) = mul_carries(x, y);
        assert_eq!(u32::from_le_bytes(z), x.wrapping_mul(y));
        assert!(carries.iter().all(|&c| c < 1 << CARRY_BITS));
    }
}

#[test]
fn a_changed_product_is_rejected() {
    assert!(tampered(0, |r| cols(r).rd.data[0] += F::ONE, |_, _| {}).is_err());
    // Shift 1 from byte 1 into byte 0 as 256 and fix the carry: the byte lookup objects.
    assert_unbalanced(tampered(
        3,
        |r| {
            let c = cols(r);
            c.rd.data[2] += F::from_u32(256);
            c.carries[2] -= F::ONE;
        },
        |_, _| {},
    ));
}

#[test]
fn carries_are_constrained() {
    // A carry off by one, with the range checker rebalanced: the byte equation breaks.
    let (_, trace) = run(&pairs());
    let old = trace.values[MulCols::<F>::WIDTH - 1 - 4].as_canonical_u32();
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
fn operands_and_registers_are_bound() {
    assert_unbalanced(tampered(1, |r| cols(r).rs1.data[0] += F::ONE, |_, _| {}));
    assert_unbalanced(tampered(
        1,
        |r| cols(r).rs2.pointer += F::from_u32(4),
        |_, _| {},
    ));
    assert_unbalanced(tampered(
        1,
        |r| cols(r).from_pc += F::from_u32(4),
        |_, _| {},
    ));
}

#[test]
fn is_valid_is_boolean_and_padding_is_inert() {
    assert!(tampered(0, |r| cols(r).is_valid = F::TWO, |_, _| {}).is_err());
    // 10 real rows, padded to 16.
    assert_unbalanced(tampered(12, |r| cols(r).is_valid = F::ONE, |_, _| {}));
}
