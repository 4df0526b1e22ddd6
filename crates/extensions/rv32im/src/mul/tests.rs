use super::MulOpcode::*;
use crate::adapters::AluFamily;

#[test]
fn low_word_of_the_product() {
    assert_eq!(MUL.eval(0xffff_ffff, 0xffff_ffff), 1);
    assert_eq!(MUL.eval(0x1_0000, 0x1_0000), 0);
    assert_eq!(MUL.eval(12345, 6789), 12345 * 6789);
    assert_eq!(MUL.eval(0x8000_0000, u32::MAX), 0x8000_0000);
}
