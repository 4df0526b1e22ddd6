//! The forgery suite: a malicious prover (the real prover, run on traces and program tables
//! modified by hand through `VmInstance::prove_traces_with`) against the real verifier. Each
//! attack is a proof that the verifier must reject, with the error that names what is wrong.
//!
//! The attack that motivated the suite: a cached trace's commitment binds its values, not its
//! height. The program table of height H, reread at height 4H, has the same commitment, and
//! its rows are other instructions; a segment proven with it skips a taken branch. The
//! verifier now checks the program table's height (`docs/proving.md`, "What the verifier
//! checks"). Without that check, `forged_program_height_is_rejected`'s proof was accepted with
//! exit code 0, where the program exits with 7.
//!
//! Parameters: the 100-bit parameters at stacked height 2^16 where a test says so (the program
//! height forgery, whose proof also goes through the CLI); the toy parameters of
//! `Sdk::insecure_for_tests` elsewhere (the checks under test do not depend on them).

use std::{process::Command, sync::Arc};

use openvm_stark_backend::{
    p3_field::PrimeCharacteristicRing,
    p3_matrix::{dense::RowMajorMatrix, Matrix},
};
use tessera_arch::{LocalOpcode, VmExe};
use tessera_rv32im::{encode::*, NopOpcode};
use tessera_sdk::{
    Claims, KeyStore, ProofFile, ProveOptions, ProvenSegment, Sdk, SdkError, Security,
    SegmentProver, SegmentStart, VerifyError, F,
};
use tessera_system::{
    connector::ConnectorPvs,
    program::{program_trace, PROGRAM_WIDTH},
    vm::{
        verify_segments, verify_single, VerifiedRun, VmVerificationError, CONNECTOR_AIR_ID,
        PROGRAM_AIR_ID,
    },
};

const BASE: u32 = 0x1000;
/// Where the taken branch is.
const BRANCH_PC: u32 = BASE + 4;

/// `beq x0, x0, +480` at [`BRANCH_PC`] jumps over `exit(0)` to `exit(7)`: the program exits
/// with 7, and with 0 only if the taken branch is skipped. The branch's operand c is 480,
/// NOP's opcode, and its g is 0, so the table reread at 4x its height has a NOP at that pc.
fn branch_guest() -> Vec<u32> {
    let mut words = vec![
        addi(5, 0, 1),
        beq(0, 0, 480),
        addi(10, 0, 0),
        addi(17, 0, 93),
        ECALL,
    ];
    while BASE + 4 * words.len() as u32 != BRANCH_PC + 480 {
        words.push(NOP);
    }
    words.extend([addi(10, 0, 7), addi(17, 0, 93), ECALL]);
    words
}

fn exe_of(words: &[u32]) -> Arc<VmExe<F>> {
    Arc::new(exe_from_words(BASE, words).unwrap())
}

/// The 9-column `table` reread as a 9-column table of `factor` times its height: the same
/// values in the same column-after-column order, which is how the proof system stacks them.
fn reread(table: &RowMajorMatrix<F>, factor: usize) -> RowMajorMatrix<F> {
    let (width, height) = (table.width(), table.height());
    let stacked: Vec<F> = (0..width)
        .flat_map(|col| (0..height).map(move |row| table.values[row * width + col]))
        .collect();
    let tall = height * factor;
    let mut values = vec![F::ZERO; tall * width];
    for (i, value) in stacked.into_iter().enumerate() {
        let (col, row) = (i / tall, i % tall);
        values[row * width + col] = value;
    }
    RowMajorMatrix::new(values, width)
}

/// The real prover, used by hand.
struct MaliciousProver {
    prover: SegmentProver,
}

impl MaliciousProver {
    fn new(sdk: &Sdk, exe: &Arc<VmExe<F>>) -> Self {
        Self {
            prover: sdk.segment_prover(exe, 16).unwrap(),
        }
    }

    fn honest(&self, start: SegmentStart, instructions: u64) -> ProvenSegment {
        self.prover
            .prove_segment(start, &tessera_sdk::GuestInput::default(), instructions)
            .unwrap()
    }

