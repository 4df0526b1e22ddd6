//! The JAL/LUI and jump AIRs prove honest runs (forward and backward jumps with and without a
//! link, LUI immediates whose value is at or above the field's characteristic) together with
//! the ALU and NOP AIRs, and reject forged results, writes to `x0` and tampered rows. Toy proof
//! parameters (see the test harness).
//!
//! The harness runs straight-line code; the interpreter here moves `run.pc` to the jump target
//! itself. A "forged" run is a cheating prover's: it writes another value (or skips the write)
//! and follows that consistently, so memory balances and only the checks on the row object.

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use tessera_arch::{address_space::REGISTER, Instruction, LocalOpcode};

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

fn buses() -> JalLuiBuses {
    JalLuiBuses {
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

/// What a forged JAL/LUI does instead: write `value` (or nothing, if `link` is false, or to x0
/// if `link` is true for `rd = 0`).
struct Forge {
    value: u32,
    link: bool,
}

struct Machine {
    run: Run,
    nop: RowMajorMatrix<F>,
    alu_reg: RowMajorMatrix<F>,
    alu_imm: RowMajorMatrix<F>,
    link: RowMajorMatrix<F>,
    jump: RowMajorMatrix<F>,
    records: Vec<JalLuiRecord>,
}

/// Runs from [`BASE`] until the pc leaves the program. At the `n`-th JAL/LUI,
/// `forge(n, &mut forge)` may change what it writes.
fn execute(words: &[u32], forge: impl Fn(usize, &mut Forge)) -> Machine {
    let mut run = new_run(words, &[]);
    let mut nops = NopChip::default();
    let mut alu = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    let mut chip = JalLuiChip::new(run.range.clone(), run.bitwise.clone());
    let mut steps = 0;
    while run.exe.program.index_of(run.pc).is_some() {
        steps += 1;
        assert!(steps < 100, "runaway loop");
        let pc = run.pc;
        let inst = run.next_instruction();
        let [a, _b, c] = [inst.a, inst.b, inst.c].map(|v| v.as_canonical_u32());
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
        } else if let Some(op) = JalLuiOpcode::from_global(inst.opcode) {
            let rd = a / 4;
            let honest = match op {
                JalLuiOpcode::JAL => pc + 4,
                JalLuiOpcode::LUI => c << 12,
            };
            let mut f = Forge {
                value: honest,
                link: rd != 0,
            };
            forge(chip.records.len(), &mut f);
            let record = if f.value == honest && f.link == (rd != 0) {
                run.execute(pc, &inst)
            } else {
                let from_timestamp = run.memory.timestamp;
                let rd_write = f
                    .link
                    .then(|| run.memory.write(REGISTER, 4 * rd, f.value.to_le_bytes()));
                JalLuiRecord {
                    from_pc: pc,
                    from_timestamp,
                    opcode: op,
                    rd,
                    imm,
                    value: f.value,
                    rd_write,
                }
            };
            run.pc = record.to_pc();
            chip.records.push(record);
        } else {
            panic!("unexpected opcode {}", inst.opcode);
        }
    }
    let [alu_reg, alu_imm, _, _] = alu.generate_traces();
    let (link, jump) = chip.generate_traces();
    Machine {
        nop: nops.generate_trace(),
        alu_reg,
        alu_imm,
        link,
        jump,
        records: chip.records.into_vec(),
        run,
    }
}

impl Machine {
    fn prove(self) -> Result<(), String> {
        self.run.prove(vec![
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
            (Arc::new(JalLuiAir { buses: buses() }), self.link),
            (
                Arc::new(JumpAir {
                    execution: EXECUTION,
                    program: PROGRAM,
                }),
                self.jump,
            ),
        ])
    }

    fn link_row(&mut self, row: usize) -> &mut JalLuiCols<F> {
        let width = self.link.width;
        self.link.values[row * width..(row + 1) * width].borrow_mut()
    }

    fn jump_row(&mut self, row: usize) -> &mut JumpCols<F> {
        let width = self.jump.width;
        self.jump.values[row * width..(row + 1) * width].borrow_mut()
    }

    fn register(&self, index: u32) -> u32 {
        self.run
            .memory
            .touched()
            .iter()
            .find(|w| w.address_space == REGISTER && w.pointer == 4 * index)
            .map_or(0, |w| u32::from_le_bytes(w.last.data))
    }
}

fn pc(index: u32) -> u32 {
    BASE + 4 * index
}

/// Execution order of the JAL/LUI records (link-AIR row in brackets): 0 `lui x1` [0],
/// 1 `lui x2` [1], 2 `lui x3` [2], 3 `jal x4` [3], 4 `jal x5` [4], 5 `j` at 5, 6 `lui x6` [5],
/// 7 `jal x1` [6], 8 `j` at 12, 9 `lui x8` [7], 10 `lui x9` [8], 11 `j` at 15.
fn program() -> Vec<u32> {
    vec![
        lui(1, 0x12345), // 0
        lui(2, 0xfffff), // 1: 0xfffff000 > p as an integer
        lui(3, 0),       // 2: writes 0
        jal(4, 12),      // 3: forward with link -> 6
        NOP,             // 4: skipped
        jal(0, 12),      // 5: `j` forward -> 8
        jal(5, -4),      // 6: backward with link -> 5
        NOP,             // 7: skipped
        lui(6, 0x80000), // 8
        jal(1, 8),       // 9: overwrites x1 -> 11
        NOP,             // 10: skipped
        addi(7, 4, 0),   // 11: reads the link back
        jal(0, 4),       // 12: `j` by 4 -> 13
        lui(8, 0x78000), // 13: 0x78000000 = p - 1
        lui(9, 0x78001), // 14: 0x78001000 = p + 0xfff
        jal(0, 8),       // 15: `j` out of the program -> 17
    ]
}

fn honest() -> Machine {
    execute(&program(), |_, _| {})
}

#[test]
fn honest_runs_prove() {
    let machine = honest();
    assert_eq!(machine.run.pc, pc(17));
    let expected = [
        (1, pc(10)),
        (2, 0xffff_f000),
        (3, 0),
        (4, pc(4)),
        (5, pc(7)),
        (6, 0x8000_0000),
        (7, pc(4)),
        (8, 0x7800_0000),
        (9, 0x7800_1000),
    ];
    for (index, value) in expected {
        assert_eq!(machine.register(index), value, "x{index}");
    }
    let froms: Vec<u32> = machine.records.iter().map(|r| r.from_pc).collect();
    assert_eq!(
        froms,
        [0, 1, 2, 3, 6, 5, 8, 9, 12, 13, 14, 15].map(pc).to_vec()
    );
    // 9 linking rows (16 with padding), 3 jumps (4).
    assert_eq!(machine.link.values.len(), 16 * JalLuiCols::<F>::WIDTH);
    assert_eq!(machine.jump.values.len(), 4 * JumpCols::<F>::WIDTH);
    machine.prove().unwrap();
}

fn forged(n: usize, change: impl Fn(&mut Forge)) -> Machine {
    execute(&program(), |i, f| {
        if i == n {
            change(f)
        }
    })
}

#[test]
fn forged_results_are_rejected() {
    // Aligned bytes, consistent memory: only the value constraint objects.
    assert_constraint_fails(forged(3, |f| f.value += 4).prove());
    assert_constraint_fails(forged(1, |f| f.value ^= 1 << 12).prove());
    assert_constraint_fails(forged(2, |f| f.value = 0x100).prove());
    // The other 4-byte representatives of the value mod p are not multiples of 4: the XOR
    // lookup of the low byte has no entry for them.
    let p = F::ORDER_U32;
    assert_unbalanced(forged(3, |f| f.value += p).prove()); // jal x4: pc + 4 + p
    assert_unbalanced(forged(10, |f| f.value -= p).prove()); // lui x9: 0xfff
    assert_unbalanced(forged(9, |f| f.value = f.value.wrapping_add(2 * p)).prove());
    // lui x8
}

#[test]
fn x0_is_never_written() {
    // A `j` (JAL to x0) proven by the linking AIR, writing x0: the program lookup matches
    // (rd_pointer 0), the pair (r_3, rd_pointer - 4) does not.
    assert_unbalanced(forged(5, |f| f.link = true).prove());
    // A linking JAL proven by the jump AIR (no write): its program lookup has a = 0.
    assert_unbalanced(forged(3, |f| f.link = false).prove());
}

#[test]
fn linking_rows_are_bound() {
    type Tamper = fn(&mut JalLuiCols<F>);
    let cases: [(usize, Tamper); 8] = [
        (3, |c| c.rd.pointer += F::from_u32(4)),
        (3, |c| c.imm += F::from_u32(4)),
        (0, |c| c.imm += F::ONE),
        (3, |c| c.from_pc += F::from_u32(4)),
        (3, |c| c.from_timestamp += F::ONE),
        (3, |c| c.rd.prev_data[0] += F::ONE),
        (3, |c| c.rd.aux.prev_timestamp += F::ONE),
        // A result byte out of range with the value kept: memory and the lookup object.
        (0, |c| {
            c.rd.data[1] += F::from_u32(256);
            c.rd.data[2] -= F::ONE;
        }),
    ];
    for (row, tamper) in cases {
        let mut machine = honest();
        tamper(machine.link_row(row));
        assert_unbalanced(machine.prove());
    }
}

#[test]
fn linking_flags_are_checked() {
    // LUI x3, 0 at pc(2) as JAL (value would be pc + 4).
    let mut machine = honest();
    machine.link_row(2).flags = [F::ONE, F::ZERO];
    assert_unbalanced(machine.prove());
    let mut machine = honest();
    machine.link_row(2).flags = [F::ONE, F::ONE];
    assert_unbalanced(machine.prove());
    let mut machine = honest();
    machine.link_row(3).flags = [F::TWO, -F::ONE];
    assert_unbalanced(machine.prove());
}

#[test]
fn jump_rows_are_bound() {
    type Tamper = fn(&mut JumpCols<F>);
    let cases: [(usize, Tamper); 4] = [
        (0, |c| c.imm += F::from_u32(4)),
        (1, |c| c.from_pc += F::from_u32(4)),
        (1, |c| c.from_timestamp += F::ONE),
        (2, |c| c.is_valid = F::ZERO),
    ];
    for (row, tamper) in cases {
        let mut machine = honest();
        tamper(machine.jump_row(row));
        assert_unbalanced(machine.prove());
    }
    let mut machine = honest();
    machine.jump_row(0).is_valid = F::TWO;
    assert_unbalanced(machine.prove());
}

#[test]
fn padding_rows_stay_inert() {
    let mut machine = honest();
    machine.jump_row(3).is_valid = F::ONE;
    assert_unbalanced(machine.prove());
    let mut machine = honest();
    machine.link_row(12).flags[1] = F::ONE;
    assert_unbalanced(machine.prove());
    let mut machine = honest();
    let width = machine.link.width;
    machine.link.values[4 * width..5 * width].fill(F::ZERO);
    assert_unbalanced(machine.prove());
}

/// `0: nop; 1: j -4` loops without touching memory or the timestamp, so two trips around
/// the loop repeat the same execution states. Merging the two NOP rows into one with
/// `is_valid = 2` (and the two jump rows likewise) keeps every bus balanced; only the boolean
/// constraints on `is_valid` reject it.
#[test]
fn a_doubled_row_is_rejected_by_its_boolean_flag() {
    let machine = |merge: bool| {
        let words = [NOP, jal(0, -4)];
        let mut run = new_run(&words, &[]);
        let mut nops = NopChip::default();
        let mut chip = JalLuiChip::new(run.range.clone(), run.bitwise.clone());
        for _ in 0..2 {
            let pc = run.pc;
            let inst = run.next_instruction();
            nops.records.push(run.execute(pc, &inst));
            let pc = run.pc;
            let inst = run.next_instruction();
            let record: JalLuiRecord = run.execute(pc, &inst);
            run.pc = record.to_pc();
            chip.records.push(record);
        }
        assert_eq!(run.pc, BASE);
        let [alu_reg, alu_imm, _, _] =
            BaseAluChip::new(run.range.clone(), run.bitwise.clone()).generate_traces();
        let (link, jump) = chip.generate_traces();
        let mut machine = Machine {
            nop: nops.generate_trace(),
            alu_reg,
            alu_imm,
            link,
            jump,
            records: chip.records.into_vec(),
            run,
        };
        if merge {
            machine.jump_row(0).is_valid = F::TWO;
            machine.jump_row(1).is_valid = F::ZERO;
            let width = machine.nop.width;
            let nop_rows = &mut machine.nop.values;
            nop_rows[width - 1] = F::TWO;
            nop_rows[width..2 * width].fill(F::ZERO);
        }
        machine
    };
    machine(false).prove().unwrap();
    assert_constraint_fails(machine(true).prove());
}
