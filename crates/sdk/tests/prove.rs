//! Proving and verifying through the SDK, and every way a proof file is rejected. These use
//! toy parameters (`Sdk::insecure_for_tests`) unless a test says otherwise; the CLI tests
//! prove with the real 100-bit parameters.

use std::sync::{Arc, OnceLock};

use openvm_stark_backend::p3_field::PrimeField32;
use tessera_arch::VmExe;
use tessera_rv32im::encode::*;
use tessera_sdk::{
    KeyStore, ProofFile, ProofFileError, ProveOptions, Sdk, SdkError, Security, VerifyError, F,
    PROOF_FORMAT_VERSION,
};
use tessera_system::vm::{VirtualMachineError, VmVerificationError};

/// Segments of at most `n` instructions (and the default bus-message limit).
fn segments_of(n: u64) -> ProveOptions {
    ProveOptions {
        segment_instructions: Some(n),
        ..ProveOptions::default()
    }
}

/// Sums 1..=n, exits with the sum.
fn sum_exe(n: i32) -> Arc<VmExe<F>> {
    sum_program(&[addi(5, 0, n)])
}

/// Sums 1..=x5 after `load_n` sets x5, exits with the sum.
fn sum_program(load_n: &[u32]) -> Arc<VmExe<F>> {
    let mut words = load_n.to_vec();
    words.extend([
        addi(10, 0, 0),
        add(10, 10, 5),
        addi(5, 5, -1),
        bne(5, 0, -8),
        addi(17, 0, 93),
        ECALL,
    ]);
    Arc::new(exe_from_words(0x1000, &words).unwrap())
}

fn key_dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap())
}

fn sdk() -> Sdk {
    Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(key_dir().path()))
}

/// A proof of `sum_exe(100)` (computed once).
fn proof() -> &'static ProofFile {
    static PROOF: OnceLock<ProofFile> = OnceLock::new();
    PROOF.get_or_init(|| {
        let (file, report) = sdk()
            .prove(&sum_exe(100), vec![], ProveOptions::default())
            .unwrap();
        assert_eq!(report.exit_code, 5050);
        assert_eq!(report.instret, 2 + 3 * 100 + 2);
        file
    })
}

fn rejection(file: &ProofFile, exe: &VmExe<F>) -> SdkError {
    sdk().verify(exe, file).unwrap_err()
}

#[test]
fn a_proof_verifies_and_round_trips_through_its_file_format() {
    let file = ProofFile::from_bytes(&proof().to_bytes()).unwrap();
    let run = sdk().verify(&sum_exe(100), &file).unwrap();
    assert_eq!(run.exit_code, 5050);
    assert!(run.public_output.is_empty());
    assert_eq!(run.exe_commitment.len(), 64);
}

#[test]
fn a_proof_of_another_program_is_rejected() {
    let err = rejection(proof(), &sum_exe(99));
    assert!(
        matches!(
            err,
            SdkError::Verify(VerifyError::Vm(VmVerificationError::ExeCommitmentMismatch))
        ),
        "{err}"
    );
}

#[test]
fn a_wrong_claimed_exit_code_is_rejected() {
    let mut file = proof().clone();
    file.claims.exit_code = 0;
    let err = rejection(&file, &sum_exe(100));
    assert!(
        matches!(
            err,
            SdkError::Verify(VerifyError::ExitCodeMismatch {
                claimed: 0,
                proven: 5050
            })
        ),
        "{err}"
    );
}

#[test]
fn a_wrong_claimed_public_output_is_rejected() {
    let mut file = proof().clone();
    file.claims.public_output.bytes = vec![1, 2, 3];
    let err = rejection(&file, &sum_exe(100));
    assert!(
        matches!(
            err,
            SdkError::Verify(VerifyError::Vm(VmVerificationError::PublicOutputMismatch))
        ),
        "{err}"
    );
    // Trailing zeros are part of the output: the length word is committed too.
    let mut file = proof().clone();
    file.claims.public_output.bytes = vec![0];
    assert!(sdk().verify(&sum_exe(100), &file).is_err());
}

