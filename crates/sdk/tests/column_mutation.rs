//! The column mutation checker, over every AIR of the machine: for honest segments that
//! exercise every instruction family, each column of a real row of each trace is changed in
//! turn (+1, in each of up to 8 real rows), and the constraints and bus balance of the whole segment are checked with the
//! proof system's debug checker. A change that nothing rejects is a column no constraint or
//! bus binds: a soundness bug, reported with the AIR and the column.
//!
//! Cached columns (the program table) are left out: they are bound by the exe commitment
//! (`forgery.rs`), not by constraints.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::Arc,
};

use openvm_stark_backend::{
    air_builders::debug::{debug_constraints_and_interactions, AirProofRawInput},
    p3_field::PrimeCharacteristicRing,
    p3_matrix::{dense::RowMajorMatrix, Matrix},
};
use tessera_arch::VmExe;
use tessera_rv32im::encode::*;
use tessera_sdk::{Sdk, SegmentProver, SegmentStart, F};
use tessera_system::{
    program::program_trace,
    vm::{SegmentTraces, PROGRAM_AIR_ID},
};

/// Every RV32IM family: ALU (register and immediate), shifts, comparisons, LUI/AUIPC, JAL/JALR,
/// every branch taken and not, loads and stores of every width, multiplications, divisions
/// (by zero too), a public write, a read of the input, and the exit.
fn every_family() -> Vec<u32> {
    let mut words = vec![
        lui(5, 0x12345),
        addi(5, 5, 0x678),
        addi(6, 0, -7),
        add(7, 5, 6),
        sub(7, 5, 6),
        xor(7, 5, 6),
        or(7, 5, 6),
        and(7, 5, 6),
        slt(7, 6, 5),
        sltu(7, 6, 5),
        slti(7, 6, -8),
        sltiu(7, 6, 3),
        xori(7, 5, -1),
        ori(7, 5, 0x0f0),
        andi(7, 5, 0x7ff),
        sll(7, 5, 6),
        srl(7, 5, 6),
        sra(7, 6, 6),
        slli(7, 5, 3),
        srli(7, 5, 31),
        srai(7, 6, 1),
        mul(7, 5, 6),
        mulh(7, 5, 6),
        mulhsu(7, 6, 5),
        mulhu(7, 5, 6),
        div(7, 5, 6),
        divu(7, 5, 6),
        rem(7, 6, 5),
        remu(7, 5, 6),
        div(7, 5, 0),
        auipc(8, 1),
        lui(9, 0x2), // x9 = 0x2000, a data buffer
        sw(5, 9, 0),
        sh(6, 9, 4),
        sb(5, 9, 7),
        lw(7, 9, 0),
        lh(7, 9, 4),
        lhu(7, 9, 4),
        lb(7, 9, 7),
        lbu(7, 9, 7),
        beq(5, 5, 8),
        addi(0, 0, 0),
        bne(5, 5, 8),
        blt(6, 5, 8),
        addi(0, 0, 0),
        bge(6, 5, 8),
        bltu(5, 6, 8),
        addi(0, 0, 0),
        bgeu(5, 6, 8),
        jal(1, 8),
        addi(0, 0, 0),
    ];
    // jalr: over one instruction through x1 (auipc x1, 0; jalr x0, 8(x1)).
    words.extend([auipc(1, 0), jalr(0, 1, 8), addi(0, 0, 0)]);
    // write(3, buf, 4): public output; write(1, buf, 2): stdout; read(0, buf, 4).
    for (fd, len, call) in [(3, 4, 64), (1, 2, 64), (0, 4, 63)] {
        words.extend([
            addi(10, 0, fd),
            addi(11, 9, 0),
            addi(12, 0, len),
            addi(17, 0, call),
            ECALL,
        ]);
    }
    words.extend([lw(10, 9, 0), andi(10, 10, 0xff), addi(17, 0, 93), ECALL]);
    words
}

/// Whether the debug checker accepts the segment's traces (constraints of every AIR, balance
/// of every bus).
fn accepted(
    prover: &SegmentProver,
    program: &Arc<RowMajorMatrix<F>>,
    traces: &[Option<Arc<RowMajorMatrix<F>>>],
    public_values: &[Vec<F>],
) -> bool {
    let vm = prover.vm();
    let pk = &prover.keys().pk;
    let present: Vec<usize> = (0..traces.len())
        .filter(|&id| traces[id].is_some())
        .collect();
    let airs: Vec<_> = present.iter().map(|&id| vm.airs()[id].clone()).collect();
    let pks: Vec<_> = present.iter().map(|&id| &pk.per_air[id]).collect();
    let inputs: Vec<_> = present
        .iter()
        .map(|&id| AirProofRawInput {
            cached_mains: if id == PROGRAM_AIR_ID {
                vec![program.clone()]
            } else {
                vec![]
            },
            common_main: traces[id].clone(),
            public_values: public_values[id].clone(),
        })
        .collect();
    catch_unwind(AssertUnwindSafe(|| {
        debug_constraints_and_interactions(&airs, &pks, &inputs)
    }))
    .is_ok()
}

