//! The branch AIRs prove honest runs with loops (backward and forward offsets, taken and not
//! taken, `rs1 == rs2`, `x0` operands) together with the ALU and NOP AIRs, and reject forged
//! decisions and tampered rows. Toy proof parameters (see the test harness).
//!
//! The harness runs straight-line code; the interpreter here moves `run.pc` to the branch's
//! target itself. A "forged" run is a cheating prover's: it takes the wrong direction at one
//! branch and follows it consistently, so every bus balances and only the comparison
//! constraints can object.

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use tessera_arch::{Instruction, LocalOpcode};

use super::*;
use crate::{
    base_alu::{AluKind, AluOperand, BaseAluAir, BaseAluBuses, BaseAluChip, BaseAluOpcode},
    encode::*,
    nop::{NopAir, NopChip, NopOpcode},
    test_harness::{
        assert_constraint_fails, assert_unbalanced, memory_bridge, new_run, Run, BASE, BITWISE,
        EXECUTION, F, PROGRAM,
    },
};

fn buses() -> BranchBuses {
    BranchBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        bitwise: BITWISE,
    }
}

fn alu_buses() -> BaseAluBuses {
    BaseAluBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        bitwise: BITWISE,
    }
}

/// A finished run with every chip's trace.
struct Machine {
    run: Run,
    nop: RowMajorMatrix<F>,
    alu_reg: RowMajorMatrix<F>,
    alu_imm: RowMajorMatrix<F>,
    eq: RowMajorMatrix<F>,
    lt: RowMajorMatrix<F>,
    /// `(pc, taken)` of every executed branch, in order.
    branches: Vec<(u32, bool)>,
}

/// Runs from [`BASE`] until the pc leaves the program (or lands on a misaligned pc). At the
/// `n`-th executed branch, `forge(n, &mut taken)` may change the decision.
fn execute(words: &[u32], registers: &[(u32, u32)], forge: impl Fn(usize, &mut bool)) -> Machine {
    let mut run = new_run(words, registers);
    let mut nops = NopChip::default();
    let mut alu = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    let mut eq = BranchEqualChip::new(run.range.clone());
    let mut lt = BranchLessThanChip::new(run.range.clone(), run.bitwise.clone());
    let mut branches = Vec::new();
    while run.exe.program.index_of(run.pc).is_some() {
        assert!(branches.len() < 100, "runaway loop");
        let pc = run.pc;
        let inst = run.next_instruction();
        let [_a, _b, c] = [inst.a, inst.b, inst.c].map(|v| v.as_canonical_u32());
        let imm = Instruction::<F>::signed(inst.c) as i32;
        if inst.opcode == NopOpcode::NOP.global() {
            nops.records.push(run.execute(pc, &inst));
        } else if let Some(op) = BaseAluOpcode::from_global(inst.opcode) {
            let operand = if inst.e == F::ZERO {
                AluOperand::Immediate(imm as u32)
            } else {
                AluOperand::Register(c / 4)
            };
            let _ = (op, operand);
            let record = run.execute(pc, &inst);
            alu.records.push(record);
        } else if BranchEqualOpcode::from_global(inst.opcode).is_some() {
            let mut record: BranchRecord<BranchEqualOpcode> = run.execute(pc, &inst);
            forge(branches.len(), &mut record.taken);
            branches.push((pc, record.taken));
            run.pc = record.to_pc();
            eq.records.push(record);
        } else if BranchLessThanOpcode::from_global(inst.opcode).is_some() {
            let mut record: BranchRecord<BranchLessThanOpcode> = run.execute(pc, &inst);
            forge(branches.len(), &mut record.taken);
            branches.push((pc, record.taken));
            run.pc = record.to_pc();
            lt.records.push(record);
        } else {
            panic!("unexpected opcode {}", inst.opcode);
        }
    }
    let [alu_reg, alu_imm, _, _] = alu.generate_traces();
    Machine {
        nop: nops.generate_trace(),
        alu_reg,
        alu_imm,
        eq: eq.generate_trace(),
        lt: lt.generate_trace(),
        run,
        branches,
    }
}

impl Machine {
    fn prove(self) -> Result<(), String> {
        self.prove_with(|_, _| {})
    }

