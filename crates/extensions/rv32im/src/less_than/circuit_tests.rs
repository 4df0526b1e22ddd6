//! The set-less-than AIRs prove honest runs and reject tampered rows. Toy proof parameters (see
//! the test harness): these tests check constraints and buses, not security.
//!
//! A tampering test either changes a bus message, and the prover finds the bus unbalanced
//! (`NonZeroRootSum`), or keeps every bus balanced the way a cheating prover would (the
//! periphery multiplicities rebalanced with [`Run::prove_with`], a wrong result written to
//! memory by a cheating preflight so the memory bus agrees with it), so that only the
//! constraint under test can reject the row (`constraint`).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use tessera_arch::{address_space::REGISTER, Instruction, LocalOpcode};

use super::{trace::CoreValues, *};
use crate::{
    adapters::AluFamily,
    base_alu::AluOperand,
    encode::*,
    test_harness::{
        assert_constraint_fails, assert_unbalanced, memory_bridge, new_run, Run, BITWISE,
        EXECUTION, F, PROGRAM,
    },
};

fn buses() -> LessThanBuses {
    LessThanBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        bitwise: BITWISE,
    }
}

const INT_MIN: u32 = 0x8000_0000;
const INT_MAX: u32 = 0x7fff_ffff;

/// Initial registers.
const REGISTERS: [(u32, u32); 12] = [
    (1, 5),
    (2, 5),
    (3, 0x1234_5678),
    (4, 0x1234_5679),
    (5, 0xffff_ffff),
    (6, 1),
    (7, INT_MIN),
    (8, INT_MAX),
    (9, 0xffff_f800), // -2048
    (10, 0),
    (11, 0x0101),
    (12, 0x0202),
];

/// The program and each instruction's expected result.
fn program() -> Vec<(u32, u32)> {
    vec![
        (slt(13, 1, 2), 0),       // 0: equal values
        (sltu(14, 1, 2), 0),      // 1
        (slt(15, 3, 4), 1),       // 2: differ only in the low byte
        (sltu(16, 4, 3), 0),      // 3
        (slt(17, 5, 6), 1),       // 4: -1 < 1
        (sltu(18, 5, 6), 0),      // 5: 0xffffffff > 1
        (slt(19, 7, 8), 1),       // 6: INT_MIN < INT_MAX
        (sltu(20, 7, 8), 0),      // 7
        (slt(21, 8, 7), 0),       // 8
        (sltu(22, 8, 8), 0),      // 9: rs1 == rs2
        (slt(23, 9, 5), 1),       // 10: -2048 < -1, differ first in byte 1
        (sltu(24, 11, 12), 1),    // 11: differ in bytes 1 and 0
        (sltu(25, 10, 6), 1),     // 12: snez
        (slti(26, 5, -1), 0),     // 13: -1 < -1
        (slti(27, 9, -1), 1),     // 14
        (slti(28, 9, -2048), 0),  // 15: equal
        (slti(29, 8, 2047), 0),   // 16
        (slti(30, 6, 2047), 1),   // 17
        (sltiu(31, 5, -1), 0),    // 18: -1 is 0xffffffff
        (sltiu(26, 8, -1), 1),    // 19: INT_MAX < 0xffffffff
        (sltiu(27, 10, 1), 1),    // 20: seqz
        (slti(28, 7, -2048), 1),  // 21: INT_MIN < -2048
        (sltiu(1, 1, -2048), 1),  // 22: rd == rs1, 5 < 0xfffff800
        (slt(2, 2, 6), 0),        // 23: rd == rs1
        (sltu(3, 10, 10), 0),     // 24: 0 < 0
        (slti(4, 10, 0), 0),      // 25: 0 < 0
        (sltiu(5, 5, 0x7ff), 0),  // 26
        (slt(6, 11, 12), 1),      // 27
        (sltu(13, 12, 11), 0),    // 28
        (slti(8, 12, 0x202), 0),  // 29: equal to an immediate with two bytes
        (sltiu(9, 11, 0x202), 1), // 30
        (slti(11, 7, 0), 1),      // 31: INT_MIN < 0
    ]
}

/// The form and row of instruction `index`.
fn locate(index: usize) -> (bool, usize) {
    let words: Vec<u32> = program().iter().map(|&(w, _)| w).collect();
    let is_imm = |w: u32| w & 0x7f == 0x13;
    let imm = is_imm(words[index]);
    let row = words[..index].iter().filter(|&&w| is_imm(w) == imm).count();
    (imm, row)
}