    /// Proves one instruction from `start` as if the program had `NOP` at `start.pc`, with the
    /// program table reread at `factor` times its height (which must read `NOP` at that pc).
    fn nop_with_reread_table(&self, start: SegmentStart, factor: usize) -> ProvenSegment {
        let vm = self.prover.vm();
        let exe = self.prover.exe();
        let slot = ((start.pc - exe.program.pc_base) / 4) as usize;
        let table = reread(&program_trace(&exe.program), factor);
        let row = &table.values[slot * PROGRAM_WIDTH..(slot + 1) * PROGRAM_WIDTH];
        assert_eq!(row[0], F::from_u32(start.pc));
        assert_eq!(row[1], F::from_u32(NopOpcode::NOP.global().as_u32()));
        assert!(row[2..].iter().all(|v| *v == F::ZERO), "{row:?}");
        let forged_table = vm.commit_program_table(table).unwrap();

        // The traces of executing NOP there, with the multiplicities at the reread height.
        let mut nop_exe = (**exe).clone();
        nop_exe.program.instructions[slot] = exe_of(&[NOP]).program.instructions[0];
        let preflight = vm
            .execute_preflight(&nop_exe, start, &tessera_sdk::GuestInput::default(), 1)
            .unwrap();
        let mut traces = vm.generate_traces(&nop_exe, preflight).unwrap();
        let multiplicities = traces.traces[PROGRAM_AIR_ID].as_mut().unwrap();
        let height = multiplicities.height() * factor;
        multiplicities.values.resize(height, F::ZERO);
        self.prover
            .prove_traces_with(&forged_table, traces)
            .unwrap()
    }

    fn verify(&self, proofs: &[ProvenSegment]) -> Result<VerifiedRun, VmVerificationError> {
        let proofs: Vec<_> = proofs.iter().map(|p| p.proof.clone()).collect();
        let vm = self.prover.vm();
        verify_segments(vm.engine(), &self.prover.keys().vk, &proofs)
    }
}

fn file_of(segments: &[ProvenSegment], security: Security) -> ProofFile {
    let last = segments.last().unwrap();
    ProofFile {
        claims: Claims {
            config: tessera_sdk::VmConfig::default(),
            security,
            log_stacked_height: 16,
            exit_code: last.exit_code.unwrap(),
            public_output: last.public_output.clone(),
            instret: 3,
        },
        proofs: segments.iter().map(|p| p.proof.clone()).collect(),
    }
}

#[test]
fn cached_program_table_reread_at_4x_height_has_the_same_commitment() {
    let vm = Sdk::default().segment_prover(&exe_of(&[NOP]), 16).unwrap();
    let vm = vm.vm();
    // The branch guest (128 rows): every reread stacks into the same one column of 2^16.
    // A program of 2^13 rows fills two stacked columns; its 2x and 4x rereads spill into 3
    // and 5, the extra ones all zero, and the Merkle row hash (a sponge of rate 8 that pads
    // with zeros) does not tell a row of 2 values from the same 2 followed by zeros. (Its 8x
    // reread, 9 stacked columns, takes a second absorption and changes the commitment.)
    let big: Vec<u32> = (0..1 << 13).map(|i| addi(5, 5, i % 2000)).collect();
    for (words, factors) in [(branch_guest(), &[2, 4, 8][..]), (big, &[2, 4][..])] {
        let exe = exe_of(&words);
        let honest = vm.commit_program(&exe).unwrap();
        let table = program_trace(&exe.program);
        for &factor in factors {
            let forged = vm.commit_program_table(reread(&table, factor)).unwrap();
            assert_eq!(forged.commitment, honest.commitment, "{factor}x");
            assert_eq!(forged.table().rows(), factor * honest.table().rows());
        }
    }
}

