//! The column mutation checker (`tessera_system::vm::mutation`) over every AIR of the machine:
//! honest segments that exercise every instruction family and syscall, each column of up to 8
//! real rows of each trace changed in turn, the constraints and bus balance of the whole
//! segment checked by the proof system's debug checker. A change that nothing rejects is a
//! column no constraint or bus binds, reported with the AIR, the row and the column. Toy proof
//! parameters (only the keys' constraints are used).

use std::sync::Arc;

use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
use tessera_rv32im::encode::*;
use tessera_sdk::{GuestInput, Sdk, SegmentStart, F};
use tessera_system::vm::{
    mutation::{rejections, unbound_cells, MutationReport},
    CONNECTOR_AIR_ID, REGISTER_REFRESH_AIR_ID,
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
    // write(3, buf, 4): public output; write(1, buf, 2): stdout; write(2, buf, 1): stderr;
    // the cycle tracker's start and end (fds 0x7d00 = 0x8000 - 768 and 0x7d01);
    // read(0, buf, 4).
    let tracker = |fd: i32| [lui(10, 0x8), addi(10, 10, fd - 0x8000)];
    for (fd, len, call) in [
        (3, 4, 64),
        (1, 2, 64),
        (2, 1, 64),
        (0x7d00, 2, 64),
        (0x7d01, 2, 64),
        (0, 4, 63),
    ] {
        match fd {
            0x7d00.. => words.extend(tracker(fd)),
            _ => words.push(addi(10, 0, fd)),
        }
        words.extend([addi(11, 9, 0), addi(12, 0, len), addi(17, 0, call), ECALL]);
    }
    words.extend([lw(10, 9, 0), andi(10, 10, 0xff), addi(17, 0, 93), ECALL]);
    words
}

fn check(
    words: &[u32],
    input: impl Into<GuestInput>,
    airs: impl Fn(usize) -> bool,
) -> MutationReport {
    let sdk = Sdk::default().insecure_for_tests();
    let exe = Arc::new(exe_from_words(0x1000, words).unwrap());
    let prover = sdk.segment_prover(&exe, 16).unwrap();
    let vm = prover.vm();
    let preflight = vm
        .execute_preflight(&exe, SegmentStart::initial(&exe), &input.into(), 1 << 20)
        .unwrap();
    let segment = vm.generate_traces(&exe, preflight).unwrap();
    assert!(segment.exit_code.is_some());
    unbound_cells(vm, &prover.keys().pk, &exe.program, &segment, airs, 8)
}

#[test]
fn every_column_of_every_air_is_bound() {
    let report = check(&every_family(), &[1, 2, 3, 4], |_| true);
    eprintln!(
        "{} cells checked; AIRs without rows in this segment: {:?}",
        report.checked, report.without_rows
    );
    assert!(report.checked > 5000);
    assert!(report.unbound.is_empty(), "{:#?}", report.unbound);
}

/// The hint stream and the key-value store: a read of the hints (fd 4), a hint request, and a
/// value opened, read and closed (the `ecall` rows of `hint_request`, `openat` and `close`).
#[test]
fn every_column_is_bound_in_the_syscalls_of_hints_and_the_store() {
    let words = [
        lui(9, 0x2), // x9 = 0x2000, a data buffer; the key "k" at 0x2100
        addi(5, 0, b'k' as i32),
        sw(5, 9, 0x100),
        addi(10, 0, 4),
        addi(11, 9, 0),
        addi(12, 0, 4),
        addi(17, 0, 63),
        ECALL, // read(4, buf, 4)
        addi(10, 0, 4),
        addi(12, 0, 2),
        addi(17, 0, 64),
        ECALL, // write(4, buf, 2): a hint request
        addi(10, 0, -100),
        addi(11, 9, 0x100),
        addi(12, 0, 0),
        addi(17, 0, 56),
        ECALL, // openat(AT_FDCWD, "k", O_RDONLY) = 5
        addi(11, 9, 1),
        addi(12, 0, 3),
        addi(17, 0, 63),
        ECALL, // read(5, buf + 1, 3)
        addi(10, 0, 5),
        addi(17, 0, 57),
        ECALL, // close(5) = 0
        addi(17, 0, 93),
        ECALL, // exit(0)
    ];
    let input = GuestInput {
        stdin: Vec::new(),
        hints: vec![9, 8, 7, 6],
        kv: [(b"k".to_vec(), b"val".to_vec())].into_iter().collect(),
    };
    let report = check(&words, input, |_| true);
    assert!(report.checked > 500, "{} cells checked", report.checked);
    assert!(report.unbound.is_empty(), "{:#?}", report.unbound);
}

