use super::BaseAluOpcode::*;
use crate::adapters::AluFamily;

#[test]
fn wrapping_arithmetic_and_bitwise() {
    assert_eq!(ADD.eval(u32::MAX, 1), 0);
    assert_eq!(ADD.eval(0x7fff_ffff, 1), 0x8000_0000);
    assert_eq!(SUB.eval(0, 1), u32::MAX);
    assert_eq!(SUB.eval(0x8000_0000, 1), 0x7fff_ffff);
    assert_eq!(XOR.eval(0xf0f0_f0f0, 0xffff_0000), 0x0f0f_f0f0);
    assert_eq!(OR.eval(0xf0f0_0000, 0x0000_0f0f), 0xf0f0_0f0f);
    assert_eq!(AND.eval(0xf0f0_f0f0, 0xff00_ff00), 0xf000_f000);
}
