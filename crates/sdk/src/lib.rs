//! `tessera-sdk`: the facade over the Tessera VM, and the `cargo-tessera` CLI.
//!
//! ```no_run
//! use tessera_sdk::Sdk;
//!
//! let sdk = Sdk::default();
//! let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf").unwrap();
//! let report = sdk.execute(&exe, 20u32.to_le_bytes().to_vec(), None).unwrap();
//! println!("exit {} after {} instructions", report.exit_code, report.instret);
//! ```

#[cfg(feature = "cluster")]
pub mod cluster;
mod commit;
mod keys;
mod memory;
mod pinned_keys;
mod profile;
mod project;
mod proof_file;
mod prove;
mod starts;
mod stdin;

pub use commit::KeygenReport;
pub use keys::KeyStore;
pub use memory::{available_memory, proving_memory_estimate, MEMORY_LIMIT_VAR};
pub use pinned_keys::{pinned_verifying_key_digest, verifying_key_digest};
pub use profile::{
    flame_graph, stack_effect, FunctionProfile, Profile, ProfileWeight, RegionProfile, NO_SYMBOL,
};
pub use project::{build_project, init_project, BuiltGuest, GuestLanguage, ProjectError};
pub use proof_file::{Claims, ProofFile, ProofFileError, Security, PROOF_FORMAT_VERSION};
pub use prove::{
    params_for, peak_memory_bytes, AirCells, CostReport, MeterReport, ProveOptions, ProveProgress,
    ProveReport, SegmentProver, VerifiedRun, VerifyError, DEFAULT_SEGMENT_INSTRUCTIONS,
    MAX_LOG_STACKED_HEIGHT, MIN_LOG_STACKED_HEIGHT,
};
pub use stdin::{read_kv_dir, Stdin};
pub use tessera_arch::execution::profile::{StackEffect, Weight};
pub use tessera_system::registry::VmConfig;
pub use tessera_system::vm::{ProvenSegment, SegmentStart};

use std::{path::Path, sync::Arc, time::Instant};

use p3_baby_bear::BabyBear;
use serde::Serialize;
use tessera_arch::{load_elf, LoadError, Streams, VmExe, VmExecutor, VmRunError};
pub use tessera_arch::{GuestInput, HintHost};
// The extensions this SDK ships, linked so that they register by name (`VmConfig`).
use tessera_rv32im as _;
use tessera_zbb as _;
use thiserror::Error;

/// The field the VM's instructions are over.
pub type F = BabyBear;

/// Errors of the SDK facade.
///
/// A variant's message includes its cause's, and no variant has a `source()` that would say
/// it again: an error printed as a chain (`{:#}` of `anyhow`) says each thing once.
///
/// ```
/// use tessera_sdk::{Sdk, SdkError};
///
/// let err = Sdk::default().load_elf_file("no/such.elf").unwrap_err();
/// assert!(matches!(err, SdkError::Io { .. }));
/// assert!(err.to_string().starts_with("cannot read no/such.elf: "), "{err}");
/// ```
#[derive(Debug, Error)]
pub enum SdkError {
    #[error("cannot read {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("cannot write {path}: {error}")]
    Write { path: String, error: std::io::Error },
    #[error("{path}: {error}")]
    Load { path: String, error: LoadError },
    #[error("invalid VM configuration: {0}")]
    Config(tessera_arch::ConfigError),
    #[error("invalid VM configuration: {0}")]
    Registry(tessera_system::registry::RegistryError),
    #[error("{0}")]
    ConfigFile(tessera_system::registry::ConfigFileError),
    #[error(transparent)]
    Run(#[from] VmRunError),
    #[error("{path}: {error}")]
    ProofFile { path: String, error: ProofFileError },
    #[error(transparent)]
    Machine(#[from] tessera_system::vm::VirtualMachineError),
    #[error("the proof is rejected: {0}")]
    Verify(VerifyError),
    #[error("invalid options: {0}")]
    Options(String),
    #[error("{0}")]
    Encode(String),
    #[error(
        "proving segments at stacked height 2^{log_stacked_height} needs about {:.1} GB of memory, \
         but {:.1} GB is available: prove in smaller segments (lower --segment-instructions, \
         or --log-stacked-height if it is set), or set {} to the memory this proof may use",
        *.needed as f64 / 1e9,
        *.available as f64 / 1e9,
        memory::MEMORY_LIMIT_VAR
    )]
    NotEnoughMemory {
        log_stacked_height: usize,
        needed: u64,
        available: u64,
    },
}

