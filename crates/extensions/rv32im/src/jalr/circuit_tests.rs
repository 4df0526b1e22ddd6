//! The JALR AIRs prove honest runs (call and return, positive and negative offsets including
//! the extremes, a cleared bit 0, `rd == rs1`, a target that wraps around 2^32) together with the
//! JAL, ALU and NOP AIRs, and reject forged targets, misaligned targets, writes to `x0` and
//! tampered rows. Toy proof parameters (see the test harness).
//!
//! The harness runs straight-line code; the interpreter here moves `run.pc` itself. A
//! "forged" run is a cheating prover's: it jumps elsewhere (or skips the link) and follows that
//! consistently, so every bus that can balance does.

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
    jal_lui::{JalLuiAir, JalLuiBuses, JalLuiChip, JalLuiOpcode, JumpAir},
    nop::{NopAir, NopChip, NopOpcode},
    test_harness::{
        assert_constraint_fails, assert_unbalanced, memory_bridge, new_run, Run, BASE, BITWISE,
        EXECUTION, F, PROGRAM,
    },
};

fn buses() -> JalrBuses {
    JalrBuses {
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

/// How a forged JALR differs: another target, or the link skipped / forced.
struct Forge {
    to_pc: u32,
    link: bool,
}

struct Machine {
    run: Run,
    chips: Vec<(String, RowMajorMatrix<F>)>,
    link: RowMajorMatrix<F>,
    jump: RowMajorMatrix<F>,
    records: Vec<JalrRecord>,
}

fn pc(index: u32) -> u32 {
    BASE + 4 * index
}

/// Runs from [`BASE`] until the pc leaves the program. At the `n`-th JALR, `forge(n, ..)` may
/// change what it does.
fn execute(words: &[u32], registers: &[(u32, u32)], forge: impl Fn(usize, &mut Forge)) -> Machine {
    let mut run = new_run(words, registers);
    let mut nops = NopChip::default();
    let mut alu = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    let mut jal = JalLuiChip::new(run.range.clone(), run.bitwise.clone());
    let mut chip = JalrChip::new(run.range.clone(), run.bitwise.clone());
    let mut steps = 0;
    while run.exe.program.index_of(run.pc).is_some() {
        steps += 1;
        assert!(steps < 100, "runaway loop");
        let pc = run.pc;
        let inst = run.next_instruction();
        let [a, b, c] = [inst.a, inst.b, inst.c].map(|v| v.as_canonical_u32());
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
            let _ = op;
            let record: crate::JalLuiRecord = run.execute(pc, &inst);
            run.pc = record.to_pc();
            jal.records.push(record);
        } else if inst.opcode == JalrOpcode::JALR.global() {
            let (rd, rs1) = (a / 4, b / 4);
            let x = peek(&run, registers, rs1);
            let honest = x.wrapping_add(imm as u32) & !1;
            let mut f = Forge {
                to_pc: honest,
                link: rd != 0,
            };
            forge(chip.records.len(), &mut f);
            let record = if f.to_pc == honest && f.link == (rd != 0) {
                run.execute(pc, &inst)
            } else {
                let from_timestamp = run.memory.timestamp;
                let (_, rs1_read) = run.memory.read(REGISTER, 4 * rs1);
                let rd_write = f
                    .link
                    .then(|| run.memory.write(REGISTER, 4 * rd, (pc + 4).to_le_bytes()));
                JalrRecord {
                    from_pc: pc,
                    from_timestamp,
                    rd,
                    rs1,
                    imm,
                    rs1_read,
                    rd_write,
                    to_pc: f.to_pc,
                }
            };
            run.pc = record.to_pc;
            chip.records.push(record);
        } else {
            panic!("unexpected opcode {}", inst.opcode);
        }
    }
    let [alu_reg, alu_imm, _, _] = alu.generate_traces();
    let (jal_link, jal_jump) = jal.generate_traces();
    let (link, jump) = chip.generate_traces();
    Machine {
        chips: vec![
            ("nop".into(), nops.generate_trace()),
            ("alu_reg".into(), alu_reg),
            ("alu_imm".into(), alu_imm),
            ("jal_link".into(), jal_link),
            ("jal_jump".into(), jal_jump),
        ],
        link,
        jump,
        records: chip.records.into_vec(),
        run,
    }
}

/// The current value of register `index` without an access (for the interpreter's forging):
/// its last write, or its initial value.
fn peek(run: &Run, initial: &[(u32, u32)], index: u32) -> u32 {
    run.memory
        .touched()
        .iter()
        .find(|w| w.address_space == REGISTER && w.pointer == 4 * index)
        .map_or_else(
            || {
                initial
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map_or(0, |(_, v)| *v)
            },
            |w| u32::from_le_bytes(w.last.data),
        )
}

impl Machine {
    fn prove(self) -> Result<(), String> {
        let mut chips = self.chips.into_iter().map(|(_, t)| t);
        let mut next = || chips.next().expect("chip trace");
        let jal_buses = JalLuiBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            bitwise: BITWISE,
        };
        self.run.prove(vec![
            (
                Arc::new(NopAir {
                    execution: EXECUTION,
                    program: PROGRAM,
                }),
                next(),
            ),
            (
                Arc::new(BaseAluAir::<false> {
                    buses: alu_buses(),
                    kind: AluKind::Arith,
                }),
                next(),
            ),
            (
                Arc::new(BaseAluAir::<true> {
                    buses: alu_buses(),
                    kind: AluKind::Arith,
                }),
                next(),
            ),
            (Arc::new(JalLuiAir { buses: jal_buses }), next()),
            (
                Arc::new(JumpAir {
                    execution: EXECUTION,
                    program: PROGRAM,
                }),
                next(),
            ),
            (Arc::new(JalrAir::<true> { buses: buses() }), self.link),
            (Arc::new(JalrAir::<false> { buses: buses() }), self.jump),
        ])
    }

    fn link_row(&mut self, row: usize) -> &mut JalrLinkCols<F> {
        let width = self.link.width;
        self.link.values[row * width..(row + 1) * width].borrow_mut()
    }

    fn jump_row(&mut self, row: usize) -> &mut JalrCols<F> {
        let width = self.jump.width;
        self.jump.values[row * width..(row + 1) * width].borrow_mut()
    }

    fn register(&self, index: u32) -> u32 {
        peek(&self.run, &registers(), index)
    }
}

