//! The hint stream and the key-value store, end to end: the example `hints` guests (C and Rust)
//! check a hinted square root and a stored value against its hash, with the hints given up
//! front or answered by a hint host, in execution, in proofs over several segments (toy
//! parameters, `Sdk::insecure_for_tests`), under qemu-riscv32 (fd 4 on a file of hints, the
//! store as files in the working directory) and through `cargo tessera run --hints --kv`.

use std::{path::Path, process::Command, sync::Arc};

use tessera_sdk::{GuestInput, KeyStore, ProveOptions, Sdk, Stdin};
use tessera_test_utils::{repo_root, Tools};

const GREETING: &[u8] = b"hello from the store\n";

fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(2166136261u32, |hash, &byte| {
        (hash ^ byte as u32).wrapping_mul(16777619)
    })
}

fn isqrt(n: u64) -> u64 {
    let (n, mut root) = (n as u128, (n as f64).sqrt() as u128);
    while root * root > n {
        root -= 1;
    }
    while (root + 1) * (root + 1) <= n {
        root += 1;
    }
    root as u64
}

fn elf(name: &str) -> std::path::PathBuf {
    repo_root().join("examples/elf").join(name)
}

fn sdk(keys: &Path) -> Sdk {
    Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(keys))
}

/// The C guest's input (raw n and hash), with the root as a raw hint if `hinted`.
fn c_input(n: u32, root: Option<u32>, greeting: Option<&[u8]>) -> Stdin {
    let mut stdin = Stdin::new();
    stdin.write_raw(&n.to_le_bytes());
    stdin.write_raw(&fnv1a(GREETING).to_le_bytes());
    if let Some(root) = root {
        stdin.hint_raw(&root.to_le_bytes());
    }
    if let Some(greeting) = greeting {
        stdin.kv_insert("greeting", greeting.to_vec());
    }
    stdin
}

fn c_public_output(root: u32) -> Vec<u8> {
    let mut expected = root.to_le_bytes().to_vec();
    expected.extend(fnv1a(GREETING).to_le_bytes());
    expected.extend(GREETING);
    expected
}

