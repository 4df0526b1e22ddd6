//! keccak (Rust) - Keccak-256 (the original Keccak padding, as used by Ethereum; not SHA3-256)
//! of the whole private input, read into a `Vec` with `io::read_vec`.
//!
//! Input:  any bytes (may be empty: keccak256("") = c5d24601...5d85a470).
//! Output: stdout "keccak256(<len> bytes) = <64 hex digits>"; public output: the 32-byte digest.
//! Exit:   0.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use core::fmt::Write;
use tessera_guest::{io, println};

tessera_guest::entry!(main);

/// Round constants of Keccak-f[1600].
const ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// The permutation Keccak-f[1600] on 25 lanes; lane (x, y) is `state[x + 5 * y]`.
fn keccak_f(state: &mut [u64; 25]) {
    for rc in ROUND_CONSTANTS {
        // theta
        let mut column = [0u64; 5];
        for (x, c) in column.iter_mut().enumerate() {
            *c = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
        }
        for x in 0..5 {
            let d = column[(x + 4) % 5] ^ column[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                state[x + 5 * y] ^= d;
            }
        }
        // rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
        let mut moved = [0u64; 25];
        let (mut x, mut y) = (1usize, 0usize);
        let mut lane = state[1];
        moved[0] = state[0];
        for t in 0..24u32 {
            let (nx, ny) = (y, (2 * x + 3 * y) % 5);
            let next = state[nx + 5 * ny];
            moved[nx + 5 * ny] = lane.rotate_left(((t + 1) * (t + 2) / 2) % 64);
            lane = next;
            (x, y) = (nx, ny);
        }
        // chi
        for y in 0..5 {
            for x in 0..5 {
                state[x + 5 * y] =
                    moved[x + 5 * y] ^ (!moved[(x + 1) % 5 + 5 * y] & moved[(x + 2) % 5 + 5 * y]);
            }
        }
        // iota
        state[0] ^= rc;
    }
}

/// Keccak-256: rate 136 bytes, padding 0x01 .. 0x80.
fn keccak256(data: &[u8]) -> [u8; 32] {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let absorb = |state: &mut [u64; 25], block: &[u8; RATE]| {
        for (lane, bytes) in state.iter_mut().zip(block.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            *lane ^= u64::from_le_bytes(word);
        }
        keccak_f(state);
    };

    let mut blocks = data.chunks_exact(RATE);
    for block in &mut blocks {
        absorb(&mut state, block.try_into().expect("chunk of RATE bytes"));
    }
    let rest = blocks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);

    let mut digest = [0u8; 32];
    for (out, lane) in digest.chunks_exact_mut(8).zip(state.iter()) {
        out.copy_from_slice(&lane.to_le_bytes());
    }
    digest
}

fn main() {
    let input = io::read_vec();
    let digest = keccak256(&input);

    let mut hex = String::with_capacity(64);
    for byte in digest {
        write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
    }
    println!("keccak256({} bytes) = {hex}", input.len());
    io::reveal(&digest);
}
