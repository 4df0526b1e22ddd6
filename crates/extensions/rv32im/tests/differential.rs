//! Differential tests against qemu-riscv32: the example guests and hundreds of random programs
//! must give the same exit code, stdout and public output on Tessera and on qemu.
//! Skipped (with a message) when the RISC-V toolchain or qemu is missing, unless
//! `TESSERA_REQUIRE_TOOLS=1` (set by CI), which turns a missing tool into a failure.

use std::{path::Path, sync::Arc};

use p3_baby_bear::BabyBear;
use tessera_arch::{load_elf, Streams, VmExecutor, VmState};
use tessera_rv32im::Rv32ImConfig;
use tessera_test_utils::{random_program::random_program, repo_root, QemuRun, Tools};

/// Number of random programs (override with TESSERA_DIFF_SEEDS).
const DEFAULT_SEEDS: u64 = 300;

fn run_tessera(elf: &[u8], input: &[u8]) -> VmState {
    let config = Rv32ImConfig::default();
    let exe = Arc::new(load_elf::<BabyBear, _>(&config, elf).expect("loads"));
    let executor = VmExecutor::new(config).expect("config");
    executor
        .execute(&exe, Streams::new(input), Some(1 << 32))
        .unwrap_or_else(|e| panic!("Tessera failed: {e}"))
}

fn assert_agree(what: &str, vm: &VmState, qemu: &QemuRun) {
    let exit_code = vm.exit_code.expect("exited");
    assert_eq!(exit_code & 0xff, qemu.exit_code as u32, "{what}: exit code");
    assert_eq!(vm.host_output.stdout, qemu.stdout, "{what}: stdout");
    assert_eq!(
        vm.memory.public_output(),
        qemu.public_output,
        "{what}: public output"
    );
}

#[test]
fn examples_agree_with_qemu() {
    let Some(tools) = Tools::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let inputs: [&[u8]; 5] = [
        b"",
        &10u32.to_le_bytes(),
        &100_000u32.to_le_bytes(),
        b"abc",
        b"hello, world: a longer input to hash and to reveal",
    ];
    let elf_dir = repo_root().join("examples/elf");
    let mut count = 0;
    for entry in std::fs::read_dir(&elf_dir).unwrap() {
        let path = entry.unwrap().path();
        // `*-zbb.elf` are built for `rv32im + zbb` and tested in contrib/zbb.
        if path.to_string_lossy().ends_with("-zbb.elf") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for input in inputs {
            let what = format!(
                "{} with input {:?}",
                path.display(),
                String::from_utf8_lossy(input)
            );
            let qemu = tools.run_qemu(&path, input, dir.path()).unwrap();
            assert_agree(&what, &run_tessera(&bytes, input), &qemu);
            count += 1;
        }
    }
    assert!(
        count >= 30,
        "expected at least 6 example ELFs in {}",
        elf_dir.display()
    );
}

fn check_seed(tools: &Tools, dir: &Path, seed: u64) {
    let source = random_program(seed, 200);
    let elf = tools
        .assemble(&source, dir, &format!("random-{seed}"))
        .unwrap_or_else(|e| panic!("seed {seed} does not assemble: {e}"));
    let bytes = std::fs::read(&elf).unwrap();
    let qemu = tools.run_qemu(&elf, b"", dir).unwrap();
    assert_eq!(qemu.stdout.len(), 128 + 4096, "seed {seed}: qemu output");
    assert_agree(
        &format!("random program seed {seed}"),
        &run_tessera(&bytes, b""),
        &qemu,
    );
}

#[test]
fn random_programs_agree_with_qemu() {
    let Some(tools) = Tools::find() else { return };
    let seeds: u64 = std::env::var("TESSERA_DIFF_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEEDS);
    let dir = tempfile::tempdir().unwrap();
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let (tools, dir) = (&tools, dir.path());
            scope.spawn(move || {
                for seed in (worker..seeds).step_by(2) {
                    check_seed(tools, dir, seed);
                }
            });
        }
    });
}
