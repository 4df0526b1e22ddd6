//! The `cargo-tessera` binary: `run` on the bundled examples, its JSON output, and clear errors
//! (with a non-zero exit status) for bad input.

use std::{path::PathBuf, process::Command};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-tessera"))
}

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/elf")
        .join(name)
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let output = bin().args(args).arg("--json").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object on stdout")
}

#[test]
fn run_prints_guest_output_and_a_summary() {
    let output = bin()
        .arg("run")
        .arg(example("c-fibonacci.elf"))
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "fib(1000) mod 2^32 = 1556111435\n"
    );
    let summary = String::from_utf8_lossy(&output.stderr);
    for field in [
        "exit code:     0",
        "instructions:  5342",
        "MHz",
        "public output: 4b60c05c",
    ] {
        assert!(summary.contains(field), "missing {field:?} in {summary}");
    }
}

#[test]
fn json_report_has_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("n.bin");
    std::fs::write(&input, 10u32.to_le_bytes()).unwrap();
    let path = example("c-fibonacci.elf");
    let json = run_json(&[
        "run",
        path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["stdout"], "fib(10) mod 2^32 = 55\n");
    assert_eq!(json["public_output"], "37000000");
    assert!(json["instret"].as_u64().unwrap() > 50);
    assert!(json["seconds"].as_f64().unwrap() >= 0.0);
    assert!(json["mhz"].as_f64().unwrap() > 0.0);
}

#[test]
fn accepts_the_cargo_subcommand_form() {
    // `cargo tessera run X` runs `cargo-tessera tessera run X`.
    let path = example("rust-keccak.elf");
    let json = run_json(&["tessera", "run", path.to_str().unwrap()]);
    assert_eq!(
        json["public_output"],
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    );
}

