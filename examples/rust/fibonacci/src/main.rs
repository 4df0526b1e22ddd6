//! fibonacci (Rust) - computes fib(n) mod 2^32 for every n up to the requested one, keeps the
//! whole sequence in a `Vec` (exercising the allocator) and prints/reveals the last value.
//!
//! Input:  optional 4-byte little-endian u32 n on the private input; n = 1000 when the input is
//!         empty. Any other input length is an error (exit code 1).
//! Output: stdout "fib(<n>) mod 2^32 = <value>" and "sum of fib(0..=<n>) mod 2^32 = <sum>";
//!         public output: the value, 4 bytes little-endian.
//! Exit:   0; 1 on a malformed input; 101 (a panic: "memory allocation of ... bytes failed") when
//!         the n + 1 values do not fit in the 32 MiB heap, e.g. for n = 10_000_000.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use tessera_guest::{eprintln, exit, io, println};

tessera_guest::entry!(main);

fn main() {
    let input = io::read_vec();
    let n = match input.len() {
        0 => 1000,
        4 => u32::from_le_bytes([input[0], input[1], input[2], input[3]]),
        len => {
            eprintln!(
                "fibonacci: expected an empty input or a 4-byte little-endian u32, got {len} bytes"
            );
            exit(1);
        }
    };

    // Room for fib(0..=n) up front: a too large n fails here, with a panic (exit code 101).
    let mut fib: Vec<u32> = Vec::with_capacity((n as usize).saturating_add(1));
    fib.push(0);
    if n >= 1 {
        fib.push(1);
    }
    for i in 2..=n as usize {
        let next = fib[i - 1].wrapping_add(fib[i - 2]);
        fib.push(next);
    }
    let value = fib[n as usize];
    let sum = fib.iter().fold(0u32, |acc, &x| acc.wrapping_add(x));

    println!("fib({n}) mod 2^32 = {value}");
    println!("sum of fib(0..={n}) mod 2^32 = {sum}");
    io::reveal_u32(value);
}
