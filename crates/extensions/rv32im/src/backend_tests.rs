//! The machine on a second proving backend: the same configuration proven by
//! openvm-stark-backend's reference prover (column-major traces) through
//! [`VmBackend`](tessera_system::vm::VmBackend), with no change to any AIR or to the
//! machine. Its proofs verify with the CPU backend's key and engine, and the other way round.
//! Toy parameters (`SystemParams::new_for_testing`): these tests check the plumbing, not
//! security.

use std::sync::Arc;

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, StarkEngine, SystemParams};
use tessera_arch::{GuestInput, VmExe};
use tessera_system::vm::{
    verify_segments, verify_single, Cpu, Reference, ReferenceEngine, SegmentStart, VirtualMachine,
    VmInstance, VmVerificationError, F,
};

use crate::{encode::*, BaseAluRecord, Rv32ImConfig};

const BASE: u32 = 0x1000;

/// Sums 1..=n, stores the sum, loads it back and exits with it: ALU, branch, LUI, store, load
/// and ecall rows.
fn sum_program(n: i32) -> Vec<u32> {
    vec![
        addi(5, 0, n),
        addi(6, 0, 0),
        add(6, 6, 5),
        addi(5, 5, -1),
        bne(5, 0, -8),
        lui(7, 0x8),
        sw(6, 7, 0),
        lw(10, 7, 0),
        addi(17, 0, 93),
        ECALL,
    ]
}

fn params() -> SystemParams {
    SystemParams::new_for_testing(16)
}

fn exe(n: i32) -> Arc<VmExe<F>> {
    Arc::new(exe_from_words::<F>(BASE, &sum_program(n)).unwrap())
}

#[test]
fn both_backends_derive_the_same_keys_and_program_commitment() {
    let cpu = VirtualMachine::new(Rv32ImConfig::default(), params()).unwrap();
    let reference =
        VirtualMachine::<_, Reference>::with_backend(Rv32ImConfig::default(), params()).unwrap();
    let (cpu_vk, reference_vk) = (cpu.keygen().unwrap().vk, reference.keygen().unwrap().vk);
    assert_eq!(cpu_vk.inner.pre_hash, reference_vk.inner.pre_hash);
    let exe = exe(10);
    let (cpu_program, reference_program) = (
        cpu.commit_program(&exe).unwrap(),
        reference.commit_program(&exe).unwrap(),
    );
    assert_eq!(cpu_program.table(), reference_program.table());
}

#[test]
fn a_reference_backend_proof_verifies_with_the_cpu_backend() {
    let exe = exe(20);
    let reference =
        VirtualMachine::<_, Reference>::with_backend(Rv32ImConfig::default(), params()).unwrap();
    let keys = reference.keygen().unwrap();
    let instance = VmInstance::new(reference, keys, exe.clone()).unwrap();
    let proven = instance.prove_single(&GuestInput::default(), 1000).unwrap();
    assert_eq!(proven.exit_code, Some(210));

    // The CPU machine's own key and engine accept it, and it proves the CPU machine's
    // derivation of the program.
    let cpu = VirtualMachine::new(Rv32ImConfig::default(), params()).unwrap();
    let cpu_keys = cpu.keygen().unwrap();
    let verified = verify_single(cpu.engine(), &cpu_keys.vk, &proven.proof).unwrap();
    assert_eq!(verified.exit_code, Some(210));
    assert_eq!(
        verified.exe_commitment,
        cpu.exe_identity(&exe).unwrap().commitment()
    );

    // Tampered, it is rejected by either engine.
    let mut tampered = proven.proof;
    tampered.public_values[tessera_system::vm::CONNECTOR_AIR_ID][2] += F::ONE;
    for error in [
        verify_single(cpu.engine(), &cpu_keys.vk, &tampered).unwrap_err(),
        verify_single(instance.vm().engine(), &cpu_keys.vk, &tampered).unwrap_err(),
    ] {
        assert!(matches!(error, VmVerificationError::Stark(_)), "{error}");
    }
}

#[test]
fn a_cpu_backend_proof_verifies_with_the_reference_engine() {
    let exe = exe(5);
    let cpu = VirtualMachine::new(Rv32ImConfig::default(), params()).unwrap();
    let keys = cpu.keygen().unwrap();
    let vk = keys.vk.clone();
    let instance = VmInstance::new(cpu, keys, exe).unwrap();
    let proof = instance
        .prove_single(&GuestInput::default(), 1000)
        .unwrap()
        .proof;
    let reference = ReferenceEngine::new(params());
    let run = verify_segments(&reference, &vk, &[proof]).unwrap();
    assert_eq!(run.exit_code, 15);
}