/// Runs the program and returns the run and the two traces. With `cheat = Some((i, v))`,
/// instruction `i` writes `v` to rd instead of its result (a cheating preflight; the trace
/// still holds the honest row, which the test then tampers with).
fn run(cheat: Option<(usize, u32)>) -> (Run, RowMajorMatrix<F>, RowMajorMatrix<F>) {
    let words: Vec<u32> = program().iter().map(|&(w, _)| w).collect();
    let mut run = new_run(&words, &REGISTERS);
    let mut chip = LessThanChip::new(run.range.clone(), run.bitwise.clone());
    for index in 0..words.len() {
        let pc = run.pc;
        let inst = run.next_instruction();
        let opcode = LessThanOpcode::from_global(inst.opcode).expect("SLT-only code");
        let [rd, rs1, c] = [inst.a, inst.b, inst.c].map(|v| v.as_canonical_u32());
        let (rd, rs1) = (rd / 4, rs1 / 4);
        let operand = if inst.e == F::ZERO {
            AluOperand::Immediate(Instruction::<F>::signed(inst.c) as i32 as u32)
        } else {
            AluOperand::Register(c / 4)
        };
        let record = match cheat {
            Some((i, value)) if i == index => {
                let memory = &mut run.memory;
                let from_timestamp = memory.timestamp;
                let (_, rs1_read) = memory.read(REGISTER, 4 * rs1);
                let rs2_read = match operand {
                    AluOperand::Register(rs2) => Some(memory.read(REGISTER, 4 * rs2).1),
                    AluOperand::Immediate(_) => None,
                };
                let rd_write = memory.write(REGISTER, 4 * rd, value.to_le_bytes());
                LessThanRecord {
                    from_pc: pc,
                    from_timestamp,
                    opcode,
                    rd,
                    rs1,
                    operand,
                    rs1_read,
                    rs2_read,
                    rd_write,
                }
            }
            _ => run.execute(pc, &inst),
        };
        chip.records.push(record);
    }
    let (reg, imm) = chip.generate_traces();
    (run, reg, imm)
}

/// A byte range check `(x, y)` moved to another pair in the bitwise table.
type Move = ((u32, u32), (u32, u32));

fn prove_with(
    run: Run,
    reg: RowMajorMatrix<F>,
    imm: RowMajorMatrix<F>,
    moves: &[Move],
) -> Result<(), String> {
    run.prove_with(
        vec![
            (Arc::new(LessThanAir::<false> { buses: buses() }), reg),
            (Arc::new(LessThanAir::<true> { buses: buses() }), imm),
        ],
        |_, bitwise| {
            // The bitwise trace is `range_count, xor_count` per pair `(x, y)`.
            let row = |(x, y): (u32, u32)| 2 * (((x << 8) | y) as usize);
            for &(from, to) in moves {
                bitwise.values[row(from)] -= F::ONE;
                bitwise.values[row(to)] += F::ONE;
            }
        },
    )
}

/// Tampers with the row of instruction `index` (after a cheating preflight if `cheat` is a
/// value to write), moves byte range checks `from -> to` as a cheating prover would, proves.
fn tampered(
    index: usize,
    cheat: Option<u32>,
    moves: &[Move],
    tamper: impl Fn(&mut [F]),
) -> Result<(), String> {
    let (imm, row) = locate(index);
    tampered_row(imm, row, cheat.map(|v| (index, v)), moves, tamper)
}

fn tampered_row(
    imm: bool,
    row: usize,
    cheat: Option<(usize, u32)>,
    moves: &[Move],
    tamper: impl Fn(&mut [F]),
) -> Result<(), String> {
    let (run, mut reg_trace, mut imm_trace) = run(cheat);
    let trace = if imm { &mut imm_trace } else { &mut reg_trace };
    let width = trace.width;
    tamper(&mut trace.values[row * width..(row + 1) * width]);
    prove_with(run, reg_trace, imm_trace, moves)
}

/// The last row of a form's trace, which is padding.
fn padding_row(imm: bool) -> usize {
    let rows = (0..program().len()).filter(|&i| locate(i).0 == imm).count();
    let height = rows.next_power_of_two();
    assert!(rows < height, "the trace has a padding row");
    height - 1
}

