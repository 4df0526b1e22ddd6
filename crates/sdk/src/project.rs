//! Guest projects: create one from a template ([`init_project`]) and build it into an RV32IM
//! ELF ([`build_project`]) with the toolchains Debian packages, without downloading any.
//!
//! - **C**: every `*.c` file of the project directory, compiled by
//!   `riscv64-unknown-elf-gcc` (package `gcc-riscv64-unknown-elf`) with the guest runtime
//!   (`start.S`, `tessera.c`, `tessera.h`, `link.ld`), which this crate carries and writes
//!   to `target/tessera/c-runtime/` at each build.
//! - **Rust**: a Cargo project depending on the `tessera-guest` crate, built by Debian's
//!   `rustc-web`/`cargo-web` with `core` and `alloc` built from `rust-web-src` (`-Z
//!   build-std`) and linked by `ld.lld-16`.
//!
//! The ELF is written to `target/tessera/<name>.elf`, where `<name>` is the directory's
//! name. The configuration decides the ISA: with `zbb` among its extensions, C is compiled with
//! `-march=rv32im_zbb`.
//!
//! ```no_run
//! use tessera_sdk::{build_project, init_project, GuestLanguage, VmConfig};
//!
//! init_project("hello".as_ref(), GuestLanguage::C).unwrap();
//! let built = build_project("hello".as_ref(), &VmConfig::default()).unwrap();
//! println!("{}", built.elf.display()); // hello/target/tessera/hello.elf
//! ```

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use thiserror::Error;

use crate::VmConfig;

/// The C runtime, from `crates/guest/c`.
const C_RUNTIME: [(&str, &str); 4] = [
    ("start.S", include_str!("../../guest/c/start.S")),
    ("tessera.c", include_str!("../../guest/c/tessera.c")),
    ("tessera.h", include_str!("../../guest/c/tessera.h")),
    ("link.ld", include_str!("../../guest/c/link.ld")),
];

/// The C compiler flags of the examples (`scripts/build-examples.sh`), without `-march`.
const C_FLAGS: &[&str] = &[
    "-mabi=ilp32",
    "-O2",
    "-g0",
    "-Wall",
    "-Wextra",
    "-ffreestanding",
    "-fno-pic",
    // gcc otherwise turns loops into calls to memset/memcpy, which the runtime may not have.
    "-fno-tree-loop-distribute-patterns",
    "-nostdlib",
    "-nostartfiles",
    "-static",
    "-Wl,--build-id=none",
];

const APT_C: &str = "apt-get install -y gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf";
const APT_RUST: &str = "apt-get install -y rustc-web cargo-web rust-web-src lld-16";
const RUST_TARGET: &str = "riscv32im-unknown-none-elf";

/// The language of a guest project.
///
/// ```
/// use tessera_sdk::{init_project, GuestLanguage};
///
/// let dir = tempfile::tempdir().unwrap();
/// let files = init_project(&dir.path().join("hello"), GuestLanguage::C).unwrap();
/// assert!(files.iter().any(|f| f.ends_with("main.c")));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GuestLanguage {
    C,
    Rust,
}

/// A built guest.
///
/// ```no_run
/// use tessera_sdk::{build_project, GuestLanguage, Sdk, VmConfig};
///
/// let built = build_project("hello".as_ref(), &VmConfig::default()).unwrap();
/// assert_eq!(built.language, GuestLanguage::C);
/// let exe = Sdk::default().load_elf_file(&built.elf)?; // hello/target/tessera/hello.elf
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltGuest {
    pub language: GuestLanguage,
    /// The ELF (`target/tessera/<name>.elf` in the project).
    pub elf: PathBuf,
}

/// Why a project could not be created or built.
///
/// ```
/// use tessera_sdk::{build_project, init_project, GuestLanguage, ProjectError, VmConfig};
///
/// let dir = tempfile::tempdir().unwrap();
/// let err = build_project(dir.path(), &VmConfig::default()).unwrap_err();
/// assert!(matches!(err, ProjectError::NoSources { .. }), "{err}");
/// std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
/// let err = init_project(dir.path(), GuestLanguage::C).unwrap_err();
/// assert!(matches!(err, ProjectError::NotEmpty { .. }), "{err}");
/// ```
#[derive(Debug, Error)]
pub enum ProjectError {
    #[error("{path} already exists and is not an empty directory; choose a new directory")]
    NotEmpty { path: String },
    #[error("cannot write {path}: {error}")]
    Write { path: String, error: std::io::Error },
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{dir} does not exist or is not a directory")]
    NoDirectory { dir: String },
    #[error("{dir} is not a guest project: it has neither a Cargo.toml (Rust) nor *.c files (C)")]
    NoSources { dir: String },
    #[error("{tool} not found; install it with `{install}`{hint}")]
    MissingTool {
        tool: String,
        install: &'static str,
        hint: &'static str,
    },
    #[error("the build failed: `{command}` exited with {status}:\n{output}")]
    BuildFailed {
        command: String,
        status: String,
        output: String,
    },
    #[error(
        "cannot find the tessera-guest crate for a Rust guest: set TESSERA_GUEST_CRATE to the \
         directory of crates/guest in a Tessera checkout"
    )]
    NoGuestCrate,
    #[error("the configuration's extension {extension:?} has no RISC-V compiler flag; a guest for it cannot be compiled from C")]
    UnknownIsaExtension { extension: String },
}

