use super::LessThanOpcode::*;
use crate::adapters::AluFamily;

#[test]
fn signed_and_unsigned_comparison() {
    assert_eq!(SLT.eval(u32::MAX, 0), 1); // -1 < 0
    assert_eq!(SLTU.eval(u32::MAX, 0), 0);
    assert_eq!(SLT.eval(0x8000_0000, 0x7fff_ffff), 1);
    assert_eq!(SLTU.eval(0x8000_0000, 0x7fff_ffff), 0);
    assert_eq!(SLT.eval(5, 5), 0);
    assert_eq!(SLTU.eval(0, 1), 1); // SLTU rd, x0, rs: rs != 0
}