impl From<tessera_arch::ConfigError> for SdkError {
    fn from(error: tessera_arch::ConfigError) -> Self {
        Self::Config(error)
    }
}

impl From<VerifyError> for SdkError {
    fn from(error: VerifyError) -> Self {
        Self::Verify(error)
    }
}

/// What the guest wrote: host output and public output. In JSON its fields appear in the
/// report that holds it (`stdout`, `stderr` as lossy UTF-8, `public_output` as lowercase hex).
///
/// ```
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = tessera_sdk::Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let output = sdk.execute(&exe, 10u32.to_le_bytes().to_vec(), None)?.output;
/// assert_eq!(output.stdout, b"fib(10) mod 2^32 = 55\n");
/// assert!(output.stderr.is_empty());
/// assert_eq!(output.public_output, 55u32.to_le_bytes());
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GuestOutput {
    /// What the guest wrote to fd 1 and fd 2.
    #[serde(serialize_with = "lossy_utf8")]
    pub stdout: Vec<u8>,
    #[serde(serialize_with = "lossy_utf8")]
    pub stderr: Vec<u8>,
    /// What the guest revealed (fd 3).
    #[serde(serialize_with = "lower_hex")]
    pub public_output: Vec<u8>,
}

impl GuestOutput {
    /// The output of a finished run.
    ///
    /// ```
    /// use tessera_arch::{PureCtx, Streams, VmExecutor};
    /// use tessera_sdk::{GuestOutput, Sdk, VmConfig, F};
    ///
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let exe = Sdk::default().load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// // A run driven by the executor itself, as `Sdk::execute` does.
    /// let executor = VmExecutor::<F, VmConfig>::new(VmConfig::default()).unwrap();
    /// let instance = executor.instance(&exe).unwrap();
    /// let state = instance.initial_state(Streams::new(10u32.to_le_bytes().to_vec()));
    /// let state = instance.execute_from_state(state, PureCtx::new(None)).unwrap();
    /// let output = GuestOutput::of(&state);
    /// assert_eq!(output.public_output, 55u32.to_le_bytes());
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn of(state: &tessera_arch::VmState) -> Self {
        Self {
            stdout: state.host_output.stdout.clone(),
            stderr: state.host_output.stderr.clone(),
            public_output: state.memory.public_output().to_vec(),
        }
    }
}

/// What a run produced.
///
/// ```
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = tessera_sdk::Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let report = sdk.execute(&exe, 10u32.to_le_bytes().to_vec(), None)?;
/// assert_eq!((report.exit_code, report.instret), (0, 320));
/// println!("{:.1} MHz", report.mhz);
/// // In JSON, the output's fields are the report's own.
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["stdout"], "fib(10) mod 2^32 = 55\n");
/// assert_eq!(json["public_output"], "37000000");
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExecutionReport {
    /// The guest's exit code (`exit(a0)`).
    pub exit_code: u32,
    #[serde(flatten)]
    pub output: GuestOutput,
    /// Instructions executed.
    pub instret: u64,
    /// Wall-clock time of the execution (loading and pre-computing excluded).
    pub seconds: f64,
    /// Guest instructions per microsecond.
    pub mhz: f64,
}

pub(crate) fn lossy_utf8<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(bytes))
}

pub(crate) fn lower_hex<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex(bytes))
}

