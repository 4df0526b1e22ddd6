//! Keys, generated on first use and cached on disk.
//!
//! Where: `$TESSERA_KEY_DIR` if set, else `$XDG_CACHE_HOME/tessera/keys`, else
//! `$HOME/.cache/tessera/keys`. A key file is named after the configuration (its extensions
//! and the first 16 hex digits of its fingerprint, [`VmConfig::fingerprint`]), the parameters
//! and a fingerprint of the running executable, so a rebuilt Tessera (whose AIRs may have
//! changed) never picks up a stale key; an unreadable file is regenerated.
//!
//! The cache speeds up the prover only: whoever can write the directory (a shared CI cache, a
//! key directory shipped next to proofs) must not decide what `verify` accepts. The verifier's
//! key is derived from the configuration and the parameters ([`KeyStore::verifying_key`]), and
//! the program commitment from the ELF (`VirtualMachine::exe_identity`); a bad proving key in
//! the cache can only make the prover produce proofs that the verifier rejects. The one
//! exception is a cached verifying key whose SHA-256 this build pins (`pinned_keys`): that is
//! the key keygen derives, byte for byte.

use std::{
    collections::BTreeMap,
    hash::{Hash, Hasher},
    path::{Path, PathBuf},
    sync::{Mutex, OnceLock},
};

use openvm_stark_backend::keygen::types::MultiStarkProvingKey;
use tessera_system::{
    registry::VmConfig,
    vm::{VirtualMachine, VmKeys, VmVerifyingKey, SC},
};

use crate::SdkError;

/// A directory of cached keys (or none: keys are generated every time).
///
/// ```
/// use tessera_sdk::{KeyStore, Sdk};
///
/// let dir = tempfile::tempdir().unwrap();
/// let sdk = Sdk::default().with_key_store(KeyStore::at(dir.path()));
/// assert_eq!(sdk.key_store().dir(), Some(dir.path()));
/// ```
#[derive(Clone, Debug)]
pub struct KeyStore {
    dir: Option<PathBuf>,
}

impl KeyStore {
    /// The default cache directory (see the module docs), if a home can be found.
    ///
    /// ```
    /// use std::path::PathBuf;
    /// use tessera_sdk::KeyStore;
    ///
    /// std::env::set_var("TESSERA_KEY_DIR", "/var/cache/tessera-keys");
    /// assert_eq!(KeyStore::default_dir(), Some(PathBuf::from("/var/cache/tessera-keys")));
    /// ```
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("TESSERA_KEY_DIR") {
            return Some(dir.into());
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(cache.join("tessera").join("keys"))
    }

