//! hints (Rust) - "compute outside, check inside" with the hint stream and the key-value store.
//!
//! Input:  two records (the SDK's `Stdin::write`): n, a `u64`, then the FNV-1a hash (`u32`) of
//!         the value the host stores under the key "greeting".
//! Hints:  one record, the integer square root of n as a `u64` (`Stdin::hint`): asked for with
//!         a hint request whose bytes are n, 8 bytes little-endian (a hint host answers it), or
//!         given up front (under qemu-riscv32, fd 4 opened on a file of the hints: `4<FILE`).
//! Store:  "greeting" (`cargo tessera run --kv DIR`; under qemu, the file "greeting" in the
//!         working directory).
//! Output: public output: the root and the hash (8 and 4 bytes, little-endian), then the
//!         greeting; stdout "isqrt(<n>) = <root>" and the greeting.
//! Exit:   0; 101 (a panic) on a missing or wrong hint or greeting.
//!
//! Neither the hint nor the stored value is proven: the program checks both, the root by
//! squaring it (much cheaper than computing it) and the value against the hash in its input.
#![no_std]
#![no_main]

use tessera_guest::{io, kv, println};

tessera_guest::entry!(main);

fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(2166136261u32, |hash, &byte| {
        (hash ^ byte as u32).wrapping_mul(16777619)
    })
}

fn main() {
    let n: u64 = io::read();
    let expected_hash: u32 = io::read();

    io::request_hint(&n.to_le_bytes());
    let root: u64 = io::read_hint();
    let (square, next) = (root as u128 * root as u128, (root as u128 + 1) * (root as u128 + 1));
    assert!(square <= n as u128 && n as u128 <= next - 1, "the hinted square root of {n} is wrong");

    let greeting = kv::get("greeting").expect("the key-value store has no \"greeting\"");
    let hash = fnv1a(&greeting);
    assert_eq!(hash, expected_hash, "the greeting does not match its hash");

    println!("isqrt({n}) = {root}");
    io::write(tessera_guest::abi::FD_STDOUT, &greeting);
    io::reveal(&root.to_le_bytes());
    io::reveal(&hash.to_le_bytes());
    io::reveal(&greeting);
}
