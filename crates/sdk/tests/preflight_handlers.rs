//! Preflight over the instruction handlers (an execution context, `PreflightCtx`) produces what
//! the per-family preflight produces: for every example guest (RV32IM and Zbb), cut into small
//! segments, each segment's outcome and every trace and public value are identical.

use std::path::PathBuf;

use openvm_stark_backend::SystemParams;
use tessera_sdk::{ProveOptions, Sdk, SegmentStart, VmConfig};
use tessera_system::vm::{SegmentTraces, VirtualMachine};

fn assert_same_preflight(config: VmConfig, elf: &str, input: &[u8], segment_instructions: u64) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/elf")
        .join(elf);
    let sdk = Sdk::new(config.clone()).unwrap().insecure_for_tests();
    let exe = sdk.load_elf_file(&path).unwrap();
    let options = ProveOptions {
        segment_instructions: Some(segment_instructions),
        ..ProveOptions::default()
    };
    let plan = sdk.meter(&exe, input.to_vec(), &options).unwrap();
    let vm = VirtualMachine::new(config, SystemParams::new_for_testing(16)).unwrap();
    let mut start = SegmentStart::initial(&exe);
    for (index, segment) in plan.segments.iter().enumerate() {
        let old = vm
            .execute_preflight(&exe, start.clone(), input, segment.num_insns)
            .unwrap();
        let new = vm
            .execute_preflight_with_handlers(&exe, start.clone(), input, segment.num_insns)
            .unwrap();
        let at = format!("{elf}, segment {index}");
        assert_eq!(old.instret, new.instret, "{at}");
        assert_eq!(old.final_pc, new.final_pc, "{at}");
        assert_eq!(old.exit_code, new.exit_code, "{at}");
        assert_eq!(old.counts, new.counts, "{at}");
        assert_eq!(old.memory.timestamp, new.memory.timestamp, "{at}");
        assert_eq!(old.memory.touched(), new.memory.touched(), "{at}");
        assert_eq!(old.io.public_output, new.io.public_output, "{at}");
        assert_eq!(old.io.stdout, new.io.stdout, "{at}");
        assert_eq!(old.io.input_position, new.io.input_position, "{at}");
        assert_eq!(old.refresh.records[..], new.refresh.records[..], "{at}");
        let old = vm.generate_traces(&exe, old).unwrap();
        let new = vm.generate_traces(&exe, new).unwrap();
        assert_same_traces(&old, &new, &at);
        start = old.next_start;
    }
    assert!(plan.segments.len() > 1 || plan.instret < segment_instructions);
}

fn assert_same_traces(old: &SegmentTraces, new: &SegmentTraces, at: &str) {
    assert_eq!(old.traces.len(), new.traces.len(), "{at}");
    for (air, (a, b)) in old.traces.iter().zip(&new.traces).enumerate() {
        let values = |t: &Option<_>| {
            t.as_ref().map(
                |t: &openvm_stark_backend::p3_matrix::dense::RowMajorMatrix<_>| t.values.clone(),
            )
        };
        assert!(
            values(a) == values(b),
            "{at}: the traces of AIR {air} differ"
        );
    }
    assert_eq!(old.public_values, new.public_values, "{at}");
    assert_eq!(old.next_start, new.next_start, "{at}");
    assert_eq!(old.exit_code, new.exit_code, "{at}");
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
