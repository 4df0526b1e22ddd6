//! `cargo-tessera prove` and `verify` with the real 100-bit parameters: a proof of an example
//! verifies and prints the proven exit code and public output; a corrupted file, a proof of
//! another program and a proof of an insecure run are rejected with exit status 1.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
};

fn bin(keys: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-tessera"));
    command.env("TESSERA_KEY_DIR", keys);
    command
}

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/elf")
        .join(name)
        .display()
        .to_string()
}

struct Proven {
    dir: tempfile::TempDir,
    proof: PathBuf,
    report: serde_json::Value,
}

/// `prove c-fibonacci.elf` with n = 20, done once for all tests.
fn proven() -> &'static Proven {
    static PROVEN: OnceLock<Proven> = OnceLock::new();
    PROVEN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("n.bin");
        std::fs::write(&input, 20u32.to_le_bytes()).unwrap();
        let proof = dir.path().join("fib.proof");
        let output = bin(&dir.path().join("keys"))
            .args(["prove", &example("c-fibonacci.elf"), "--json", "--input"])
            .arg(&input)
            .arg("--out")
            .arg(&proof)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report = serde_json::from_slice(&output.stdout).expect("one JSON object");
        Proven { dir, proof, report }
    })
}

fn verify(proof: &Path, elf: &str, json: bool) -> Output {
    let mut command = bin(&proven().dir.path().join("keys"));
    command.arg("verify").arg(proof).args(["--elf", elf]);
    if json {
        command.arg("--json");
    }
    command.output().unwrap()
}

fn assert_rejected(output: Output, needle: &str) {
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("proof rejected"), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn prove_reports_the_run_and_caches_keys() {
    let report = &proven().report;
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["stdout"], "fib(20) mod 2^32 = 6765\n");
    assert_eq!(report["public_output"], "6d1a0000");
    assert!(report["khz"].as_f64().unwrap() > 0.0);
    assert!(report["proof_bytes"].as_u64().unwrap() > 1000);
    let cached: Vec<String> = std::fs::read_dir(proven().dir.path().join("keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for kind in [".pk", ".vk"] {
        assert!(
            cached.iter().any(|name| name.ends_with(kind)),
            "no {kind} cached: {cached:?}"
        );
    }
}

#[test]
fn verify_prints_the_proven_exit_code_and_public_output() {
    let output = verify(&proven().proof, &example("c-fibonacci.elf"), false);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("proof accepted"), "{stdout}");
    assert!(stdout.contains("exit code:       0"), "{stdout}");
    assert!(stdout.contains("public output:   6d1a0000"), "{stdout}");
    let instret = &proven().report["instret"];
    assert!(
        stdout.contains(&format!(
            "instructions:    {instret} (claimed by the prover, not proven)"
        )),
        "{stdout}"
    );

    let output = verify(&proven().proof, &example("c-fibonacci.elf"), true);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["public_output"], "6d1a0000");
    // What the proof does not prove is named as a claim.
    assert_eq!(&json["claimed_instret"], instret);
    assert!(json.get("instret").is_none());
}

#[test]
fn a_proof_checked_against_another_elf_is_rejected() {
    let output = verify(&proven().proof, &example("c-sort.elf"), false);
    assert_rejected(output, "another program");
}

#[test]
fn a_corrupted_proof_file_is_rejected() {
    let bytes = std::fs::read(&proven().proof).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.proof");
    // A flipped byte deep in the STARK proof.
    let mut flipped = bytes.clone();
    let at = bytes.len() * 2 / 3;
    flipped[at] ^= 0x40;
    std::fs::write(&path, &flipped).unwrap();
    let output = verify(&path, &example("c-fibonacci.elf"), false);
    assert_eq!(output.status.code(), Some(1));
    // Garbage and truncation.
    std::fs::write(&path, b"this is garbage, not a proof").unwrap();
    assert_rejected(
        verify(&path, &example("c-fibonacci.elf"), false),
        "not a Tessera proof file",
    );
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert_rejected(
        verify(&path, &example("c-fibonacci.elf"), false),
        "truncated",
    );
    // A claimed exit code that the proof does not say.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(text.contains("\"exit_code\":0"));
    let forged = bytes_replace(&bytes, b"\"exit_code\":0", b"\"exit_code\":7");
    std::fs::write(&path, forged).unwrap();
    assert_rejected(
        verify(&path, &example("c-fibonacci.elf"), false),
        "claims exit code 7",
    );
}

fn bytes_replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = haystack
        .windows(from.len())
        .position(|w| w == from)
        .expect("found");
    [&haystack[..at], to, &haystack[at + from.len()..]].concat()
}

#[test]
fn verify_and_prove_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.proof");
    assert_rejected(
        verify(&missing, &example("c-fibonacci.elf"), false),
        "cannot read",
    );
    let output = verify(&proven().proof, "no-such.elf", false);
    assert_eq!(output.status.code(), Some(2));
    let output = bin(&dir.path().join("keys"))
        .args(["prove", &example("c-fibonacci.elf"), "--out"])
        .arg(dir.path().join("p"))
        .args(["--max-instructions", "100"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("instruction limit"));
}

#[test]
fn a_proof_too_large_for_the_memory_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.proof");
    let prove = |limit: &str| {
        bin(&dir.path().join("keys"))
            .args(["prove", &example("c-fibonacci.elf"), "--out"])
            .arg(&out)
            .env("TESSERA_MEMORY_LIMIT", limit)
            .output()
            .unwrap()
    };
    let output = prove("16M");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs about") && stderr.contains("lower --segment-instructions"),
        "{stderr}"
    );
    assert!(!out.exists(), "no proof is written");
    // No key was generated either: the check comes before keygen.
    assert!(std::fs::read_dir(dir.path().join("keys")).map_or(true, |d| d.count() == 0));
    let output = prove("lots");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TESSERA_MEMORY_LIMIT=\"lots\" is not a size"),
        "{stderr}"
    );
}