/// JALR records in order (rows: L = linking AIR, J = jump AIR): 0 `ret` at 5 [J0], 1 at 6 [L0],
/// 2 at 8 [L1], 3 at 10 [L2], 4 at 12 [L3], 5 at 14 [L4], 6 at 16 [J1], 7 at 18 [J2].
fn program() -> Vec<u32> {
    vec![
        jal(1, 16),          // 0: call -> 4
        addi(5, 5, 1),       // 1: the return lands here
        jal(0, 16),          // 2: -> 6
        NOP,                 // 3
        addi(6, 0, 7),       // 4: the callee
        jalr(0, 1, 0),       // 5: ret -> 1
        jalr(2, 10, 9),      // 6: x10 + 9 = pc(8) + 1, bit 0 cleared -> 8
        NOP,                 // 7: skipped
        jalr(3, 11, -4),     // 8: x11 - 4 = pc(10) (borrow across bytes) -> 10
        NOP,                 // 9: skipped
        jalr(12, 13, -2048), // 10: the most negative offset -> 12
        NOP,                 // 11: skipped
        jalr(14, 15, 2047),  // 12: the largest offset, bit 0 cleared -> 14
        NOP,                 // 13: skipped
        jalr(16, 16, 0),     // 14: rd == rs1 (reads before writing) -> 16
        NOP,                 // 15: skipped
        jalr(0, 17, 4),      // 16: -> 18
        NOP,                 // 17: skipped
        jalr(0, 0, -4),      // 18: 0 - 4 wraps to 0xfffffffc: leaves the program
    ]
}

fn registers() -> Vec<(u32, u32)> {
    vec![
        (10, pc(8) - 8),
        (11, pc(10) + 4),
        (13, pc(12) + 2048),
        (15, pc(14) - 2046),
        (16, pc(16)),
        (17, pc(17)),
    ]
}

fn honest() -> Machine {
    execute(&program(), &registers(), |_, _| {})
}

fn forged(n: usize, change: impl Fn(&mut Forge)) -> Machine {
    execute(&program(), &registers(), |i, f| {
        if i == n {
            change(f)
        }
    })
}