/// Creates a guest project in `dir` (created if missing; it must be empty) that builds and
/// proves as created. Returns the files written.
///
/// ```
/// use tessera_sdk::{init_project, GuestLanguage};
///
/// let dir = tempfile::tempdir().unwrap();
/// let project = dir.path().join("hello");
/// let files = init_project(&project, GuestLanguage::C).unwrap();
/// assert_eq!(files, [project.join("main.c"), project.join(".gitignore")]);
/// ```
pub fn init_project(dir: &Path, language: GuestLanguage) -> Result<Vec<PathBuf>, ProjectError> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut entries| entries.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(ProjectError::NotEmpty {
                path: dir.display().to_string(),
            });
        }
    }
    let name = project_name(dir);
    let files: Vec<(&str, String)> = match language {
        GuestLanguage::C => vec![
            ("main.c", C_MAIN.to_owned()),
            (".gitignore", "/target\n".to_owned()),
        ],
        GuestLanguage::Rust => {
            let guest = guest_crate_dir().ok_or(ProjectError::NoGuestCrate)?;
            vec![
                ("Cargo.toml", rust_manifest(&name, &guest)),
                (".cargo/config.toml", RUST_CARGO_CONFIG.to_owned()),
                ("src/main.rs", RUST_MAIN.to_owned()),
                (".gitignore", "/target\n".to_owned()),
            ]
        }
    };
    let mut written = Vec::new();
    for (file, contents) in files {
        let path = dir.join(file);
        write(&path, contents.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Builds the guest project in `dir` for `config` into `target/tessera/<name>.elf`.
///
/// ```no_run
/// use std::path::Path;
/// use tessera_sdk::{build_project, VmConfig};
///
/// // C compiled with `-march=rv32im_zbb` for a configuration with Zbb.
/// let config = VmConfig::from_toml_str("extensions = [\"rv32im\", \"zbb\"]").unwrap();
/// let built = build_project(Path::new("hello"), &config).unwrap();
/// assert!(built.elf.ends_with("target/tessera/hello.elf"));
/// ```
pub fn build_project(dir: &Path, config: &VmConfig) -> Result<BuiltGuest, ProjectError> {
    if !dir.is_dir() {
        return Err(ProjectError::NoDirectory {
            dir: dir.display().to_string(),
        });
    }
    let out_dir = dir.join("target").join("tessera");
    let elf = out_dir.join(format!("{}.elf", project_name(dir)));
    if dir.join("Cargo.toml").is_file() {
        build_rust(dir, &elf)?;
        return Ok(BuiltGuest {
            language: GuestLanguage::Rust,
            elf,
        });
    }
    let sources = c_sources(dir)?;
    if sources.is_empty() {
        return Err(ProjectError::NoSources {
            dir: dir.display().to_string(),
        });
    }
    let runtime = out_dir.join("c-runtime");
    for (file, contents) in C_RUNTIME {
        write(&runtime.join(file), contents.as_bytes())?;
    }
    let compiler = format!("{}gcc", riscv_prefix());
    let mut command = Command::new(&compiler);
    command
        .arg(format!("-march={}", march(config)?))
        .args(C_FLAGS)
        .arg("-I")
        .arg(&runtime)
        .arg("-T")
        .arg(runtime.join("link.ld"))
        .arg(runtime.join("start.S"))
        .arg(runtime.join("tessera.c"))
        .args(&sources)
        .arg("-lgcc")
        .arg("-o")
        .arg(&elf);
    run(command, &compiler, APT_C, " (or set RISCV_PREFIX)")?;
    Ok(BuiltGuest {
        language: GuestLanguage::C,
        elf,
    })
}

/// The `-march` of a configuration: `rv32im`, plus `_zbb` if it lists Zbb.
fn march(config: &VmConfig) -> Result<String, ProjectError> {
    let mut march = String::from("rv32im");
    for extension in &config.extensions {
        match extension.as_str() {
            "rv32im" => {}
            "zbb" => march.push_str("_zbb"),
            other => {
                return Err(ProjectError::UnknownIsaExtension {
                    extension: other.to_owned(),
                })
            }
        }
    }
    Ok(march)
}

fn build_rust(dir: &Path, elf: &Path) -> Result<(), ProjectError> {
    let rustc = std::env::var("DEBIAN_RUSTC").unwrap_or_else(|_| "/usr/bin/rustc".to_owned());
    let cargo = std::env::var("DEBIAN_CARGO").unwrap_or_else(|_| "/usr/bin/cargo".to_owned());
    let lld = std::env::var("LLD").unwrap_or_else(|_| "ld.lld-16".to_owned());
    let hint = " (or set DEBIAN_RUSTC / DEBIAN_CARGO / LLD)";
    for tool in [&rustc, &cargo, &lld] {
        if !tool_exists(tool) {
            return Err(ProjectError::MissingTool {
                tool: tool.clone(),
                install: APT_RUST,
                hint,
            });
        }
    }
    let manifest =
        std::fs::read_to_string(dir.join("Cargo.toml")).map_err(|error| ProjectError::Read {
            path: dir.join("Cargo.toml").display().to_string(),
            error,
        })?;
    let package = package_name(&manifest).ok_or_else(|| ProjectError::BuildFailed {
        command: "reading Cargo.toml".to_owned(),
        status: "an error".to_owned(),
        output: "no `name = \"...\"` in its [package] table".to_owned(),
    })?;
    let target_dir = dir.join("target");
    let mut command = Command::new(&cargo);
    // The host's Rust settings must not leak into the guest's build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "CARGO_BUILD_RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO",
        "RUSTUP_TOOLCHAIN",
    ] {
        command.env_remove(var);
    }
    command
        .current_dir(dir)
        .env("RUSTC", &rustc)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_RISCV32IM_UNKNOWN_NONE_ELF_LINKER", &lld)
        .args(["build", "--release", "--quiet", "--target", RUST_TARGET])
        .args(["-Z", "build-std=core,alloc"])
        .args(["-Z", "build-std-features=compiler-builtins-mem"]);
    run(command, &cargo, APT_RUST, hint)?;
    let built = target_dir.join(RUST_TARGET).join("release").join(package);
    if let Some(parent) = elf.parent() {
        create_dir(parent)?;
    }
    std::fs::copy(&built, elf).map_err(|error| ProjectError::Write {
        path: elf.display().to_string(),
        error,
    })?;
    Ok(())
}

/// Runs a build command; its output is shown only if it fails.
fn run(
    mut command: Command,
    tool: &str,
    install: &'static str,
    hint: &'static str,
) -> Result<(), ProjectError> {
    let rendered = format!("{command:?}");
    let output = command.output().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => ProjectError::MissingTool {
            tool: tool.to_owned(),
            install,
            hint,
        },
        _ => ProjectError::BuildFailed {
            command: rendered.clone(),
            status: error.to_string(),
            output: String::new(),
        },
    })?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    Err(ProjectError::BuildFailed {
        command: rendered,
        status: output.status.to_string(),
        output: text,
    })
}