/// The three-segment forgery: A honest up to the branch, M a NOP at the branch (the table
/// reread at 4x), B honest from the next instruction to `exit(0)`.
#[test]
fn forged_program_height_is_rejected() {
    let words = branch_guest();
    let dir = tempfile::tempdir().unwrap();
    let elf = dir.path().join("branch.elf");
    std::fs::write(&elf, tessera_test_utils::elf_from_words(BASE, &words)).unwrap();
    let sdk = Sdk::default().with_key_store(KeyStore::at(dir.path().join("keys")));
    let exe = sdk.load_elf_file(&elf).unwrap();
    assert_eq!(sdk.execute(&exe, vec![], None).unwrap().exit_code, 7);

    let forger = MaliciousProver::new(&sdk, &exe);
    let a = forger.honest(SegmentStart::initial(&exe), 1);
    assert_eq!(a.next_start.pc, BRANCH_PC);
    let m = forger.nop_with_reread_table(a.next_start.clone(), 4);
    assert_eq!(m.next_start.pc, BRANCH_PC + 4);
    let b = forger.honest(m.next_start.clone(), 100);
    assert_eq!(b.exit_code, Some(0));

    // Everything the verifier checked before the height: each segment verifies, all have the
    // same program commitment, and they chain by pc and memory root.
    let vm = forger.prover.vm();
    let vk = &forger.prover.keys().vk;
    let verified: Vec<_> = [&a, &m, &b]
        .iter()
        .map(|s| verify_single(vm.engine(), vk, &s.proof).unwrap())
        .collect();
    for pair in verified.windows(2) {
        assert_eq!(pair[0].program.commitment, pair[1].program.commitment);
        assert_eq!(pair[0].final_pc, pair[1].initial_pc);
        assert_eq!(pair[0].final_root, pair[1].initial_root);
    }
    assert_eq!(
        (verified[0].program.rows(), verified[1].program.rows()),
        (128, 512)
    );

    let expected = VmVerificationError::ProgramHeightMismatch {
        index: 1,
        expected_rows: 128,
        found_rows: 512,
    };
    let segments = [a, m, b];
    assert_eq!(forger.verify(&segments), Err(expected.clone()));
    let file = file_of(&segments, Security::Bits100);
    match sdk.verify(&exe, &file) {
        Err(SdkError::Verify(VerifyError::Vm(error))) => assert_eq!(error, expected),
        other => panic!("{other:?}"),
    }

    // The CLI says why.
    let proof = dir.path().join("forged.proof");
    std::fs::write(&proof, file.to_bytes()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-tessera"))
        .env("TESSERA_KEY_DIR", dir.path().join("keys"))
        .arg("verify")
        .arg(&proof)
        .arg("--elf")
        .arg(&elf)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("program table has 512 rows") && stderr.contains("has 128"),
        "{stderr}"
    );
}

/// A run whose every segment claims the reread table: consistent across segments, so only
/// the check against the executable can catch it.
#[test]
fn a_run_with_another_program_height_than_the_executable_is_rejected() {
    let sdk = Sdk::default().insecure_for_tests();
    let exe = exe_of(&branch_guest());
    let prover = sdk.segment_prover(&exe, 16).unwrap();
    let identity = prover.vm().exe_identity(&exe).unwrap();
    // What verify_segments reports for a run proven with the 4x table throughout.
    let mut program = identity.program;
    program.log_height += 2;
    let forged = VerifiedRun {
        exe_commitment: tessera_system::vm::exe_commitment(
            program,
            identity.initial_root,
            identity.pc_start,
        ),
        program,
        exit_code: 0,
        final_root: identity.initial_root,
        segments: 1,
    };
    assert_eq!(
        forged.check_exe(&identity),
        Err(VmVerificationError::ProgramHeight {
            expected_rows: 128,
            found_rows: 512
        })
    );
    let honest = VerifiedRun {
        exe_commitment: identity.commitment(),
        program: identity.program,
        ..forged
    };
    assert_eq!(honest.check_exe(&identity), Ok(()));
}

/// Sums 1..=n, exits with the sum; n is read from the private input (4 bytes).
fn sum_of_input() -> Vec<u32> {
    vec![
        addi(10, 0, 0),  // fd 0
        lui(11, 0x2),    // buf = 0x2000
        addi(12, 0, 4),  // 4 bytes
        addi(17, 0, 63), // read
        ECALL,
        lw(5, 11, 0), // n
        addi(10, 0, 0),
        add(10, 10, 5),
        addi(5, 5, -1),
        bne(5, 0, -8),
        addi(17, 0, 93),
        ECALL,
    ]
}

fn segments(sdk: &Sdk, exe: &Arc<VmExe<F>>, n: u32) -> ProofFile {
    let options = ProveOptions {
        segment_instructions: Some(97),
        ..ProveOptions::default()
    };
    let (file, _) = sdk.prove(exe, n.to_le_bytes().to_vec(), options).unwrap();
    assert_eq!(file.proofs.len(), 4);
    file
}