fn reg(row: &mut [F]) -> &mut LessThanRegCols<F> {
    row.borrow_mut()
}

fn imm(row: &mut [F]) -> &mut LessThanImmCols<F> {
    row.borrow_mut()
}

/// Widths, interactions per row and the constraint degree the documentation states.
#[test]
fn shape() {
    use openvm_stark_backend::{
        air_builders::symbolic::get_symbolic_builder, keygen::types::TraceWidth, p3_air::BaseAir,
    };
    fn measure<A>(air: &A) -> (usize, usize, usize)
    where
        A: BaseAir<F>
            + openvm_stark_backend::p3_air::BaseAirWithPublicValues<F>
            + openvm_stark_backend::p3_air::Air<
                openvm_stark_backend::air_builders::symbolic::SymbolicRapBuilder<F>,
            >,
    {
        let width = TraceWidth {
            preprocessed: None,
            cached_mains: vec![],
            common_main: air.width(),
        };
        let constraints = get_symbolic_builder(air, &width).constraints();
        (
            air.width(),
            constraints.interactions.len(),
            constraints.max_constraint_degree(),
        )
    }
    assert_eq!(
        measure(&LessThanAir::<false> { buses: buses() }),
        (36, 14, 2)
    );
    assert_eq!(
        measure(&LessThanAir::<true> { buses: buses() }),
        (31, 10, 3)
    );
}

#[test]
fn honest_runs_prove() {
    let (run, reg, imm) = run(None);
    prove_with(run, reg, imm, &[]).unwrap();
}

#[test]
fn results_match_the_executor() {
    let (run, reg_trace, imm_trace) = run(None);
    for (index, (word, expected)) in program().into_iter().enumerate() {
        let (is_imm, row) = locate(index);
        let trace = if is_imm { &imm_trace } else { &reg_trace };
        let mut values = trace.values[row * trace.width..(row + 1) * trace.width].to_vec();
        let (rd, markers) = if is_imm {
            let cols = imm(&mut values);
            (cols.rd.data, cols.compare.diff_marker)
        } else {
            let cols = reg(&mut values);
            (cols.rd.data, cols.compare.diff_marker)
        };
        let result = rd.map(|b| b.as_canonical_u32());
        assert_eq!(
            result,
            [expected, 0, 0, 0],
            "instruction {index} ({word:#010x})"
        );
        assert!(markers.iter().map(|m| m.as_canonical_u32()).sum::<u32>() <= 1);
    }
    // The last values: x1 = (5 <u 0xfffff800), x2 = (5 < 1), x11 = (INT_MIN < 0).
    let last = |i: u32| {
        run.memory
            .touched()
            .iter()
            .find(|w| w.address_space == REGISTER && w.pointer == 4 * i)
            .map(|w| u32::from_le_bytes(w.last.data))
    };
    assert_eq!(last(1), Some(1));
    assert_eq!(last(2), Some(0));
    assert_eq!(last(11), Some(1));
    // Where the markers sit: the low byte, byte 1, the top byte, none.
    let marker = |index: usize| {
        let (is_imm, row) = locate(index);
        let trace = if is_imm { &imm_trace } else { &reg_trace };
        let mut values = trace.values[row * trace.width..(row + 1) * trace.width].to_vec();
        let markers = if is_imm {
            imm(&mut values).compare.diff_marker
        } else {
            reg(&mut values).compare.diff_marker
        };
        markers.iter().position(|&m| m == F::ONE)
    };
    assert_eq!(marker(2), Some(0));
    assert_eq!(marker(11), Some(1));
    assert_eq!(marker(10), Some(1));
    assert_eq!(marker(6), Some(3));
    assert_eq!(marker(0), None);
    assert_eq!(marker(15), None);
}