fn tool_exists(tool: &str) -> bool {
    let path = Path::new(tool);
    if path.components().count() > 1 {
        return path.is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

fn riscv_prefix() -> String {
    std::env::var("RISCV_PREFIX").unwrap_or_else(|_| "riscv64-unknown-elf-".to_owned())
}

/// The `*.c` files of `dir`, sorted (so that builds are reproducible).
fn c_sources(dir: &Path) -> Result<Vec<PathBuf>, ProjectError> {
    let read_error = |error| ProjectError::Read {
        path: dir.display().to_string(),
        error,
    };
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|e| e == "c") && path.is_file() {
            sources.push(path);
        }
    }
    sources.sort();
    Ok(sources)
}

/// The project's name: its directory's name, made a valid package name.
fn project_name(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let raw = absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "guest".to_owned());
    let name: String = raw
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' => c,
            _ => '-',
        })
        .collect();
    match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => name,
        _ => format!("guest-{name}"),
    }
}

fn package_name(manifest: &str) -> Option<&str> {
    manifest.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("name")?.trim_start();
        let value = rest.strip_prefix('=')?.trim();
        value.strip_prefix('"')?.strip_suffix('"')
    })
}

/// Where the `tessera-guest` crate is: `TESSERA_GUEST_CRATE`, else the checkout this binary
/// was built from.
fn guest_crate_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TESSERA_GUEST_CRATE") {
        return Some(PathBuf::from(dir));
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest");
    dir.join("Cargo.toml")
        .is_file()
        .then(|| dir.canonicalize().ok())
        .flatten()
}

fn create_dir(dir: &Path) -> Result<(), ProjectError> {
    std::fs::create_dir_all(dir).map_err(|error| ProjectError::Write {
        path: dir.display().to_string(),
        error,
    })
}

