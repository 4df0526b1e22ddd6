//! MIN, MAX, MINU, MAXU: semantics, and tampered rows of [`super::ZbbMinMaxAir`] in a whole
//! segment (see `test_support` for what "rejected beyond memory" means).

use std::borrow::{Borrow, BorrowMut};

use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
use tessera_system::{kit::AluFamily, vm::F};

use super::{trace::MinMaxWitness, ZbbMinMaxCols, ZbbMinMaxOpcode::*};
use crate::{
    encode::{max, maxu, min, minu},
    test_support::{li, segment},
    ZbbAir,
};

const INT_MIN: u32 = 0x8000_0000;
const INT_MAX: u32 = 0x7fff_ffff;
const MINUS_ONE: u32 = u32::MAX;

#[test]
fn semantics_signed_and_unsigned() {
    // INT_MIN and -1: both negative; as unsigned, INT_MIN is the smaller too.
    assert_eq!(MIN.eval(INT_MIN, MINUS_ONE), INT_MIN);
    assert_eq!(MAX.eval(INT_MIN, MINUS_ONE), MINUS_ONE);
    assert_eq!(MINU.eval(INT_MIN, MINUS_ONE), INT_MIN);
    assert_eq!(MAXU.eval(INT_MIN, MINUS_ONE), MINUS_ONE);
    // -1 and 0: signed -1 < 0, unsigned 0 < 0xffffffff.
    assert_eq!(MIN.eval(MINUS_ONE, 0), MINUS_ONE);
    assert_eq!(MAX.eval(MINUS_ONE, 0), 0);
    assert_eq!(MINU.eval(MINUS_ONE, 0), 0);
    assert_eq!(MAXU.eval(MINUS_ONE, 0), MINUS_ONE);
    // INT_MAX and INT_MIN: the extremes swap between signed and unsigned.
    assert_eq!(MIN.eval(INT_MAX, INT_MIN), INT_MIN);
    assert_eq!(MAX.eval(INT_MAX, INT_MIN), INT_MAX);
    assert_eq!(MINU.eval(INT_MAX, INT_MIN), INT_MAX);
    assert_eq!(MAXU.eval(INT_MAX, INT_MIN), INT_MIN);
    // Equal operands, and operand order does not matter.
    for op in [MIN, MAX, MINU, MAXU] {
        assert_eq!(op.eval(0, 0), 0);
        assert_eq!(op.eval(INT_MIN, INT_MIN), INT_MIN);
        for (x, y) in [(INT_MIN, 5), (MINUS_ONE, 1), (0x0102_0304, 0x0102_0305)] {
            assert_eq!(op.eval(x, y), op.eval(y, x));
        }
    }
}

#[test]
fn the_witness_compares_as_the_opcode() {
    for (x, y) in [
        (INT_MIN, MINUS_ONE),
        (MINUS_ONE, 0),
        (INT_MAX, INT_MIN),
        (0x0102_0304, 0x0102_0305),
        (7, 7),
    ] {
        assert_eq!(
            MinMaxWitness::new(MIN, x, y).compare.lt,
            (x as i32) < (y as i32)
        );
        assert_eq!(MinMaxWitness::new(MINU, x, y).compare.lt, x < y);
    }
}

/// Rows: min, max, minu, maxu of (-1, 0); then min of (INT_MIN, -1), maxu of (INT_MAX,
/// INT_MIN), min of equal operands, max of operands differing in byte 0 only.
fn program() -> Vec<u32> {
    use tessera_rv32im::encode::{addi, ECALL};
    [
        li(5, MINUS_ONE).to_vec(),
        li(6, INT_MIN).to_vec(),
        li(7, INT_MAX).to_vec(),
        li(8, 0x0102_0304).to_vec(),
        li(9, 0x0102_0305).to_vec(),
        vec![
            min(10, 5, 0),
            max(11, 5, 0),
            minu(12, 5, 0),
            maxu(13, 5, 0),
            min(14, 6, 5),
            maxu(15, 7, 6),
            min(16, 8, 8),
            max(18, 8, 9),
            addi(17, 0, 93),
            ECALL,
        ],
    ]
    .concat()
}