/// The core's values agree with the executor on edge cases and a sweep, and every looked-up
/// value is a byte.
#[test]
fn core_values_agree_with_the_executor() {
    let mut values = vec![0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff_ffff, 0x8000_0000];
    values.extend([
        0x8000_0001,
        0xffff_ffff,
        0xffff_fffe,
        0xffff_f800,
        0x7ff,
        0x0101_0101,
    ]);
    let mut seed = 0x1234_5678u32;
    for _ in 0..200 {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        values.push(seed);
        // Values close to one another: differing only in low bytes.
        values.push(seed ^ (seed >> 29));
    }
    for &x in &values {
        for &y in &values {
            for &op in LessThanOpcode::ALL {
                let core = CoreValues::new(op, x, y);
                assert_eq!(core.cmp as u32, op.eval(x, y), "{op:?} {x:#x} {y:#x}");
                assert_eq!(core.cmp, core.diff_val > 0);
                assert!(core.diff_byte() < 256);
                assert!(CoreValues::msb_byte(core.msb_x, op) < 256);
                assert!(CoreValues::msb_byte(core.msb_y, op) < 256);
                assert_eq!(
                    core.diff_marker.iter().filter(|&&m| m).count(),
                    (x != y) as usize
                );
            }
        }
    }
}

// --- Wrong results: the cheating preflight writes the wrong value, so memory agrees with it.

#[test]
fn a_flipped_result_with_the_difference_negated_is_rejected() {
    // Instruction 2: 0x12345678 < 0x12345679 is 1, marker on byte 0, diff_val = 1, lookup 0.
    // Claim 0 and diff_val = -1: the lookup value (2 cmp - 1) diff_val - 1 is still 0, but the
    // marked byte's difference is not diff_val.
    let result = tampered(2, Some(0), &[], |r| {
        let cols = reg(r);
        cols.rd.data[0] = F::ZERO;
        cols.compare.diff_val = -F::ONE;
    });
    assert_constraint_fails(result);
}

#[test]
fn a_flipped_result_claiming_equality_is_rejected() {
    // Instruction 17 (SLTI 1 < 2047 is 1): marker on byte 1 (0x07 vs 0x00), diff_val 7, lookup
    // (msb_x + 128, 6). Claim 0 and x = y (no marker, diff_val = -1, lookup (128, 0)): the
    // unmarked bytes must be equal.
    let result = tampered(17, Some(0), &[((128, 6), (128, 0))], |r| {
        let cols = imm(r);
        cols.rd.data[0] = F::ZERO;
        cols.compare.diff_marker = [F::ZERO; 4];
        cols.compare.diff_val = -F::ONE;
    });
    assert_constraint_fails(result);
}

#[test]
fn one_for_equal_values_is_rejected() {
    // Instruction 0: 5 < 5 is 0 (no marker, diff_val -1, lookup 0). Claim 1 with diff_val 1
    // (lookup still 0) and no marker: equal values must give 0.
    assert_constraint_fails(tampered(0, Some(1), &[], |r| {
        let cols = reg(r);
        cols.rd.data[0] = F::ONE;
        cols.compare.diff_val = F::ONE;
    }));
    // ... with a marker on byte 0: the marked difference is 0, not diff_val.
    assert_constraint_fails(tampered(0, Some(1), &[], |r| {
        let cols = reg(r);
        cols.rd.data[0] = F::ONE;
        cols.compare.diff_val = F::ONE;
        cols.compare.diff_marker[0] = F::ONE;
    }));
    // ... with a marker and diff_val = 0: the lookup of -1 cannot be balanced.
    assert_unbalanced(tampered(0, Some(1), &[], |r| {
        let cols = reg(r);
        cols.rd.data[0] = F::ONE;
        cols.compare.diff_val = F::ZERO;
        cols.compare.diff_marker[0] = F::ONE;
    }));
}

#[test]
fn a_flipped_result_keeping_the_difference_is_rejected() {
    // Instruction 3: 0x12345679 <u 0x12345678 is 0 (diff_val -1). Claim 1 keeping diff_val:
    // (2 - 1)(-1) - 1 = -2 is no byte, so the lookup cannot be balanced.
    assert_unbalanced(tampered(3, Some(1), &[], |r| reg(r).rd.data[0] = F::ONE));
}

#[test]
fn a_signed_top_byte_read_as_unsigned_is_rejected() {
    // Instruction 6: SLT INT_MIN < INT_MAX is 1 (msb_x = -128). Read msb_x as 128 (allowed by
    // the msb constraint) and claim 0 with diff_val = 127 - 128: the lookup of msb_x + 128 =
    // 256 cannot be balanced.
    assert_unbalanced(tampered(6, Some(0), &[], |r| {
        let cols = reg(r);
        cols.rd.data[0] = F::ZERO;
        cols.msb_x = F::from_u32(128);
        cols.compare.diff_val = -F::ONE;
    }));
}

