//! `Sdk::segment_starts`: the start of every planned segment from pure execution equals the
//! `next_start` of the previous segment of a sequential proof.

use tessera_sdk::{KeyStore, ProveOptions, Sdk, SegmentStart};

fn example(name: &str) -> String {
    format!("{}/../../examples/elf/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn check_starts(name: &str, input: &[u8], segment_instructions: u64) -> Vec<SegmentStart> {
    let keys = tempfile::tempdir().unwrap();
    let sdk = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(keys.path()));
    let exe = sdk.load_elf_file(example(name)).unwrap();
    let options = ProveOptions {
        segment_instructions: Some(segment_instructions),
        ..ProveOptions::default()
    };
    let plan = sdk.meter(&exe, input.to_vec(), &options).unwrap();
    assert!(plan.segments.len() >= 3, "{} segments", plan.segments.len());
    let starts = sdk.segment_starts(&exe, &plan).unwrap();
    assert_eq!(starts.len(), plan.segments.len());

    let lsh = plan.log_stacked_height(exe.program.instructions.len());
    let prover = sdk.segment_prover(&exe, lsh).unwrap();
    let proven = prover
        .prove_continuations(&input.into(), &plan.segments)
        .unwrap();
    // The first start is the program's start (the ELF's image without its zero words).
    let initial = SegmentStart::initial(&exe);
    assert_eq!((starts[0].pc, starts[0].instret), (initial.pc, 0));
    let mut image = initial.memory.clone();
    image.retain(|_, word| *word != 0);
    assert_eq!(starts[0].memory, image);
    for (index, (start, previous)) in starts[1..].iter().zip(&proven).enumerate() {
        assert_eq!(
            *start,
            previous.next_start,
            "start of segment {} of {name}",
            index + 1
        );
    }
    // A segment proven alone from its computed start proves what the sequential proof's
    // segment proves (the same trace commitment, shapes and public values; the proof-of-work
    // witnesses may differ).
    let last = starts.len() - 1;
    let alone = prover
        .prove_segment(
            starts[last].clone(),
            &input.into(),
            plan.segments[last].num_insns,
        )
        .unwrap();
    let (a, b) = (&alone.proof, &proven[last].proof);
    assert_eq!(a.common_main_commit, b.common_main_commit);
    assert_eq!(a.trace_vdata, b.trace_vdata);
    assert_eq!(a.public_values, b.public_values);
    starts
}

#[test]
fn starts_of_c_sort_equal_the_sequential_next_starts() {
    let starts = check_starts("c-sort.elf", &40u32.to_le_bytes(), 1_500);
    let sizes: Vec<usize> = starts
        .iter()
        .map(|s| bincode::serialize(s).unwrap().len())
        .collect();
    eprintln!("c-sort n=40: serialized segment starts (bytes): {sizes:?}");
}

#[test]
fn starts_carry_input_and_public_output() {
    // Segments of 200 instructions cut through reads, public writes and the exit.
    check_starts(
        "c-reveal.elf",
        b"\x01\x02\x03 bytes to read and reveal",
        200,
    );
}