#[test]
fn guest_exit_code_is_reported_and_sets_status_1() {
    let output = bin()
        .arg("run")
        .arg(example("c-reveal.elf"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("exit code:     1"));
}

fn expect_error(args: &[&str], needle: &str) {
    let output = bin().args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn errors_are_clear_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.elf");
    expect_error(&["run", missing.to_str().unwrap()], "cannot read");

    let garbage = dir.path().join("garbage.elf");
    std::fs::write(&garbage, b"not an elf at all").unwrap();
    expect_error(&["run", garbage.to_str().unwrap()], "not a valid ELF");

    let fib = example("c-fibonacci.elf");
    let fib = fib.to_str().unwrap();
    expect_error(
        &["run", fib, "--max-instructions", "1000"],
        "instruction limit of 1000",
    );
    expect_error(
        &["run", fib, "--input", missing.to_str().unwrap()],
        "cannot read",
    );
}

#[test]
fn bad_arguments_are_usage_errors() {
    let output = bin().args(["run"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage"));
    let output = bin()
        .args(["run", "x.elf", "--max-instructions", "lots"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid value"));
}

#[test]
fn run_segments_prints_the_metered_plan() {
    let path = example("c-fibonacci.elf");
    let json = run_json(&["run", path.to_str().unwrap(), "--segments", "1000"]);
    let instret = json["instret"].as_u64().unwrap();
    let segments = json["segments"].as_array().unwrap();
    assert!(segments.len() as u64 >= instret.div_ceil(1000));
    let sizes: Vec<u64> = segments
        .iter()
        .map(|s| s["num_insns"].as_u64().unwrap())
        .collect();
    assert!(sizes.iter().all(|&n| (1..=1000).contains(&n)), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<u64>(), instret);
    assert!(json["mhz"].as_f64().unwrap() > 0.0);
    let output = bin()
        .args(["run", path.to_str().unwrap(), "--segments"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 segment(s)"));
}

#[test]
fn run_cost_prints_what_proving_would_cost() {
    let path = example("c-fibonacci.elf");
    let json = run_json(&["run", path.to_str().unwrap(), "--cost"]);
    let instret = json["instret"].as_u64().unwrap();
    // One row per instruction, plus the buffer rows of syscalls (4 revealed bytes).
    let rows = |buffers: bool| -> u64 {
        let airs = json["airs"].as_array().unwrap().iter();
        airs.filter(|air| {
            let name = air[0].as_str().unwrap();
            (name.starts_with("PublicWrite") || name.starts_with("Read")) == buffers
        })
        .map(|air| air[1].as_u64().unwrap())
        .sum()
    };
    assert_eq!(rows(false), instret);
    assert_eq!(rows(true), 4);
    assert!(json["memory_cells"].as_u64().unwrap() > 0);
    assert!(json["interactions"].as_u64().unwrap() > 10 * instret);
    // Either the plan or the cost, not both.
    let output = bin()
        .args(["run", path.to_str().unwrap(), "--cost", "--segments"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// Each command that reads an ELF prints why it was rejected once (no cause repeated by the
/// error chain), and keeps its documented exit status.
#[test]
fn a_rejected_elf_names_its_reason_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut elf64 = tessera_test_utils::elf_from_words(0x1000, &[0x13]);
    elf64[4] = 2; // ELFCLASS64
    let elf64_path = dir.path().join("elf64.elf");
    std::fs::write(&elf64_path, &elf64).unwrap();
    let mut outside = tessera_test_utils::elf_from_words(0x1000, &[0x13]);
    outside[52 + 8..52 + 12].copy_from_slice(&0x3000_0000u32.to_le_bytes()); // p_vaddr
    let outside_path = dir.path().join("outside.elf");
    std::fs::write(&outside_path, &outside).unwrap();
    let proof = dir.path().join("x.proof");
    for (path, reason) in [
        (&elf64_path, "ELF class is 64-bit"),
        (&outside_path, "lie outside the VM memory"),
    ] {
        let path = path.to_str().unwrap();
        for (args, status) in [
            (vec!["run", path], 2),
            (vec!["run", path, "--segments"], 2),
            (vec!["prove", path, "--out", proof.to_str().unwrap()], 2),
            (vec!["verify", proof.to_str().unwrap(), "--elf", path], 2),
        ] {
            let output = bin().args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(status), "{args:?}: {stderr}");
            assert_eq!(stderr.matches(reason).count(), 1, "{args:?}: {stderr}");
            assert_eq!(
                stderr.matches("invalid ELF").count(),
                1,
                "{args:?}: {stderr}"
            );
            assert!(stderr.contains(path), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn run_verbose_lists_the_words_that_are_not_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data-in-code.elf");
    // exit(0), then a compressed-looking word and a zero word: never executed.
    let words = [0x0000_0513, 0x05d0_0893, 0x0000_0073, 0x4501_4501, 0];
    std::fs::write(&path, tessera_test_utils::elf_from_words(0x1000, &words)).unwrap();
    let output = bin()
        .args(["run", "--verbose"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("2 words of executable segments"),
        "{stderr}"
    );
    assert!(
        stderr.contains("0x0000100c: 0x45014501 is a compressed (16-bit) instruction"),
        "{stderr}"
    );
    assert!(
        stderr.contains("0x00001010: 0x00000000 is not an instruction"),
        "{stderr}"
    );
    // Without --verbose, nothing is listed.
    let output = bin().arg("run").arg(&path).output().unwrap();
    assert!(!String::from_utf8_lossy(&output.stderr).contains("words of executable"));
}

/// `--help` teaches: every command's help has examples.
#[test]
fn every_command_has_examples_in_its_help() {
    let mut commands = vec![
        "init",
        "build",
        "run",
        "prove",
        "verify",
        "keygen",
        "commit",
        "extensions",
    ];
    if cfg!(feature = "cluster") {
        commands.extend(["worker", "job"]);
    }
    for command in commands {
        let output = bin().args([command, "--help"]).output().unwrap();
        assert!(output.status.success(), "{command} --help");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(
            help.contains("Examples:\n  cargo tessera "),
            "{command} --help has no examples:\n{help}"
        );
    }
}