/// Lowercase hex of bytes.
///
/// ```
/// assert_eq!(tessera_sdk::hex(&[0x37, 0x00, 0xab]), "3700ab");
/// ```
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The facade: a VM configuration ([`VmConfig`], RV32IM by default), its executor, the
/// security level it proves with and requires of proofs, and where its keys are cached.
///
/// ```
/// use tessera_sdk::Sdk;
///
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = Sdk::default(); // RV32IM, 100-bit security, keys in the default directory
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let report = sdk.execute(&exe, 10u32.to_le_bytes().to_vec(), None)?;
/// assert_eq!(report.exit_code, 0);
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
pub struct Sdk {
    executor: VmExecutor<F, VmConfig>,
    security: Security,
    keys: KeyStore,
    hint_host: Option<Arc<dyn HintHost>>,
}

impl Default for Sdk {
    fn default() -> Self {
        Self::new(VmConfig::default()).expect("the default configuration is valid")
    }
}

impl Sdk {
    /// An SDK for a configuration (checked against the registry of extensions).
    ///
    /// ```
    /// use tessera_sdk::{Sdk, VmConfig};
    ///
    /// let config = VmConfig::from_toml_str("extensions = [\"rv32im\"]").unwrap();
    /// let sdk = Sdk::new(config).unwrap();
    /// assert_eq!(sdk.config().name(), "rv32im");
    /// ```
    pub fn new(config: VmConfig) -> Result<Self, SdkError> {
        config.resolve().map_err(SdkError::Registry)?;
        Ok(Self {
            executor: VmExecutor::new(config)?,
            security: Security::Bits100,
            keys: KeyStore::default_dir().map_or_else(KeyStore::none, KeyStore::at),
            hint_host: None,
        })
    }

    /// Caches keys in `keys` instead of the default directory.
    ///
    /// ```
    /// use tessera_sdk::{KeyStore, Sdk};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let sdk = Sdk::default().with_key_store(KeyStore::at(dir.path()));
    /// assert_eq!(sdk.key_store().dir(), Some(dir.path()));
    /// ```
    pub fn with_key_store(mut self, keys: KeyStore) -> Self {
        self.keys = keys;
        self
    }

    /// Proves with toy parameters and accepts only proofs made with them: fast, and NOT
    /// secure. For tests.
    ///
    /// ```no_run
    /// use tessera_sdk::{KeyStore, ProveOptions, Sdk};
    ///
    /// let keys = tempfile::tempdir().unwrap();
    /// let sdk = Sdk::default().insecure_for_tests().with_key_store(KeyStore::at(keys.path()));
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let (proof, _) = sdk.prove(&exe, 10u32.to_le_bytes().to_vec(), ProveOptions::default())?;
    /// assert_eq!(sdk.verify(&exe, &proof)?.public_output, 55u32.to_le_bytes());
    /// // A secure verifier rejects the toy proof.
    /// assert!(Sdk::default().verify(&exe, &proof).is_err());
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn insecure_for_tests(mut self) -> Self {
        self.security = Security::InsecureTesting;
        self
    }

    /// The configuration.
    ///
    /// ```
    /// use tessera_sdk::{Sdk, VmConfig};
    ///
    /// let sdk = Sdk::default();
    /// assert_eq!(sdk.config(), &VmConfig::default());
    /// assert_eq!(sdk.config().name(), "rv32im");
    /// ```
    pub fn config(&self) -> &VmConfig {
        &self.executor.config
    }

    /// Where keys are cached.
    ///
    /// ```
    /// use tessera_sdk::{KeyStore, Sdk};
    ///
    /// assert_eq!(Sdk::default().key_store().dir(), KeyStore::default_dir().as_deref());
    /// let sdk = Sdk::default().with_key_store(KeyStore::none());
    /// assert_eq!(sdk.key_store().dir(), None);
    /// ```
    pub fn key_store(&self) -> &KeyStore {
        &self.keys
    }

