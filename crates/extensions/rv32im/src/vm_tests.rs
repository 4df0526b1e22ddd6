//! The whole machine on RV32IM programs: keygen, program commitment, preflight through every
//! chip, trace generation, proof and verification. Toy parameters
//! (`SystemParams::new_for_testing`) unless a test says otherwise.

use std::sync::Arc;

use openvm_stark_backend::SystemParams;
use tessera_arch::{Streams, VmExe, VmExecutor};
use tessera_system::vm::{
    verify_segments, verify_single, SegmentStart, VirtualMachine, VmVerificationError, F, SC,
};

use crate::{encode::*, Rv32ImConfig};

const BASE: u32 = 0x1000;

/// Sums 1..=n in a loop, stores the sum, loads it back and exits with it.
fn sum_program(n: i32) -> Vec<u32> {
    vec![
        addi(5, 0, n),   // counter
        addi(6, 0, 0),   // sum
        add(6, 6, 5),    // loop
        addi(5, 5, -1),  //
        bne(5, 0, -8),   // back to loop
        lui(7, 0x8),     // buffer
        sw(6, 7, 0),     //
        lw(10, 7, 0),    // a0 = sum
        addi(17, 0, 93), // exit
        ECALL,
    ]
}

struct Proven {
    exe: Arc<VmExe<F>>,
    vm: VirtualMachine<Rv32ImConfig>,
    keys: tessera_system::vm::VmKeys,
    proof: openvm_stark_backend::proof::Proof<SC>,
}

fn prove(words: &[u32], params: SystemParams) -> Proven {
    let exe = Arc::new(exe_from_words::<F>(BASE, words).unwrap());
    let vm = VirtualMachine::new(Rv32ImConfig::default(), params).unwrap();
    let keys = vm.keygen().unwrap();
    let program = vm.commit_program(&exe).unwrap();
    let preflight = vm
        .execute_preflight(
            &exe,
            SegmentStart::initial(&exe),
            &tessera_arch::GuestInput::default(),
            1 << 20,
        )
        .unwrap();
    let traces = vm.generate_traces(&exe, preflight).unwrap();
    let ctx = vm.generate_proving_ctx(&keys.pk, &program, traces).unwrap();
    let proof = vm.prove(&vm.device_pk(&keys.pk), ctx).unwrap();
    Proven {
        exe,
        vm,
        keys,
        proof,
    }
}

#[test]
fn a_program_proves_and_the_proof_says_what_execution_did() {
    let words = sum_program(100);
    let proven = prove(&words, SystemParams::new_for_testing(16));
    let verified = verify_single(proven.vm.engine(), &proven.keys.vk, &proven.proof).unwrap();

    let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
    let state = executor
        .execute(&proven.exe, Streams::default(), None)
        .unwrap();
    assert_eq!(state.exit_code, Some(5050));
    assert_eq!(verified.exit_code, state.exit_code);
    assert_eq!(verified.initial_pc, BASE);
    assert_eq!(verified.final_pc, BASE + 4 * (words.len() as u32 - 1));
    let program = proven.vm.commit_program(&proven.exe).unwrap();
    assert_eq!(
        verified.exe_commitment,
        proven.vm.exe_commitment(&proven.exe, &program).unwrap()
    );
}

#[test]
fn a_proof_of_another_program_has_another_exe_commitment() {
    let proven = prove(&sum_program(10), SystemParams::new_for_testing(16));
    let verified = verify_single(proven.vm.engine(), &proven.keys.vk, &proven.proof).unwrap();
    let other = exe_from_words::<F>(BASE, &sum_program(11)).unwrap();
    let program = proven.vm.commit_program(&other).unwrap();
    assert_ne!(
        verified.exe_commitment,
        proven.vm.exe_commitment(&other, &program).unwrap()
    );
}

#[test]
fn a_tampered_public_value_is_rejected() {
    let mut proven = prove(&sum_program(10), SystemParams::new_for_testing(16));
    let connector = tessera_system::vm::CONNECTOR_AIR_ID;
    proven.proof.public_values[connector][2] += F::ONE; // the exit code
    let err = verify_single(proven.vm.engine(), &proven.keys.vk, &proven.proof).unwrap_err();
    assert!(matches!(err, VmVerificationError::Stark(_)), "{err}");
}

use openvm_stark_backend::p3_field::PrimeCharacteristicRing;

