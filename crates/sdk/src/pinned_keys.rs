//! The verifying keys this build derives for the default configuration (`rv32im`) at 100-bit
//! security, pinned by their SHA-256, one per stacked height.
//!
//! A verifier must not trust the key cache (whoever can write it would decide what `verify`
//! accepts), and deriving a key costs a keygen at the proof's stacked height (seconds to
//! minutes). With the pins, a cached key file is used only if its SHA-256 is the one pinned for
//! the parameters being verified, which makes it the key this build derives; anything else is
//! derived again. The pins are checked against keygen by the `pinned_keys` tests (two heights
//! always, all with `TESSERA_CHECK_ALL_PINS=1`, as CI runs them); when an AIR changes, those
//! tests fail and print the table to paste here.

use sha2::{Digest, Sha256};
use tessera_system::vm::VmVerifyingKey;

/// `(log stacked height, SHA-256 of the key's bincode)`.
const PINNED: &[(usize, &str)] = &[
    (
        16,
        "bceabdbb30dffb5b36efe7eae101b816ef0d8768706d07186a422e7aac4abfc7",
    ),
    (
        17,
        "b0393c5897a39be996d3b8ee9b375add6620b6307fbb2d0b0ec1a839167f4a74",
    ),
    (
        18,
        "b9361d67c9a5e44c1cdb3d73a8b94e35c7898578ac578e1edafa459a73c06000",
    ),
    (
        19,
        "54d125578720c92f924febd11d26a5b1eb42d84861ed907cbf95df0cc41ab807",
    ),
    (
        20,
        "77f0c6702eb90a7bd5b96f6199b929c9ec8c0b9758caceb7a6c326b8d1ebd666",
    ),
    (
        21,
        "4d23c76ea25290a97ab80d7870dc0096ccf86635f56af04f034f2cf2e70d90e8",
    ),
    (
        22,
        "af799a2b15a873f5b5773eb44834b160175e44c09819f97b5b8dc843e36f3a0d",
    ),
    (
        23,
        "30accd2ff0dd1c829a10c1134e27dd6d7671a40e618ced1e4c3be83ce6f00a9f",
    ),
    (
        24,
        "0470b5ebeae18720c930f2e24d93e3d143b62f0b4a55253a7a3deaaae2fefb49",
    ),
];

/// The pinned digest of the verifying key at this stacked height, if there is one.
pub fn pinned_verifying_key_digest(log_stacked_height: usize) -> Option<&'static str> {
    PINNED
        .iter()
        .find(|(height, _)| *height == log_stacked_height)
        .map(|(_, digest)| *digest)
}

/// SHA-256 (lowercase hex) of a verifying key's bytes as the key cache stores them.
pub fn verifying_key_digest(vk: &VmVerifyingKey) -> String {
    digest_of(&bincode::serialize(vk).expect("keys serialize"))
}

pub(crate) fn digest_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
