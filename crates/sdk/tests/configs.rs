//! Configurations by name: a proof verifies only under the configuration it was made with (the
//! verifying key is derived from the configuration; the claims' copy of it only makes the
//! error clear), and the CLI's `--config` and `extensions`. Toy parameters
//! (`Sdk::insecure_for_tests`) for the SDK tests.

use std::{path::Path, process::Command, sync::Arc};

use tessera_arch::VmExe;
use tessera_rv32im::encode::*;
use tessera_sdk::{KeyStore, ProveOptions, Sdk, SdkError, VerifyError, VmConfig, F};
use tessera_system::vm::VmVerificationError;

/// Sums 1..=10 and exits with the sum (RV32IM only: it loads under every configuration).
fn sum_exe(sdk: &Sdk) -> Arc<VmExe<F>> {
    let words = [
        addi(5, 0, 10),
        addi(10, 0, 0),
        add(10, 10, 5),
        addi(5, 5, -1),
        bne(5, 0, -8),
        addi(17, 0, 93),
        ECALL,
    ];
    sdk.load_elf(&tessera_test_utils::elf_from_words(0x1000, &words))
        .unwrap()
}

fn sdk(config: VmConfig, keys: &Path) -> Sdk {
    Sdk::new(config)
        .unwrap()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(keys))
}

/// RV32IM with a smaller memory: another machine (its memory Merkle tree is another AIR).
fn smaller_memory() -> VmConfig {
    let mut config = VmConfig::default();
    config.system.memory_bits = 24;
    config
}

#[test]
fn a_proof_verifies_only_under_the_configuration_it_was_made_with() {
    let keys = tempfile::tempdir().unwrap();
    let prover = sdk(VmConfig::default(), keys.path());
    let other = sdk(smaller_memory(), keys.path());
    let exe = sum_exe(&prover);
    let (file, _) = prover.prove(&exe, vec![], ProveOptions::default()).unwrap();
    assert_eq!(file.claims.config, VmConfig::default());
    assert_eq!(prover.verify(&exe, &file).unwrap().exit_code, 55);

    // Under another configuration: refused, saying which one the proof needs.
    let error = other.verify(&sum_exe(&other), &file).unwrap_err();
    assert!(
        matches!(error, SdkError::Verify(VerifyError::WrongConfig { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("--config"), "{error}");

    // Relabelled as a proof of the other configuration: the key derived from it rejects it.
    let mut relabelled = file.clone();
    relabelled.claims.config = smaller_memory();
    let error = other.verify(&sum_exe(&other), &relabelled).unwrap_err();
    assert!(
        matches!(
            &error,
            SdkError::Verify(VerifyError::Vm(VmVerificationError::Segment { .. }))
        ),
        "{error}"
    );

    // And the reverse: a proof made under the other configuration is not one of the default.
    let (other_file, _) = other
        .prove(&sum_exe(&other), vec![], ProveOptions::default())
        .unwrap();
    assert_eq!(
        other
            .verify(&sum_exe(&other), &other_file)
            .unwrap()
            .exit_code,
        55
    );
    let mut relabelled = other_file;
    relabelled.claims.config = VmConfig::default();
    assert!(prover.verify(&exe, &relabelled).is_err());
}

#[test]
fn key_files_are_named_by_the_configuration_fingerprint() {
    let keys = tempfile::tempdir().unwrap();
    for config in [VmConfig::default(), smaller_memory()] {
        let sdk = sdk(config.clone(), keys.path());
        sdk.segment_prover(&sum_exe(&sdk), 16).unwrap();
        let prefix = format!("{}-{}", config.name(), &config.fingerprint()[..16]);
        let named = std::fs::read_dir(keys.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().starts_with(&prefix)
            })
            .count();
        assert_eq!(named, 1, "one proving key named {prefix}-...");
    }
}

#[test]
fn an_sdk_refuses_a_configuration_the_registry_cannot_build() {
    let config = VmConfig {
        extensions: vec!["rv32im".into(), "rv64".into()],
        ..VmConfig::default()
    };
    let error = Sdk::new(config).err().expect("refused");
    assert!(
        error.to_string().contains("unknown extension \"rv64\""),
        "{error}"
    );
}

fn cli(keys: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-tessera"));
    command.env("TESSERA_KEY_DIR", keys);
    command
}

fn example(name: &str) -> String {
    tessera_test_utils::repo_root()
        .join("examples/elf")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn cli_lists_extensions_and_prints_the_configuration_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let output = cli(dir.path()).arg("extensions").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("rv32im"), "{stdout}");
    assert!(
        stdout.contains(&VmConfig::default().fingerprint()),
        "{stdout}"
    );
    // What it prints is a configuration file.
    let toml = stdout.split_once("\n# configuration in use").unwrap().1;
    let toml = toml.split_once('\n').unwrap().1;
    assert_eq!(VmConfig::from_toml_str(toml).unwrap(), VmConfig::default());
}

#[test]
fn cli_reports_a_bad_configuration_file_with_exit_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "extensions = [\"rv32im\"]\nsegment_size = 5\n",
            "unknown field `segment_size`",
        ),
        ("extensions = [\"rv32im\", \"rv32im\"]\n", "listed twice"),
        (
            "extensions = [\"rv32im\", \"nope\"]\n",
            "unknown extension \"nope\"",
        ),
        ("extensions = []\n", "names no instruction set"),
        ("[system]\nmemory_bits = 99\n", "memory_bits = 99"),
        (
            "extensions = [\"rv32im\"\n",
            "line 2, column 1: invalid array: expected `]`",
        ),
    ];
    for (text, needle) in cases {
        let file = dir.path().join("tessera.toml");
        std::fs::write(&file, text).unwrap();
        for command in [
            &["run", "x.elf"][..],
            &["verify", "p", "--elf", "x.elf"],
            &["extensions"],
        ] {
            let output = cli(dir.path())
                .arg("--config")
                .arg(&file)
                .args(command)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{text}: {stderr}");
            assert!(stderr.contains(needle), "{text}: {needle:?} in {stderr}");
            assert!(stderr.contains("tessera.toml"), "{stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
    let output = cli(dir.path())
        .args(["--config", "/nonexistent/tessera.toml", "extensions"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read /nonexistent/tessera.toml"),
        "{stderr}"
    );
}

#[test]
fn cli_checks_the_output_path_before_proving() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("/nonexistent/dir/p", "No such file or directory"),
        (dir.path().to_str().unwrap(), "it is a directory"),
    ];
    for (out, cause) in cases {
        let start = std::time::Instant::now();
        let output = cli(dir.path())
            .args(["prove", &example("c-sort.elf"), "--out", out])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with(&format!("error: cannot write {out}: ")),
            "{stderr}"
        );
        // The cause once, and no proving happened (keygen alone takes seconds).
        assert_eq!(stderr.matches(cause).count(), 1, "{stderr}");
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }
}