#[test]
fn a_top_byte_that_is_neither_reading_is_rejected() {
    // Instruction 7: SLTU INT_MIN < INT_MAX is 0: msb_x = 128, msb_y = 127, diff_val = -1,
    // lookups (128, 127) and (0, 0). msb_x = 200 keeps the result (diff_val = -73, lookups
    // (200, 127) and (72, 0), rebalanced) but is not the top byte.
    let result = tampered(
        7,
        None,
        &[((128, 127), (200, 127)), ((0, 0), (72, 0))],
        |r| {
            let cols = reg(r);
            cols.msb_x = F::from_u32(200);
            cols.compare.diff_val = -F::from_u32(73);
        },
    );
    assert_constraint_fails(result);
    // Same for msb_y: 127 -> 50, diff_val = 50 - 128 = -78, lookups (128, 50), (77, 0).
    let result = tampered(
        7,
        None,
        &[((128, 127), (128, 50)), ((0, 0), (77, 0))],
        |r| {
            let cols = reg(r);
            cols.msb_y = F::from_u32(50);
            cols.compare.diff_val = -F::from_u32(78);
        },
    );
    assert_constraint_fails(result);
}

#[test]
fn result_bytes_above_the_first_must_be_zero() {
    // Instruction 4 (SLT -1 < 1 is 1) writes 0x101.
    assert_constraint_fails(tampered(4, Some(0x101), &[], |r| {
        reg(r).rd.data[1] = F::ONE
    }));
}

#[test]
fn the_result_must_be_boolean() {
    // Instruction 4: marker on the top byte (msb -1 vs 0), diff_val 1, lookup (0, 0). Write 2:
    // the lookup becomes (2 * 2 - 1) * 1 - 1 = 2, rebalanced.
    assert_constraint_fails(tampered(4, Some(2), &[((0, 0), (2, 0))], |r| {
        reg(r).rd.data[0] = F::TWO
    }));
}

// --- Markers.

#[test]
fn a_marker_on_the_wrong_byte_is_rejected() {
    // Instruction 11: 0x0101 <u 0x0202, marker on byte 1, diff_val 1. Byte 0 differs by 1 too,
    // so moving the marker there changes no lookup; byte 1 is then unmarked and unequal.
    assert_constraint_fails(tampered(11, None, &[], |r| {
        let cols = reg(r);
        cols.compare.diff_marker = [F::ONE, F::ZERO, F::ZERO, F::ZERO];
    }));
    // Moving it to the (equal) top byte: its difference is 0, not diff_val.
    assert_constraint_fails(tampered(11, None, &[], |r| {
        let cols = reg(r);
        cols.compare.diff_marker = [F::ZERO, F::ZERO, F::ZERO, F::ONE];
    }));
}

#[test]
fn two_markers_are_rejected() {
    // Instruction 11: markers on bytes 1 and 0, both with difference 1 = diff_val. (Removing
    // the sum's booleanity alone does not let this through: below the second marker the sum
    // is 2 and byte 0 would have to be equal. Both booleanity constraints are implied; see
    // `eval_core`.)
    assert_constraint_fails(tampered(11, None, &[], |r| {
        reg(r).compare.diff_marker[0] = F::ONE;
    }));
    // Immediate form, instruction 30 (0x0101 <u 0x0202): the same.
    assert_constraint_fails(tampered(30, None, &[], |r| {
        imm(r).compare.diff_marker[0] = F::ONE;
    }));
}

#[test]
fn non_boolean_markers_are_rejected() {
    // Instruction 11: marker 2 on byte 1 and -1 on byte 0 sum to 1 and both differences equal
    // diff_val; the running sum 2 at byte 1 demands byte 1 be equal.
    assert_constraint_fails(tampered(11, None, &[], |r| {
        let cols = reg(r);
        cols.compare.diff_marker[1] = F::TWO;
        cols.compare.diff_marker[0] = -F::ONE;
    }));
}

// --- Flags, program binding, memory, padding.

