use super::LoadStoreOpcode::*;

#[test]
fn sign_and_zero_extension() {
    assert_eq!(LOADB.extend(&[0x80]), 0xffff_ff80);
    assert_eq!(LOADBU.extend(&[0x80]), 0x80);
    assert_eq!(LOADB.extend(&[0x7f]), 0x7f);
    assert_eq!(LOADH.extend(&[0x00, 0x80]), 0xffff_8000);
    assert_eq!(LOADHU.extend(&[0x00, 0x80]), 0x8000);
    assert_eq!(LOADW.extend(&[1, 2, 3, 0x84]), 0x8403_0201);
}

#[test]
fn stores_are_stores() {
    assert!(STOREW.is_store() && STOREH.is_store() && STOREB.is_store());
    assert!(!LOADW.is_store() && !LOADB.is_store());
}
