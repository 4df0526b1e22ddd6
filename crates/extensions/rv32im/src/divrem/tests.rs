use super::DivRemOpcode::*;
use crate::adapters::AluFamily;

const INT_MIN: u32 = 0x8000_0000;
const MINUS_ONE: u32 = u32::MAX;

#[test]
fn division_by_zero() {
    assert_eq!(DIV.eval(7, 0), MINUS_ONE);
    assert_eq!(DIVU.eval(7, 0), u32::MAX);
    assert_eq!(REM.eval(7, 0), 7);
    assert_eq!(REMU.eval(7, 0), 7);
    assert_eq!(DIV.eval(INT_MIN, 0), MINUS_ONE);
    assert_eq!(REM.eval(MINUS_ONE, 0), MINUS_ONE);
}

#[test]
fn signed_overflow() {
    assert_eq!(DIV.eval(INT_MIN, MINUS_ONE), INT_MIN);
    assert_eq!(REM.eval(INT_MIN, MINUS_ONE), 0);
}

#[test]
fn rounding_toward_zero_and_remainder_sign() {
    assert_eq!(DIV.eval(-7i32 as u32, 2), -3i32 as u32);
    assert_eq!(REM.eval(-7i32 as u32, 2), -1i32 as u32);
    assert_eq!(DIV.eval(7, -2i32 as u32), -3i32 as u32);
    assert_eq!(REM.eval(7, -2i32 as u32), 1);
    assert_eq!(DIVU.eval(-7i32 as u32, 2), 0x7fff_fffc);
    assert_eq!(REMU.eval(-7i32 as u32, 2), 1);
}
