//! The base ALU AIRs prove honest runs and reject tampered rows. Toy proof parameters (see the
//! test harness).

use std::borrow::BorrowMut;

use openvm_stark_backend::AirRef;
use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use tessera_system::SC;

use super::*;
use crate::{
    encode::*,
    test_harness::{
        assert_constraint_fails, assert_unbalanced, memory_bridge, new_run, Run, BITWISE,
        EXECUTION, F, PROGRAM,
    },
};

fn buses() -> BaseAluBuses {
    BaseAluBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        bitwise: BITWISE,
    }
}

/// The traces, in the order of `BaseAluAir::all`.
type Traces = [RowMajorMatrix<F>; 4];
const ARITH_REG: usize = 0;
const ARITH_IMM: usize = 1;
const LOGIC_REG: usize = 2;
const LOGIC_IMM: usize = 3;

/// Runs ALU-only straight-line code and returns the run and the four traces.
fn run(words: &[u32], registers: &[(u32, u32)]) -> (Run, Traces) {
    let mut run = new_run(words, registers);
    let mut chip = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    for _ in words {
        let pc = run.pc;
        let inst = run.next_instruction();
        chip.records.push(run.execute(pc, &inst));
    }
    (run, chip.generate_traces())
}

fn pairs(traces: Traces) -> Vec<(AirRef<SC>, RowMajorMatrix<F>)> {
    BaseAluAir::all(buses()).into_iter().zip(traces).collect()
}

fn prove(run: Run, traces: Traces) -> Result<(), String> {
    run.prove(pairs(traces))
}

/// Every opcode in both forms, with carries, borrows, aliasing and sign-extended immediates.
fn program() -> (Vec<u32>, Vec<(u32, u32)>) {
    let words = vec![
        add(3, 1, 2),
        sub(4, 1, 2),
        xor(5, 1, 2),
        or(6, 1, 2),
        and(7, 1, 2),
        add(8, 8, 8), // rd == rs1 == rs2
        sub(9, 2, 1),
        addi(10, 1, -1),
        xori(11, 1, -1),
        ori(12, 2, 0x7ff),
        andi(13, 1, -2048),
        addi(1, 1, 1), // rd == rs1
        sub(14, 1, 1),
    ];
    let registers = vec![(1, 0xffff_ffff), (2, 0x8000_0001), (8, 0x7fff_ffff)];
    (words, registers)
}

#[test]
fn honest_runs_prove() {
    let (words, registers) = program();
    let (run, traces) = run(&words, &registers);
    prove(run, traces).unwrap();
}

#[test]
fn results_match_the_executor() {
    let (words, registers) = program();
    let (run, _) = run(&words, &registers);
    let regs: Vec<u32> = (0..16)
        .map(|i| {
            run.memory
                .touched()
                .iter()
                .find(|w| w.address_space == 1 && w.pointer == 4 * i)
                .map_or(0, |w| u32::from_le_bytes(w.last.data))
        })
        .collect();
    assert_eq!(regs[3], 0x8000_0000);
    assert_eq!(regs[4], 0x7fff_fffe);
    assert_eq!(regs[8], 0xffff_fffe);
    assert_eq!(regs[10], 0xffff_fffe);
    assert_eq!(regs[11], 0);
    assert_eq!(regs[13], 0xffff_f800);
    assert_eq!(regs[1], 0);
    assert_eq!(regs[14], 0);
}

/// Tampers with row `row` of trace `trace` (`ARITH_REG`, ...).
///
/// The program's rows: ADD/SUB register form: add, sub, add (aliased), sub, sub; immediate
/// form: addi, addi (rd == rs1). XOR/OR/AND register form: xor, or, and; immediate form: xori,
/// ori, andi.
fn tampered(trace: usize, row: usize, tamper: impl Fn(&mut [F])) -> Result<(), String> {
    let (words, registers) = program();
    let (run, mut traces) = run(&words, &registers);
    let width = traces[trace].width;
    tamper(&mut traces[trace].values[row * width..(row + 1) * width]);
    prove(run, traces)
}

fn reg(row: &mut [F]) -> &mut BaseAluRegCols<F> {
    row.borrow_mut()
}

fn imm(row: &mut [F]) -> &mut BaseAluImmCols<F> {
    row.borrow_mut()
}

#[test]
fn a_changed_result_is_rejected() {
    // A result byte off by one: the carry constraint (ADD) or the lookup (XOR) breaks, and the
    // register's new value no longer matches what later reads see.
    for (trace, row) in [
        (ARITH_REG, 0),
        (ARITH_REG, 1),
        (LOGIC_REG, 0),
        (LOGIC_REG, 2),
    ] {
        assert!(tampered(trace, row, |r| reg(r).rd.data[0] += F::ONE).is_err());
    }
    assert!(tampered(ARITH_IMM, 0, |r| imm(r).rd.data[3] += F::ONE).is_err());
    assert!(tampered(LOGIC_IMM, 1, |r| imm(r).rd.data[1] += F::ONE).is_err());
}

#[test]
fn a_result_limb_out_of_range_is_rejected() {
    // ADD row 0: 0xffffffff + 0x80000001 = 0x80000000. Write byte 0 as 256 and borrow it from
    // the carry: the sum still balances limb-wise, only the byte lookup can object.
    let result = tampered(ARITH_REG, 0, |r| {
        let cols = reg(r);
        cols.rd.data[0] += F::from_u32(256);
        cols.rd.data[1] -= F::ONE;
    });
    // The pair lookup (256, ..) is outside the bitwise table: no rebalancing can pay for it.
    assert_unbalanced(result);
}

