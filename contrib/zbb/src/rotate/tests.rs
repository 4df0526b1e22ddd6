//! ROL, ROR, RORI: semantics, and tampered rows of [`super::ZbbRotateAir`] in a whole
//! segment (see `test_support`).

use std::borrow::BorrowMut;

use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
use tessera_system::{kit::AluFamily, vm::F};

use super::{trace::left_amount, ZbbRotateImmCols, ZbbRotateOpcode::*, ZbbRotateRegCols};
use crate::{
    encode::{rol, ror, rori},
    test_support::{li, segment},
    ZbbAir,
};

const X: u32 = 0x1234_5678;

#[test]
fn rotations_by_0_31_32_33_and_negative_amounts() {
    assert_eq!(ROL.eval(X, 0), X);
    assert_eq!(ROR.eval(X, 0), X);
    assert_eq!(ROL.eval(X, 31), 0x091a_2b3c);
    assert_eq!(ROR.eval(X, 31), 0x2468_acf0);
    assert_eq!(ROL.eval(X, 32), X);
    assert_eq!(ROR.eval(X, 32), X);
    assert_eq!(ROL.eval(X, 33), 0x2468_acf0);
    assert_eq!(ROR.eval(X, 33), 0x091a_2b3c);
    // rs2 = -1: amount 31.
    assert_eq!(ROL.eval(X, u32::MAX), 0x091a_2b3c);
    assert_eq!(ROR.eval(X, u32::MAX), 0x2468_acf0);
    // Only the low 5 bits count.
    assert_eq!(ROL.eval(X, 0xffff_ff08), 0x3456_7812);
    assert_eq!(ROR.eval(0x8000_0001, 1), 0xc000_0000);
    for s in 0..64 {
        assert_eq!(ROR.eval(ROL.eval(X, s), s), X);
        assert_eq!(ROL.eval(X, s), ROR.eval(X, 32 - s % 32));
        assert_eq!(ROL.eval(X, s), X.rotate_left(left_amount(ROL, s)));
        assert_eq!(ROR.eval(X, s), X.rotate_left(left_amount(ROR, s)));
    }
}

/// Register rows: rol by 0, ror by 1, rol by 33, ror by -1, ror by 32; immediate rows: rori
/// by 0, 1, 31.
fn program() -> Vec<u32> {
    use tessera_rv32im::encode::{addi, ECALL};
    [
        li(5, X).to_vec(),
        li(6, 1).to_vec(),
        li(7, 33).to_vec(),
        li(8, u32::MAX).to_vec(),
        li(9, 32).to_vec(),
        vec![
            rol(10, 5, 0),
            ror(11, 5, 6),
            rol(12, 5, 7),
            ror(13, 5, 8),
            ror(14, 5, 9),
            rori(15, 5, 0),
            rori(16, 5, 1),
            rori(18, 5, 31),
            addi(17, 0, 93),
            ECALL,
        ],
    ]
    .concat()
}

fn reg(row: &mut [F]) -> &mut ZbbRotateRegCols<F> {
    row.borrow_mut()
}

fn imm(row: &mut [F]) -> &mut ZbbRotateImmCols<F> {
    row.borrow_mut()
}

#[test]
fn honest_rows_are_accepted() {
    let segment = segment(&program());
    assert_eq!(segment.rows(ZbbAir::RotateReg).len(), 5);
    assert_eq!(segment.rows(ZbbAir::RotateImm).len(), 3);
    assert!(segment.check().accepted(), "{:?}", segment.check());
}

#[test]
fn a_forged_result_byte_is_rejected() {
    for row in 0..5 {
        let mut segment = segment(&program());
        reg(segment.row_mut(ZbbAir::RotateReg, row)).rd.data[row % 4] += F::ONE;
        segment.check().assert_rejected_by(ZbbAir::RotateReg.name());
    }
    for row in 0..3 {
        let mut segment = segment(&program());
        imm(segment.row_mut(ZbbAir::RotateImm, row)).rd.data[3 - row] += F::ONE;
        segment.check().assert_rejected_by(ZbbAir::RotateImm.name());
    }
}

