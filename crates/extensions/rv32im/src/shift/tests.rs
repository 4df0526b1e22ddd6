use super::ShiftOpcode::*;
use crate::adapters::AluFamily;

#[test]
fn only_low_five_bits_of_the_amount_count() {
    assert_eq!(SLL.eval(1, 31), 0x8000_0000);
    assert_eq!(SLL.eval(1, 32), 1);
    assert_eq!(SLL.eval(1, 33), 2);
    assert_eq!(SRL.eval(0x8000_0000, 31), 1);
    assert_eq!(SRL.eval(0x8000_0000, 0xffff_ffe0), 0x8000_0000);
    assert_eq!(SRA.eval(0x8000_0000, 31), u32::MAX);
    assert_eq!(SRA.eval(0x8000_0000, 63), u32::MAX);
    assert_eq!(SRA.eval(0x4000_0000, 30), 1);
}
