//! The pinned verifying-key digests are the keys keygen derives (100-bit parameters, default
//! configuration), and a cached verifying key is used only if it is byte for byte the pinned
//! one. Two stacked heights always; all of 2^16..=2^24 with `TESSERA_CHECK_ALL_PINS=1` (about
//! four minutes of keygen on a 2-core machine; CI runs it).

use tessera_sdk::{
    params_for, pinned_verifying_key_digest, verifying_key_digest, KeyStore, Security, VmConfig,
    MAX_LOG_STACKED_HEIGHT, MIN_LOG_STACKED_HEIGHT,
};
use tessera_system::vm::VirtualMachine;

fn machine(lsh: usize, security: Security) -> VirtualMachine<VmConfig> {
    VirtualMachine::new(VmConfig::default(), params_for(security, lsh)).unwrap()
}

#[test]
fn pinned_verifying_keys_are_the_derived_ones() {
    let all = std::env::var("TESSERA_CHECK_ALL_PINS").as_deref() == Ok("1");
    let last = if all {
        MAX_LOG_STACKED_HEIGHT
    } else {
        MIN_LOG_STACKED_HEIGHT + 1
    };
    let mut table = String::new();
    let mut wrong = Vec::new();
    for lsh in MIN_LOG_STACKED_HEIGHT..=last {
        let digest = verifying_key_digest(&machine(lsh, Security::Bits100).keygen().unwrap().vk);
        table.push_str(&format!("    ({lsh}, \"{digest}\"),\n"));
        if pinned_verifying_key_digest(lsh) != Some(digest.as_str()) {
            wrong.push(lsh);
        }
    }
    assert!(
        wrong.is_empty(),
        "the verifying keys at log stacked heights {wrong:?} are not the pinned ones; if the \
         AIRs changed on purpose, run this test with TESSERA_CHECK_ALL_PINS=1 and set PINNED in \
         crates/sdk/src/pinned_keys.rs to:\n{table}"
    );
}

#[test]
fn keygen_is_deterministic() {
    let digest = || verifying_key_digest(&machine(16, Security::Bits100).keygen().unwrap().vk);
    assert_eq!(digest(), digest());
}

/// A cached verifying key is used only if it is the pinned one: a key of other parameters or
/// a flipped byte in the file are not, nor a key of a configuration that is not pinned.
#[test]
fn a_cached_verifying_key_is_used_only_if_it_is_the_pinned_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::at(dir.path());
    let vm = machine(16, Security::Bits100);
    // The prover caches the key it derives.
    let keys = store.keys(&vm).unwrap();
    let cached = store
        .pinned_cached_verifying_key(&vm)
        .expect("pinned and cached");
    assert_eq!(
        verifying_key_digest(&cached),
        verifying_key_digest(&keys.vk)
    );

    let vk_file = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "vk"))
        .expect("a cached verifying key");
    let honest = std::fs::read(&vk_file).unwrap();
    let mut flipped = honest.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 1;
    std::fs::write(&vk_file, &flipped).unwrap();
    assert!(store.pinned_cached_verifying_key(&vm).is_none());

    let other = machine(17, Security::Bits100).keygen().unwrap().vk;
    std::fs::write(&vk_file, bincode::serialize(&other).unwrap()).unwrap();
    assert!(store.pinned_cached_verifying_key(&vm).is_none());

    // The toy parameters and other configurations are never pinned.
    let toy = machine(16, Security::InsecureTesting);
    store.keys(&toy).unwrap();
    assert!(store.pinned_cached_verifying_key(&toy).is_none());
    std::fs::write(&vk_file, &honest).unwrap();
    assert!(store.pinned_cached_verifying_key(&vm).is_some());
    let mut other_config = VmConfig::default();
    other_config.system.memory_bits = 28;
    let other = VirtualMachine::new(other_config, params_for(Security::Bits100, 16)).unwrap();
    store.keys(&other).unwrap();
    assert!(store.pinned_cached_verifying_key(&other).is_none());
}