    /// Reads a proof file.
    ///
    /// ```
    /// use tessera_sdk::{ProofFileError, Sdk, SdkError};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("fib.proof");
    /// # use tessera_sdk::{Claims, ProofFile, Security, VmConfig};
    /// # let claims = Claims {
    /// #     config: VmConfig::default(),
    /// #     security: Security::Bits100,
    /// #     log_stacked_height: 16,
    /// #     exit_code: 0,
    /// #     public_output: tessera_system::vm::PublicOutputProof {
    /// #         bytes: 55u32.to_le_bytes().to_vec(),
    /// #         top_siblings: Vec::new(),
    /// #     },
    /// #     instret: 320,
    /// # };
    /// # std::fs::write(&path, ProofFile { claims, proofs: Vec::new() }.to_bytes()).unwrap();
    /// let sdk = Sdk::default();
    /// // A file written by `sdk.prove(..)?.0.to_bytes()`.
    /// let proof = sdk.read_proof_file(&path)?;
    /// println!("claims exit code {}", proof.claims.exit_code);
    ///
    /// std::fs::write(&path, b"not a proof").unwrap();
    /// let err = sdk.read_proof_file(&path).unwrap_err();
    /// assert!(matches!(err, SdkError::ProofFile { error: ProofFileError::BadMagic, .. }));
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn read_proof_file(&self, path: impl AsRef<Path>) -> Result<ProofFile, SdkError> {
        let path = path.as_ref();
        ProofFile::from_bytes(&read_file(path)?).map_err(|error| SdkError::ProofFile {
            path: path.display().to_string(),
            error,
        })
    }

    /// Parses, validates and transpiles an ELF.
    ///
    /// ```
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = tessera_sdk::Sdk::default();
    /// let bytes = std::fs::read("examples/elf/c-fibonacci.elf").unwrap();
    /// let exe = sdk.load_elf(&bytes)?;
    /// assert!(!exe.program.instructions.is_empty());
    /// assert!(sdk.load_elf(b"not an ELF").is_err());
    /// # Ok::<(), tessera_arch::LoadError>(())
    /// ```
    pub fn load_elf(&self, bytes: &[u8]) -> Result<Arc<VmExe<F>>, LoadError> {
        load_elf(&self.executor.config, bytes).map(Arc::new)
    }

    /// Reads and loads an ELF file.
    ///
    /// ```
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = tessera_sdk::Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// println!("{} instructions", exe.program.instructions.len());
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn load_elf_file(&self, path: impl AsRef<Path>) -> Result<Arc<VmExe<F>>, SdkError> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        self.load_elf(&bytes).map_err(|error| SdkError::Load {
            path: path.display().to_string(),
            error,
        })
    }

    /// This SDK with `host` answering the guest's hint requests (a `write` to fd 4;
    /// `tessera_guest::io::request_hint` in the guest) in every run: the answer is appended to
    /// the hint stream. Proofs need the host only in the first run of a program (the metered
    /// run that plans the segments), which records the answers ([`MeterReport::input`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tessera_sdk::Sdk;
    ///
    /// // Answers a request of 4 little-endian bytes, n, with the integer square root of n.
    /// let sdk = Sdk::default().with_hint_host(Arc::new(|request: &[u8]| {
    ///     let n = u32::from_le_bytes(request.try_into().unwrap_or([0; 4])) as u64;
    ///     let root = (n as f64).sqrt() as u32;
    ///     root.to_le_bytes().to_vec()
    /// }));
    /// ```
    pub fn with_hint_host(mut self, host: Arc<dyn HintHost>) -> Self {
        self.hint_host = Some(host);
        self
    }

    /// The streams of a run on `input`, with this SDK's hint host.
    pub(crate) fn streams(&self, input: impl Into<GuestInput>) -> Streams {
        let streams = Streams::new(input);
        match &self.hint_host {
            Some(host) => streams.with_hint_host(host.clone()),
            None => streams,
        }
    }

    /// Runs `exe` with `input` (the private input's bytes, or a [`Stdin`] with hints and a
    /// key-value store) for at most `max_instructions`.
    ///
    /// ```
    /// use tessera_sdk::{Sdk, SdkError};
    ///
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let report = sdk.execute(&exe, 10u32.to_le_bytes().to_vec(), None)?;
    /// assert_eq!(report.output.public_output, 55u32.to_le_bytes());
    /// // fib(1000) (the empty input) takes more than 100 instructions.
    /// let stopped = sdk.execute(&exe, Vec::new(), Some(100));
    /// assert!(matches!(stopped, Err(SdkError::Run(_))));
    /// # Ok::<(), SdkError>(())
    /// ```
    pub fn execute(
        &self,
        exe: &Arc<VmExe<F>>,
        input: impl Into<GuestInput>,
        max_instructions: Option<u64>,
    ) -> Result<ExecutionReport, SdkError> {
        let instance = self.executor.instance(exe).map_err(VmRunError::from)?;
        let state = instance.initial_state(self.streams(input));
        let start = Instant::now();
        let state = instance
            .execute_from_state(state, tessera_arch::PureCtx::new(max_instructions))
            .map_err(VmRunError::from)?;
        let seconds = start.elapsed().as_secs_f64();
        Ok(ExecutionReport {
            exit_code: state.exit_code.expect("a run that returns Ok has exited"),
            output: GuestOutput::of(&state),
            instret: state.instret,
            seconds,
            mhz: state.instret as f64 / seconds.max(1e-9) / 1e6,
        })
    }
}

