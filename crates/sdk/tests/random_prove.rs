//! Execution and proving agree: random RV32IM programs (the generator of the differential
//! tests: every instruction family, loops, calls, loads and stores, output on fd 1) are proven
//! and verified, and the proven exit code and public output equal what pure execution
//! reported. Toy parameters (`Sdk::insecure_for_tests`). Skipped without the RISC-V assembler
//! unless `TESSERA_REQUIRE_TOOLS=1`.

use tessera_sdk::{KeyStore, ProveOptions, Sdk};
use tessera_test_utils::{random_program::random_program, Tools};

/// Number of random programs (override with TESSERA_PROVE_SEEDS).
const DEFAULT_SEEDS: u64 = 6;

#[test]
fn random_programs_prove_what_execution_computes() {
    let Some(tools) = Tools::find() else { return };
    let seeds: u64 = std::env::var("TESSERA_PROVE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEEDS);
    let dir = tempfile::tempdir().unwrap();
    let sdk = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(dir.path().join("keys")));
    for seed in 0..seeds {
        let source = random_program(1000 + seed, 200);
        let elf = tools
            .assemble(&source, dir.path(), &format!("random-{seed}"))
            .unwrap_or_else(|e| panic!("seed {seed} does not assemble: {e}"));
        let exe = sdk.load_elf_file(&elf).unwrap();
        let executed = sdk.execute(&exe, vec![], None).unwrap();
        let (file, report) = sdk
            .prove(&exe, vec![], ProveOptions::default())
            .unwrap_or_else(|e| panic!("seed {seed} does not prove: {e}"));
        assert_eq!(report.instret, executed.instret, "seed {seed}");
        assert_eq!(report.output.stdout, executed.output.stdout, "seed {seed}");
        let verified = sdk
            .verify(&exe, &file)
            .unwrap_or_else(|e| panic!("seed {seed}: proof rejected: {e}"));
        assert_eq!(verified.exit_code, executed.exit_code, "seed {seed}");
        assert_eq!(
            verified.public_output, executed.output.public_output,
            "seed {seed}"
        );
    }
}