    fn prove_with(
        self,
        rebalance: impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>),
    ) -> Result<(), String> {
        self.run.prove_with(
            vec![
                (
                    Arc::new(NopAir {
                        execution: EXECUTION,
                        program: PROGRAM,
                    }),
                    self.nop,
                ),
                (
                    Arc::new(BaseAluAir::<false> {
                        buses: alu_buses(),
                        kind: AluKind::Arith,
                    }),
                    self.alu_reg,
                ),
                (
                    Arc::new(BaseAluAir::<true> {
                        buses: alu_buses(),
                        kind: AluKind::Arith,
                    }),
                    self.alu_imm,
                ),
                (Arc::new(BranchEqualAir { buses: buses() }), self.eq),
                (Arc::new(BranchLessThanAir { buses: buses() }), self.lt),
            ],
            rebalance,
        )
    }

    fn eq_row(&mut self, row: usize) -> &mut BranchEqualCols<F> {
        let width = self.eq.width;
        self.eq.values[row * width..(row + 1) * width].borrow_mut()
    }

    fn lt_row(&mut self, row: usize) -> &mut BranchLessThanCols<F> {
        let width = self.lt.width;
        self.lt.values[row * width..(row + 1) * width].borrow_mut()
    }
}

fn pc(index: u32) -> u32 {
    BASE + 4 * index
}

// ---------------------------------------------------------------------------------------------
// BEQ / BNE

/// Indices in comments; `->` is where a taken branch goes.
fn eq_program() -> (Vec<u32>, Vec<(u32, u32)>) {
    let words = vec![
        addi(1, 0, 3),  // 0: x1 = 3
        beq(2, 3, 8),   // 1: equal words in different registers: taken -> 3
        NOP,            // 2: skipped
        addi(1, 1, -1), // 3: loop body
        bne(1, 0, -4),  // 4: x0 operand; backward, taken twice -> 3, then not taken
        beq(2, 4, 8),   // 5: only the top byte differs: not taken
        beq(5, 5, 8),   // 6: rs1 == rs2: taken -> 8
        NOP,            // 7: skipped
        bne(2, 6, 8),   // 8: only byte 0 differs: taken -> 10
        NOP,            // 9: skipped
        bne(0, 0, 8),   // 10: x0 == x0: not taken
        bne(9, 10, 8),  // 11: 0x100 vs 0x001 (byte differences sum to 0): taken -> 13
        NOP,            // 12: skipped
        beq(0, 8, -52), // 13: backward offset, not taken
        beq(2, 4, 4),   // 14: offset 4: not taken, same target as taken
        NOP,            // 15
    ];
    let registers = vec![
        (2, 0x1234_5678),
        (3, 0x1234_5678),
        (4, 0x9234_5678),
        (5, 0xdead_beef),
        (6, 0x1234_5679),
        (8, 0x100),
        (9, 0x100),
        (10, 0x001),
    ];
    (words, registers)
}

fn eq_machine(forge: impl Fn(usize, &mut bool)) -> Machine {
    let (words, registers) = eq_program();
    execute(&words, &registers, forge)
}

/// Branch records of the honest run, in order (row `i` of the branch-equal trace is branch
/// `i`): 0 `beq x2,x3` T, 1-3 `bne x1,x0` T T N, 4 `beq x2,x4` N, 5 `beq x5,x5` T,
/// 6 `bne x2,x6` T, 7 `bne x0,x0` N, 8 `bne x9,x10` T, 9 `beq x0,x8` N, 10 `beq x2,x4,4` N.
#[test]
fn branch_equal_honest_run_proves() {
    let machine = eq_machine(|_, _| {});
    let expected = [
        (1, true),
        (4, true),
        (4, true),
        (4, false),
        (5, false),
        (6, true),
        (8, true),
        (10, false),
        (11, true),
        (13, false),
        (14, false),
    ]
    .map(|(i, t)| (pc(i), t));
    assert_eq!(machine.branches, expected);
    assert_eq!(machine.run.pc, pc(16));
    machine.prove().unwrap();
}

#[test]
fn branch_equal_forged_decisions_are_rejected() {
    // Every bus balances (the run follows the forged direction); the comparison objects.
    for (n, what) in [
        (0, "equal words claimed different"),
        (5, "rs1 == rs2 claimed different"),
        (4, "top byte differs, claimed equal"),
        (8, "byte differences summing to zero, claimed equal"),
        (7, "x0 vs x0 claimed different"),
    ] {
        let machine = eq_machine(|i, taken| {
            if i == n {
                *taken = !*taken;
            }
        });
        let err = machine.prove().expect_err(what);
        assert!(err.contains("constraint"), "{what}: {err}");
    }
}

#[test]
fn branch_equal_inverse_must_be_honest() {
    // `beq x2,x4` (not taken): with diff_inv = 0 the row cannot show the words differ.
    let mut machine = eq_machine(|_, _| {});
    machine.eq_row(4).is_equal.diff_inv = F::ZERO;
    assert_constraint_fails(machine.prove());
    let mut machine = eq_machine(|_, _| {});
    machine.eq_row(4).is_equal.diff_inv += F::ONE;
    assert_constraint_fails(machine.prove());
}

