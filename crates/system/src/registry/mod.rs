//! The registry of extensions and configurations by name.
//!
//! An extension crate registers itself once, by name, with [`register_extension!`](crate::register_extension); a
//! configuration ([`VmConfig`]) names the extensions it is made of, in a `tessera.toml` file or
//! in code, and is built from the registry:
//!
//! ```
//! use tessera_system::registry::VmConfig;
//!
//! // The default: RV32IM with the default system (an empty `tessera.toml` says the same).
//! assert_eq!(VmConfig::default().extensions, ["rv32im"]);
//!
//! // A key that is not a configuration key is an error that names it.
//! let error = VmConfig::from_toml_str("extension = [\"rv32im\"]").unwrap_err();
//! assert!(error.to_string().contains("unknown field `extension`"), "{error}");
//! ```
//!
//! (`tessera_sdk::Sdk::new` shows one resolved: this crate links no extension.)
//!
//! Resolving a configuration ([`VmConfig::resolve`]) checks what a registry must: every name
//! is registered, listed once, after the extensions it depends on; at least one is an
//! instruction set; no two execute the same opcode. Each is a [`RegistryError`].
//!
//! Registration goes through [`inventory`]: it is collected when the extension's crate is
//! linked into the program. A crate that is a dependency but never used in code is not linked;
//! name it once (`use tessera_zbb as _;`) where the binary is built.

use std::{collections::HashSet, path::Path};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tessera_arch::{
    ConfigError, ExecutorInventory, ExecutorInventoryError, SystemConfig, Transpiler,
    VmExecutionConfig,
};
use thiserror::Error;

use crate::vm::{CircuitExtension, VmCircuitConfig, F};

pub use inventory;

/// One registered extension: its name, what it needs, and how to make it.
pub struct ExtensionRegistration {
    /// The name configurations use (`"rv32im"`, `"zbb"`).
    pub name: &'static str,
    /// One line saying what it adds (for `--help` and errors).
    pub summary: &'static str,
    /// Extensions that must come before it in a configuration (for instance the instruction
    /// set whose NOP it transpiles writes to `x0` into).
    pub depends_on: &'static [&'static str],
    /// Whether it is an instruction set a program can run on alone (a configuration needs
    /// one: an extension such as Zbb adds instructions to one).
    pub instruction_set: bool,
    /// The extension.
    pub create: fn() -> Box<dyn CircuitExtension>,
}

inventory::collect!(ExtensionRegistration);

/// Registers an extension by name (see [`ExtensionRegistration`]).
///
/// ```ignore
/// tessera_system::register_extension! {
///     name: "zbb",
///     summary: "RISC-V Zbb: basic bit manipulation",
///     depends_on: ["rv32im"],
///     instruction_set: false,
///     create: || Box::new(Zbb),
/// }
/// ```
#[macro_export]
macro_rules! register_extension {
    (
        name: $name:literal,
        summary: $summary:literal,
        depends_on: [$($dep:literal),* $(,)?],
        instruction_set: $isa:literal,
        create: $create:expr $(,)?
    ) => {
        $crate::registry::inventory::submit! {
            $crate::registry::ExtensionRegistration {
                name: $name,
                summary: $summary,
                depends_on: &[$($dep),*],
                instruction_set: $isa,
                create: $create,
            }
        }
    };
}

/// Every registered extension, sorted by name.
pub fn registered() -> Vec<&'static ExtensionRegistration> {
    let mut all: Vec<_> = inventory::iter::<ExtensionRegistration>().collect();
    all.sort_by_key(|r| r.name);
    all
}

/// The registration of `name`.
pub fn find(name: &str) -> Option<&'static ExtensionRegistration> {
    inventory::iter::<ExtensionRegistration>().find(|r| r.name == name)
}

/// A configuration that the registry cannot build.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("unknown extension \"{name}\" (registered: {registered})")]
    UnknownExtension { name: String, registered: String },
    #[error("extension \"{name}\" is listed twice")]
    Duplicate { name: String },
    #[error("extension \"{name}\" needs \"{dependency}\" listed before it")]
    MissingDependency { name: String, dependency: String },
    #[error("the configuration names no instruction set (extensions {extensions:?}): add one, for example \"rv32im\"")]
    NoInstructionSet { extensions: Vec<String> },
    #[error("two extensions' opcodes overlap: {0}")]
    OverlappingOpcodes(ExecutorInventoryError),
    #[error("two extensions named \"{name}\" are registered")]
    RegisteredTwice { name: String },
}

/// Why a configuration file cannot be used.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ConfigFileError {
    #[error("cannot read {path}: {error}")]
    Io { path: String, error: String },
    #[error("{path}: {error}")]
    Parse { path: String, error: String },
    #[error("{path}: {error}")]
    Registry { path: String, error: RegistryError },
    #[error("{path}: {error}")]
    System { path: String, error: ConfigError },
}

/// A VM configuration by name: the system part and the extensions, in order.
///
/// Read from TOML (`tessera.toml`), every field defaulted:
///
/// ```toml
/// extensions = ["rv32im", "zbb"]
///
/// [system]
/// memory_bits = 29
/// public_output_capacity = 1024
/// segment_max_instructions = 2097152
/// segment_max_interactions = 16777215
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmConfig {
    #[serde(default)]
    pub system: SystemConfig,
    #[serde(default = "default_extensions")]
    pub extensions: Vec<String>,
}