/// A guest compiled with `-march=rv32im_zbb` proves and verifies under `rv32im + zbb` (100-bit
/// parameters, through the CLI), and its proof is refused under the default configuration.
#[test]
fn cli_proves_a_zbb_guest_under_a_zbb_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tessera.toml");
    std::fs::write(&config, "extensions = [\"rv32im\", \"zbb\"]\n").unwrap();
    let input = dir.path().join("input.bin");
    std::fs::write(&input, b"abc".repeat(300)).unwrap();
    let proof = dir.path().join("sha.proof");
    let elf = example("c-sha256-zbb.elf");

    // Without Zbb the guest stops at its first Zbb instruction.
    let output = cli(dir.path())
        .args(["run", &elf, "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("illegal instruction"), "{stderr}");

    let output = cli(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["prove", &elf, "--json", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&proof)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected = {
        use sha2::Digest;
        tessera_sdk::hex(&sha2::Sha256::digest(b"abc".repeat(300)))
    };
    assert_eq!(report["public_output"], expected);
    let trace_airs = report["trace_heights"].to_string();
    assert!(trace_airs.contains("ZbbRotateAir"), "{trace_airs}");

    let verify = |with_config: bool| {
        let mut command = cli(dir.path());
        if with_config {
            command.arg("--config").arg(&config);
        }
        command
            .args(["verify", "--json", "--elf", &elf])
            .arg(&proof)
            .output()
            .unwrap()
    };
    let output = verify(true);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(run["public_output"], expected);

    let output = verify(false);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("made under configuration rv32im+zbb") && stderr.contains("--config"),
        "{stderr}"
    );
}

/// The same RV32IM program proven under `rv32im` and under `rv32im + zbb`: each proof verifies
/// only under its own configuration, relabelled claims included (toy parameters).
#[test]
fn rv32im_and_rv32im_zbb_proofs_do_not_verify_under_each_other() {
    let keys = tempfile::tempdir().unwrap();
    let zbb = VmConfig::from_toml_str("extensions = [\"rv32im\", \"zbb\"]").unwrap();
    let plain = sdk(VmConfig::default(), keys.path());
    let with_zbb = sdk(zbb.clone(), keys.path());
    let exe = sum_exe(&plain);
    let (plain_proof, _) = plain.prove(&exe, vec![], ProveOptions::default()).unwrap();
    let (zbb_proof, _) = with_zbb
        .prove(&sum_exe(&with_zbb), vec![], ProveOptions::default())
        .unwrap();
    assert_eq!(plain.verify(&exe, &plain_proof).unwrap().exit_code, 55);
    assert_eq!(
        with_zbb
            .verify(&sum_exe(&with_zbb), &zbb_proof)
            .unwrap()
            .exit_code,
        55
    );
    let mut relabelled = plain_proof;
    relabelled.claims.config = zbb;
    let error = with_zbb
        .verify(&sum_exe(&with_zbb), &relabelled)
        .unwrap_err();
    assert!(
        matches!(error, SdkError::Verify(VerifyError::Vm(_))),
        "{error}"
    );
    let mut relabelled = zbb_proof;
    relabelled.claims.config = VmConfig::default();
    let error = plain.verify(&exe, &relabelled).unwrap_err();
    assert!(
        matches!(error, SdkError::Verify(VerifyError::Vm(_))),
        "{error}"
    );
}
