//! `cargo tessera init` and `build` end to end, from a fresh temporary directory: a C project is
//! created, built, run, proven (100-bit parameters) and verified, its ELF runs unchanged under
//! qemu-riscv32, `commit` prints the commitment the proof carries and `keygen` the cached keys; a Rust project is created, built and run (skipped, saying what is
//! missing, without Debian's Rust toolchain); bad invocations fail with clear errors.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use tessera_test_utils::Tools;

fn bin(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-tessera"));
    command
        .current_dir(dir)
        .env("TESSERA_KEY_DIR", dir.join("keys"));
    command
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn fails(output: Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
}

/// Builds `dir` with `cargo tessera build --json` and returns the ELF's path.
fn build(root: &Path, dir: &str, extra: &[&str]) -> PathBuf {
    let out = ok(bin(root)
        .args(["build", dir, "--json"])
        .args(extra)
        .output()
        .unwrap());
    let report: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    let elf = root.join(report["elf"].as_str().unwrap());
    assert!(elf.is_file(), "{}", elf.display());
    elf
}

#[test]
fn a_c_project_builds_runs_proves_and_verifies_as_created() {
    let Some(tools) = Tools::find() else { return };
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let created = ok(bin(root).args(["init", "hello"]).output().unwrap());
    assert!(created.contains("hello/main.c"), "{created}");
    let elf = build(root, "hello", &[]);
    assert_eq!(elf, root.join("hello/target/tessera/hello.elf"));
    let input = root.join("n.bin");
    std::fs::write(&input, 100u32.to_le_bytes()).unwrap();

    let run = ok(bin(root)
        .arg("run")
        .arg(&elf)
        .arg("--input")
        .arg(&input)
        .arg("--json")
        .output()
        .unwrap());
    let run: serde_json::Value = serde_json::from_str(&run).unwrap();
    assert_eq!(run["exit_code"], 0);
    assert_eq!(run["stdout"], "sum of 1..=100 = 5050\n");
    assert_eq!(run["public_output"], hex(&5050u32.to_le_bytes()));

    // The same ELF under qemu-riscv32.
    let qemu = tools
        .run_qemu(&elf, &100u32.to_le_bytes(), root)
        .expect("qemu runs the ELF");
    assert_eq!(qemu.exit_code, 0);
    assert_eq!(qemu.stdout, b"sum of 1..=100 = 5050\n");
    assert_eq!(qemu.public_output, 5050u32.to_le_bytes());

    let proof = root.join("hello.proof");
    ok(bin(root)
        .arg("prove")
        .arg(&elf)
        .arg("--input")
        .arg(&input)
        .arg("--out")
        .arg(&proof)
        .output()
        .unwrap());
    let verified = ok(bin(root)
        .arg("verify")
        .arg(&proof)
        .arg("--elf")
        .arg(&elf)
        .arg("--json")
        .output()
        .unwrap());
    let verified: serde_json::Value = serde_json::from_str(&verified).unwrap();
    assert_eq!(verified["exit_code"], 0);
    assert_eq!(verified["public_output"], hex(&5050u32.to_le_bytes()));

    // `commit` prints the commitment the proof carries; `keygen` caches the keys prove used.
    let committed = ok(bin(root)
        .arg("commit")
        .arg(&elf)
        .arg("--input")
        .arg(&input)
        .arg("--json")
        .output()
        .unwrap());
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(committed["exe_commitment"], verified["exe_commitment"]);
    let lsh = committed["log_stacked_height"]
        .as_u64()
        .unwrap()
        .to_string();
    let keys = ok(bin(root)
        .args(["keygen", "--json", "--log-stacked-height", &lsh])
        .output()
        .unwrap());
    let keys: serde_json::Value = serde_json::from_str(&keys).unwrap();
    for kind in ["proving_key", "verifying_key"] {
        let path = PathBuf::from(keys[kind].as_str().unwrap());
        assert!(
            path.starts_with(root.join("keys")) && path.is_file(),
            "{keys}"
        );
    }
    assert_eq!(keys["verifying_key_sha256"].as_str().unwrap().len(), 64);
}

/// With `zbb` in the configuration, C is compiled for rv32im_zbb: the ELF runs under that
/// configuration, and the default (RV32IM) configuration refuses it if gcc used Zbb.
#[test]
fn a_zbb_configuration_compiles_c_for_zbb() {
    if Tools::find().is_none() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    ok(bin(root).args(["init", "rot"]).output().unwrap());
    // A rotation and a count of leading zeros, which gcc emits as `rol` and `clz` for Zbb.
    std::fs::write(
        root.join("rot/main.c"),
        r#"#include "tessera.h"
int main(void)
{
    uint32_t x;
    if (!tessera_read_u32(&x)) x = 0x12345678;
    uint32_t r = (x << 7) | (x >> 25);
    tessera_reveal_u32(r);
    tessera_reveal_u32((uint32_t)__builtin_clz(x | 1));
    return 0;
}
"#,
    )
    .unwrap();
    let config = root.join("zbb.toml");
    std::fs::write(&config, "extensions = [\"rv32im\", \"zbb\"]\n").unwrap();
    let elf = build(root, "rot", &["--config", config.to_str().unwrap()]);
    let run = ok(bin(root)
        .arg("run")
        .arg(&elf)
        .args(["--json", "--config"])
        .arg(&config)
        .output()
        .unwrap());
    let run: serde_json::Value = serde_json::from_str(&run).unwrap();
    let rotated = 0x12345678u32.rotate_left(7);
    let mut expected = rotated.to_le_bytes().to_vec();
    expected.extend(3u32.to_le_bytes());
    assert_eq!(run["public_output"], hex(&expected));
    // Under RV32IM the Zbb words are not instructions: executing one is an error.
    let plain = bin(root).arg("run").arg(&elf).output().unwrap();
    assert_eq!(plain.status.code(), Some(2));
}

#[test]
fn a_rust_project_builds_and_runs_as_created() {
    let debian = ["/usr/bin/rustc", "/usr/bin/cargo"];
    let lld = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| dir.join("ld.lld-16").is_file())
    });
    if !debian.iter().all(|tool| Path::new(tool).is_file()) || !lld {
        eprintln!(
            "skipped: Debian's Rust toolchain is missing (apt-get install -y rustc-web \
             cargo-web rust-web-src lld-16)"
        );
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let created = ok(bin(root)
        .args(["init", "--lang", "rust", "rusty", "--json"])
        .output()
        .unwrap());
    let created: serde_json::Value = serde_json::from_str(&created).expect("one JSON object");
    assert_eq!(created["language"], "rust");
    let files = created["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f.as_str().unwrap().ends_with("src/main.rs")),
        "{files:?}"
    );
    let elf = build(root, "rusty", &[]);
    let input = root.join("n.bin");
    std::fs::write(&input, 7u32.to_le_bytes()).unwrap();
    let run = ok(bin(root)
        .arg("run")
        .arg(&elf)
        .arg("--input")
        .arg(&input)
        .arg("--json")
        .output()
        .unwrap());
    let run: serde_json::Value = serde_json::from_str(&run).unwrap();
    assert_eq!(run["exit_code"], 0);
    assert_eq!(run["stdout"], "sum of 1..=7 = 28\n");
    assert_eq!(run["public_output"], hex(&28u32.to_le_bytes()));
}