    /// Keys cached in `dir`.
    ///
    /// ```
    /// use std::path::Path;
    /// use tessera_sdk::KeyStore;
    ///
    /// let store = KeyStore::at("/var/cache/tessera-keys");
    /// assert_eq!(store.dir(), Some(Path::new("/var/cache/tessera-keys")));
    /// ```
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: Some(dir.into()),
        }
    }

    /// No cache: every call generates the keys.
    ///
    /// ```
    /// use tessera_sdk::{KeyStore, Sdk};
    ///
    /// let sdk = Sdk::default().with_key_store(KeyStore::none());
    /// assert_eq!(sdk.key_store().dir(), None);
    /// ```
    pub fn none() -> Self {
        Self { dir: None }
    }

    /// The cache directory (`None` without a cache).
    ///
    /// ```
    /// use std::path::Path;
    /// use tessera_sdk::KeyStore;
    ///
    /// assert_eq!(KeyStore::at("keys").dir(), Some(Path::new("keys")));
    /// assert_eq!(KeyStore::none().dir(), None);
    /// ```
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The proving and verifying keys of `vm`, from the cache or generated (and cached).
    ///
    /// ```no_run
    /// use tessera_sdk::{params_for, verifying_key_digest, KeyStore, Security, VmConfig};
    /// use tessera_system::vm::VirtualMachine;
    ///
    /// let vm = VirtualMachine::new(VmConfig::default(), params_for(Security::Bits100, 18))?;
    /// // Keygen the first time, then read from `keys/`.
    /// let keys = KeyStore::at("keys").keys(&vm)?;
    /// println!("vk sha256 {}", verifying_key_digest(&keys.vk));
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn keys(&self, vm: &VirtualMachine<VmConfig>) -> Result<VmKeys, SdkError> {
        let path = self.path(vm, "pk");
        if let Some(pk) = path
            .as_ref()
            .and_then(|p| read_cached::<MultiStarkProvingKey<SC>>(p))
        {
            let keys = vm.keygen_from_pk(pk);
            return Ok(keys);
        }
        let keys = vm.keygen()?;
        // Generated here, so as good as the verifier's own derivation.
        remember_derived(vm, &keys.vk);
        if let Some(path) = path {
            write_cached(&path, &keys.pk)?;
            self.cache_verifying_key(vm, &keys.vk)?;
        }
        Ok(keys)
    }

    /// The verifying key of `vm` for a verifier: derived from the configuration and the
    /// parameters by keygen, never taken on trust from the cache (which anyone who can write
    /// it would control). Keygen commits the preprocessed tables at the stacked height (~0.5 s
    /// at 2^16, ~7 s at 2^20, ~2 min at 2^24 on a 2-core machine), so a cached key is used
    /// when its SHA-256 is the one this build pins for these parameters
    /// ([`crate::pinned_verifying_key_digest`]), and a derived key is kept for the life of the
    /// process.
    ///
    /// ```no_run
    /// use tessera_sdk::{params_for, verifying_key_digest, KeyStore, Security, VmConfig};
    /// use tessera_system::vm::VirtualMachine;
    ///
    /// let vm = VirtualMachine::new(VmConfig::default(), params_for(Security::Bits100, 20))?;
    /// let vk = KeyStore::at("keys").verifying_key(&vm)?;
    /// println!("vk sha256 {}", verifying_key_digest(&vk));
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn verifying_key(&self, vm: &VirtualMachine<VmConfig>) -> Result<VmVerifyingKey, SdkError> {
        if let Some(vk) = derived().get(&derived_id(vm)) {
            return Ok(vk.clone());
        }
        if let Some(vk) = self.pinned_cached_verifying_key(vm) {
            remember_derived(vm, &vk);
            return Ok(vk);
        }
        let vk = vm.keygen()?.vk;
        remember_derived(vm, &vk);
        // Best effort: a verifier with a read-only cache still verifies, only slower next time.
        let _ = self.cache_verifying_key(vm, &vk);
        Ok(vk)
    }

    /// The cached verifying key of `vm`, if its SHA-256 is the one pinned for `vm`'s
    /// configuration and parameters (else `None`: the key must be derived).
    ///
    /// ```
    /// use tessera_sdk::{params_for, KeyStore, Security, VmConfig};
    /// use tessera_system::vm::VirtualMachine;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = KeyStore::at(dir.path());
    /// let vm = VirtualMachine::new(VmConfig::default(), params_for(Security::Bits100, 16))?;
    /// // Nothing is cached yet: a verifier derives the key (`KeyStore::verifying_key`).
    /// assert!(store.pinned_cached_verifying_key(&vm).is_none());
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn pinned_cached_verifying_key(
        &self,
        vm: &VirtualMachine<VmConfig>,
    ) -> Option<VmVerifyingKey> {
        let pin = pin_for(vm)?;
        let bytes = std::fs::read(self.path(vm, "vk")?).ok()?;
        if crate::pinned_keys::digest_of(&bytes) != pin {
            return None;
        }
        bincode::deserialize(&bytes).ok()
    }

    /// Caches a verifying key that keygen derived, where a verifier can use it (pinned
    /// configurations only).
    fn cache_verifying_key(
        &self,
        vm: &VirtualMachine<VmConfig>,
        vk: &VmVerifyingKey,
    ) -> Result<(), SdkError> {
        match (pin_for(vm), self.path(vm, "vk")) {
            (Some(_), Some(path)) => write_cached(&path, vk),
            _ => Ok(()),
        }
    }

    /// Where the key of `kind` (`pk` or `vk`) of `vm` is cached (`None` without a cache).
    pub(crate) fn path(&self, vm: &VirtualMachine<VmConfig>, kind: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let p = vm.params();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!("{p:?}").hash(&mut hasher);
        executable_fingerprint().hash(&mut hasher);
        let lsh = p.l_skip + p.n_stack;
        let config = &vm.config;
        Some(dir.join(format!(
            "{}-{:.16}-lsh{lsh}-{:016x}.{kind}",
            config.name(),
            config.fingerprint(),
            hasher.finish()
        )))
    }
}

/// The pinned digest of `vm`'s verifying key: only for the default configuration (RV32IM with
/// the default system) at 100-bit security.
fn pin_for(vm: &VirtualMachine<VmConfig>) -> Option<&'static str> {
    let params = vm.params();
    let lsh = params.l_skip + params.n_stack;
    let secure = *params == crate::params_for(crate::Security::Bits100, lsh);
    (secure && vm.config == VmConfig::default())
        .then(|| crate::pinned_verifying_key_digest(lsh))
        .flatten()
}

/// Verifying keys this process derived by keygen, by configuration and parameters.
fn derived() -> std::sync::MutexGuard<'static, BTreeMap<String, VmVerifyingKey>> {
    static DERIVED: Mutex<BTreeMap<String, VmVerifyingKey>> = Mutex::new(BTreeMap::new());
    DERIVED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn derived_id(vm: &VirtualMachine<VmConfig>) -> String {
    format!("{} {:?}", vm.config.fingerprint(), vm.params())
}

fn remember_derived(vm: &VirtualMachine<VmConfig>, vk: &VmVerifyingKey) {
    derived().insert(derived_id(vm), vk.clone());
}

/// A hash of the running executable's bytes (computed once per process), or of the crate
/// version if the executable cannot be read.
fn executable_fingerprint() -> u64 {
    static FINGERPRINT: OnceLock<u64> = OnceLock::new();
    *FINGERPRINT.get_or_init(|| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        if let Ok(bytes) = std::env::current_exe().and_then(std::fs::read) {
            bytes.hash(&mut hasher);
        }
        hasher.finish()
    })
}

fn read_cached<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    bincode::deserialize(&bytes).ok()
}

fn write_cached<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), SdkError> {
    let io = |error| SdkError::Write {
        path: path.display().to_string(),
        error,
    };
    let dir = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(dir).map_err(io)?;
    let bytes = bincode::serialize(value).expect("keys serialize");
    // Write then rename, so a concurrent reader never sees half a key; the temporary name is
    // unique to this write (threads of one process write keys concurrently too).
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let write = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{write}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
