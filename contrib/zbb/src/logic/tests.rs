//! ANDN, ORN, XNOR: semantics, and tampered rows of [`super::ZbbLogicAir`] in a whole
//! segment (see `test_support` for what "rejected beyond memory" means).

use std::borrow::{Borrow, BorrowMut};

use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
use tessera_system::{kit::AluFamily, vm::F};

use super::{ZbbLogicCols, ZbbLogicOpcode::*};
use crate::{
    encode::{andn, orn, xnor},
    test_support::{li, segment},
    ZbbAir,
};

#[test]
fn semantics() {
    assert_eq!(ANDN.eval(0xff00_ff00, 0x0f0f_0f0f), 0xf000_f000);
    assert_eq!(ANDN.eval(0x1234_5678, 0x1234_5678), 0);
    assert_eq!(ANDN.eval(0x1234_5678, 0), 0x1234_5678);
    assert_eq!(ORN.eval(0, 0), u32::MAX);
    assert_eq!(ORN.eval(0x0000_00f0, 0xffff_ff0f), 0x0000_00f0);
    assert_eq!(ORN.eval(0x8000_0000, u32::MAX), 0x8000_0000);
    assert_eq!(XNOR.eval(0x1234_5678, 0x1234_5678), u32::MAX);
    assert_eq!(XNOR.eval(0, u32::MAX), 0);
    assert_eq!(XNOR.eval(0xf0f0_f0f0, 0xff00_ff00), 0xf00f_f00f);
    // Against the definitions, bit by bit, on a spread of values.
    for (i, x) in [0u32, 1, 0x8000_0000, u32::MAX, 0xdead_beef]
        .into_iter()
        .enumerate()
    {
        let y = 0x9e37_79b9u32.rotate_left(i as u32 * 7);
        for bit in 0..32 {
            let (a, b) = (x >> bit & 1, y >> bit & 1);
            assert_eq!(ANDN.eval(x, y) >> bit & 1, a & (1 - b));
            assert_eq!(ORN.eval(x, y) >> bit & 1, a | (1 - b));
            assert_eq!(XNOR.eval(x, y) >> bit & 1, 1 - (a ^ b));
        }
    }
}

/// Rows: ANDN, ORN, XNOR of 0x12345678 and 0x00ff0080, then each on equal operands.
fn program() -> Vec<u32> {
    use tessera_rv32im::encode::{addi, ECALL};
    [
        li(5, 0x1234_5678).to_vec(),
        li(6, 0x00ff_0080).to_vec(),
        vec![
            andn(7, 5, 6),
            orn(8, 5, 6),
            xnor(9, 5, 6),
            andn(10, 5, 5),
            orn(11, 6, 6),
            xnor(12, 0, 0),
            addi(17, 0, 93),
            ECALL,
        ],
    ]
    .concat()
}

fn cols(row: &mut [F]) -> &mut ZbbLogicCols<F> {
    row.borrow_mut()
}

#[test]
fn honest_rows_are_accepted() {
    let segment = segment(&program());
    assert_eq!(segment.rows(ZbbAir::Logic).len(), 6);
    assert!(segment.check().accepted(), "{:?}", segment.check());
}

/// A result byte off by one, in every byte of every opcode's row: the XOR lookup no longer
/// holds (`x ^ y` is a byte function of the row's `x`, `y`, `z`).
#[test]
fn a_forged_result_byte_is_rejected() {
    for row in 0..6 {
        for byte in 0..4 {
            let mut segment = segment(&program());
            cols(segment.row_mut(ZbbAir::Logic, row)).rd.data[byte] += F::ONE;
            let verdict = segment.check();
            assert!(!verdict.accepted());
            verdict.assert_rejected_by(ZbbAir::Logic.name());
        }
    }
}

/// The result of another opcode (XNOR's row claiming ANDN's result, flag changed with it):
/// the program's opcode differs.
#[test]
fn another_opcode_is_rejected() {
    let mut segment = segment(&program());
    let andn_row = segment.row(ZbbAir::Logic, 0);
    let andn_row: &ZbbLogicCols<F> = andn_row[..].borrow();
    let forged = andn_row.rd.data;
    let xnor_row = cols(segment.row_mut(ZbbAir::Logic, 2));
    xnor_row.rd.data = forged;
    xnor_row.flags = [F::ONE, F::ZERO, F::ZERO];
    segment.check().assert_rejected_by(ZbbAir::Logic.name());
}

#[test]
fn flags_must_be_boolean_and_exclusive() {
    let mut two_flags = segment(&program());
    cols(two_flags.row_mut(ZbbAir::Logic, 0)).flags[1] = F::ONE;
    two_flags.check().assert_rejected_by(ZbbAir::Logic.name());
    let mut non_boolean = segment(&program());
    cols(non_boolean.row_mut(ZbbAir::Logic, 1)).flags[1] = F::TWO;
    non_boolean.check().assert_rejected_by(ZbbAir::Logic.name());
}