#[test]
fn flipped_proof_bytes_are_rejected() {
    let bytes = proof().to_bytes();
    let header = 8 + 4 + 4 + serde_json::to_vec(&proof().claims).unwrap().len() + 4 + 8;
    // Bytes spread over the whole STARK proof: each flip must be refused, by the decoder or
    // the verifier, and never accepted.
    let step = ((bytes.len() - header) / 24).max(1);
    let mut checked = 0;
    for at in (header..bytes.len()).step_by(step) {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x01;
        match ProofFile::from_bytes(&tampered) {
            Err(ProofFileError::BadProof(_)) => {}
            Err(e) => panic!("unexpected file error at byte {at}: {e}"),
            Ok(file) => {
                assert!(
                    sdk().verify(&sum_exe(100), &file).is_err(),
                    "a flip at byte {at} was accepted"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 20);
}

#[test]
fn malformed_files_get_typed_errors() {
    let bytes = proof().to_bytes();
    assert!(matches!(
        ProofFile::from_bytes(b"not a proof"),
        Err(ProofFileError::BadMagic)
    ));
    let mut future = bytes.clone();
    future[8..12].copy_from_slice(&(PROOF_FORMAT_VERSION + 1).to_le_bytes());
    assert!(matches!(
        ProofFile::from_bytes(&future),
        Err(ProofFileError::UnsupportedVersion { .. })
    ));
    for len in [0, 7, 12, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            ProofFile::from_bytes(&bytes[..len]).is_err(),
            "a file cut at {len} bytes was read"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        ProofFile::from_bytes(&longer),
        Err(ProofFileError::TrailingBytes(1))
    ));
    let mut claims = bytes;
    claims[16] = b'!';
    assert!(matches!(
        ProofFile::from_bytes(&claims),
        Err(ProofFileError::BadClaims(_))
    ));
}

#[test]
fn a_proof_with_other_parameters_than_the_verifier_requires_is_rejected() {
    let secure = Sdk::default().with_key_store(KeyStore::at(key_dir().path()));
    let err = secure.verify(&sum_exe(100), proof()).unwrap_err();
    assert!(
        matches!(
            err,
            SdkError::Verify(VerifyError::WrongSecurity {
                found: Security::InsecureTesting,
                expected: Security::Bits100
            })
        ),
        "{err}"
    );
    let mut file = proof().clone();
    file.claims.log_stacked_height = 30;
    assert!(matches!(
        rejection(&file, &sum_exe(100)),
        SdkError::Verify(VerifyError::BadStackedHeight(30))
    ));
    // A proof checked under another stacked height than it was made with fails the STARK.
    let mut file = proof().clone();
    file.claims.log_stacked_height += 1;
    let err = rejection(&file, &sum_exe(100));
    let SdkError::Verify(VerifyError::Vm(VmVerificationError::Segment { index: 0, error })) = err
    else {
        panic!("{err}")
    };
    assert!(matches!(*error, VmVerificationError::Stark(_)), "{error}");
}

#[test]
fn keys_are_cached_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let sdk = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(dir.path()));
    let (file, _) = sdk
        .prove(&sum_exe(3), vec![], ProveOptions::default())
        .unwrap();
    let cached: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        cached.len(),
        1,
        "a proving key (the verifier caches nothing)"
    );
    sdk.verify(&sum_exe(3), &file).unwrap();
    // A corrupted cache entry is regenerated, not trusted.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    sdk.prove(&sum_exe(3), vec![], ProveOptions::default())
        .unwrap();
    sdk.verify(&sum_exe(3), &file).unwrap();
}