#[test]
fn flags_must_be_boolean_and_exclusive() {
    assert!(tampered(ARITH_REG, 0, |r| reg(r).flags[0] = F::TWO).is_err());
    assert!(tampered(ARITH_REG, 0, |r| reg(r).flags[1] = F::ONE).is_err());
    assert!(tampered(LOGIC_IMM, 0, |r| imm(r).flags[2] = F::ONE).is_err());
    // The arithmetic kind's third flag is unused (constrained to zero): set instead of ADD, the
    // row would stand for opcode 0, which no program row has.
    assert_unbalanced(tampered(ARITH_REG, 0, |r| {
        let cols = reg(r);
        cols.flags[0] = F::ZERO;
        cols.flags[2] = F::ONE;
    }));
    // XOR -> OR on operands with no common bit gives the same result, but the opcode differs
    // from the program's.
    assert_unbalanced(tampered(LOGIC_REG, 0, |r| {
        let cols = reg(r);
        cols.flags[0] = F::ZERO;
        cols.flags[1] = F::ONE;
    }));
}

#[test]
fn register_indices_and_pcs_are_bound_to_the_program() {
    assert_unbalanced(tampered(ARITH_REG, 1, |r| {
        reg(r).rs1.pointer += F::from_u32(4)
    }));
    assert_unbalanced(tampered(ARITH_REG, 1, |r| {
        reg(r).rs2.pointer += F::from_u32(4)
    }));
    assert_unbalanced(tampered(ARITH_REG, 1, |r| {
        reg(r).rd.pointer += F::from_u32(4)
    }));
    assert_unbalanced(tampered(LOGIC_IMM, 0, |r| imm(r).from_pc += F::from_u32(4)));
    assert_unbalanced(tampered(LOGIC_IMM, 0, |r| imm(r).imm[0] += F::ONE));
    assert_unbalanced(tampered(LOGIC_IMM, 0, |r| {
        imm(r).imm[2] = F::ONE - imm(r).imm[2]
    }));
    assert_unbalanced(tampered(ARITH_IMM, 0, |r| imm(r).imm[1] += F::ONE));
}

#[test]
fn operands_must_be_what_memory_holds() {
    assert_unbalanced(tampered(ARITH_REG, 0, |r| reg(r).rs1.data[2] += F::ONE));
    assert_unbalanced(tampered(ARITH_REG, 0, |r| reg(r).rd.prev_data[0] += F::ONE));
}

#[test]
fn timestamps_are_checked() {
    // An access claiming another previous timestamp: the memory bus no longer balances.
    assert_unbalanced(tampered(LOGIC_REG, 1, |r| {
        reg(r).rs1.aux.prev_timestamp -= F::ONE
    }));
    // A difference column that is not the difference, even with the range checker rebalanced.
    let (words, registers) = program();
    let (run, mut traces) = run(&words, &registers);
    let width = traces[LOGIC_REG].width;
    let cols = reg(&mut traces[LOGIC_REG].values[width..2 * width]);
    let old = cols.rs1.aux.lt.as_canonical_u32();
    cols.rs1.aux.lt += F::ONE;
    let result = run.prove_with(pairs(traces), |range, _| {
        use tessera_system::range_checker::table_row;
        range.values[table_row(old, 12)] -= F::ONE;
        range.values[table_row(old + 1, 12)] += F::ONE;
    });
    assert_constraint_fails(result);
    assert_unbalanced(tampered(ARITH_IMM, 0, |r| imm(r).from_timestamp += F::ONE));
}

/// A register access is checked as *recent* (one 12-bit limb): one whose register was last
/// accessed 4096 timestamps or more before cannot be proven. This run has no refresh rows (the
/// machine's preflight would have refreshed `x5` and `x7`): 2100 ADDIs on `x6` (4200
/// timestamps), then an ADD reading `x5` and writing `x7`, both untouched since the start.
#[test]
fn a_stale_register_access_is_rejected() {
    let mut words = vec![addi(6, 6, 1); 2100];
    words.push(add(7, 5, 5));
    let (stale, traces) = run(&words, &[(5, 21)]);
    assert!(stale.memory.timestamp > 4096);
    assert_unbalanced(prove(stale, traces));
    // The same with x5 read every 500 instructions (what a refresh does): every access is
    // recent and the run proves.
    let mut words: Vec<u32> = (0..2100)
        .map(|i| {
            if i % 500 == 0 {
                addi(5, 5, 0)
            } else {
                addi(6, 6, 1)
            }
        })
        .collect();
    words.push(add(5, 5, 5));
    let (fresh, traces) = run(&words, &[(5, 21)]);
    prove(fresh, traces).unwrap();
}

#[test]
fn padding_rows_stay_inert() {
    // The ADD/SUB register trace has 5 real rows and padding rows 5..8.
    assert!(tampered(ARITH_REG, 7, |r| reg(r).flags[0] = F::ONE).is_err());
    // The XOR/OR/AND register trace has 3 real rows and a padding row at index 3.
    assert!(tampered(LOGIC_REG, 3, |r| reg(r).flags[2] = F::ONE).is_err());
    // Dropping a real row breaks the execution chain.
    assert_unbalanced(tampered(ARITH_REG, 2, |r| r.fill(F::ZERO)));
}