fn write(path: &Path, contents: &[u8]) -> Result<(), ProjectError> {
    if let Some(parent) = path.parent() {
        create_dir(parent)?;
    }
    std::fs::write(path, contents).map_err(|error| ProjectError::Write {
        path: path.display().to_string(),
        error,
    })
}

const C_MAIN: &str = r#"/*
 * A Tessera guest program (C, RV32IM, no libc; the API is in tessera.h, which
 * `cargo tessera build` puts on the include path).
 *
 * Input:  a 4-byte little-endian u32 n on the private input (10 if the input is empty).
 * Output: stdout "sum of 1..=<n> = <sum>"; public output: the sum, 4 bytes little-endian.
 *
 * Build, run, prove, verify:
 *   cargo tessera build
 *   cargo tessera run target/tessera/<name>.elf
 *   cargo tessera prove target/tessera/<name>.elf --out proof.bin
 *   cargo tessera verify proof.bin --elf target/tessera/<name>.elf
 */
#include "tessera.h"

int main(void)
{
    uint32_t n;
    if (!tessera_read_u32(&n)) {
        n = 10;
    }
    uint32_t sum = 0;
    for (uint32_t i = 1; i <= n; i++) {
        sum += i;
    }
    tessera_print("sum of 1..=");
    tessera_print_u32(n);
    tessera_print(" = ");
    tessera_print_u32(sum);
    tessera_print("\n");
    tessera_reveal_u32(sum);
    return 0;
}
"#;

const RUST_MAIN: &str = r#"//! A Tessera guest program (Rust, no_std, RV32IM).
//!
//! Input:  a 4-byte little-endian u32 n on the private input (10 if the input is empty).
//! Output: stdout "sum of 1..=<n> = <sum>"; public output: the sum, 4 bytes little-endian.
//!
//! Build, run, prove, verify:
//!   cargo tessera build
//!   cargo tessera run target/tessera/<name>.elf
//!   cargo tessera prove target/tessera/<name>.elf --out proof.bin
//!   cargo tessera verify proof.bin --elf target/tessera/<name>.elf
#![no_std]
#![no_main]

use tessera_guest::{io, println};

tessera_guest::entry!(main);

fn main() {
    let input = io::read_vec();
    let n = match input[..] {
        [a, b, c, d] => u32::from_le_bytes([a, b, c, d]),
        _ => 10,
    };
    let sum = (1..=n).fold(0u32, |acc, i| acc.wrapping_add(i));
    println!("sum of 1..={n} = {sum}");
    io::reveal_u32(sum);
}
"#;

const RUST_CARGO_CONFIG: &str = r#"# Guest build settings (`cargo tessera build` builds with Debian's Rust toolchain; with
# rustup: `rustup target add riscv32im-unknown-none-elf && cargo build --release`).
[build]
target = "riscv32im-unknown-none-elf"

[target.riscv32im-unknown-none-elf]
rustflags = [
    # Tessera's memory layout (link.x ships with tessera-guest, on the linker search path).
    "-C", "link-arg=-Tlink.x",
    # Keep function symbols (the VM names them in error messages), no debug info.
    "-C", "strip=debuginfo",
    # LLVM otherwise emits `unimp` for `unreachable`, which the VM's transpiler rejects.
    "-Z", "trap-unreachable=no",
]

[env]
RUSTC_BOOTSTRAP = "1"
"#;

fn rust_manifest(name: &str, guest: &Path) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
tessera-guest = {{ path = "{}" }}

[profile.release]
opt-level = 3
panic = "abort"
codegen-units = 1
lto = true
debug = false

[profile.dev]
panic = "abort"

# A workspace of its own.
[workspace]
"#,
        guest.display().to_string().replace('\\', "/")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_march() {
        assert_eq!(project_name(Path::new("/tmp/my guest")), "my-guest");
        assert_eq!(project_name(Path::new("/tmp/1st")), "guest-1st");
        assert_eq!(package_name("[package]\nname = \"hello\"\n"), Some("hello"));
        let mut config = VmConfig::default();
        assert_eq!(march(&config).unwrap(), "rv32im");
        config.extensions.push("zbb".to_owned());
        assert_eq!(march(&config).unwrap(), "rv32im_zbb");
        config.extensions.push("keccak".to_owned());
        assert!(matches!(
            march(&config),
            Err(ProjectError::UnknownIsaExtension { .. })
        ));
    }

    #[test]
    fn init_refuses_a_non_empty_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
        let err = init_project(dir.path(), GuestLanguage::C).unwrap_err();
        assert!(matches!(err, ProjectError::NotEmpty { .. }), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn build_refuses_a_directory_without_sources() {
        let dir = tempfile::tempdir().unwrap();
        let err = build_project(dir.path(), &VmConfig::default()).unwrap_err();
        assert!(err.to_string().contains("not a guest project"), "{err}");
    }
}