fn honest_traces(prover: &SegmentProver, exe: &VmExe<F>, input: &[u8]) -> SegmentTraces {
    let vm = prover.vm();
    let preflight = vm
        .execute_preflight(exe, SegmentStart::initial(exe), input, 1 << 20)
        .unwrap();
    let traces = vm.generate_traces(exe, preflight).unwrap();
    assert!(traces.exit_code.is_some());
    traces
}

/// Runs `words` from 0x1000 on `input` as one honest segment, changes each column of up to 8
/// real rows of every trace of the AIRs `check` selects (by id), and returns the changes that
/// nothing rejected, the cells checked and the names of the AIRs without rows.
fn unbound_columns(
    words: &[u32],
    input: &[u8],
    check: impl Fn(usize) -> bool,
) -> (Vec<String>, usize, Vec<String>) {
    // The panic hook is silenced while the debug checker panics on each rejected change; the
    // hook is global, so the tests of this file take turns.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let sdk = Sdk::default().insecure_for_tests();
    let exe = Arc::new(exe_from_words(0x1000, words).unwrap());
    let prover = sdk.segment_prover(&exe, 16).unwrap();
    let segment = honest_traces(&prover, &exe, input);
    let program = Arc::new(program_trace(&exe.program));
    let traces: Vec<_> = segment
        .traces
        .iter()
        .map(|t| t.clone().map(Arc::new))
        .collect();
    assert!(
        accepted(&prover, &program, &traces, &segment.public_values),
        "the honest segment"
    );

    let names: Vec<String> = prover.vm().airs().iter().map(|a| a.name()).collect();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut unbound = Vec::new();
    let mut checked = 0;
    for (id, trace) in segment.traces.iter().enumerate() {
        let Some(trace) = trace.as_ref().filter(|_| check(id)) else {
            continue;
        };
        let width = trace.width();
        // Real rows (padding rows are all zero), at most 8 of each trace.
        let rows: Vec<usize> = (0..trace.height())
            .filter(|&r| {
                trace.values[r * width..(r + 1) * width]
                    .iter()
                    .any(|v| *v != F::ZERO)
            })
            .take(8)
            .collect();
        for col in 0..width {
            for &row in &rows {
                let mut tampered = trace.clone();
                tampered.values[row * width + col] += F::ONE;
                let mut traces = traces.clone();
                traces[id] = Some(Arc::new(tampered));
                checked += 1;
                if accepted(&prover, &program, &traces, &segment.public_values) {
                    unbound.push(format!("{} (AIR {id}) row {row} column {col}", names[id]));
                }
            }
        }
    }
    std::panic::set_hook(quiet);
    let missing = (0..names.len())
        .filter(|&id| segment.traces[id].is_none())
        .map(|id| names[id].clone())
        .collect();
    (unbound, checked, missing)
}

#[test]
fn every_column_of_every_air_is_bound() {
    let (unbound, checked, missing) = unbound_columns(&every_family(), &[1, 2, 3, 4], |_| true);
    eprintln!("{checked} cells checked; AIRs without rows in this segment: {missing:?}");
    assert!(
        unbound.is_empty(),
        "columns no constraint or bus binds:\n{}",
        unbound.join("\n")
    );
}

/// The register refresh AIR has rows only in runs longer than its refresh threshold (3400
/// timestamps): a loop of 1500 iterations, and only that AIR's columns are changed.
#[test]
fn every_column_of_the_register_refresh_air_is_bound() {
    use tessera_system::vm::REGISTER_REFRESH_AIR_ID;
    let words = [
        addi(5, 0, 1500),
        addi(5, 5, -1),
        bne(5, 0, -4),
        addi(10, 0, 0),
        addi(17, 0, 93),
        ECALL,
    ];
    let (unbound, checked, missing) =
        unbound_columns(&words, &[], |id| id == REGISTER_REFRESH_AIR_ID);
    assert!(
        !missing.iter().any(|name| name == "RegisterRefreshAir"),
        "no refresh rows: {missing:?}"
    );
    assert!(checked > 0);
    assert!(
        unbound.is_empty(),
        "columns no constraint or bus binds:\n{}",
        unbound.join("\n")
    );
}
