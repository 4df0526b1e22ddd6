use super::{BranchEqualOpcode::*, BranchFamily, BranchLessThanOpcode::*};

#[test]
fn conditions() {
    assert!(BEQ.taken(5, 5) && !BEQ.taken(5, 6));
    assert!(BNE.taken(5, 6) && !BNE.taken(5, 5));
    assert!(BLT.taken(u32::MAX, 0) && !BLTU.taken(u32::MAX, 0));
    assert!(BGE.taken(0, u32::MAX) && !BGEU.taken(0, u32::MAX));
    assert!(BGE.taken(7, 7) && BGEU.taken(7, 7) && !BLT.taken(7, 7) && !BLTU.taken(7, 7));
    assert!(BLT.taken(0x8000_0000, 0x7fff_ffff) && !BLTU.taken(0x8000_0000, 0x7fff_ffff));
}
