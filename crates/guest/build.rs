//! Puts this crate's directory (which holds `link.x`) on the linker search path of every guest
//! that depends on tessera-guest, so a guest only needs `-C link-arg=-Tlink.x`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link.x");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("riscv32") {
        let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        println!("cargo:rustc-link-search=native={dir}");
    }
}