#[test]
fn c_guest_checks_hints_given_up_front() {
    let keys = tempfile::tempdir().unwrap();
    let sdk = sdk(keys.path());
    let exe = sdk.load_elf_file(elf("c-hints.elf")).unwrap();
    let run = sdk
        .execute(&exe, c_input(1_000_000, Some(1000), Some(GREETING)), None)
        .unwrap();
    assert_eq!(
        run.exit_code,
        0,
        "{}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    assert_eq!(run.output.public_output, c_public_output(1000));
    assert_eq!(
        String::from_utf8_lossy(&run.output.stdout),
        format!(
            "isqrt(1000000) = 1000\n{}",
            String::from_utf8_lossy(GREETING)
        )
    );
    // What the guest rejects: no hint, a wrong root, no greeting, a greeting off its hash.
    let exit = |stdin: Stdin| sdk.execute(&exe, stdin, None).unwrap().exit_code;
    assert_eq!(exit(c_input(1_000_000, None, Some(GREETING))), 3);
    assert_eq!(exit(c_input(1_000_000, Some(999), Some(GREETING))), 4);
    assert_eq!(exit(c_input(1_000_000, Some(1001), Some(GREETING))), 4);
    assert_eq!(exit(c_input(1_000_000, Some(1000), None)), 5);
    assert_eq!(exit(c_input(1_000_000, Some(1000), Some(b"hullo"))), 6);
}

/// Answers the C guest's request (n, 4 bytes little-endian) with isqrt(n), 4 raw bytes.
fn c_hint_host(request: &[u8]) -> Vec<u8> {
    let n = u32::from_le_bytes(request.try_into().unwrap_or_default());
    (isqrt(n as u64) as u32).to_le_bytes().to_vec()
}

#[test]
fn a_hint_host_answers_requests_and_the_proof_replays_its_answers() {
    let keys = tempfile::tempdir().unwrap();
    let sdk = sdk(keys.path()).with_hint_host(Arc::new(c_hint_host));
    let exe = sdk.load_elf_file(elf("c-hints.elf")).unwrap();
    let n = 3_999_999_999u32;
    let root = isqrt(n as u64) as u32;
    let input = || c_input(n, None, Some(GREETING));
    let run = sdk.execute(&exe, input(), None).unwrap();
    assert_eq!(
        run.exit_code,
        0,
        "{}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    assert_eq!(run.output.public_output, c_public_output(root));

    // The metered run records the answer; the segments are proven from that record.
    let options = ProveOptions {
        segment_instructions: Some(200),
        ..ProveOptions::default()
    };
    let plan = sdk.meter(&exe, input(), &options).unwrap();
    assert_eq!(plan.input.hints, root.to_le_bytes());
    assert!(plan.segments.len() >= 2, "{} segments", plan.segments.len());
    let (file, report) = sdk.prove(&exe, input(), options).unwrap();
    assert!(report.segments >= 2);
    let verified = sdk.verify(&exe, &file).unwrap();
    assert_eq!(verified.public_output, c_public_output(root));

    // Without the host (and without the hints) the guest finds no hint.
    let no_host = self::sdk(keys.path());
    assert_eq!(no_host.execute(&exe, input(), None).unwrap().exit_code, 3);
}

#[test]
fn the_same_c_elf_reads_hints_and_files_under_qemu() {
    let Some(tools) = Tools::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let kv = dir.path().join("kv");
    std::fs::create_dir(&kv).unwrap();
    std::fs::write(kv.join("greeting"), GREETING).unwrap();
    let input = GuestInput::from(c_input(1_000_000, Some(1000), None));
    let qemu = tools
        .run_qemu_with_streams(
            &elf("c-hints.elf"),
            &input.stdin,
            dir.path(),
            &input.hints,
            Some(&kv),
        )
        .unwrap();
    assert_eq!(qemu.exit_code, 0);
    assert_eq!(qemu.public_output, c_public_output(1000));

    // The VM on the same directory (`read_kv_dir`, what `--kv` reads) agrees.
    let keys = tempfile::tempdir().unwrap();
    let sdk = sdk(keys.path());
    let exe = sdk.load_elf_file(elf("c-hints.elf")).unwrap();
    let mut stdin = c_input(1_000_000, Some(1000), None);
    for (key, value) in tessera_sdk::read_kv_dir(&kv).unwrap() {
        stdin.kv_insert(key, value);
    }
    let run = sdk.execute(&exe, stdin, None).unwrap();
    assert_eq!(run.output.stdout, qemu.stdout);
    assert_eq!(run.output.public_output, qemu.public_output);

    // No file of that name: the guest's "no greeting" under qemu too.
    std::fs::remove_file(kv.join("greeting")).unwrap();
    let qemu = tools
        .run_qemu_with_streams(
            &elf("c-hints.elf"),
            &input.stdin,
            dir.path(),
            &input.hints,
            Some(&kv),
        )
        .unwrap();
    assert_eq!(qemu.exit_code, 5);
}

/// The Rust guest's input: records n (u64) and the hash, and the root as a hint record.
fn rust_input(n: u64, hinted: bool) -> Stdin {
    let mut stdin = Stdin::new();
    stdin.write(&n).unwrap().write(&fnv1a(GREETING)).unwrap();
    if hinted {
        stdin.hint(&isqrt(n)).unwrap();
    }
    stdin.kv_insert("greeting", GREETING.to_vec());
    stdin
}

#[test]
fn the_rust_guest_reads_hint_records_and_values_in_the_vm_in_proofs_and_under_qemu() {
    let keys = tempfile::tempdir().unwrap();
    let sdk = sdk(keys.path());
    let exe = sdk.load_elf_file(elf("rust-hints.elf")).unwrap();
    let n = u64::MAX - 5;
    let root = isqrt(n);
    let mut expected = root.to_le_bytes().to_vec();
    expected.extend(fnv1a(GREETING).to_le_bytes());
    expected.extend(GREETING);

    let run = sdk.execute(&exe, rust_input(n, true), None).unwrap();
    assert_eq!(
        run.exit_code,
        0,
        "{}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    assert_eq!(run.output.public_output, expected);
    let (file, _) = sdk
        .prove(&exe, rust_input(n, true), ProveOptions::default())
        .unwrap();
    assert_eq!(sdk.verify(&exe, &file).unwrap().public_output, expected);

    // A hint host answers the request (n, 8 bytes) with a record of the root.
    let host = self::sdk(keys.path()).with_hint_host(Arc::new(|request: &[u8]| {
        let n = u64::from_le_bytes(request.try_into().unwrap_or_default());
        let mut hints = Stdin::new();
        hints.hint(&isqrt(n)).unwrap();
        GuestInput::from(hints).hints
    }));
    let run = host.execute(&exe, rust_input(n, false), None).unwrap();
    assert_eq!(run.output.public_output, expected);

    // A wrong root is a panic that says so.
    let mut wrong = rust_input(n, false);
    wrong.hint(&(root + 1)).unwrap();
    let run = sdk.execute(&exe, wrong, None).unwrap();
    assert_eq!(run.exit_code, 101);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(stderr.contains("the hinted square root"), "{stderr}");

    let Some(tools) = Tools::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("greeting"), GREETING).unwrap();
    let input = GuestInput::from(rust_input(n, true));
    let qemu = tools
        .run_qemu_with_streams(
            &elf("rust-hints.elf"),
            &input.stdin,
            dir.path(),
            &input.hints,
            None,
        )
        .unwrap();
    assert_eq!(qemu.exit_code, 0);
    assert_eq!(qemu.public_output, expected);
}

#[test]
fn cli_run_takes_hints_and_a_kv_directory() {
    let dir = tempfile::tempdir().unwrap();
    let input = GuestInput::from(c_input(1_000_000, Some(1000), None));
    std::fs::write(dir.path().join("in.bin"), &input.stdin).unwrap();
    std::fs::write(dir.path().join("hints.bin"), &input.hints).unwrap();
    std::fs::create_dir(dir.path().join("kv")).unwrap();
    std::fs::write(dir.path().join("kv/greeting"), GREETING).unwrap();
    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cargo-tessera"))
            .current_dir(dir.path())
            .arg("run")
            .arg(elf("c-hints.elf"))
            .args(args)
            .output()
            .unwrap()
    };
    let output = cli(&["--input", "in.bin", "--hints", "hints.bin", "--kv", "kv"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("isqrt(1000000) = 1000"), "{stdout}");
    // Without the hints: the guest's exit code 3. A missing directory: a clear error.
    let output = cli(&["--input", "in.bin", "--kv", "kv"]);
    assert_eq!(output.status.code(), Some(1));
    let output = cli(&["--input", "in.bin", "--kv", "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("nowhere") && stderr.contains("No such file"),
        "{stderr}"
    );
}
