//! The Zbb circuit in the whole machine (`["rv32im", "zbb"]`, toy parameters): AIR order,
//! degrees, metering costs, a proof of every instruction, the column mutation checker, and
//! keys that tell the configurations apart.

use std::sync::Arc;

use openvm_stark_backend::{p3_matrix::Matrix, proof::Proof, SystemParams};
use tessera_arch::{Instruction, Streams, SystemConfig, VmExecutor};
use tessera_system::{
    kit::testing::{preflight_instruction, preflight_state},
    registry::VmConfig,
    vm::{
        verify_single, CircuitExtension, Periphery, SegmentStart, SystemBuses, VirtualMachine,
        VmKeys, F, SC,
    },
};

use crate::{
    encode,
    test_support::{config, every_instruction, exe, li, machine, segment, BASE},
    transpiler::decode,
    Zbb, ZbbAir,
};

#[test]
fn airs_follow_the_enum() {
    let airs = Zbb.airs(&SystemBuses::default());
    assert_eq!(airs.len(), ZbbAir::COUNT);
    for (air, built) in ZbbAir::ALL.into_iter().zip(&airs) {
        assert_eq!(built.name(), air.name(), "{air:?}");
        assert_eq!(
            air.index(),
            ZbbAir::ALL.iter().position(|a| *a == air).unwrap()
        );
    }
}

fn executors() -> tessera_arch::ExecutorInventory<F> {
    let mut inventory = tessera_arch::ExecutorInventory::default();
    tessera_arch::VmExecutionExtension::<F>::extend_execution(&Zbb, &mut inventory).unwrap();
    inventory
}

fn periphery() -> Periphery {
    Periphery::system()
}

#[test]
fn chips_return_one_trace_per_air() {
    let traces = Zbb.new_chips(&periphery(), &[]).generate_traces();
    assert_eq!(traces.len(), ZbbAir::COUNT);
    assert!(traces.iter().all(Option::is_none));
}

/// Keygen with the maximum constraint degree 3 (the SDK's application parameters) succeeds:
/// no Zbb constraint, interaction message or count is above degree 3. (The toy parameters
/// allow 4.)
#[test]
fn every_zbb_constraint_has_degree_at_most_3() {
    let mut params = SystemParams::new_for_testing(16);
    params.max_constraint_degree = 3;
    let vm = VirtualMachine::new(config(), params).unwrap();
    let keys = vm.keygen().expect("keygen at degree 3");
    let messages = vm.interactions_per_row();
    for air in ZbbAir::ALL {
        let id = machine().air_ids(air)[0];
        let vk = &keys.pk.per_air[id].vk;
        eprintln!(
            "{}: width {}, max degree {}, {} bus messages per row",
            air.name(),
            vk.params.width.common_main,
            vk.max_constraint_degree,
            messages[id]
        );
        assert!(vk.max_constraint_degree <= 3);
    }
}

/// Metering's slot of each instruction (`insn_air`) is the AIR that gets its row, and the
/// accesses the handler reports to metering are the timestamps preflight uses.
#[test]
fn insn_air_matches_the_row() {
    let words = [
        encode::andn(5, 6, 7),
        encode::max(5, 6, 7),
        encode::clz(5, 6),
        encode::rev8(5, 6),
        encode::rol(5, 6, 7),
        encode::ror(5, 6, 7),
        encode::rori(5, 6, 7),
    ];
    for word in words {
        let inst: Instruction<F> = decode(word).unwrap();
        let air = Zbb.insn_air(&inst).expect("a Zbb opcode");
        let accesses = if inst.e == F::new(0) { 2 } else { 3 };
        let mut state = preflight_state(BASE, &[(6, 0x1234_5678), (7, 9)]);
        let before = state.ctx.memory.timestamp;
        preflight_instruction(&executors(), &mut state, &inst).unwrap();
        assert_eq!(
            state.ctx.memory.timestamp - before,
            accesses,
            "{word:#010x}"
        );
        let mut chips = Zbb.new_chips(&periphery(), &[]);
        chips.load_records(&mut state.ctx.records);
        let traces = chips.generate_traces();
        let filled: Vec<usize> = (0..traces.len()).filter(|&i| traces[i].is_some()).collect();
        assert_eq!(filled, [air], "{word:#010x}");
    }
    // Not Zbb's.
    let add: Instruction<F> = Instruction::new(
        tessera_arch::LocalOpcode::global(tessera_rv32im::BaseAluOpcode::ADD),
        4,
        4,
        4,
        1,
        1,
    );
    assert_eq!(Zbb.insn_air(&add), None);
}