#[test]
fn honest_runs_prove() {
    let machine = honest();
    assert_eq!(machine.run.pc, 0xffff_fffc);
    let froms: Vec<u32> = machine.records.iter().map(|r| r.from_pc).collect();
    assert_eq!(froms, [5, 6, 8, 10, 12, 14, 16, 18].map(pc).to_vec());
    for (index, value) in [
        (1, pc(1)),
        (2, pc(7)),
        (3, pc(9)),
        (5, 1),
        (6, 7),
        (12, pc(11)),
        (14, pc(13)),
        (16, pc(15)),
    ] {
        assert_eq!(machine.register(index), value, "x{index}");
    }
    assert_eq!(machine.link.values.len(), 8 * JalrLinkCols::<F>::WIDTH);
    assert_eq!(machine.jump.values.len(), 4 * JalrCols::<F>::WIDTH);
    machine.prove().unwrap();
}

#[test]
fn forged_targets_are_rejected() {
    // Another aligned target, followed consistently: the carry chain objects.
    // 6 -> 9 instead of 8.
    assert_constraint_fails(forged(1, |f| f.to_pc += 4).prove());
    // `ret` to pc(0) instead of pc(1): the call runs again, then returns honestly.
    assert_constraint_fails(forged(0, |f| f.to_pc -= 4).prove());
}

#[test]
fn misaligned_targets_cannot_be_proven() {
    // jalr x0, 2(x0): the target 2 is not a multiple of 4 (the executor faults). The XOR
    // lookup of the target's low byte has no entry.
    let machine = execute(&[jalr(0, 0, 2)], &[], |_, _| {});
    assert_eq!(machine.run.pc, 2);
    assert_unbalanced(machine.prove());
}

#[test]
fn x0_is_never_written() {
    // `jalr x0, 0(x10)` proven by the linking AIR, writing x0 (in a program that does not read
    // x0 afterwards).
    let words = [jalr(0, 10, 0), NOP];
    let machine = execute(&words, &[(10, pc(1))], |_, f| f.link = true);
    assert_eq!(machine.run.pc, pc(2));
    assert_unbalanced(machine.prove());
    // A linking JALR proven by the jump AIR: its program lookup has a = 0.
    assert_unbalanced(forged(1, |f| f.link = false).prove());
}

#[test]
fn columns_are_checked() {
    // The immediate's decomposition (row L2: -2048 = 0x00 + 256 * 0xf8 - 65536).
    let mut machine = honest();
    let cols = &mut machine.link_row(2).jump;
    assert_eq!(cols.imm_bytes, [0x00, 0xf8, 1].map(F::from_u32));
    cols.imm_bytes[2] = F::ZERO;
    assert_constraint_fails(machine.prove());
    // The dropped bit: lsb and t_0 traded (same sum) break t_0's alignment.
    let mut machine = honest();
    let cols = &mut machine.link_row(0).jump;
    assert_eq!(cols.lsb, F::ONE);
    cols.lsb = F::ZERO;
    cols.target[0] += F::ONE;
    assert_unbalanced(machine.prove());
    // A non-boolean lsb.
    let mut machine = honest();
    let cols = &mut machine.link_row(0).jump;
    cols.lsb = F::TWO;
    cols.target[0] -= F::ONE;
    assert_unbalanced(machine.prove());
    type Tamper = fn(&mut JalrLinkCols<F>);
    let cases: [(usize, Tamper); 8] = [
        (0, |c| c.jump.imm += F::ONE),
        (0, |c| c.jump.rs1.pointer += F::from_u32(4)),
        (0, |c| c.jump.rs1.data[0] += F::ONE),
        (0, |c| c.rd.pointer += F::from_u32(4)),
        (0, |c| c.rd.data[0] += F::from_u32(4)),
        (1, |c| c.jump.from_pc += F::from_u32(4)),
        (1, |c| c.jump.from_timestamp += F::ONE),
        (1, |c| c.jump.target[1] += F::ONE),
    ];
    for (row, tamper) in cases {
        let mut machine = honest();
        tamper(machine.link_row(row));
        assert_unbalanced(machine.prove());
    }
    let mut machine = honest();
    machine.jump_row(0).target[0] += F::from_u32(4);
    assert_unbalanced(machine.prove());
}

#[test]
fn padding_rows_stay_inert() {
    let mut machine = honest();
    machine.jump_row(3).is_valid = F::ONE;
    assert_unbalanced(machine.prove());
    let mut machine = honest();
    machine.link_row(6).jump.is_valid = F::ONE;
    assert_unbalanced(machine.prove());
    let mut machine = honest();
    let width = machine.link.width;
    machine.link.values[width..2 * width].fill(F::ZERO);
    assert_unbalanced(machine.prove());
}