#[test]
fn bad_invocations_fail_with_clear_errors() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::create_dir(root.join("taken")).unwrap();
    std::fs::write(root.join("taken/notes.txt"), "mine").unwrap();
    fails(
        bin(root).args(["init", "taken"]).output().unwrap(),
        "taken already exists and is not an empty directory",
    );
    assert_eq!(
        std::fs::read_to_string(root.join("taken/notes.txt")).unwrap(),
        "mine"
    );
    fails(
        bin(root)
            .args(["init", "--lang", "cobol", "x"])
            .output()
            .unwrap(),
        "invalid value 'cobol'",
    );
    fails(
        bin(root).args(["build", "taken"]).output().unwrap(),
        "taken is not a guest project",
    );
    fails(
        bin(root).args(["build", "missing"]).output().unwrap(),
        "missing does not exist",
    );
    fails(bin(root).arg("keygen").output().unwrap(), "--elf <ELF>");
    fails(
        bin(root)
            .args(["keygen", "--log-stacked-height", "40"])
            .output()
            .unwrap(),
        "log stacked height 40 is outside 16..=24",
    );
    fails(
        bin(root).args(["commit", "missing.elf"]).output().unwrap(),
        "cannot read missing.elf",
    );
    // A missing compiler is named with the package that provides it.
    ok(bin(root).args(["init", "c"]).output().unwrap());
    fails(
        bin(root)
            .args(["build", "c"])
            .env("RISCV_PREFIX", "/nonexistent/riscv-")
            .output()
            .unwrap(),
        "apt-get install -y gcc-riscv64-unknown-elf",
    );
    // A compile error shows the compiler's message.
    if Tools::find().is_some() {
        std::fs::write(root.join("c/main.c"), "int main(void) { return x; }\n").unwrap();
        fails(
            bin(root).args(["build", "c"]).output().unwrap(),
            "'x' undeclared",
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
