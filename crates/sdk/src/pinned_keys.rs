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
        "4cc7e059379168072441046f477b7ada7262c98bfc70d63e7ec6fb8d4cfc2dac",
    ),
    (
        17,
        "f9c7a63da6a8f564fefa866a88be41d9187c950bb249532a83824d47d7c064de",
    ),
    (
        18,
        "46d1d1578171a3e398cb86891df79fbab7819405788195c6712f56443a9aa4dd",
    ),
    (
        19,
        "a5b55aeca69b1b9f4dead6ee55678b70a474c41e1d03780792940f82c4d402dc",
    ),
    (
        20,
        "b4fc3e281ea041cd24ae74df2bbb1791f98cb518d199db06d47653083dbddcd4",
    ),
    (
        21,
        "0123ba8324e1dd18ce70feff96f5ab6321988cc0bc49f1232ff9ca85fcf7df30",
    ),
    (
        22,
        "87cb40dd5847611107dc36c728b9f7f7a012b109c5625261096003a2bed38f7b",
    ),
    (
        23,
        "e77a6384403b3a1573c9cd1ba0dea85264becd48fb8ae2e0dd19df709e707091",
    ),
    (
        24,
        "c740621aac13ee7335b1c731224d3508e85f342dc3ede730355002747c063d74",
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