#[test]
fn branch_equal_targets_and_operands_are_bound() {
    type Tamper = fn(&mut BranchEqualCols<F>);
    let cases: [(usize, Tamper); 9] = [
        // The target: the taken flag or the offset.
        (0, |c| c.taken = F::ZERO),
        (4, |c| c.taken = F::ONE),
        (1, |c| c.imm -= F::from_u32(4)),
        (1, |c| c.from_pc += F::from_u32(4)),
        // Register pointers and what memory holds.
        (0, |c| c.rs1.pointer += F::from_u32(4)),
        (0, |c| c.rs2.pointer = F::ZERO),
        (6, |c| c.rs2.data[0] -= F::ONE),
        // Timestamps.
        (6, |c| c.from_timestamp += F::ONE),
        (6, |c| c.rs1.aux.prev_timestamp -= F::ONE),
    ];
    for (row, tamper) in cases {
        let mut machine = eq_machine(|_, _| {});
        tamper(machine.eq_row(row));
        assert_unbalanced(machine.prove());
    }
}

#[test]
fn branch_equal_flags_are_bound() {
    // Row 10 is `beq x2,x4,4`: taken or not, it goes to pc + 4. Claiming BNE (taken, which is
    // right for BNE on different words) satisfies every constraint, but the program says BEQ.
    let mut machine = eq_machine(|_, _| {});
    let cols = machine.eq_row(10);
    cols.flags = [F::ZERO, F::ONE];
    cols.taken = F::ONE;
    assert_unbalanced(machine.prove());
    // Non-boolean flags summing to 1 change the opcode; two flags make is_valid 2.
    let mut machine = eq_machine(|_, _| {});
    machine.eq_row(10).flags = [F::TWO, -F::ONE];
    assert_unbalanced(machine.prove());
    let mut machine = eq_machine(|_, _| {});
    machine.eq_row(10).flags = [F::ONE, F::ONE];
    assert_unbalanced(machine.prove());
    // A non-boolean taken that happens to keep eq consistent is still rejected.
    let mut machine = eq_machine(|_, _| {});
    machine.eq_row(4).taken = F::TWO;
    assert_unbalanced(machine.prove());
}

#[test]
fn branch_equal_padding_rows_stay_inert() {
    // 11 rows, padded to 16.
    let mut machine = eq_machine(|_, _| {});
    assert_eq!(machine.eq.values.len(), 16 * BranchEqualCols::<F>::WIDTH);
    machine.eq_row(12).flags[0] = F::ONE;
    assert_unbalanced(machine.prove());
    let mut machine = eq_machine(|_, _| {});
    machine.eq_row(12).flags[1] = F::ONE;
    machine.eq_row(12).is_equal.diff_inv = F::ZERO;
    assert_unbalanced(machine.prove());
    // Dropping a real row breaks the chain.
    let mut machine = eq_machine(|_, _| {});
    let width = machine.eq.width;
    machine.eq.values[2 * width..3 * width].fill(F::ZERO);
    assert_unbalanced(machine.prove());
}

/// A taken branch to `pc + 2`: the executor faults there; the circuit can end a segment at the
/// misaligned pc (the connector's final pc is public) but cannot execute anything from it,
/// because the program table holds no instruction at a pc that is not `pc_base + 4 i`.
#[test]
fn misaligned_targets_cannot_be_continued() {
    let words = [beq(0, 0, 2), NOP, NOP];
    let machine = execute(&words, &[], |_, _| {});
    assert_eq!(machine.run.pc, BASE + 2);
    assert_eq!(machine.branches, [(BASE, true)]);
    machine.prove().unwrap();

    // Continue with a NOP "at" BASE + 2 (as if it decoded the NOP word's halves): its program
    // lookup finds nothing.
    let mut machine = execute(&words, &[], |_, _| {});
    let mut nops = NopChip::default();
    let nop = machine.run.exe.program.instructions[1].expect("the NOP at BASE + 4");
    nops.records.push(machine.run.execute(BASE + 2, &nop));
    machine.run.pc = BASE + 6;
    machine.nop = nops.generate_trace();
    assert_unbalanced(machine.prove());
}

// ---------------------------------------------------------------------------------------------
// BLT / BLTU / BGE / BGEU