#[test]
fn a_planned_segment_records_into_arenas_of_the_planned_size() {
    use tessera_arch::{MeteredCtx, SegmentLimits, Streams, VmExecState, VmExecutor};

    let exe = exe(50);
    let vm = VirtualMachine::<_, Cpu>::new(Rv32ImConfig::default(), params()).unwrap();
    let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
    let instance = executor.instance_for::<MeteredCtx>(&exe).unwrap();
    let mut state = VmExecState {
        vm: instance.initial_state(Streams::default()),
        ctx: MeteredCtx::new(
            vm.metering_costs(&exe).unwrap(),
            SegmentLimits {
                max_rows: 1 << 20,
                max_memory_rows: 1 << 20,
                max_interactions: 1 << 30,
                max_accesses: 1 << 20,
                max_instructions: 1 << 20,
            },
            None,
        ),
    };
    instance.run(&mut state).unwrap();
    let segments = state.ctx.finish();
    assert_eq!(segments.len(), 1);
    let mut preflight = vm
        .execute_planned_preflight(
            &exe,
            SegmentStart::initial(&exe),
            &GuestInput::default(),
            &segments[0],
        )
        .unwrap();
    // The ALU's records: 2 + 2 per iteration + 1 before the exit, in the arena that the
    // plan reserved before the run (an arena grown by pushing would have spare room).
    let alu = preflight.records.take::<BaseAluRecord>();
    assert_eq!(alu.len(), 2 + 2 * 50 + 1);
    assert_eq!(alu.capacity(), alu.len());
}

/// A backend defined outside `tessera-system` (here, in a test of another crate), with
/// "device fillers" of its own for one extension: the machine uses them for that extension and
/// the host fillers for the rest. This one fills RV32IM's traces on the host and then corrupts
/// one cell of the first non-empty trace when asked to: a faulty device filler.
mod own_fillers {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use openvm_stark_backend::p3_matrix::dense::RowMajorMatrix;
    use tessera_arch::RecordStore;
    use tessera_system::vm::{
        host_filled_traces, CircuitExtension, CpuEngine, DeviceMatrix, Periphery, VmBackend,
    };

    use super::*;

    pub static RV32IM_FILLS: AtomicUsize = AtomicUsize::new(0);
    pub static CORRUPT: AtomicBool = AtomicBool::new(false);

    pub struct OwnFillers;

    impl VmBackend for OwnFillers {
        type Engine = CpuEngine;

        fn from_host(_: &CpuEngine, trace: RowMajorMatrix<F>) -> DeviceMatrix<Self> {
            trace
        }

        fn extension_traces(
            engine: &CpuEngine,
            extension: &dyn CircuitExtension,
            periphery: &Periphery,
            rows: &[usize],
            records: &mut RecordStore,
        ) -> Vec<Option<DeviceMatrix<Self>>> {
            let mut traces =
                host_filled_traces::<Self>(engine, extension, periphery, rows, records);
            if extension.name() == "rv32im" {
                RV32IM_FILLS.fetch_add(1, Ordering::SeqCst);
                if CORRUPT.load(Ordering::SeqCst) {
                    let trace = traces.iter_mut().flatten().next().expect("a trace");
                    trace.values[0] += F::ONE;
                }
            }
            traces
        }
    }
}

#[test]
fn a_backend_from_another_crate_fills_its_extensions_and_a_faulty_filler_is_caught() {
    use own_fillers::{OwnFillers, CORRUPT, RV32IM_FILLS};
    use std::sync::atomic::Ordering;

    let exe = exe(10);
    let vm =
        VirtualMachine::<_, OwnFillers>::with_backend(Rv32ImConfig::default(), params()).unwrap();
    let keys = vm.keygen().unwrap();
    let cpu = VirtualMachine::new(Rv32ImConfig::default(), params()).unwrap();
    let vk = cpu.keygen().unwrap().vk;
    let instance = VmInstance::new(vm, keys, exe).unwrap();

    let proven = instance.prove_single(&GuestInput::default(), 1000).unwrap();
    assert_eq!(RV32IM_FILLS.load(Ordering::SeqCst), 1);
    let verified = verify_single(cpu.engine(), &vk, &proven.proof).unwrap();
    assert_eq!(verified.exit_code, Some(55));

    // The same backend with a faulty filler: no proof of the corrupted traces verifies.
    CORRUPT.store(true, Ordering::SeqCst);
    match instance.prove_single(&GuestInput::default(), 1000) {
        Err(error) => assert!(error.to_string().contains("prover"), "{error}"),
        Ok(proven) => {
            verify_single(cpu.engine(), &vk, &proven.proof).unwrap_err();
        }
    }
    assert_eq!(RV32IM_FILLS.load(Ordering::SeqCst), 2);
}
