//! The AUIPC AIR proves honest runs (carries across bytes, overflow past 2^32, the largest and
//! smallest immediates) together with the ALU and NOP AIRs, and rejects forged results and
//! tampered rows. Toy proof parameters (see the test harness).

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

fn alu_buses() -> BaseAluBuses {
    BaseAluBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        bitwise: BITWISE,
    }
}

struct Machine {
    run: Run,
    nop: RowMajorMatrix<F>,
    alu_reg: RowMajorMatrix<F>,
    alu_imm: RowMajorMatrix<F>,
    auipc: RowMajorMatrix<F>,
}

/// Straight-line code; at the `n`-th AUIPC, `forge(n, &mut value)` may change what it writes
/// (a cheating prover's run, consistent in memory).
fn execute(words: &[u32], forge: impl Fn(usize, &mut u32)) -> Machine {
    let mut run = new_run(words, &[]);
    let mut nops = NopChip::default();
    let mut alu = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    let mut chip = AuipcChip::new(run.range.clone(), run.bitwise.clone());
    for _ in words {
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
        } else if inst.opcode == AuipcOpcode::AUIPC.global() {
            let honest = pc.wrapping_add(c << 12);
            let mut value = honest;
            forge(chip.records.len(), &mut value);
            let record = if value == honest {
                run.execute(pc, &inst)
            } else {
                let from_timestamp = run.memory.timestamp;
                let rd_write = run.memory.write(REGISTER, a, value.to_le_bytes());
                AuipcRecord {
                    from_pc: pc,
                    from_timestamp,
                    rd: a / 4,
                    imm: c,
                    value,
                    rd_write,
                }
            };
            chip.records.push(record);
        } else {
            panic!("unexpected opcode {}", inst.opcode);
        }
    }
    let [alu_reg, alu_imm, _, _] = alu.generate_traces();
    Machine {
        nop: nops.generate_trace(),
        alu_reg,
        alu_imm,
        auipc: chip.generate_trace(),
        run,
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
        let auipc_buses = AuipcBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            bitwise: BITWISE,
        };
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
                (Arc::new(AuipcAir { buses: auipc_buses }), self.auipc),
            ],
            rebalance,
        )
    }

    fn row(&mut self, row: usize) -> &mut AuipcCols<F> {
        let width = self.auipc.width;
        self.auipc.values[row * width..(row + 1) * width].borrow_mut()
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

/// AUIPC rows 0..=6 are instructions 0..=5 and 7.
fn program() -> Vec<u32> {
    vec![
        auipc(1, 0),       // 0: rd = pc
        auipc(2, 1),       // 1
        auipc(3, 0xfffff), // 2: pc - 4096: carries out of the word
        auipc(4, 0x80000), // 3
        auipc(5, 0xf),     // 4: byte 1: 0x10 + 0xf0 carries into byte 2
        auipc(6, 0xfffef), // 5: carries through bytes 1..3
        addi(7, 1, 4),     // 6: reads x1 back
        auipc(8, 0x12345), // 7
        NOP,               // 8
    ]
}

fn honest() -> Machine {
    execute(&program(), |_, _| {})
}

#[test]
fn honest_runs_prove() {
    let machine = honest();
    for (index, value) in [
        (1, pc(0)),
        (2, 0x2004),
        (3, 0x8),
        (4, 0x8000_100c),
        (5, 0x10010),
        (6, 0xffff_0014),
        (7, pc(0) + 4),
        (8, 0x1234_601c),
    ] {
        assert_eq!(machine.register(index), value, "x{index}");
    }
    machine.prove().unwrap();
}

#[test]
fn forged_results_are_rejected() {
    // Aligned bytes, consistent memory: only the carry constraints object.
    assert_constraint_fails(
        execute(&program(), |n, v| {
            if n == 0 {
                *v += 256
            }
        })
        .prove(),
    );
    assert_constraint_fails(
        execute(&program(), |n, v| {
            if n == 2 {
                *v ^= 1 << 24
            }
        })
        .prove(),
    );
    assert_constraint_fails(
        execute(&program(), |n, v| {
            if n == 3 {
                *v ^= 1 << 31
            }
        })
        .prove(),
    );
    // The other representatives of the pc mod p are not multiples of 4.
    let p = F::ORDER_U32;
    assert_unbalanced(
        execute(&program(), |n, v| {
            if n == 2 {
                *v += p
            }
        })
        .prove(),
    );
    // The result's low byte is the pc's: a forged one breaks the pc's decomposition (the
    // derived top byte of the pc is no longer a byte).
    assert_unbalanced(
        execute(&program(), |n, v| {
            if n == 0 {
                *v += 4
            }
        })
        .prove(),
    );
}

#[test]
fn decompositions_are_checked() {
    // A pc byte moved into the derived top byte: the sum of bytes still matches the pc, the
    // derived byte is no longer a byte (or the carries break).
    let mut machine = honest();
    machine.row(1).pc_bytes[0] += F::ONE;
    assert_unbalanced(machine.prove());
    // The immediate's bytes: (q_2, q_3) = (0, 0) -> (1, 0) makes the derived q_1 negative.
    let mut machine = honest();
    machine.row(1).imm_bytes[0] += F::ONE;
    assert_unbalanced(machine.prove());
    // A result limb out of range with the value kept (r_1 + 256, r_2 - 1): memory and the byte
    // lookup object.
    let mut machine = honest();
    let cols = machine.row(4); // auipc x5, 0xf: r = 0x00010010
    cols.rd.data[1] += F::from_u32(256);
    cols.rd.data[2] -= F::ONE;
    assert_unbalanced(machine.prove());
}

#[test]
fn rows_are_bound() {
    type Tamper = fn(&mut AuipcCols<F>);
    let cases: [(usize, Tamper); 7] = [
        (0, |c| c.rd.pointer += F::from_u32(4)),
        (0, |c| c.imm += F::ONE),
        (1, |c| c.from_pc += F::from_u32(4)),
        (1, |c| c.from_timestamp += F::ONE),
        (1, |c| c.rd.prev_data[0] += F::ONE),
        (1, |c| c.rd.data[0] += F::from_u32(4)),
        (2, |c| c.is_valid = F::ZERO),
    ];
    for (row, tamper) in cases {
        let mut machine = honest();
        tamper(machine.row(row));
        assert_unbalanced(machine.prove());
    }
    let mut machine = honest();
    machine.row(0).is_valid = F::TWO;
    assert_unbalanced(machine.prove());
}

#[test]
fn padding_rows_stay_inert() {
    let mut machine = honest();
    assert_eq!(machine.auipc.values.len(), 8 * AuipcCols::<F>::WIDTH);
    machine.row(7).is_valid = F::ONE;
    assert_unbalanced(machine.prove());
}