/// Forms the AIRs do not prove (never transpiled) are refused by preflight with a reason
/// instead of producing an unprovable trace: the executors refuse them, and an instruction
/// that writes `x0` makes no record (no chip proves it).
#[test]
fn forms_without_an_air_are_refused_in_preflight() {
    use tessera_arch::LocalOpcode;
    let clz_reg = Instruction::<F>::new(crate::ZbbUnaryOpcode::CLZ.global(), 20, 24, 28, 1, 1);
    let andn_imm = Instruction::<F>::new(crate::ZbbLogicOpcode::ANDN.global(), 20, 24, 5, 1, 0);
    let min_imm = Instruction::<F>::new(crate::ZbbMinMaxOpcode::MIN.global(), 20, 24, 5, 1, 0);
    let to_x0 = Instruction::<F>::new(crate::ZbbRotateOpcode::ROL.global(), 0, 24, 28, 1, 1);
    for inst in [clz_reg, andn_imm, min_imm, to_x0] {
        let mut state = preflight_state(BASE, &[]);
        let err = preflight_instruction(&executors(), &mut state, &inst).unwrap_err();
        assert!(
            err.contains("operand e") || err.contains("no chip proves it"),
            "{err}"
        );
    }
    // The executors refuse the same forms (`AluFamily::FORMS`): a program that executes is
    // one the circuit can prove.
    use tessera_arch::{Executor, PureCtx};
    let refused =
        |result: Result<tessera_arch::PreInsn<PureCtx>, tessera_arch::StaticProgramError>| {
            let error = result.err().expect("refused");
            assert!(error.to_string().contains("operand e"), "{error}");
        };
    refused(crate::ZbbUnaryExecutor::default().pre_compute(BASE, &clz_reg));
    refused(crate::ZbbLogicExecutor::default().pre_compute(BASE, &andn_imm));
    refused(crate::ZbbMinMaxExecutor::default().pre_compute(BASE, &min_imm));
}

/// The executor's final registers for `words`.
fn registers(words: &[u32]) -> [u32; 32] {
    let executor = VmExecutor::new(config()).unwrap();
    let state = executor
        .execute(&exe(words), Streams::default(), None)
        .unwrap();
    std::array::from_fn(|i| state.regs[i])
}

/// The rotations of the test program, run by the executor, give the values the spec says
/// (the last group of the program writes x15..x29; x17 is overwritten by the exit).
#[test]
fn the_test_program_rotates_as_the_spec_says() {
    let mut words = every_instruction();
    words.truncate(words.len() - 3); // up to the exit
    let regs = registers(&[words.clone(), exit_words()].concat());
    assert_eq!(regs[26], 0x1234_5678); // rori 0
    assert_eq!(regs[27], 0x091a_2b3c); // rori 1
    assert_eq!(regs[28], 0x2468_acf0); // rori 31
    assert_eq!(regs[29], 0x3456_7812); // rori 16, then 8
    assert_eq!(regs[15], 0x1234_5678); // rol 0
    assert_eq!(regs[16], 0x2468_acf0); // ror 31
    assert_eq!(regs[18], 0x1234_5678); // rol 32
    assert_eq!(regs[19], 0x2468_acf0); // rol 33
    assert_eq!(regs[20], 0x091a_2b3c); // rol -1
    assert_eq!(regs[22], 0x1234_5678); // ror 32
    assert_eq!(regs[23], 0x091a_2b3c); // ror 33
    assert_eq!(regs[24], 0x2468_acf0); // ror -1
    assert_eq!(regs[25], 0x4000_0000); // ror INT_MIN by 1
}

fn exit_words() -> Vec<u32> {
    use tessera_rv32im::encode::{addi, ECALL};
    vec![addi(10, 0, 0), addi(17, 0, 93), ECALL]
}

/// Every Zbb instruction, proven with the whole machine and verified; the proof's exit code
/// is the executor's.
#[test]
fn every_zbb_instruction_proves() {
    let words = every_instruction();
    let executor = VmExecutor::new(config()).unwrap();
    let state = executor
        .execute(&exe(&words), Streams::default(), None)
        .unwrap();
    assert_eq!(state.exit_code, Some(13));
    let segment = segment(&words);
    for air in ZbbAir::ALL {
        assert!(!segment.rows(air).is_empty(), "{air:?} has rows");
    }
    assert!(segment.check().accepted(), "{:?}", segment.check());
    let verified = segment.prove().unwrap();
    assert_eq!(verified.exit_code, Some(13));
    assert_eq!(verified.initial_pc, BASE);
}

