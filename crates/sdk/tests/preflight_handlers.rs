//! Preflight runs the instruction handlers in an execution context (`PreflightCtx`), so it
//! computes what execution computes: for every example guest (RV32IM and Zbb), cut into small
//! segments each restarted from its serialized start state, the segments' instructions, host
//! output, public output and exit code add up to pure execution's, and each segment uses the
//! timestamps metering counted. (Until the switch, a version of this test compared every
//! trace with the per-family preflight's: identical for all of these runs.)

use std::path::PathBuf;

use openvm_stark_backend::SystemParams;
use tessera_sdk::{ProveOptions, Sdk, SegmentStart, VmConfig};
use tessera_system::vm::VirtualMachine;

fn assert_same_preflight(config: VmConfig, elf: &str, input: &[u8], segment_instructions: u64) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/elf")
        .join(elf);
    let sdk = Sdk::new(config.clone()).unwrap().insecure_for_tests();
    let exe = sdk.load_elf_file(&path).unwrap();
    let executed = sdk.execute(&exe, input.to_vec(), None).unwrap();
    let options = ProveOptions {
        segment_instructions: Some(segment_instructions),
        ..ProveOptions::default()
    };
    let plan = sdk.meter(&exe, input.to_vec(), &options).unwrap();
    assert!(plan.segments.len() > 1, "{elf}: one segment");
    let vm = VirtualMachine::new(config, SystemParams::new_for_testing(16)).unwrap();
    let mut start = SegmentStart::initial(&exe);
    let (mut instret, mut stdout, mut public_output) = (0, Vec::new(), Vec::new());
    let mut exit_code = None;
    for (index, segment) in plan.segments.iter().enumerate() {
        let at = format!("{elf}, segment {index}");
        let preflight = vm
            .execute_preflight(&exe, start.clone(), &input.into(), segment.num_insns)
            .unwrap();
        assert_eq!(preflight.instret, segment.num_insns, "{at}");
        // The accesses metering counted are the timestamps preflight used (refreshes aside).
        let used = preflight.memory.timestamp - tessera_system::connector::INITIAL_TIMESTAMP;
        let refreshes = preflight.refresh.records.len() as u64;
        assert_eq!(
            used as u64 - refreshes,
            segment.accesses - segment.refresh_rows,
            "{at}"
        );
        instret += preflight.instret;
        stdout.extend_from_slice(&preflight.io.stdout);
        public_output.extend_from_slice(&preflight.io.public_output);
        let traces = vm.generate_traces(&exe, preflight).unwrap();
        exit_code = traces.exit_code;
        start = traces.next_start;
    }
    assert_eq!(instret, executed.instret, "{elf}");
    assert_eq!(exit_code, Some(executed.exit_code), "{elf}");
    assert_eq!(stdout, executed.output.stdout, "{elf}");
    assert_eq!(public_output, executed.output.public_output, "{elf}");
}

#[test]
fn c_examples() {
    let rv32im = VmConfig::default();
    assert_same_preflight(
        rv32im.clone(),
        "c-fibonacci.elf",
        &100u32.to_le_bytes(),
        300,
    );
    assert_same_preflight(rv32im.clone(), "c-sort.elf", &300u32.to_le_bytes(), 20_000);
    assert_same_preflight(rv32im.clone(), "c-sha256.elf", &[7u8; 300], 20_000);
    assert_same_preflight(rv32im, "c-reveal.elf", b"hello, handlers", 200);
}

#[test]
fn rust_examples() {
    let rv32im = VmConfig::default();
    assert_same_preflight(
        rv32im.clone(),
        "rust-fibonacci.elf",
        &50u32.to_le_bytes(),
        2_000,
    );
    assert_same_preflight(rv32im, "rust-keccak.elf", &[3u8; 200], 50_000);
}

#[test]
fn zbb_example() {
    let zbb = VmConfig::from_toml_str("extensions = [\"rv32im\", \"zbb\"]").unwrap();
    assert_same_preflight(zbb, "c-sha256-zbb.elf", &[9u8; 300], 20_000);
}