fn vm_error(sdk: &Sdk, exe: &VmExe<F>, file: &ProofFile) -> VmVerificationError {
    match sdk.verify(exe, file) {
        Err(SdkError::Verify(VerifyError::Vm(error))) => error,
        other => panic!("{other:?}"),
    }
}

#[test]
fn segments_swapped_dropped_repeated_spliced_or_of_another_program_are_rejected() {
    let sdk = Sdk::default().insecure_for_tests();
    let exe = exe_of(&sum_of_input());
    let honest = segments(&sdk, &exe, 100);
    assert_eq!(sdk.verify(&exe, &honest).unwrap().exit_code, 5050);
    let with = |proofs: Vec<usize>, from: &ProofFile| ProofFile {
        claims: from.claims.clone(),
        proofs: proofs.iter().map(|&i| from.proofs[i].clone()).collect(),
    };

    // Swapped, dropped, repeated.
    let error = vm_error(&sdk, &exe, &with(vec![0, 2, 1, 3], &honest));
    assert_eq!(error, VmVerificationError::PcMismatch { index: 1 });
    let error = vm_error(&sdk, &exe, &with(vec![0, 2, 3], &honest));
    assert_eq!(error, VmVerificationError::PcMismatch { index: 1 });
    let error = vm_error(&sdk, &exe, &with(vec![0, 1, 2], &honest));
    assert_eq!(error, VmVerificationError::NotTerminated);
    let error = vm_error(&sdk, &exe, &with(vec![1, 2, 3], &honest));
    assert_eq!(error, VmVerificationError::ExeCommitmentMismatch);
    let error = vm_error(&sdk, &exe, &with(vec![0, 1, 1, 2, 3], &honest));
    assert_eq!(error, VmVerificationError::PcMismatch { index: 2 });
    // A segment after the terminating one.
    let error = vm_error(&sdk, &exe, &with(vec![0, 1, 2, 3, 3], &honest));
    assert_eq!(error, VmVerificationError::EarlyTermination { index: 3 });

    // Spliced from another run of the same program: the segments cut at the same instruction
    // (same pc), but the memory differs (the input read into it and the sum so far).
    let other = segments(&sdk, &exe, 120);
    let spliced = ProofFile {
        claims: honest.claims.clone(),
        proofs: vec![
            honest.proofs[0].clone(),
            other.proofs[1].clone(),
            other.proofs[2].clone(),
            other.proofs[3].clone(),
        ],
    };
    let error = vm_error(&sdk, &exe, &spliced);
    assert_eq!(error, VmVerificationError::MemoryMismatch { index: 1 });

    // A segment of another program (the same code at another address).
    let moved = Arc::new(exe_from_words(BASE + 0x100, &sum_of_input()).unwrap());
    let moved_file = segments(&sdk, &moved, 100);
    let mut mixed = honest.clone();
    mixed.proofs[2] = moved_file.proofs[2].clone();
    let error = vm_error(&sdk, &exe, &mixed);
    assert_eq!(error, VmVerificationError::ProgramMismatch { index: 2 });
    // And a whole run of it.
    let error = vm_error(&sdk, &exe, &moved_file);
    assert_eq!(error, VmVerificationError::ExeCommitmentMismatch);
}

#[test]
fn a_public_output_past_its_capacity_is_rejected() {
    let sdk = Sdk::default().insecure_for_tests();
    let exe = exe_of(&sum_of_input());
    let (mut file, _) = sdk
        .prove(&exe, 10u32.to_le_bytes().to_vec(), ProveOptions::default())
        .unwrap();
    file.claims.public_output.bytes = vec![0; 1025];
    let error = vm_error(&sdk, &exe, &file);
    assert_eq!(
        error,
        VmVerificationError::PublicOutputTooLong {
            len: 1025,
            capacity: 1024
        }
    );
}