fn cols(row: &mut [F]) -> &mut ZbbMinMaxCols<F> {
    row.borrow_mut()
}

#[test]
fn honest_rows_are_accepted() {
    let segment = segment(&program());
    assert_eq!(segment.rows(ZbbAir::MinMax).len(), 8);
    assert!(segment.check().accepted(), "{:?}", segment.check());
}

#[test]
fn a_forged_result_byte_is_rejected() {
    for row in 0..8 {
        let mut segment = segment(&program());
        cols(segment.row_mut(ZbbAir::MinMax, row)).rd.data[row % 4] += F::ONE;
        segment.check().assert_rejected_by(ZbbAir::MinMax.name());
    }
}

/// MIN returning the maximum: `rd` holds the other operand and the comparison is flipped to
/// match it (`sel` then selects it); the comparison gadget's byte lookup refuses the flipped
/// result. The same for MAXU returning the minimum.
#[test]
fn min_returning_the_max_is_rejected() {
    for row in [0, 3, 4, 5] {
        let mut segment = segment(&program());
        let cols = cols(segment.row_mut(ZbbAir::MinMax, row));
        let (x, y) = (cols.rs1.data, cols.rs2.data);
        cols.rd.data = if cols.rd.data == x { y } else { x };
        cols.lt = F::ONE - cols.lt;
        segment.check().assert_rejected_by(ZbbAir::MinMax.name());
    }
    // Without flipping the comparison, the selection constraint refuses it.
    let mut segment = segment(&program());
    let cols = cols(segment.row_mut(ZbbAir::MinMax, 0));
    cols.rd.data = cols.rs2.data;
    let verdict = segment.check();
    assert!(
        verdict.failed_constraints.contains("ZbbMinMaxAir"),
        "{verdict:?}"
    );
}

/// A signed opcode reading a negative top byte as positive (`msb = x3` instead of
/// `x3 - 256`): the byte lookup of `msb + 128` refuses it.
#[test]
fn a_forged_sign_reading_is_rejected() {
    let mut segment = segment(&program());
    let cols = cols(segment.row_mut(ZbbAir::MinMax, 0)); // min(-1, 0)
    cols.msb_x += F::from_u32(256);
    segment.check().assert_rejected_by(ZbbAir::MinMax.name());
}

/// Equal operands have one witness: `diff_val = -1`. Another value in `[-256, -1]` passes the
/// comparison gadget's own constraints and lookup (a cheating prover moves the lookup's count
/// in the bitwise table), and only the AIR's extra constraint refuses it.
#[test]
fn equal_operands_have_one_comparison_witness() {
    let mut segment = segment(&program());
    let cols = cols(segment.row_mut(ZbbAir::MinMax, 6)); // min(x8, x8)
    assert_eq!(cols.compare.diff_val, -F::ONE);
    cols.compare.diff_val = -F::TWO;
    // The lookup value (2 lt - 1) diff_val - 1 moves from 0 to 1.
    segment.move_range_check((0, 0), (1, 0));
    let verdict = segment.check();
    assert_eq!(
        verdict.failed_constraints.iter().collect::<Vec<_>>(),
        ["ZbbMinMaxAir"],
        "{verdict:?}"
    );
    assert!(verdict.unbalanced.is_empty(), "{verdict:?}");
    // Every bus balances, so the prover proves it; the verifier refuses the constraint.
    let error = segment.prove().unwrap_err();
    assert!(error.contains("does not verify"), "{error}");
}

#[test]
fn markers_pin_the_first_difference() {
    // max(0x01020304, 0x01020305) differs in byte 0 only: a marker on byte 1 is refused.
    let mut segment = segment(&program());
    let row = segment.row(ZbbAir::MinMax, 7);
    let honest: &ZbbMinMaxCols<F> = row[..].borrow();
    assert_eq!(
        honest.compare.diff_marker,
        [F::ONE, F::ZERO, F::ZERO, F::ZERO]
    );
    let cols = cols(segment.row_mut(ZbbAir::MinMax, 7));
    cols.compare.diff_marker = [F::ZERO, F::ONE, F::ZERO, F::ZERO];
    segment.check().assert_rejected_by(ZbbAir::MinMax.name());
}