/// Whoever can write the key directory does not decide what `verify` accepts: the verifier
/// derives its key from the configuration and the parameters, and the program commitment from
/// the executable. Here the directory of a 100-bit verifier holds the toy parameters' key
/// under every name, and entries of another program: verify still accepts the honest proof,
/// and still rejects a toy-parameter proof that claims 100 bits and a proof of another
/// program.
#[test]
fn a_poisoned_key_directory_does_not_change_what_verify_accepts() {
    let (secure_dir, toy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let secure = Sdk::default().with_key_store(KeyStore::at(secure_dir.path()));
    let toy = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(toy_dir.path()));
    let exe = sum_exe(5);
    let (honest, _) = secure.prove(&exe, vec![], ProveOptions::default()).unwrap();
    let (other, _) = secure
        .prove(&sum_exe(6), vec![], ProveOptions::default())
        .unwrap();
    let (mut weak, _) = toy.prove(&exe, vec![], ProveOptions::default()).unwrap();
    weak.claims.security = Security::Bits100;
    assert_eq!(
        weak.claims.log_stacked_height,
        honest.claims.log_stacked_height
    );

    // The toy keys under the names of the 100-bit ones (the verifying key where this cache
    // kept one before), and the other program's commitment under this program's name.
    let toy_pk = std::fs::read_dir(toy_dir.path()).unwrap().next().unwrap();
    let toy_pk = std::fs::read(toy_pk.unwrap().path()).unwrap();
    let toy_vk = bincode::serialize(&toy.segment_prover(&exe, 16).unwrap().keys().vk).unwrap();
    let program = bincode::serialize(&exe.program).unwrap();
    let other_commitment = secure
        .segment_prover(&sum_exe(6), 16)
        .unwrap()
        .program()
        .commitment
        .map(|x| x.as_canonical_u32());
    let other_entry = bincode::serialize(&(program, other_commitment)).unwrap();
    for entry in std::fs::read_dir(secure_dir.path()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::write(&path, &toy_pk).unwrap();
        std::fs::write(path.with_extension("vk"), &toy_vk).unwrap();
        std::fs::write(path.with_extension("program"), &other_entry).unwrap();
    }

    let verifier = Sdk::default().with_key_store(KeyStore::at(secure_dir.path()));
    assert_eq!(verifier.verify(&exe, &honest).unwrap().exit_code, 15);
    assert!(matches!(
        verifier.verify(&exe, &weak).unwrap_err(),
        SdkError::Verify(VerifyError::Vm(VmVerificationError::Segment { .. }))
    ));
    assert!(matches!(
        verifier.verify(&exe, &other).unwrap_err(),
        SdkError::Verify(VerifyError::Vm(VmVerificationError::ExeCommitmentMismatch))
    ));
}

#[test]
fn a_run_proven_in_segments_verifies_and_a_partial_chain_does_not() {
    let options = ProveOptions {
        segment_instructions: Some(97),
        ..ProveOptions::default()
    };
    let (file, report) = sdk().prove(&sum_exe(100), vec![], options).unwrap();
    assert_eq!(report.segments, 4);
    assert_eq!(file.proofs.len(), 4);
    let file = ProofFile::from_bytes(&file.to_bytes()).unwrap();
    let run = sdk().verify(&sum_exe(100), &file).unwrap();
    assert_eq!((run.exit_code, run.segments), (5050, 4));
    // The same exe commitment as the one-segment proof: it names the program, not the split.
    let whole = sdk().verify(&sum_exe(100), proof()).unwrap();
    assert_eq!(run.exe_commitment, whole.exe_commitment);

    let mut partial = file.clone();
    partial.proofs.pop();
    assert!(matches!(
        rejection(&partial, &sum_exe(100)),
        SdkError::Verify(VerifyError::Vm(VmVerificationError::NotTerminated))
    ));
    let mut swapped = file.clone();
    swapped.proofs.swap(1, 2);
    assert!(matches!(
        rejection(&swapped, &sum_exe(100)),
        SdkError::Verify(VerifyError::Vm(
            VmVerificationError::PcMismatch { index: 1 }
                | VmVerificationError::MemoryMismatch { index: 1 }
        ))
    ));
    let mut empty = file;
    empty.proofs.clear();
    assert!(matches!(
        rejection(&empty, &sum_exe(100)),
        SdkError::Verify(VerifyError::Vm(VmVerificationError::NoSegments))
    ));
}

