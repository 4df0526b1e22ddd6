//! The `ecall` AIR proves exits (terminating the segment with the exit code) and host writes,
//! and rejects tampered rows. Toy proof parameters (see the test harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use tessera_arch::{
    bus::{ExitBus, EXIT_BUS},
    Instruction, LocalOpcode,
};

use super::*;
use crate::{
    adapters::alu_record::{preflight as alu_preflight, AluOperand},
    encode::*,
    test_harness::{assert_unbalanced, memory_bridge, Run, BITWISE, EXECUTION, F, PROGRAM},
    AluKind, BaseAluAir, BaseAluBuses, BaseAluChip, BaseAluOpcode,
};

fn ecall_air() -> EcallAir {
    EcallAir {
        buses: EcallBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            exit: ExitBus::new(EXIT_BUS),
        },
    }
}

/// Writes 5 bytes to stdout and 2 to stderr, then exits with `code`.
fn program(code: i32) -> Vec<u32> {
    vec![
        addi(10, 0, 1),
        addi(11, 0, 0x100),
        addi(12, 0, 5),
        addi(17, 0, 64),
        ECALL,
        addi(5, 10, 0), // a0 is now 5
        addi(10, 0, 2),
        addi(12, 0, 2),
        ECALL,
        addi(10, 0, code),
        addi(17, 0, 93),
        ECALL,
    ]
}

/// Runs to the exit; returns the run (terminating) and the ALU and ecall traces.
fn run(code: i32) -> Result<(Run, RowMajorMatrix<F>, RowMajorMatrix<F>), UnprovenSyscall> {
    let words = program(code);
    let mut run = Run::new(&words, &[]);
    let mut alu = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    let mut ecalls = EcallChip::new(run.range.clone());
    loop {
        let pc = run.pc;
        let inst: Instruction<F> = run.next_instruction();
        if let Some(op) = BaseAluOpcode::from_global(inst.opcode) {
            let [rd, rs1] = [inst.a, inst.b].map(|v| v.as_canonical_u32() / 4);
            let imm = AluOperand::Immediate(Instruction::<F>::signed(inst.c) as i32 as u32);
            alu.records
                .push(alu_preflight(&mut run.memory, pc, op, rd, rs1, imm));
            continue;
        }
        let record = preflight(&mut run.memory, pc)?;
        ecalls.records.push(record);
        if let Syscall::Exit { code } = record.syscall {
            run.pc = pc;
            run.exit_code = Some(code);
            break;
        }
    }
    let [_, alu_imm, _, _] = alu.generate_traces::<F>();
    Ok((run, alu_imm, ecalls.generate_trace()))
}

fn prove(run: Run, alu_imm: RowMajorMatrix<F>, ecalls: RowMajorMatrix<F>) -> Result<(), String> {
    let buses = BaseAluBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        bitwise: BITWISE,
    };
    run.prove(vec![
        (
            Arc::new(BaseAluAir::<true> {
                buses,
                kind: AluKind::Arith,
            }),
            alu_imm,
        ),
        (Arc::new(ecall_air()), ecalls),
    ])
}

#[test]
fn exit_terminates_the_segment_with_its_code() {
    for code in [0, 42, -1] {
        let (run, alu, ecalls) = run(code).unwrap();
        assert_eq!(run.exit_code, Some(code as u32));
        prove(run, alu, ecalls).unwrap();
    }
}

#[test]
fn the_claimed_exit_code_and_termination_must_match_the_exit() {
    let (mut run_, alu, ecalls) = run(42).unwrap();
    run_.exit_code = Some(43);
    assert_unbalanced(prove(run_, alu, ecalls));
    let (mut run_, alu, ecalls) = run(42).unwrap();
    run_.exit_code = None;
    assert_unbalanced(prove(run_, alu, ecalls));
}

fn tampered(row: usize, tamper: impl Fn(&mut EcallCols<F>)) -> Result<(), String> {
    let (run, alu, mut ecalls) = run(42).unwrap();
    let width = ecalls.width;
    tamper(ecalls.values[row * width..(row + 1) * width].borrow_mut());
    prove(run, alu, ecalls)
}

#[test]
fn tampered_rows_are_rejected() {
    // The exit row (row 2) claimed as a write, and a write claimed as the exit.
    assert!(tampered(2, |c| c.flags = [F::ZERO, F::ONE]).is_err());
    assert!(tampered(0, |c| c.flags = [F::ONE, F::ZERO]).is_err());
    // Another register, another exit code, another new a0, stderr for stdout.
    assert!(tampered(2, |c| c.a0.pointer += F::from_u32(4)).is_err());
    assert!(tampered(2, |c| c.a0.prev_data[0] += F::ONE).is_err());
    assert!(tampered(0, |c| c.a0.data[0] += F::ONE).is_err());
    assert!(tampered(0, |c| c.stderr = F::ONE).is_err());
    assert!(tampered(0, |c| c.flags[1] = F::TWO).is_err());
    // Padding (3 rows, padded to 4).
    assert!(tampered(3, |c| c.flags[1] = F::ONE).is_err());
}

#[test]
fn unproven_syscalls_are_reported() {
    // Writing to the public output (fd 3) needs memory reads: not provable yet.
    let words = vec![addi(10, 0, 3), addi(17, 0, 64), ECALL];
    let mut run = Run::new(&words, &[]);
    let mut alu = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    for _ in 0..2 {
        let pc = run.pc;
        let inst: Instruction<F> = run.next_instruction();
        let op = BaseAluOpcode::from_global(inst.opcode).unwrap();
        let [rd, rs1] = [inst.a, inst.b].map(|v| v.as_canonical_u32() / 4);
        let imm = AluOperand::Immediate(Instruction::<F>::signed(inst.c) as i32 as u32);
        alu.records
            .push(alu_preflight(&mut run.memory, pc, op, rd, rs1, imm));
    }
    let pc = run.pc;
    let err = preflight(&mut run.memory, pc).unwrap_err();
    assert_eq!(err, UnprovenSyscall::Unsupported { number: 64, a0: 3 });
    assert!(err.to_string().contains("not provable yet"));
}