#[test]
fn flags_must_be_boolean_and_exclusive() {
    // On a padding row, slt = 1, sltu = -1 keeps is_valid = 0 (no interaction): only the
    // flags' booleanity objects.
    assert_constraint_fails(tampered_row(false, padding_row(false), None, &[], |r| {
        let cols = reg(r);
        cols.flags = [F::ONE, -F::ONE];
    }));
    // Both flags on a real row: is_valid = 2 and the opcode is no program's.
    assert!(tampered(0, None, &[], |r| reg(r).flags[1] = F::ONE).is_err());
    assert!(tampered(13, None, &[], |r| imm(r).flags = [F::TWO, F::ZERO]).is_err());
    // SLT -> SLTU on equal values (same result, lookups rebalanced): the opcode differs from
    // the program's.
    assert_unbalanced(tampered(0, None, &[((128, 128), (0, 0))], |r| {
        reg(r).flags = [F::ZERO, F::ONE]
    }));
}

#[test]
fn register_indices_immediates_and_pcs_are_bound_to_the_program() {
    assert_unbalanced(tampered(1, None, &[], |r| {
        reg(r).rs1.pointer += F::from_u32(4)
    }));
    assert_unbalanced(tampered(1, None, &[], |r| {
        reg(r).rs2.pointer += F::from_u32(4)
    }));
    assert_unbalanced(tampered(1, None, &[], |r| {
        reg(r).rd.pointer += F::from_u32(4)
    }));
    assert_unbalanced(tampered(14, None, &[], |r| {
        imm(r).rs1.pointer += F::from_u32(4)
    }));
    assert_unbalanced(tampered(14, None, &[], |r| {
        imm(r).rd.pointer += F::from_u32(4)
    }));
    assert_unbalanced(tampered(14, None, &[], |r| {
        imm(r).from_pc += F::from_u32(4)
    }));
    assert_unbalanced(tampered(2, None, &[], |r| reg(r).from_pc += F::from_u32(4)));
    // Immediate bytes of SLTI -2048 < -1 (instruction 14): byte 0 changes no lookup; byte 1
    // (0xff -> 0xfe) with diff_val 7 -> 6 and the lookup (127, 6) -> (127, 5) rebalanced keeps
    // the row consistent, but the program's operands differ.
    assert_unbalanced(tampered(14, None, &[], |r| imm(r).imm[0] -= F::ONE));
    assert_unbalanced(tampered(14, None, &[((127, 6), (127, 5))], |r| {
        let cols = imm(r);
        cols.imm[1] -= F::ONE;
        cols.compare.diff_val -= F::ONE;
    }));
    // SLTIU -1 (instruction 18) with the sign cleared: 0xffff compared instead.
    assert_unbalanced(tampered(18, None, &[], |r| imm(r).imm[2] = F::ZERO));
}

#[test]
fn operands_must_be_what_memory_holds() {
    assert_unbalanced(tampered(2, None, &[], |r| reg(r).rs1.data[1] += F::ONE));
    assert_unbalanced(tampered(2, None, &[], |r| reg(r).rs2.data[2] += F::ONE));
    assert_unbalanced(tampered(14, None, &[], |r| imm(r).rs1.data[2] += F::ONE));
    assert_unbalanced(tampered(2, None, &[], |r| reg(r).rd.prev_data[0] += F::ONE));
    assert_unbalanced(tampered(2, None, &[], |r| {
        reg(r).rs1.aux.prev_timestamp -= F::ONE
    }));
    assert_unbalanced(tampered(14, None, &[], |r| imm(r).from_timestamp += F::ONE));
}

#[test]
fn padding_rows_stay_inert() {
    let (reg_pad, imm_pad) = (padding_row(false), padding_row(true));
    assert_unbalanced(tampered_row(false, reg_pad, None, &[], |r| {
        reg(r).flags[0] = F::ONE
    }));
    assert_unbalanced(tampered_row(true, imm_pad, None, &[], |r| {
        imm(r).flags[1] = F::ONE
    }));
    // A marker on a padding row (no flag, no interaction, operands zero) is refused: with
    // no condition a marker demands `diff_val = -1` (the equal-operands witness), and the
    // marked difference must equal `diff_val`, but the marked limbs are equal (0 - 0).
    for diff_val in [F::ZERO, -F::ONE] {
        assert!(tampered_row(false, reg_pad, None, &[], |r| {
            reg(r).compare.diff_marker[2] = F::ONE;
            reg(r).compare.diff_val = diff_val;
        })
        .is_err());
    }
    // Dropping a real row breaks the execution chain.
    assert_unbalanced(tampered(5, None, &[], |r| r.fill(F::ZERO)));
}