/// The register refresh AIR has rows only in runs longer than its refresh threshold (3400
/// timestamps): a loop of 1500 iterations, and only that AIR's columns are changed.
#[test]
fn every_column_of_the_register_refresh_air_is_bound() {
    let words = [
        addi(5, 0, 1500),
        addi(5, 5, -1),
        bne(5, 0, -4),
        addi(10, 0, 0),
        addi(17, 0, 93),
        ECALL,
    ];
    let report = check(&words, GuestInput::default(), |id| {
        id == REGISTER_REFRESH_AIR_ID
    });
    assert!(
        !report
            .without_rows
            .iter()
            .any(|name| name == "RegisterRefreshAir"),
        "no refresh rows: {:?}",
        report.without_rows
    );
    assert!(report.checked > 0);
    assert!(report.unbound.is_empty(), "{:#?}", report.unbound);
}

/// The checker's baseline must be honest: traces that already fail (here a connector public
/// value changed) are refused loudly rather than reported as "every change rejected". (That it
/// reports free columns was shown by its first run, which found the free witnesses now pinned
/// in the is-zero and is-equal gadgets and in `ecall`: see `docs/proving.md`.)
#[test]
#[should_panic(expected = "the honest segment fails the debug checker")]
fn a_dishonest_segment_is_refused_by_the_checker() {
    let sdk = Sdk::default().insecure_for_tests();
    let exe = Arc::new(exe_from_words(0x1000, &every_family()).unwrap());
    let prover = sdk.segment_prover(&exe, 16).unwrap();
    let vm = prover.vm();
    let preflight = vm
        .execute_preflight(
            &exe,
            SegmentStart::initial(&exe),
            &tessera_sdk::GuestInput::from(&[1, 2, 3, 4]),
            1 << 20,
        )
        .unwrap();
    let mut segment = vm.generate_traces(&exe, preflight).unwrap();
    segment.public_values[CONNECTOR_AIR_ID][0] += F::ONE;
    unbound_cells(vm, &prover.keys().pk, &exe.program, &segment, |_| true, 1);
}

/// `rejections` says what rejects a tampered segment: an ADD whose result byte is changed is
/// rejected by the ALU AIR's own constraints (and, as any changed write, by the memory bus);
/// the honest segment by nothing.
#[test]
fn rejections_name_the_air_that_objects() {
    let sdk = Sdk::default().insecure_for_tests();
    let words = [addi(5, 0, 7), add(10, 5, 5), addi(17, 0, 93), ECALL];
    let exe = Arc::new(exe_from_words(0x1000, &words).unwrap());
    let prover = sdk.segment_prover(&exe, 16).unwrap();
    let vm = prover.vm();
    let preflight = vm
        .execute_preflight(
            &exe,
            SegmentStart::initial(&exe),
            &tessera_sdk::GuestInput::default(),
            1 << 20,
        )
        .unwrap();
    let mut segment = vm.generate_traces(&exe, preflight).unwrap();
    let pk = &prover.keys().pk;
    let honest = rejections(vm, pk, &exe.program, &segment);
    assert!(honest.accepted(), "{honest:?}");

    // The ADD's row: the only real row of `BaseAluAir<false>` (arithmetic kind, register form).
    let id = (0..vm.airs().len())
        .find(|&id| vm.airs()[id].name() == "BaseAluAir<false>" && segment.traces[id].is_some())
        .expect("the ADD's trace");
    let trace = segment.traces[id].as_mut().unwrap();
    // rd.data[0] sits after from_pc, from_timestamp, rs1 (7), rs2 (7), rd's pointer and
    // previous bytes (5): column 21.
    assert_eq!(trace.values[21], F::from_u32(14));
    trace.values[21] += F::ONE;
    let verdict = rejections(vm, pk, &exe.program, &segment);
    assert!(!verdict.accepted());
    assert!(verdict.rejected_beyond_memory(), "{verdict:?}");
    verdict.assert_rejected_by("BaseAluAir<false>");
    assert!(verdict.failed_constraints.contains("BaseAluAir<false>"));
}