/// Reads a file, naming it in the error.
///
/// ```
/// use std::path::Path;
///
/// let err = tessera_sdk::read_file(Path::new("no/such/file")).unwrap_err();
/// assert!(err.to_string().starts_with("cannot read no/such/file: "), "{err}");
/// ```
pub fn read_file(path: &Path) -> Result<Vec<u8>, SdkError> {
    std::fs::read(path).map_err(|error| SdkError::Io {
        path: path.display().to_string(),
        error,
    })
}

/// Checks, before any work, that `path` can be written: its directory exists and accepts a
/// new file (a temporary one, removed at once), and `path` is not a directory.
///
/// ```
/// use tessera_sdk::check_writable;
///
/// let dir = tempfile::tempdir().unwrap();
/// check_writable(&dir.path().join("fib.proof")).unwrap();
/// assert!(!dir.path().join("fib.proof").exists()); // only checked
/// assert!(check_writable(dir.path()).is_err()); // a directory
/// assert!(check_writable(&dir.path().join("missing/fib.proof")).is_err());
/// ```
pub fn check_writable(path: &Path) -> Result<(), SdkError> {
    let write_error = |error| SdkError::Write {
        path: path.display().to_string(),
        error,
    };
    if path.is_dir() {
        return Err(write_error(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a directory",
        )));
    }
    let probe = temporary_sibling(path);
    std::fs::write(&probe, b"").map_err(write_error)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes `bytes` to `path` atomically: to a temporary file next to it, then renamed, so that
/// `path` holds either its old contents or all of the new ones.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("report.json");
/// tessera_sdk::write_file_atomically(&path, b"{}").unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"{}");
/// ```
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), SdkError> {
    let write_error = |error| SdkError::Write {
        path: path.display().to_string(),
        error,
    };
    let tmp = temporary_sibling(path);
    std::fs::write(&tmp, bytes).map_err(write_error)?;
    std::fs::rename(&tmp, path).map_err(|error| {
        let _ = std::fs::remove_file(&tmp);
        write_error(error)
    })
}

/// A file name next to `path` unique to this process and call.
fn temporary_sibling(path: &Path) -> std::path::PathBuf {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path
        .file_name()
        .map_or_else(|| "proof".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.tmp{}-{call}", std::process::id()))
}

/// Every extension a configuration can name in this build, sorted by name.
///
/// ```
/// let names: Vec<&str> = tessera_sdk::registered_extensions().iter().map(|e| e.name).collect();
/// assert!(names.contains(&"rv32im") && names.contains(&"zbb"));
/// ```
pub fn registered_extensions() -> Vec<&'static tessera_system::registry::ExtensionRegistration> {
    tessera_system::registry::registered()
}
