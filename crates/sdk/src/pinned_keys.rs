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
        "2f8f5695025b2d6e7ba45e513e6340c9503a97019453c16536e1b59178fda3f2",
    ),
    (
        17,
        "f73eab008d1d397a9dd7c300e0a1e4a8ad8c4ac1ede9778e6cfde8cdf1163d1a",
    ),
    (
        18,
        "1434ac5749290bcb171108cea1fe2786b293ed8bee831a2643556e5edb57a2ab",
    ),
    (
        19,
        "228f9fe549a484f82eb1fd117bb66a812562f9dde8245b5657891e7087363016",
    ),
    (
        20,
        "9f3cc02e01e58b2b55d6c00921ac5593205fe1b97aa7cd90ddef3194a79bcfe9",
    ),
    (
        21,
        "993244fac026ebf86c296a3559f5d1288bc6943b9f6154dc0f294d035d0dc77c",
    ),
    (
        22,
        "d43afd6e481cf3e5bfa6bdb774c7633d8189381d8a859a7f35a3ed8078b3c6d3",
    ),
    (
        23,
        "44841dc825a231734005763b5eeb0d04d1095c52f6af5c44fb04ca2ef6af90d3",
    ),
    (
        24,
        "8e2858a7a7cf7bf7f92950e26d5115c9d252a9cdacaa49309d6ede2c540b91d4",
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