/// The column mutation checker over the Zbb AIRs: every column of up to 8 real rows of each
/// Zbb trace (the first rows cover every opcode) changed in turn; nothing accepts a change.
#[test]
fn every_column_of_every_zbb_air_is_bound() {
    let words = every_instruction();
    let segment = segment(&words);
    let zbb_ids: Vec<usize> = ZbbAir::ALL
        .iter()
        .flat_map(|&air| machine().air_ids(air))
        .collect();
    let report = segment.unbound_cells(|id| zbb_ids.contains(&id), 8);
    eprintln!("{} cells checked", report.checked);
    let widths: usize = ZbbAir::ALL
        .iter()
        .map(|&air| {
            let id = machine().air_ids(air)[0];
            segment.traces.traces[id].as_ref().unwrap().width()
        })
        .sum();
    assert!(report.checked >= widths, "{} cells", report.checked);
    assert!(report.unbound.is_empty(), "{:#?}", report.unbound);
}

/// Proves `words` under `config` with toy parameters; returns the keys and the proof.
fn prove_under(config: VmConfig, words: &[u32]) -> (VirtualMachine<VmConfig>, VmKeys, Proof<SC>) {
    let exe = Arc::new(encode::exe_from_words(&config, BASE, words).unwrap());
    let vm = VirtualMachine::new(config, SystemParams::new_for_testing(16)).unwrap();
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
    (vm, keys, proof)
}

/// The keys of `["rv32im"]` and `["rv32im", "zbb"]` are different machines: a proof of an
/// RV32IM-only program under one does not verify under the other's key, either way.
#[test]
fn proofs_do_not_cross_configurations() {
    use tessera_rv32im::encode::{addi, ECALL};
    let words = [
        li(5, 0x1234_5678).to_vec(),
        vec![addi(10, 5, 1), addi(17, 0, 93), ECALL],
    ]
    .concat();
    let rv32im = VmConfig::new(SystemConfig::default(), ["rv32im"]).unwrap();
    let (vm_a, keys_a, proof_a) = prove_under(rv32im, &words);
    let (vm_b, keys_b, proof_b) = prove_under(config(), &words);
    // Each verifies under its own key.
    verify_single(vm_a.engine(), &keys_a.vk, &proof_a).unwrap();
    verify_single(vm_b.engine(), &keys_b.vk, &proof_b).unwrap();
    assert_ne!(
        keys_a.vk.inner.inner.per_air.len(),
        keys_b.vk.inner.inner.per_air.len()
    );
    // And not under the other.
    assert!(verify_single(vm_b.engine(), &keys_b.vk, &proof_a).is_err());
    assert!(verify_single(vm_a.engine(), &keys_a.vk, &proof_b).is_err());
}

/// A forged result does not get through the real prover and verifier either: `clz` claiming
/// one zero more (the memory chips are left as preflight made them).
#[test]
fn a_tampered_row_does_not_prove() {
    use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
    let mut segment = segment(&every_instruction());
    let row: &mut crate::ZbbUnaryCols<F> =
        std::borrow::BorrowMut::borrow_mut(segment.row_mut(ZbbAir::Unary, 0));
    row.rd.data[0] += F::ONE;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| segment.prove()));
    match result {
        Ok(Ok(_)) => panic!("a forged clz count verified"),
        Ok(Err(error)) => eprintln!("refused: {error}"),
        Err(_) => eprintln!("the prover panicked"),
    }
}

/// The registry knows "zbb": it needs "rv32im" before it and is not an instruction set on
/// its own.
#[test]
fn the_extension_is_registered() {
    use tessera_system::{
        registry::{find, RegistryError},
        vm::VmCircuitConfig,
    };
    let registration = find("zbb").expect("registered");
    assert_eq!(registration.depends_on, ["rv32im"]);
    assert!(!registration.instruction_set);
    assert_eq!((registration.create)().name(), "zbb");
    let system = SystemConfig::default;
    assert!(matches!(
        VmConfig::new(system(), ["zbb", "rv32im"]),
        Err(RegistryError::MissingDependency { .. })
    ));
    assert!(matches!(
        VmConfig::new(system(), ["zbb"]),
        Err(RegistryError::MissingDependency { .. })
    ));
    let config = VmConfig::new(system(), ["rv32im", "zbb"]).unwrap();
    assert_eq!(config.circuit_extensions().len(), 2);
}