fn lt_program() -> (Vec<u32>, Vec<(u32, u32)>) {
    let words = vec![
        addi(1, 0, 0),   // 0: i = 0
        addi(1, 1, 1),   // 1: loop body
        blt(1, 11, -4),  // 2: i < 3: backward, taken twice -> 1, then not taken
        bltu(12, 13, 8), // 3: 0x7fffffff <u 0x80000000: taken -> 5
        NOP,             // 4: skipped
        blt(12, 13, 8),  // 5: 0x7fffffff <s -2^31: not taken
        bge(12, 13, 8),  // 6: signed >=: taken -> 8
        NOP,             // 7: skipped
        bgeu(12, 13, 8), // 8: unsigned >=: not taken
        bge(5, 5, 8),    // 9: rs1 == rs2: taken -> 11
        NOP,             // 10: skipped
        bltu(5, 5, 8),   // 11: rs1 == rs2: not taken
        blt(14, 15, 8),  // 12: -1 <s -2: not taken (only byte 0 differs)
        bgeu(0, 14, 8),  // 13: 0 >=u 0xffffffff: not taken
        bltu(0, 14, 8),  // 14: 0 <u 0xffffffff: taken -> 16
        NOP,             // 15: skipped
        blt(14, 0, 8),   // 16: -1 <s 0: taken -> 18
        NOP,             // 17: skipped
        bge(16, 17, 8),  // 18: 0x01000000 >=s 0x00ffffff: taken -> 20
        NOP,             // 19: skipped
        blt(18, 19, 8),  // 20: -2^31 <s 0x7fffffff (top bytes -128 vs 127): taken -> 22
        NOP,             // 21: skipped
        bltu(20, 21, 8), // 22: 0 <u 0xff000000 (top bytes 0 vs 255): taken -> 24
        NOP,             // 23: skipped
        bge(0, 0, -92),  // 24: x0 >= x0: taken, backward -> 1 (loop again: i = 4)
    ];
    let registers = vec![
        (5, 0xdead_beef),
        (11, 3),
        (12, 0x7fff_ffff),
        (13, 0x8000_0000),
        (14, 0xffff_ffff),
        (15, 0xffff_fffe),
        (16, 0x0100_0000),
        (17, 0x00ff_ffff),
        (18, 0x8000_0000),
        (19, 0x7fff_ffff),
        (21, 0xff00_0000),
    ];
    (words, registers)
}

#[test]
fn branch_less_than_honest_run_proves() {
    // A run whose final backward branch would loop forever: use a counter instead.
    let (mut words, registers) = lt_program();
    // 24: bge x11, x1: 3 >= i, taken -> 1 while i <= 3 (the first pass ends with i = 3).
    let last = words.len() - 1;
    words[last] = bge(11, 1, -92);
    let machine = execute(&words, &registers, |_, _| {});
    let taken: Vec<bool> = machine.branches.iter().map(|b| b.1).collect();
    // First pass: blt loop T T N, then 3..=24; second pass: i = 4, blt N, ..., bge N.
    let pass = |first_loop: &[bool], last: bool| {
        let mut v = first_loop.to_vec();
        v.extend([
            true, false, true, false, true, false, false, false, true, true, true, true, true,
        ]);
        v.push(last);
        v
    };
    let mut expected = pass(&[true, true, false], true);
    expected.extend(pass(&[false], false));
    assert_eq!(taken, expected);
    assert_eq!(machine.run.pc, pc(25));
    machine.prove().unwrap();
}

fn lt_honest(forge: impl Fn(usize, &mut bool)) -> Machine {
    let (mut words, registers) = lt_program();
    let last = words.len() - 1;
    words[last] = bge(11, 1, -92);
    execute(&words, &registers, forge)
}

#[test]
fn branch_less_than_forged_decisions_are_rejected() {
    // Branch indices of the first pass: 0-2 blt loop, 3 bltu, 4 blt, 5 bge, 6 bgeu, 7 bge eq,
    // 8 bltu eq, 9 blt -1/-2, 10 bgeu, 11 bltu, 12 blt -1/0, 13 bge, 14 blt, 15 bltu, 16 bge.
    // Equal words claimed less: no byte can carry the marker (constraint). diff_val = 1 makes
    // the lookup value (2 - 1) 1 - 1 = 0 a byte, counted in the table: only the constraint
    // objects.
    for n in [7, 8] {
        let mut machine = lt_honest(|i, taken| {
            if i == n {
                *taken = !*taken;
            }
        });
        machine.lt_row(n).compare.diff_val = F::ONE;
        assert_constraint_fails(machine.prove_with(|_, bitwise| bitwise.values[0] += F::ONE));
    }
    // A wrong direction at the deciding byte gives a lookup value outside [0, 256): the lookup
    // has no entry for it (signed and unsigned, top byte and byte 0).
    for n in [3, 4, 5, 6, 9, 12, 14, 15] {
        let machine = lt_honest(|i, taken| {
            if i == n {
                *taken = !*taken;
            }
        });
        assert_unbalanced(machine.prove());
    }
}

