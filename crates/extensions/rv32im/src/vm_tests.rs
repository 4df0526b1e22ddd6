//! The whole machine on RV32IM programs: keygen, program commitment, preflight through every
//! chip, trace generation, proof and verification. Toy parameters
//! (`SystemParams::new_for_testing`) unless a test says otherwise.

use std::sync::Arc;

use openvm_stark_backend::SystemParams;
use tessera_arch::{Streams, VmExe, VmExecutor};
use tessera_system::vm::{verify_single, VirtualMachine, VmVerificationError, F};

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
    proof: openvm_stark_backend::proof::Proof<tessera_system::vm::SC>,
}

fn prove(words: &[u32], params: SystemParams) -> Proven {
    let exe = Arc::new(exe_from_words::<F>(BASE, words).unwrap());
    let vm = VirtualMachine::new(Rv32ImConfig::default(), params);
    let keys = vm.keygen().unwrap();
    let program = vm.commit_program(&exe).unwrap();
    let preflight = vm.execute_preflight(&exe, &[], 1 << 20).unwrap();
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