/// A segment whose connector row and public values claim another exit code, consistently
/// with each other (so the connector's own constraints hold): the exit bus no longer
/// balances, and the real prover refuses to prove it (a prover modified to go on would hit the
/// same sum in the verifier). The honest proof with the exit code changed in its public
/// values is rejected by the verifier.
#[test]
fn a_hand_modified_exit_code_is_rejected() {
    let sdk = Sdk::default().insecure_for_tests();
    let exe = exe_of(&branch_guest());
    let forger = MaliciousProver::new(&sdk, &exe);
    let vm = forger.prover.vm();
    let traces = || {
        let start = SegmentStart::initial(&exe);
        let preflight = vm
            .execute_preflight(&exe, start, &tessera_sdk::GuestInput::default(), 100)
            .unwrap();
        vm.generate_traces(&exe, preflight).unwrap()
    };
    // `ConnectorPvs` is (initial_pc, final_pc, exit_code low, exit_code high, is_terminate),
    // and the connector row starts with the same values.
    assert_eq!(ConnectorPvs::<u8>::WIDTH, 5);
    let exit_code_low = 2;
    let mut forged = traces();
    assert_eq!(forged.exit_code, Some(7));
    assert_eq!(
        forged.public_values[CONNECTOR_AIR_ID][exit_code_low],
        F::from_u32(7)
    );
    forged.public_values[CONNECTOR_AIR_ID][exit_code_low] = F::ZERO;
    let connector = forged.traces[CONNECTOR_AIR_ID].as_mut().unwrap();
    assert_eq!(connector.values[exit_code_low], F::from_u32(7));
    connector.values[exit_code_low] = F::ZERO;
    let refused = forger
        .prover
        .prove_traces_with(forger.prover.program(), forged)
        .map(|_| ())
        .unwrap_err();
    assert!(refused.to_string().contains("NonZeroRootSum"), "{refused}");

    let mut proven = forger
        .prover
        .prove_traces_with(forger.prover.program(), traces())
        .unwrap();
    assert_eq!(
        forger
            .verify(std::slice::from_ref(&proven))
            .unwrap()
            .exit_code,
        7
    );
    proven.proof.public_values[CONNECTOR_AIR_ID][exit_code_low] = F::ZERO;
    let error = forger.verify(&[proven]).unwrap_err();
    assert!(
        matches!(
            &error,
            VmVerificationError::Segment { index: 0, error }
                if matches!(**error, VmVerificationError::Stark(_))
        ),
        "{error}"
    );
}

/// The shape a proof claims for each AIR: a preprocessed table's height is pinned by the key,
/// every other height is bound by the transcript (and the program table's, in addition, by
/// the executable); the system AIRs are required; only the connector and the Merkle AIR have
/// public values. Each change is rejected.
#[test]
fn every_trace_height_and_the_required_airs_are_checked() {
    use tessera_system::vm::{BOUNDARY_AIR_ID, MERKLE_AIR_ID};
    let sdk = Sdk::default().insecure_for_tests();
    let exe = exe_of(&branch_guest());
    let forger = MaliciousProver::new(&sdk, &exe);
    let honest = forger.honest(SegmentStart::initial(&exe), 100);
    assert_eq!(
        forger
            .verify(std::slice::from_ref(&honest))
            .unwrap()
            .exit_code,
        7
    );
    let rejected = |proof: openvm_stark_backend::proof::Proof<_>, what: &str| {
        let vm = forger.prover.vm();
        let error = verify_single(vm.engine(), &forger.prover.keys().vk, &proof).unwrap_err();
        assert!(
            matches!(error, VmVerificationError::Stark(_)),
            "{what}: {error}"
        );
        error.to_string()
    };
    let present: Vec<usize> = (0..honest.proof.trace_vdata.len())
        .filter(|&id| honest.proof.trace_vdata[id].is_some())
        .collect();
    assert!(present.len() >= 8, "{present:?}");
    for &id in &present {
        for delta in [-1isize, 1] {
            let mut proof = honest.proof.clone();
            let vdata = proof.trace_vdata[id].as_mut().unwrap();
            let Some(height) = vdata.log_height.checked_add_signed(delta) else {
                continue;
            };
            vdata.log_height = height;
            rejected(proof, &format!("AIR {id} at 2^{height}"));
        }
    }
    for id in [
        PROGRAM_AIR_ID,
        CONNECTOR_AIR_ID,
        BOUNDARY_AIR_ID,
        MERKLE_AIR_ID,
    ] {
        let mut proof = honest.proof.clone();
        proof.trace_vdata[id] = None;
        proof.public_values[id].clear();
        rejected(proof, &format!("AIR {id} left out"));
    }
    for &id in &present {
        let mut proof = honest.proof.clone();
        proof.public_values[id].push(F::ONE);
        rejected(proof, &format!("a public value more on AIR {id}"));
    }
}