fn default_extensions() -> Vec<String> {
    vec!["rv32im".into()]
}

impl Default for VmConfig {
    /// RV32IM with the default system.
    fn default() -> Self {
        Self {
            system: SystemConfig::default(),
            extensions: default_extensions(),
        }
    }
}

impl VmConfig {
    /// The configuration `system` + `extensions`, checked against the registry.
    pub fn new<S: Into<String>>(
        system: SystemConfig,
        extensions: impl IntoIterator<Item = S>,
    ) -> Result<Self, RegistryError> {
        let config = Self {
            system,
            extensions: extensions.into_iter().map(Into::into).collect(),
        };
        config.resolve()?;
        Ok(config)
    }

    /// Parses a configuration (TOML) and checks it: unknown keys, unknown extensions, missing
    /// dependencies, overlapping opcodes and invalid system values are errors.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigFileError> {
        Self::parse(text, "the configuration")
    }

    /// Reads and checks a configuration file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigFileError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigFileError::Io {
            path: shown.clone(),
            error: e.to_string(),
        })?;
        Self::parse(&text, &shown)
    }

    fn parse(text: &str, path: &str) -> Result<Self, ConfigFileError> {
        let config: Self = toml::from_str(text).map_err(|e| {
            let place = e.span().map_or_else(String::new, |span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("line {line}, column {column}: ")
            });
            ConfigFileError::Parse {
                path: path.into(),
                error: format!("{place}{}", e.message().trim().replace('\n', ": ")),
            }
        })?;
        config
            .system
            .validate()
            .map_err(|error| ConfigFileError::System {
                path: path.into(),
                error,
            })?;
        config
            .resolve()
            .map_err(|error| ConfigFileError::Registry {
                path: path.into(),
                error,
            })?;
        Ok(config)
    }

    /// The configuration as TOML (what [`Self::from_toml_str`] reads back).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a configuration serializes")
    }

    /// The extensions, made from the registry, after every check of [`RegistryError`].
    pub fn resolve(&self) -> Result<Vec<Box<dyn CircuitExtension>>, RegistryError> {
        let mut seen = HashSet::new();
        let mut registrations = Vec::new();
        for name in &self.extensions {
            let matching: Vec<_> = inventory::iter::<ExtensionRegistration>()
                .filter(|r| r.name == name)
                .collect();
            let registration = match matching[..] {
                [one] => one,
                [] => {
                    let names: Vec<_> = registered().iter().map(|r| r.name).collect();
                    return Err(RegistryError::UnknownExtension {
                        name: name.clone(),
                        registered: names.join(", "),
                    });
                }
                _ => return Err(RegistryError::RegisteredTwice { name: name.clone() }),
            };
            for dependency in registration.depends_on {
                if !seen.contains(dependency) {
                    return Err(RegistryError::MissingDependency {
                        name: name.clone(),
                        dependency: dependency.to_string(),
                    });
                }
            }
            if !seen.insert(registration.name) {
                return Err(RegistryError::Duplicate { name: name.clone() });
            }
            registrations.push(registration);
        }
        if !registrations.iter().any(|r| r.instruction_set) {
            return Err(RegistryError::NoInstructionSet {
                extensions: self.extensions.clone(),
            });
        }
        let extensions: Vec<_> = registrations.iter().map(|r| (r.create)()).collect();
        // Opcodes are declared by the executors; one inventory of all finds a collision.
        let mut inventory = ExecutorInventory::<F>::default();
        for extension in &extensions {
            extension
                .extend_execution(&mut inventory)
                .map_err(RegistryError::OverlappingOpcodes)?;
        }
        Ok(extensions)
    }

    /// A short name for the configuration (its extensions joined by `+`), for reports.
    pub fn name(&self) -> String {
        self.extensions.join("+")
    }

    /// The SHA-256 of the configuration (its canonical JSON), as hex: what names its key files
    /// and what a proof file records. Two configurations with the same fingerprint build the
    /// same machine.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::to_vec(self).expect("a configuration serializes");
        Sha256::digest(&canonical)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl VmExecutionConfig<F> for VmConfig {
    fn system(&self) -> &SystemConfig {
        &self.system
    }

    fn create_executors(&self) -> Result<ExecutorInventory<F>, ExecutorInventoryError> {
        let extensions = self
            .resolve()
            .map_err(|e| ExecutorInventoryError::Extensions(e.to_string()))?;
        let mut inventory = ExecutorInventory::default();
        for extension in extensions {
            extension.extend_execution(&mut inventory)?;
        }
        Ok(inventory)
    }

    fn create_transpiler(&self) -> Transpiler<F> {
        self.circuit_extensions()
            .iter()
            .fold(Transpiler::default(), |t, e| e.extend_transpiler(t))
    }
}

impl VmCircuitConfig for VmConfig {
    /// The extensions. A configuration that does not resolve has none here, and no executor
    /// inventory either ([`VmExecutionConfig::create_executors`] says why), so no executor or
    /// SDK is ever built on it.
    fn circuit_extensions(&self) -> Vec<Box<dyn CircuitExtension>> {
        self.resolve().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
