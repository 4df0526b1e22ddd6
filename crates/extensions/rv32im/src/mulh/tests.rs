use super::MulHOpcode::*;
use crate::adapters::AluFamily;

#[test]
fn high_word_of_signed_unsigned_and_mixed_products() {
    assert_eq!(MULHU.eval(u32::MAX, u32::MAX), 0xffff_fffe);
    assert_eq!(MULH.eval(u32::MAX, u32::MAX), 0); // -1 * -1 = 1
    assert_eq!(MULH.eval(u32::MAX, 1), u32::MAX); // -1 * 1 = -1
    assert_eq!(MULHSU.eval(u32::MAX, u32::MAX), u32::MAX); // -1 * (2^32 - 1)
    assert_eq!(MULH.eval(0x8000_0000, 0x8000_0000), 0x4000_0000); // (-2^31)^2 = 2^62
    assert_eq!(MULHSU.eval(0x8000_0000, u32::MAX), 0x8000_0000);
    assert_eq!(MULHU.eval(0x8000_0000, 2), 1);
}