#[test]
fn branch_less_than_marker_must_be_the_top_differing_byte() {
    // Branch 3: bltu 0x7fffffff, 0x80000000 (taken). Forge "not less" and put the marker on
    // byte 0, where x_0 = 0xff > y_0 = 0x00 (diff_val = d_0 = -255, lookup value 254 is in
    // range), with the byte lookup rebalanced: the differing top byte above the marker is
    // caught by a constraint.
    let mut machine = lt_honest(|i, taken| {
        if i == 3 {
            *taken = !*taken;
        }
    });
    let row = machine.lt_row(3);
    assert_eq!(row.compare.diff_marker[3], F::ONE);
    row.compare.diff_marker = [F::ONE, F::ZERO, F::ZERO, F::ZERO];
    row.compare.diff_val = -F::from_u32(255);
    let result = machine.prove_with(|_, bitwise| {
        // The range-count column of row (254, 0).
        bitwise.values[2 * (254 << 8)] += F::ONE;
    });
    assert_constraint_fails(result);
}

#[test]
fn branch_less_than_columns_are_checked() {
    // cmp_lt disagreeing with taken: branch 3 (bltu 0x7fffffff, 0x80000000) forged "not
    // taken" with the honest cmp_lt = 1 and its byte lookup (value 0) put back, so that only
    // the constraint tying cmp_lt to taken objects.
    let mut machine = lt_honest(|i, taken| {
        if i == 3 {
            *taken = !*taken;
        }
    });
    let row = machine.lt_row(3);
    assert_eq!(row.cmp_lt, F::ZERO);
    row.cmp_lt = F::ONE;
    assert_constraint_fails(machine.prove_with(|_, bitwise| bitwise.values[0] += F::ONE));
    // Two markers (the lookup's count is the row's validity, so the bus still balances).
    let mut machine = lt_honest(|_, _| {});
    machine.lt_row(3).compare.diff_marker[0] = F::ONE;
    assert_constraint_fails(machine.prove());
    // The unsigned top byte on a signed row (x_3 = 0x80 read as 128, not -128): x_3 - x_msb = 0
    // satisfies the polynomial constraint, the range lookup of x_msb + 128 = 256 does not.
    let mut machine = lt_honest(|_, _| {});
    let row = machine.lt_row(14); // blt 0x80000000, 0x7fffffff
    assert_eq!(row.flags[0], F::ONE);
    row.x_msb = F::from_u32(128);
    assert_unbalanced(machine.prove());
    // x_msb neither x_3 nor x_3 - 256.
    let mut machine = lt_honest(|_, _| {});
    machine.lt_row(15).x_msb += F::ONE;
    assert_constraint_fails(machine.prove_with(|_, bitwise| {
        // Rebalance (x_msb, y_msb) = (0, 255) -> (1, 255).
        bitwise.values[2 * 255] -= F::ONE;
        bitwise.values[2 * ((1 << 8) | 255)] += F::ONE;
    }));
    // The target and operands.
    type Tamper = fn(&mut BranchLessThanCols<F>);
    let cases: [(usize, Tamper); 5] = [
        (3, |c| c.taken = F::ZERO),
        (3, |c| c.imm += F::from_u32(4)),
        (3, |c| c.rs1.pointer += F::from_u32(4)),
        (3, |c| c.flags = [F::ONE, F::ZERO, F::ZERO, F::ZERO]),
        (3, |c| c.rs2.data[3] += F::ONE),
    ];
    for (row, tamper) in cases {
        let mut machine = lt_honest(|_, _| {});
        tamper(machine.lt_row(row));
        assert_unbalanced(machine.prove());
    }
}

#[test]
fn branch_less_than_padding_rows_stay_inert() {
    // Without the final backward branch: 15 branches, padded to 16 rows.
    let (mut words, registers) = lt_program();
    words.truncate(22);
    let mut machine = execute(&words, &registers, |_, _| {});
    let rows = machine.lt.values.len() / BranchLessThanCols::<F>::WIDTH;
    assert_eq!((machine.branches.len(), rows), (15, 16));
    machine.lt_row(rows - 1).flags[1] = F::ONE;
    assert_unbalanced(machine.prove());
    let mut machine = lt_honest(|_, _| {});
    let width = machine.lt.width;
    machine.lt.values[width..2 * width].fill(F::ZERO);
    assert_unbalanced(machine.prove());
}