/// Proves `words` in segments of `segment` instructions; returns the machine, keys and proofs.
fn prove_segments(
    words: &[u32],
    segment: u64,
) -> (
    VirtualMachine<Rv32ImConfig>,
    tessera_system::vm::VmKeys,
    Vec<openvm_stark_backend::proof::Proof<SC>>,
) {
    let exe = Arc::new(exe_from_words::<F>(BASE, words).unwrap());
    let vm =
        VirtualMachine::new(Rv32ImConfig::default(), SystemParams::new_for_testing(16)).unwrap();
    let keys = vm.keygen().unwrap();
    let program = vm.commit_program(&exe).unwrap();
    let device_pk = vm.device_pk(&keys.pk);
    let mut start = SegmentStart::initial(&exe);
    let mut proofs = Vec::new();
    loop {
        let preflight = vm
            .execute_preflight(&exe, start, &tessera_arch::GuestInput::default(), segment)
            .unwrap();
        let traces = vm.generate_traces(&exe, preflight).unwrap();
        let done = traces.exit_code.is_some();
        start = traces.next_start.clone();
        let ctx = vm.generate_proving_ctx(&keys.pk, &program, traces).unwrap();
        proofs.push(vm.prove(&device_pk, ctx).unwrap());
        if done {
            return (vm, keys, proofs);
        }
    }
}

#[test]
fn a_run_split_into_segments_verifies_as_a_whole() {
    // 100 iterations of a 3-instruction loop, cut every 41 instructions: segments end inside
    // the loop, after the store and before the exit.
    let words = sum_program(100);
    let (vm, keys, proofs) = prove_segments(&words, 41);
    assert_eq!(proofs.len(), 307usize.div_ceil(41));
    let run = verify_segments(vm.engine(), &keys.vk, &proofs).unwrap();
    assert_eq!(run.exit_code, 5050);
    assert_eq!(run.segments, proofs.len());
    let exe = exe_from_words::<F>(BASE, &words).unwrap();
    let program = vm.commit_program(&exe).unwrap();
    assert_eq!(
        run.exe_commitment,
        vm.exe_commitment(&exe, &program).unwrap()
    );

    // The same run in one segment ends with the same memory.
    let (_, _, whole) = prove_segments(&words, 1 << 20);
    let single = verify_segments(vm.engine(), &keys.vk, &whole).unwrap();
    assert_eq!(single.final_root, run.final_root);
    assert_eq!(single.exe_commitment, run.exe_commitment);
}

#[test]
fn tampered_segment_chains_are_rejected() {
    let (vm, keys, proofs) = prove_segments(&sum_program(100), 41);
    let verify = |proofs: &[openvm_stark_backend::proof::Proof<SC>]| {
        verify_segments(vm.engine(), &keys.vk, proofs).unwrap_err()
    };
    // Drop a segment from the middle: the next one starts elsewhere.
    let mut dropped = proofs.clone();
    dropped.remove(2);
    assert!(
        matches!(
            verify(&dropped),
            VmVerificationError::PcMismatch { index: 2 }
                | VmVerificationError::MemoryMismatch { index: 2 }
        ),
        "{}",
        verify(&dropped)
    );
    // Swap two, repeat one.
    let mut swapped = proofs.clone();
    swapped.swap(1, 2);
    assert!(matches!(
        verify(&swapped),
        VmVerificationError::PcMismatch { index: 1 }
            | VmVerificationError::MemoryMismatch { index: 1 }
    ));
    let mut repeated = proofs.clone();
    repeated.insert(2, proofs[1].clone());
    assert!(matches!(
        verify(&repeated),
        VmVerificationError::PcMismatch { index: 2 }
            | VmVerificationError::MemoryMismatch { index: 2 }
    ));
    // Without the last segment the run is partial.
    let partial = &proofs[..proofs.len() - 1];
    assert_eq!(verify(partial), VmVerificationError::NotTerminated);
    // A terminating segment followed by more.
    let mut extended = proofs.clone();
    extended.push(proofs[0].clone());
    assert!(matches!(
        verify(&extended),
        VmVerificationError::EarlyTermination { .. }
    ));
    assert_eq!(verify(&[]), VmVerificationError::NoSegments);
    // A segment of another program's run, spliced in where the state matches: the first
    // segment of the sum to 99 starts exactly like the sum to 100 but proves another program.
    let (_, _, other) = prove_segments(&sum_program(99), 41);
    let mut spliced = proofs.clone();
    spliced[0] = other[0].clone();
    assert!(matches!(
        verify(&spliced),
        VmVerificationError::ProgramMismatch { index: 1 }
            | VmVerificationError::PcMismatch { index: 1 }
            | VmVerificationError::MemoryMismatch { index: 1 }
    ));
    // A tampered segment fails on its own, and the error names it.
    let mut tampered = proofs.clone();
    tampered[3].public_values[tessera_system::vm::CONNECTOR_AIR_ID][1] += F::ONE;
    assert!(matches!(
        verify(&tampered),
        VmVerificationError::Segment { index: 3, .. }
    ));
}