#[test]
fn a_run_of_millions_of_instructions_proves_in_segments() {
    // 2^20 + 1 loop iterations: about 3.1 million instructions, in segments of about 1 million.
    let exe = sum_program(&[lui(5, 0x100), addi(5, 5, 1)]);
    let executed = sdk().execute(&exe, vec![], None).unwrap();
    assert!(executed.instret > 3_000_000);
    let (file, report) = sdk().prove(&exe, vec![], ProveOptions::default()).unwrap();
    // Segments are cut at metering checks, where the next one would pass 2^24 bus messages.
    assert!((3..=4).contains(&report.segments), "{}", report.segments);
    assert_eq!(report.instret, executed.instret);
    let run = sdk().verify(&exe, &file).unwrap();
    assert_eq!(run.exit_code, executed.exit_code);
    assert_eq!(run.segments, report.segments);
}

#[test]
fn a_segment_is_an_independent_job_given_its_serialized_start() {
    let exe = sum_exe(100);
    let plan = sdk().meter(&exe, vec![], &segments_of(97)).unwrap();
    assert_eq!(plan.segments.len(), 4);
    let prover = sdk().segment_prover(&exe, 16).unwrap();
    let mut start = tessera_sdk::SegmentStart::initial(&exe);
    let mut proofs = Vec::new();
    let mut starts = Vec::new();
    for segment in &plan.segments {
        starts.push(bincode::serialize(&start).unwrap());
        let proven = prover
            .prove_segment(
                start,
                &tessera_sdk::GuestInput::default(),
                segment.num_insns,
            )
            .unwrap();
        start = proven.next_start;
        proofs.push(proven.proof);
    }
    // Another prover (as on another machine) proves segment 2 from its serialized start
    // alone: the same traces (the same commitment to them) and public values.
    let elsewhere = sdk().segment_prover(&exe, 16).unwrap();
    let start: tessera_sdk::SegmentStart = bincode::deserialize(&starts[2]).unwrap();
    let again = elsewhere
        .prove_segment(
            start,
            &tessera_sdk::GuestInput::default(),
            plan.segments[2].num_insns,
        )
        .unwrap();
    assert_eq!(statement(&again.proof), statement(&proofs[2]));
}

/// The bus-message limit cuts segments (each planned segment stays within it, and proving the
/// plan works); a limit of 0 is an options error.
#[test]
fn segments_are_cut_by_bus_messages() {
    let exe = sum_exe(2000);
    let whole = sdk().meter(&exe, vec![], &ProveOptions::default()).unwrap();
    assert_eq!(whole.segments.len(), 1);
    let limit = whole.segments[0].interactions * 3 / 4;
    let options = ProveOptions {
        segment_interactions: Some(limit),
        ..ProveOptions::default()
    };
    let plan = sdk().meter(&exe, vec![], &options).unwrap();
    assert!(plan.segments.len() >= 2, "{:?}", plan.segments);
    assert!(plan.segments.iter().all(|s| s.interactions <= limit));
    let (file, report) = sdk().prove(&exe, vec![], options).unwrap();
    assert_eq!(report.segments, plan.segments.len());
    assert_eq!(sdk().verify(&exe, &file).unwrap().exit_code, 2_001_000);

    let zero = ProveOptions {
        segment_interactions: Some(0),
        ..ProveOptions::default()
    };
    assert!(matches!(
        sdk().meter(&exe, vec![], &zero),
        Err(SdkError::Options(_))
    ));
}

