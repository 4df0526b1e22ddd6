//! CLZ, CTZ, CPOP, SEXT.B, SEXT.H, ZEXT.H, ORC.B, REV8: semantics, and tampered rows of
//! [`super::ZbbUnaryAir`] in a whole segment (see `test_support`).

use std::borrow::BorrowMut;

use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
use tessera_system::{kit::AluFamily, vm::F};

use super::{trace::runs, ZbbUnaryCols, ZbbUnaryOpcode::*};
use crate::{
    encode::{clz, cpop, ctz, orc_b, rev8, sext_b, sext_h, zext_h},
    test_support::{li, segment},
    ZbbAir,
};

#[test]
fn counts() {
    assert_eq!(CLZ.eval(0, 0), 32);
    assert_eq!(CTZ.eval(0, 0), 32);
    assert_eq!(CPOP.eval(0, 0), 0);
    assert_eq!(CLZ.eval(u32::MAX, 0), 0);
    assert_eq!(CTZ.eval(u32::MAX, 0), 0);
    assert_eq!(CPOP.eval(u32::MAX, 0), 32);
    assert_eq!(CLZ.eval(1, 0), 31);
    assert_eq!(CTZ.eval(0x8000_0000, 0), 31);
    assert_eq!(CLZ.eval(0x0001_0000, 0), 15);
    assert_eq!(CTZ.eval(0x0001_0000, 0), 16);
    assert_eq!(CPOP.eval(0x1234_5678, 0), 13);
    // The immediate is ignored.
    assert_eq!(CLZ.eval(1, 0xffff_ffff), 31);
    for x in [0u32, 1, 0x8000_0000, 0x00f0_0f00, u32::MAX] {
        let sum = |v: [bool; 32]| v.iter().filter(|&&b| b).count() as u32;
        assert_eq!(sum(runs(CLZ, x)), CLZ.eval(x, 0), "{x:#x}");
        assert_eq!(sum(runs(CTZ, x)), CTZ.eval(x, 0), "{x:#x}");
        assert_eq!(sum(runs(CPOP, x)), 0);
    }
}

#[test]
fn extensions_and_byte_operations() {
    assert_eq!(SEXT_B.eval(0x1234_5680, 0), 0xffff_ff80);
    assert_eq!(SEXT_B.eval(0xffff_ff7f, 0), 0x0000_007f);
    assert_eq!(SEXT_H.eval(0x1234_8000, 0), 0xffff_8000);
    assert_eq!(SEXT_H.eval(0xffff_7fff, 0), 0x0000_7fff);
    assert_eq!(ZEXT_H.eval(0xffff_ffff, 0), 0x0000_ffff);
    assert_eq!(ZEXT_H.eval(0x1234_8765, 0), 0x0000_8765);
    assert_eq!(ORC_B.eval(0, 0), 0);
    assert_eq!(ORC_B.eval(0x0100_8000, 0), 0xff00_ff00);
    assert_eq!(ORC_B.eval(0x0001_0203, 0), 0x00ff_ffff);
    assert_eq!(ORC_B.eval(u32::MAX, 0), u32::MAX);
    assert_eq!(REV8.eval(0x1234_5678, 0), 0x7856_3412);
    assert_eq!(REV8.eval(0x8000_0001, 0), 0x0100_0080);
}

/// One row per opcode, in opcode order, then clz and ctz of 0.
fn program() -> Vec<u32> {
    use tessera_rv32im::encode::{addi, ECALL};
    [
        li(5, 0x0001_0000).to_vec(),
        li(6, 0x0100_8080).to_vec(),
        vec![
            clz(7, 5),
            ctz(8, 5),
            cpop(9, 6),
            sext_b(10, 6),
            sext_h(11, 6),
            zext_h(12, 6),
            orc_b(13, 6),
            rev8(14, 6),
            clz(15, 0),
            ctz(16, 0),
            addi(17, 0, 93),
            ECALL,
        ],
    ]
    .concat()
}