#[test]
fn traces_the_key_cannot_prove_are_refused_before_proving() {
    use tessera_system::vm::{GenerationError, TRACE_PARTS};
    // A loop of 2^17 iterations at a stacked height of 2^16 (toy parameters): the ALU traces
    // are taller than the maximum.
    let words = sum_program(1 << 17);
    let exe = Arc::new(exe_from_words::<F>(BASE, &words).unwrap());
    let vm =
        VirtualMachine::new(Rv32ImConfig::default(), SystemParams::new_for_testing(16)).unwrap();
    let keys = vm.keygen().unwrap();
    let program = vm.commit_program(&exe).unwrap();
    let preflight = vm
        .execute_preflight(
            &exe,
            SegmentStart::initial(&exe),
            &tessera_arch::GuestInput::default(),
            1 << 20,
        )
        .unwrap();
    let traces = vm.generate_traces(&exe, preflight).unwrap();
    let err = vm
        .generate_proving_ctx(&keys.pk, &program, traces)
        .err()
        .expect("refused");
    assert!(
        matches!(err, GenerationError::TraceHeightTooLarge { max: 65536, .. }),
        "{err}"
    );

    // Heights that fit the maximum but break a linear constraint of the key (each bus's
    // message count must stay below the field's characteristic): refused too.
    let mut heights = vec![0; vm.airs().len()];
    heights[tessera_system::vm::FIRST_EXTENSION_AIR_ID..]
        .iter_mut()
        .for_each(|h| *h = 1 << 16);
    assert!(vm.check_heights(&keys.pk, &heights).is_ok());
    assert!(!keys.pk.trace_height_constraints.is_empty());
    let constraint = &keys.pk.trace_height_constraints[0];
    let (air, &coefficient) = constraint
        .coefficients
        .iter()
        .enumerate()
        .max_by_key(|(_, c)| **c)
        .unwrap();
    let mut heights = vec![0; vm.airs().len()];
    heights[air] = (constraint.threshold / coefficient) as usize + 1;
    let err = vm.check_heights(&keys.pk, &heights).unwrap_err();
    assert!(
        matches!(
            err,
            GenerationError::LinearConstraint { .. } | GenerationError::TraceHeightTooLarge { .. }
        ),
        "{err}"
    );
    assert_eq!(TRACE_PARTS, 2);

    // Parameters whose stacked height cannot hold the bitwise table (2^16 rows) are a keygen
    // error, not a panic.
    let small =
        VirtualMachine::new(Rv32ImConfig::default(), SystemParams::new_for_testing(12)).unwrap();
    assert!(small.keygen().is_err());
}

#[test]
fn a_segment_boundary_after_every_instruction_carries_the_whole_state() {
    // Stores, loads, a write to stdout (a syscall) and the exit, cut after every instruction:
    // registers, memory and the pc must carry over each boundary exactly.
    let words = vec![
        lui(7, 0x8),      // buffer
        addi(5, 0, 0x41), // 'A'
        sw(5, 7, 0),      //
        lw(6, 7, 0),      //
        addi(10, 0, 1),   // fd 1
        addi(11, 7, 0),   // buf
        addi(12, 0, 1),   // len 1
        addi(17, 0, 64),  // write
        ECALL,            //
        add(10, 6, 10),   // a0 = 'A' + 1 (write returned 1)
        addi(17, 0, 93),  // exit
        ECALL,
    ];
    let (vm, keys, proofs) = prove_segments(&words, 1);
    assert_eq!(proofs.len(), words.len());
    let cut = verify_segments(vm.engine(), &keys.vk, &proofs).unwrap();
    let (_, _, whole) = prove_segments(&words, 1 << 20);
    let single = verify_segments(vm.engine(), &keys.vk, &whole).unwrap();
    assert_eq!(cut.exit_code, 0x42);
    assert_eq!(cut.exit_code, single.exit_code);
    assert_eq!(cut.final_root, single.final_root);
    assert_eq!(cut.exe_commitment, single.exe_commitment);
}
