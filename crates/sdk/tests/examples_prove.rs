//! Every bundled example guest proves and verifies, and the proof says what pure execution
//! computed (exit code, public output). Toy parameters (`Sdk::insecure_for_tests`): these check
//! that every instruction and syscall the guests use is proven; the CLI tests use the real
//! 100-bit parameters.

use std::path::PathBuf;

use tessera_sdk::{KeyStore, ProveOptions, Sdk};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/elf")
        .join(format!("{name}.elf"))
}

fn prove_and_verify(name: &str, input: &[u8]) {
    let keys = tempfile::tempdir().unwrap();
    let sdk = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(keys.path()));
    let exe = sdk.load_elf_file(example(name)).unwrap();
    let executed = sdk.execute(&exe, input.to_vec(), None).unwrap();
    let (file, report) = sdk
        .prove(&exe, input.to_vec(), ProveOptions::default())
        .unwrap_or_else(|e| panic!("{name} does not prove: {e}"));
    assert_eq!(report.instret, executed.instret, "{name}");
    let verified = sdk
        .verify(&exe, &file)
        .unwrap_or_else(|e| panic!("{name}'s proof is rejected: {e}"));
    assert_eq!(verified.exit_code, executed.exit_code, "{name}");
    assert_eq!(
        verified.public_output, executed.output.public_output,
        "{name}"
    );
}

/// Cycle-tracker markers (writes to the tracker's fds) are proven like host writes.
#[test]
fn c_profile() {
    prove_and_verify("c-profile", &300u32.to_le_bytes());
}

#[test]
fn c_fibonacci() {
    prove_and_verify("c-fibonacci", &30u32.to_le_bytes());
}

#[test]
fn c_sort() {
    prove_and_verify("c-sort", &50u32.to_le_bytes());
}

#[test]
fn c_sha256() {
    prove_and_verify(
        "c-sha256",
        b"the quick brown fox jumps over the lazy dog, twice or more",
    );
}

#[test]
fn c_reveal() {
    prove_and_verify("c-reveal", b"\x01\x02\x03 unaligned bytes");
}

#[test]
fn c_reveal_with_an_error_exit_code() {
    // Empty input: exit code 1, proven as such.
    prove_and_verify("c-reveal", b"");
}

#[test]
fn rust_fibonacci() {
    prove_and_verify("rust-fibonacci", &40u32.to_le_bytes());
}

#[test]
fn rust_keccak() {
    prove_and_verify("rust-keccak", b"abc");
}

/// Proves `name` on `input` in segments of `segment` instructions.
fn prove_in_segments(
    sdk: &Sdk,
    name: &str,
    input: &[u8],
    segment: u64,
) -> (
    std::sync::Arc<tessera_arch::VmExe<tessera_sdk::F>>,
    tessera_sdk::ProofFile,
) {
    let exe = sdk.load_elf_file(example(name)).unwrap();
    let options = ProveOptions {
        segment_instructions: Some(segment),
        ..ProveOptions::default()
    };
    let (file, _) = sdk.prove(&exe, input.to_vec(), options).unwrap();
    (exe, file)
}

#[test]
fn public_output_and_input_carry_across_segments() {
    let keys = tempfile::tempdir().unwrap();
    let sdk = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(keys.path()));
    // Segments of 200 instructions cut through reads, public writes and the exit.
    let input = b"\x01\x02\x03 bytes to read and reveal";
    let (exe, file) = prove_in_segments(&sdk, "c-reveal", input, 200);
    assert!(file.proofs.len() > 3, "{} segments", file.proofs.len());
    let executed = sdk.execute(&exe, input.to_vec(), None).unwrap();
    let verified = sdk.verify(&exe, &file).unwrap();
    assert_eq!(verified.public_output, executed.output.public_output);
    assert_eq!(verified.exit_code, executed.exit_code);
}

#[test]
fn a_segment_of_a_run_with_other_input_cannot_be_spliced_in() {
    use tessera_sdk::{SdkError, VerifyError};
    use tessera_system::vm::VmVerificationError;
    let keys = tempfile::tempdir().unwrap();
    let sdk = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(keys.path()));
    let (exe, file) = prove_in_segments(&sdk, "c-fibonacci", &300u32.to_le_bytes(), 400);
    let (_, other) = prove_in_segments(&sdk, "c-fibonacci", &301u32.to_le_bytes(), 400);
    assert_eq!(file.proofs.len(), other.proofs.len());
    for index in 1..file.proofs.len() {
        let mut spliced = file.clone();
        spliced.proofs[index] = other.proofs[index].clone();
        let err = sdk.verify(&exe, &spliced).unwrap_err();
        assert!(
            matches!(
                err,
                SdkError::Verify(VerifyError::Vm(
                    VmVerificationError::PcMismatch { .. }
                        | VmVerificationError::MemoryMismatch { .. }
                ))
            ),
            "segment {index}: {err}"
        );
    }
    // The output claims of one run do not fit the other's proof either.
    let mut swapped = file.clone();
    swapped.claims.public_output = other.claims.public_output.clone();
    assert!(sdk.verify(&exe, &swapped).is_err());
}
