//! Keys, generated on first use and cached on disk.
//!
//! Where: `$TESSERA_KEY_DIR` if set, else `$XDG_CACHE_HOME/tessera/keys`, else
//! `$HOME/.cache/tessera/keys`. A key file is named after the configuration, the parameters
//! and a fingerprint of the running executable, so a rebuilt Tessera (whose AIRs may have
//! changed) never picks up a stale key; an unreadable file is regenerated. Keys are derived
//! deterministically, so a cache is only ever a shortcut, never something to trust: the
//! verifier's key comes from the same derivation.

use std::{
    hash::{Hash, Hasher},
    path::{Path, PathBuf},
    sync::OnceLock,
};

use openvm_stark_backend::{
    keygen::types::MultiStarkProvingKey,
    p3_field::{PrimeCharacteristicRing, PrimeField32},
};
use tessera_arch::VmExe;
use tessera_system::{
    poseidon2::Digest,
    vm::{VirtualMachine, VmCircuitConfig, VmKeys, VmVerifyingKey, F, SC},
};

use crate::SdkError;

/// A directory of cached keys (or none: keys are generated every time).
#[derive(Clone, Debug)]
pub struct KeyStore {
    dir: Option<PathBuf>,
}

impl KeyStore {
    /// The default cache directory (see the module docs), if a home can be found.
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
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: Some(dir.into()),
        }
    }

    /// No cache: every call generates the keys.
    pub fn none() -> Self {
        Self { dir: None }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The proving and verifying keys of `vm`, from the cache or generated (and cached).
    pub fn keys<C: VmCircuitConfig>(
        &self,
        vm: &VirtualMachine<C>,
        name: &str,
    ) -> Result<VmKeys, SdkError> {
        let path = self.path(vm, name, "pk");
        if let Some(pk) = path
            .as_ref()
            .and_then(|p| read_cached::<MultiStarkProvingKey<SC>>(p))
        {
            let keys = vm.keygen_from_pk(pk);
            return Ok(keys);
        }
        let keys = vm.keygen()?;
        if let Some(path) = path {
            write_cached(&path, &keys.pk)?;
            write_cached(&self.path(vm, name, "vk").expect("a dir"), &keys.vk)?;
        }
        Ok(keys)
    }

    /// The verifying key of `vm`, from the cache or generated (and cached).
    pub fn verifying_key<C: VmCircuitConfig>(
        &self,
        vm: &VirtualMachine<C>,
        name: &str,
    ) -> Result<VmVerifyingKey, SdkError> {
        let path = self.path(vm, name, "vk");
        if let Some(vk) = path.as_ref().and_then(|p| read_cached::<VmVerifyingKey>(p)) {
            return Ok(vk);
        }
        Ok(self.keys(vm, name)?.vk)
    }

    /// The commitment to `exe`'s program under `vm`'s parameters, from the cache or computed
    /// (committing the program costs a stacked-height commitment, most of a verification at
    /// large heights). A cache entry holds the program it was computed for and is used only if
    /// that program equals `exe`'s byte for byte, so a hash collision cannot substitute one
    /// program's commitment for another's.
    pub fn program_commitment<C: VmCircuitConfig>(
        &self,
        vm: &VirtualMachine<C>,
        name: &str,
        exe: &VmExe<F>,
    ) -> Result<Digest, SdkError> {
        let program = bincode::serialize(&exe.program).expect("programs serialize");
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        program.hash(&mut hasher);
        let path = self.path(vm, name, &format!("{:016x}.program", hasher.finish()));
        if let Some((cached, commitment)) = path
            .as_ref()
            .and_then(|p| read_cached::<(Vec<u8>, [u32; 8])>(p))
        {
            if cached == program {
                return Ok(commitment.map(F::from_u32));
            }
        }
        let commitment = vm.commit_program(exe)?.commitment;
        if let Some(path) = path {
            let words = commitment.map(|x| x.as_canonical_u32());
            write_cached(&path, &(program, words))?;
        }
        Ok(commitment)
    }

    fn path<C: VmCircuitConfig>(
        &self,
        vm: &VirtualMachine<C>,
        name: &str,
        kind: &str,
    ) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let p = vm.params();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!("{p:?}").hash(&mut hasher);
        format!("{:?}", vm.config.system()).hash(&mut hasher);
        executable_fingerprint().hash(&mut hasher);
        let lsh = p.l_skip + p.n_stack;
        Some(dir.join(format!("{name}-lsh{lsh}-{:016x}.{kind}", hasher.finish())))
    }
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
    let io = |source| SdkError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(dir).map_err(io)?;
    let bytes = bincode::serialize(value).expect("keys serialize");
    // Write then rename, so a concurrent reader never sees half a key.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
