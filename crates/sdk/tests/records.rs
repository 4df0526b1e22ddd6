//! Input records (`Stdin::write`, `write_bytes`) read by C guests (`tessera_read_record`) and
//! Rust guests (`io::read::<T>()`, `io::read_record`): in execution, in proofs (toy parameters,
//! `Sdk::insecure_for_tests`) and under qemu-riscv32, from projects made with `cargo tessera
//! init` and built with `cargo tessera build` in a temporary directory. The Rust guest also
//! marks a cycle-tracker region.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use tessera_sdk::{KeyStore, ProveOptions, Sdk, Stdin};
use tessera_test_utils::Tools;

fn cli(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-tessera"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Creates a project of `lang` in `root/name` with `source` as its main file and builds it.
fn project(root: &Path, lang: &str, name: &str, main: &str, source: &str) -> PathBuf {
    cli(root, &["init", "--lang", lang, name]);
    std::fs::write(root.join(name).join(main), source).unwrap();
    let built: serde_json::Value =
        serde_json::from_str(&cli(root, &["build", name, "--json"])).unwrap();
    root.join(built["elf"].as_str().unwrap())
}

/// Runs `elf` on `input` in the VM, proves and verifies the run, and runs it under qemu: all
/// three agree; returns the VM's stdout and public output.
fn run_everywhere(tools: &Tools, elf: &Path, input: &[u8]) -> (String, Vec<u8>) {
    let keys = tempfile::tempdir().unwrap();
    let sdk = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(keys.path()));
    let exe = sdk.load_elf_file(elf).unwrap();
    let executed = sdk.execute(&exe, input.to_vec(), None).unwrap();
    assert_eq!(
        executed.exit_code,
        0,
        "{}",
        String::from_utf8_lossy(&executed.output.stderr)
    );
    let (file, _) = sdk
        .prove(&exe, input.to_vec(), ProveOptions::default())
        .unwrap();
    let verified = sdk.verify(&exe, &file).unwrap();
    assert_eq!(verified.public_output, executed.output.public_output);
    let dir = tempfile::tempdir().unwrap();
    let qemu = tools.run_qemu(elf, input, dir.path()).unwrap();
    assert_eq!(qemu.exit_code, 0);
    assert_eq!(qemu.stdout, executed.output.stdout);
    assert_eq!(qemu.public_output, executed.output.public_output);
    (
        String::from_utf8(executed.output.stdout).unwrap(),
        executed.output.public_output,
    )
}

const C_RECORDS: &str = r#"
#include "tessera.h"

/* Prints the length and byte sum of every record; a record longer than the buffer is
 * reported and skipped. Reveals the number of records read. */
int main(void)
{
    unsigned char buf[16];
    uint32_t records = 0;
    for (;;) {
        long len = tessera_read_record(buf, sizeof buf);
        if (len == -1)
            break;
        records++;
        if (len == -2) {
            tessera_print("too long\n");
            continue;
        }
        uint32_t sum = 0;
        for (long i = 0; i < len; i++)
            sum += buf[i];
        tessera_print_u32((uint32_t)len);
        tessera_print(" bytes, sum ");
        tessera_print_u32(sum);
        tessera_print("\n");
    }
    tessera_reveal_u32(records);
    return 0;
}
"#;

#[test]
fn c_guests_read_records() {
    let Some(tools) = Tools::find() else { return };
    let root = tempfile::tempdir().unwrap();
    let elf = project(root.path(), "c", "records", "main.c", C_RECORDS);
    let mut stdin = Stdin::new();
    stdin
        .write_bytes(&[1, 2, 3])
        .write_bytes(&[7; 40])
        .write_bytes(b"")
        .write(&0xffu32) // postcard: one varint, [0xff, 0x01]
        .unwrap();
    let (stdout, public) = run_everywhere(&tools, &elf, stdin.as_bytes());
    assert_eq!(
        stdout,
        "3 bytes, sum 6\ntoo long\n0 bytes, sum 0\n2 bytes, sum 256\n"
    );
    assert_eq!(public, 4u32.to_le_bytes());
}

const RUST_RECORDS: &str = r#"#![no_std]
#![no_main]

extern crate alloc;
use alloc::{string::String, vec::Vec};
use tessera_guest::{cycle_tracker, io, println};

tessera_guest::entry!(main);

fn main() {
    let (n, name): (u32, String) = io::read();
    let values: Vec<u64> = io::read();
    let raw = io::read_record();
    cycle_tracker::start("sum");
    let sum: u64 = values.iter().sum();
    cycle_tracker::end("sum");
    println!("{name}: n={n} sum={sum} raw={}", raw.len());
    assert!(io::try_read_record().is_none());
    io::reveal(&sum.to_le_bytes());
}
"#;

#[test]
fn rust_guests_read_typed_records() {
    let Some(tools) = Tools::find() else { return };
    let debian = ["/usr/bin/rustc", "/usr/bin/cargo"];
    if !debian.iter().all(|tool| Path::new(tool).is_file()) {
        eprintln!(
            "skipped: Debian's Rust toolchain is missing (apt-get install -y rustc-web \
             cargo-web rust-web-src lld-16)"
        );
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let elf = project(root.path(), "rust", "typed", "src/main.rs", RUST_RECORDS);
    let mut stdin = Stdin::new();
    stdin
        .write(&(42u32, "answers"))
        .unwrap()
        .write(&vec![1u64, u64::MAX - 2, 1])
        .unwrap()
        .write_bytes(&[0; 5]);
    let (stdout, public) = run_everywhere(&tools, &elf, stdin.as_bytes());
    assert_eq!(stdout, format!("answers: n=42 sum={} raw=5\n", u64::MAX));
    assert_eq!(public, u64::MAX.to_le_bytes());

    // The Rust cycle tracker marks a region (and did nothing under qemu, above).
    let sdk = Sdk::default();
    let exe = sdk.load_elf_file(&elf).unwrap();
    let profile = sdk.profile(&exe, stdin.into_bytes(), None).unwrap();
    assert_eq!(profile.regions.len(), 1);
    assert_eq!(profile.regions[0].name, "sum");
    assert!(profile.regions[0].total.instructions > 10);
    assert!(
        profile.marker_errors.is_empty(),
        "{:?}",
        profile.marker_errors
    );

    // A record of another type is a clear panic (exit code 101), not garbage.
    let mut wrong = Stdin::new();
    wrong.write_bytes(&[0xff]); // a varint that never ends
    let run = sdk.execute(&exe, wrong.into_bytes(), None).unwrap();
    assert_eq!(run.exit_code, 101);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(
        stderr.contains("is not a (u32, alloc::string::String)"),
        "{stderr}"
    );
}