/// Sets the one-hot amount of a row to `r` and its result to `X` rotated left by `r`.
fn rotate_by(onehot: &mut [F; 32], rd: &mut [F; 4], r: usize) {
    *onehot = [F::ZERO; 32];
    onehot[r] = F::ONE;
    *rd = X.rotate_left(r as u32).to_le_bytes().map(F::from_u8);
}

/// A consistent wrong rotation (the amount marker and the result both of another amount):
/// the register form's amount constraint refuses it; in the immediate form the amount no
/// longer matches the program's immediate.
#[test]
fn a_wrong_rotation_is_rejected() {
    for (row, r) in [(0, 1), (1, 1), (2, 0), (3, 31), (4, 16)] {
        let mut segment = segment(&program());
        let cols = reg(segment.row_mut(ZbbAir::RotateReg, row));
        rotate_by(&mut cols.core.onehot, &mut cols.rd.data, r);
        let verdict = segment.check();
        assert!(
            verdict.failed_constraints.contains("ZbbRotateAir<false>"),
            "row {row}: {verdict:?}"
        );
    }
    for (row, r) in [(0, 1), (1, 1), (2, 2)] {
        let mut segment = segment(&program());
        let cols = imm(segment.row_mut(ZbbAir::RotateImm, row));
        rotate_by(&mut cols.core.onehot, &mut cols.rd.data, r);
        segment.check().assert_rejected_by(ZbbAir::RotateImm.name());
    }
}

/// ROL and ROR swapped on a row rotating by 32 - s (its result unchanged): the opcode is the
/// program's no more.
#[test]
fn the_direction_is_the_programs() {
    let mut segment = segment(&program());
    let cols = reg(segment.row_mut(ZbbAir::RotateReg, 1)); // ror by 1 = rol by 31
    cols.core.flags = [F::ONE, F::ZERO];
    segment.check().assert_rejected_by(ZbbAir::RotateReg.name());
}

/// The amount has one decomposition `y0 = s + 32 high`: for `ror` by 33 (`s = 1`, `high = 1`)
/// the alternative `high = 2`, `s = -31` (a left rotation by 31 again, the same result) is
/// refused by the amount constraint even with the bitwise table rebalanced.
#[test]
fn the_amount_has_one_witness() {
    let program = {
        use tessera_rv32im::encode::{addi, ECALL};
        [
            li(5, X).to_vec(),
            li(7, 33).to_vec(),
            vec![ror(10, 5, 7), addi(17, 0, 93), ECALL],
        ]
        .concat()
    };
    let mut segment = segment(&program);
    let cols = reg(segment.row_mut(ZbbAir::RotateReg, 0));
    assert_eq!(cols.high, F::ONE);
    assert_eq!(cols.core.onehot[31], F::ONE);
    cols.high = F::TWO;
    segment.move_range_check((1, 32), (2, 64));
    let verdict = segment.check();
    assert_eq!(
        verdict.failed_constraints.iter().collect::<Vec<_>>(),
        ["ZbbRotateAir<false>"],
        "{verdict:?}"
    );
    assert!(verdict.unbalanced.is_empty(), "{verdict:?}");
    // Every bus balances, so the prover proves it; the verifier refuses the constraint.
    let error = segment.prove().unwrap_err();
    assert!(error.contains("does not verify"), "{error}");
}

/// `high` must be a small integer: changed without the table rebalanced, the range check
/// fails.
#[test]
fn high_is_range_checked() {
    let mut segment = segment(&program());
    reg(segment.row_mut(ZbbAir::RotateReg, 2)).high += F::ONE; // rol by 33
    segment.check().assert_rejected_by(ZbbAir::RotateReg.name());
}