/// The instance proves what the caller asks only if the run agrees: one segment that does not
/// exit is not a single-segment run, and a plan whose segments end elsewhere than the run is
/// refused before the mismatched segment is proven.
#[test]
fn an_instance_refuses_plans_that_do_not_match_the_run() {
    let exe = sum_exe(100);
    let prover = sdk().segment_prover(&exe, 16).unwrap();
    let single = prover
        .prove_single(&tessera_sdk::GuestInput::default(), 1000)
        .unwrap();
    assert_eq!(single.exit_code, Some(5050));
    let err = prover
        .prove_single(&tessera_sdk::GuestInput::default(), 97)
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            VirtualMachineError::NotOneSegment {
                max_instructions: 97
            }
        ),
        "{err}"
    );

    let plan = sdk().meter(&exe, vec![], &segments_of(97)).unwrap();
    assert_eq!(plan.segments.len(), 4);
    let without_last = &plan.segments[..3];
    let err = prover
        .prove_continuations(&tessera_sdk::GuestInput::default(), without_last)
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            VirtualMachineError::PlanMismatch {
                index: 2,
                exited: false
            }
        ),
        "{err}"
    );
    let mut one_more = plan.segments.clone();
    one_more.push(plan.segments[3].clone());
    let err = prover
        .prove_continuations(&tessera_sdk::GuestInput::default(), &one_more)
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            VirtualMachineError::PlanMismatch {
                index: 3,
                exited: true
            }
        ),
        "{err}"
    );
}

/// What a segment proof commits to and states: the commitment to its traces, their shapes and
/// its public values. Proofs themselves are not byte-for-byte reproducible: the proof-of-work
/// grinding takes whichever nonce a thread finds first (`find_any`).
fn statement(proof: &openvm_stark_backend::proof::Proof<tessera_system::vm::SC>) -> String {
    format!(
        "{:?} {:?} {:?}",
        proof.common_main_commit, proof.trace_vdata, proof.public_values
    )
}

/// A plan's row counts only size the record arenas: a plan with absurd counts (as a corrupted
/// serialized plan could hold) or with none proves the very same segments, and the absurd one
/// does not make preflight reserve memory it cannot have.
#[test]
fn a_plans_row_counts_only_size_the_record_arenas() {
    let exe = sum_exe(100);
    let prover = sdk().segment_prover(&exe, 16).unwrap();
    let plan = sdk().meter(&exe, vec![], &segments_of(97)).unwrap();
    let proofs = |segments: &[tessera_arch::Segment]| -> Vec<String> {
        let proven = prover
            .prove_continuations(&tessera_sdk::GuestInput::default(), segments)
            .unwrap();
        proven.iter().map(|p| statement(&p.proof)).collect()
    };
    let expected = proofs(&plan.segments);
    let mut absurd = plan.segments.clone();
    for segment in &mut absurd {
        segment.trace_heights.iter_mut().for_each(|h| *h = u64::MAX);
    }
    assert_eq!(proofs(&absurd), expected);
    let mut none = plan.segments.clone();
    none.iter_mut().for_each(|s| s.trace_heights.clear());
    assert_eq!(proofs(&none), expected);
}

#[test]
fn metered_cost_counts_the_instruction_rows_without_segmenting() {
    let exe = sum_exe(100);
    let cost = sdk().cost(&exe, vec![], None).unwrap();
    assert_eq!(cost.instret, 2 + 3 * 100 + 2);
    // Every instruction has exactly one row in one instruction AIR.
    assert_eq!(
        cost.airs.iter().map(|(_, rows, _)| rows).sum::<u64>(),
        cost.instret
    );
    assert_eq!(
        cost.airs.iter().map(|(_, _, cells)| cells).sum::<u64>(),
        cost.main_cells
    );
    // ADD (reg), ADDI and BNE rows, 100 of each in the loop.
    assert!(cost
        .airs
        .iter()
        .any(|(name, rows, _)| name.contains("BranchEqual") && *rows == 100));
    assert!(cost.main_cells_per_instruction > 10.0 && cost.main_cells_per_instruction < 40.0);
    // The registers' 17 leaves (x0..x31 and the x0 sink) and their ancestors; no other memory.
    assert_eq!(cost.memory.leaves, 17);
    assert!(cost.memory.nodes > 16 && cost.memory_cells > 0);
    // At least every row's messages: above 10 per instruction, below the GKR's 2^24.
    assert!(cost.interactions > 10 * cost.instret && cost.interactions < 1 << 24);
}
