//! Poseidon2 compressions: `compress(left, right)` = the first 8 elements of the BabyBear
//! Poseidon2 width-16 permutation (the Horizen constants of `default_babybear_poseidon2_16`, the
//! permutation the proof system hashes with) applied to `left || right`, a truncated
//! permutation like `p3_symmetric::TruncatedPermutation`.
//!
//! The table ([`Poseidon2Air`]) proves one permutation per row with `p3-poseidon2-air` (S-box
//! `x^7` with one committed register `x^3`, so every constraint has degree 3) and serves each row
//! on the [`Poseidon2Bus`] as `(input[16], output[0..8])` with a multiplicity column. AIRs that
//! hash (the memory Merkle chip) look compressions up with [`Poseidon2Bus::compress`]; trace
//! generation records them in a [`Poseidon2Chip`], which dedupes identical inputs into one row.
//! The host computes the same digests with [`compress`].

mod air;
mod bus;
mod chip;
#[cfg(test)]
mod tests;

pub use air::{Poseidon2Air, Poseidon2SubAir, Poseidon2SubCols};
pub use bus::Poseidon2Bus;
pub use chip::Poseidon2Chip;

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_symmetric::Permutation};
use openvm_stark_sdk::config::baby_bear_poseidon2::poseidon2_perm;
use p3_baby_bear::{
    BabyBear, BABYBEAR_RC16_EXTERNAL_FINAL, BABYBEAR_RC16_EXTERNAL_INITIAL, BABYBEAR_RC16_INTERNAL,
};
use p3_poseidon2_air::RoundConstants;

/// State width of the permutation.
pub const POSEIDON2_WIDTH: usize = 16;
/// Elements of a digest, and of each half of a compression's input.
pub const POSEIDON2_CHUNK: usize = 8;
/// S-box degree (`x^7`).
pub const POSEIDON2_SBOX_DEGREE: u64 = 7;
/// Committed S-box registers (`x^3`): keeps the constraints at degree 3.
pub const POSEIDON2_SBOX_REGISTERS: usize = 1;
/// Full rounds at the beginning, and again at the end.
pub const POSEIDON2_HALF_FULL_ROUNDS: usize = 4;
/// Partial rounds.
pub const POSEIDON2_PARTIAL_ROUNDS: usize = 13;

/// A digest (a Merkle node).
pub type Digest = [BabyBear; POSEIDON2_CHUNK];

/// The round constants of `p3_baby_bear::default_babybear_poseidon2_16` in the AIR's layout.
pub const POSEIDON2_ROUND_CONSTANTS: RoundConstants<
    BabyBear,
    POSEIDON2_WIDTH,
    POSEIDON2_HALF_FULL_ROUNDS,
    POSEIDON2_PARTIAL_ROUNDS,
> = RoundConstants::new(
    BABYBEAR_RC16_EXTERNAL_INITIAL,
    BABYBEAR_RC16_INTERNAL,
    BABYBEAR_RC16_EXTERNAL_FINAL,
);

/// The Poseidon2 width-16 permutation (the same instance the proof system hashes with).
pub fn permute(state: [BabyBear; POSEIDON2_WIDTH]) -> [BabyBear; POSEIDON2_WIDTH] {
    poseidon2_perm().permute(state)
}

/// `left || right`, the permutation input of a compression.
pub fn compression_input(left: Digest, right: Digest) -> [BabyBear; POSEIDON2_WIDTH] {
    let mut state = [BabyBear::ZERO; POSEIDON2_WIDTH];
    state[..POSEIDON2_CHUNK].copy_from_slice(&left);
    state[POSEIDON2_CHUNK..].copy_from_slice(&right);
    state
}

/// The compression the Poseidon2 table proves: the first 8 elements of the permutation of
/// `left || right`.
pub fn compress(left: Digest, right: Digest) -> Digest {
    truncate(permute(compression_input(left, right)))
}

fn truncate(state: [BabyBear; POSEIDON2_WIDTH]) -> Digest {
    std::array::from_fn(|i| state[i])
}
