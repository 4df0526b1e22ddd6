//! Register refresh through the whole machine: a program that leaves registers idle for
//! thousands of timestamps proves (preflight's refresh rows keep every register access
//! recent), and every kind of refresh column tampered with is rejected. Toy proof parameters
//! (`SystemParams::new_for_testing`).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, SystemParams};
use tessera_system::{
    register_refresh::RegisterRefreshCols,
    vm::{verify_single, SegmentStart, SegmentTraces, VirtualMachine, F, REGISTER_REFRESH_AIR_ID},
};

use crate::{encode::*, test_harness::assert_unbalanced, Rv32ImConfig};

const BASE: u32 = 0x1000;

/// Sets `x9 = 7`, counts `x5` down from 3000 (12,000 timestamps that touch only `x5`), then
/// exits with `x9 + x9`: `x9`, `a0` and `a7` go stale in the loop.
fn idle_registers_program() -> Vec<u32> {
    vec![
        addi(9, 0, 7),
        addi(5, 0, 1500),
        addi(5, 5, 1500),
        addi(5, 5, -1), // loop
        bne(5, 0, -4),
        add(10, 9, 9),
        addi(17, 0, 93),
        ECALL,
    ]
}

/// Preflight and traces of the program, `tamper` applied to the traces, then proof and
/// verification.
fn prove_tampered(tamper: impl FnOnce(&mut SegmentTraces)) -> Result<Option<u32>, String> {
    let exe = Arc::new(exe_from_words::<F>(BASE, &idle_registers_program()).unwrap());
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
    let mut traces = vm.generate_traces(&exe, preflight).unwrap();
    tamper(&mut traces);
    let ctx = vm
        .generate_proving_ctx(&keys.pk, &program, traces)
        .map_err(|e| e.to_string())?;
    let proof = vm
        .prove(&vm.device_pk(&keys.pk), ctx)
        .map_err(|e| e.to_string())?;
    let verified = verify_single(vm.engine(), &keys.vk, &proof).map_err(|e| e.to_string())?;
    Ok(verified.exit_code)
}

/// Changes row `row` of the refresh trace.
fn tamper_row(
    row: usize,
    f: impl FnOnce(&mut RegisterRefreshCols<F>),
) -> impl FnOnce(&mut SegmentTraces) {
    move |traces| {
        let trace = traces.traces[REGISTER_REFRESH_AIR_ID]
            .as_mut()
            .expect("the run has refresh rows");
        let width = trace.width;
        f(trace.values[row * width..(row + 1) * width].borrow_mut());
    }
}

#[test]
fn idle_registers_are_refreshed_and_the_run_proves() {
    let mut rows = 0;
    let exit = prove_tampered(|traces| {
        let trace = traces.traces[REGISTER_REFRESH_AIR_ID].as_ref().unwrap();
        rows = trace
            .values
            .chunks_exact(trace.width)
            .filter(|r| r[0] == F::ONE)
            .count();
    })
    .unwrap();
    assert_eq!(exit, Some(14));
    // All 33 slots go stale at least once in 12,000 timestamps; most several times.
    assert!(rows >= 33, "{rows} refresh rows");
}

#[test]
fn a_refresh_cannot_move_the_chain_or_the_register() {
    // The execution chain: another pc or timestamp, or a dropped row.
    assert_unbalanced(prove_tampered(tamper_row(0, |c| c.pc += F::from_u32(4))));
    assert_unbalanced(prove_tampered(tamper_row(0, |c| c.timestamp += F::ONE)));
    assert_unbalanced(prove_tampered(tamper_row(1, |c| *c = Default::default())));
    // The memory bus: another register, other data, another previous timestamp.
    assert_unbalanced(prove_tampered(tamper_row(0, |c| {
        c.pointer += F::from_u32(4)
    })));
    assert_unbalanced(prove_tampered(tamper_row(0, |c| c.data[3] += F::ONE)));
    assert_unbalanced(prove_tampered(tamper_row(0, |c| {
        c.aux.prev_timestamp += F::ONE
    })));
}

#[test]
fn a_refresh_checks_its_timestamp_order_and_its_selector() {
    // Limbs that do not add up to the difference (the prover's bus check or the verifier's
    // constraint check objects, whichever comes first: the range messages changed too).
    assert!(prove_tampered(tamper_row(0, |c| c.aux.lt_limbs[1] += F::ONE)).is_err());
    // Limbs that add up but wrap (a "negative" low limb): the range checker has no such row.
    assert_unbalanced(prove_tampered(tamper_row(0, |c| {
        c.aux.lt_limbs[0] -= F::from_u32(1 << 12);
        c.aux.lt_limbs[1] += F::ONE;
    })));
    // A selector of 2 counts the row twice.
    assert!(prove_tampered(tamper_row(0, |c| c.is_valid = F::TWO)).is_err());
    // A padding row switched on: a step from (0, 0) that nothing sends.
    let padding = |traces: &mut SegmentTraces| {
        let trace = traces.traces[REGISTER_REFRESH_AIR_ID].as_mut().unwrap();
        let width = trace.width;
        let last = trace.values.len() / width - 1;
        let row = &mut trace.values[last * width..];
        assert_eq!(row[0], F::ZERO, "the last row is padding");
        row[0] = F::ONE;
    };
    assert_unbalanced(prove_tampered(padding));
}
