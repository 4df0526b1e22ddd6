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
        "8e9ebdde8aecdde778eca208848d37c4abe345d82acd1dabb550ff62abda5279",
    ),
    (
        17,
        "a679d9b45acaffa45d2728c05eae1b080b45e4024f30b1e2aac152b23ebea794",
    ),
    (
        18,
        "5e7c87877d8e6da7a01aafbdd039bf7dd8f29b2fefdcc0e37269f90566bf09d5",
    ),
    (
        19,
        "0bb18e5c5d8fe339ad29724d364be0cea34821a2995fc1f7078576a231f2e304",
    ),
    (
        20,
        "babb8fe5f96f45baaf42e347dd5773b13566b1f6529c6433a1518a70169b94e1",
    ),
    (
        21,
        "17d9bcae8c79a7fb2173df1fc7170ebc02c58af465b1494103b395e53c2721da",
    ),
    (
        22,
        "0c23eb797b039758dc3afe259ef2cc81e40089b5bb483f9fdd73637af22b6367",
    ),
    (
        23,
        "aff7ff8883b7b8eb62e2541f47254cb382fe3ec96f9023646b9b0984868b9648",
    ),
    (
        24,
        "a31f4b8ff769ed12bee91f172060148dfb088687ccb18231460541ede88c8a40",
    ),
];

/// The pinned digest of the verifying key at this stacked height, if there is one.
///
/// ```
/// use tessera_sdk::{pinned_verifying_key_digest, MAX_LOG_STACKED_HEIGHT, MIN_LOG_STACKED_HEIGHT};
///
/// for lsh in MIN_LOG_STACKED_HEIGHT..=MAX_LOG_STACKED_HEIGHT {
///     assert_eq!(pinned_verifying_key_digest(lsh).unwrap().len(), 64); // SHA-256 in hex
/// }
/// assert_eq!(pinned_verifying_key_digest(MAX_LOG_STACKED_HEIGHT + 1), None);
/// ```
pub fn pinned_verifying_key_digest(log_stacked_height: usize) -> Option<&'static str> {
    PINNED
        .iter()
        .find(|(height, _)| *height == log_stacked_height)
        .map(|(_, digest)| *digest)
}

/// SHA-256 (lowercase hex) of a verifying key's bytes as the key cache stores them.
///
/// ```no_run
/// use tessera_sdk::{
///     params_for, pinned_verifying_key_digest, verifying_key_digest, Security, VmConfig,
/// };
/// use tessera_system::vm::VirtualMachine;
///
/// let vm = VirtualMachine::new(VmConfig::default(), params_for(Security::Bits100, 16))?;
/// let vk = vm.keygen()?.vk;
/// assert_eq!(Some(verifying_key_digest(&vk).as_str()), pinned_verifying_key_digest(16));
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
pub fn verifying_key_digest(vk: &VmVerifyingKey) -> String {
    digest_of(&bincode::serialize(vk).expect("keys serialize"))
}

pub(crate) fn digest_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