fn cols(row: &mut [F]) -> &mut ZbbUnaryCols<F> {
    row.borrow_mut()
}

#[test]
fn honest_rows_are_accepted() {
    let segment = segment(&program());
    assert_eq!(segment.rows(ZbbAir::Unary).len(), 10);
    assert!(segment.check().accepted(), "{:?}", segment.check());
}

/// Every result byte of every opcode's row, off by one.
#[test]
fn a_forged_result_byte_is_rejected() {
    for row in 0..10 {
        for byte in 0..4 {
            let mut segment = segment(&program());
            cols(segment.row_mut(ZbbAir::Unary, row)).rd.data[byte] += F::ONE;
            let verdict = segment.check();
            assert!(
                verdict.failed_constraints.contains("ZbbUnaryAir"),
                "row {row} byte {byte}: {verdict:?}"
            );
        }
    }
}

/// A wrong count with the run columns forged to match: `clz(0x00010000) = 15` claimed 16 by
/// setting `run_16` (bit 16 is set); `ctz` claimed 17 by setting `run_16`.
#[test]
fn a_forged_count_with_forged_runs_is_rejected() {
    for (row, claimed) in [(0, 16), (1, 17)] {
        let mut segment = segment(&program());
        let cols = cols(segment.row_mut(ZbbAir::Unary, row));
        cols.run[16] = F::ONE;
        cols.rd.data[0] = F::from_u32(claimed);
        segment.check().assert_rejected_by(ZbbAir::Unary.name());
    }
    // clz(0) = 32 claimed 31: run_0 cleared.
    let mut segment = segment(&program());
    let cols = cols(segment.row_mut(ZbbAir::Unary, 8));
    assert_eq!(cols.rd.data[0], F::from_u32(32));
    cols.run[0] = F::ZERO;
    cols.rd.data[0] = F::from_u32(31);
    segment.check().assert_rejected_by(ZbbAir::Unary.name());
}

/// The run and inverse columns are zero where their opcode is not set.
#[test]
fn helper_columns_are_zero_on_other_opcodes() {
    let mut run_on_cpop = segment(&program());
    cols(run_on_cpop.row_mut(ZbbAir::Unary, 2)).run[31] = F::ONE;
    run_on_cpop.check().assert_rejected_by(ZbbAir::Unary.name());
    let mut inverse_on_rev8 = segment(&program());
    cols(inverse_on_rev8.row_mut(ZbbAir::Unary, 7)).inv[0] = F::ONE;
    inverse_on_rev8
        .check()
        .assert_rejected_by(ZbbAir::Unary.name());
}

/// ORC.B with a forged inverse: a non-zero byte claimed zero, or a zero byte claimed
/// non-zero.
#[test]
fn orc_b_needs_true_inverses() {
    // x6 = 0x01008080: byte 1 is 0x80, byte 2 is 0.
    let mut claimed_zero = segment(&program());
    let row = cols(claimed_zero.row_mut(ZbbAir::Unary, 6));
    row.inv[1] = F::ZERO;
    row.rd.data[1] = F::ZERO;
    claimed_zero
        .check()
        .assert_rejected_by(ZbbAir::Unary.name());
    let mut claimed_non_zero = segment(&program());
    let row = cols(claimed_non_zero.row_mut(ZbbAir::Unary, 6));
    row.inv[2] = F::ONE;
    row.rd.data[2] = F::from_u32(255);
    claimed_non_zero
        .check()
        .assert_rejected_by(ZbbAir::Unary.name());
}

/// The bits must be `x`'s: a flipped bit (with the result of the flipped value) is refused.
#[test]
fn bits_must_be_the_operand() {
    let mut segment = segment(&program());
    let cols = cols(segment.row_mut(ZbbAir::Unary, 2)); // cpop(0x01008080) = 3
    cols.bits[0] = F::ONE;
    cols.rd.data[0] = F::from_u32(4);
    segment.check().assert_rejected_by(ZbbAir::Unary.name());
}
