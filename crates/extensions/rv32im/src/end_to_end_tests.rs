//! Straight-line RV32IM code through every arithmetic chip together, with persistent memory
//! (boundary, Merkle and Poseidon2 chips): the proof's memory roots commit to exactly the
//! registers pure execution computes. One proof uses toy parameters, one the real 100-bit
//! parameters of `openvm-stark-sdk`.

use std::sync::Arc;

use openvm_stark_backend::{p3_field::PrimeField32, SystemParams};
use openvm_stark_sdk::config::app_params_with_100_bits_security;
use tessera_arch::{
    address_space::REGISTER, ExecutionError, Instruction, LocalOpcode, PureCtx, SparseMemoryImage,
    Streams, VmExecState, VmExecutor,
};
use tessera_system::memory::{MemoryDimensions, MemoryTree};

use crate::{
    adapters::alu_record::{preflight, AluOperand},
    encode::*,
    test_harness::{memory_bridge, range_bus, Run, BITWISE, EXECUTION, F, PROGRAM},
    BaseAluAir, BaseAluBuses, BaseAluChip, BaseAluOpcode, DivRemAir, DivRemChip, DivRemOpcode,
    MulAir, MulChip, MulHAir, MulHChip, MulHOpcode, MulOpcode, Rv32ImConfig,
};

/// Builds constants with ADDI and doubling (LUI and shifts are not proven yet), then runs every
/// arithmetic family on them, with the RISC-V edge cases.
fn provable_program() -> Vec<u32> {
    let mut words = Vec::new();
    let mut constant = |rd: u32, value: u32| {
        words.push(addi(rd, 0, 0));
        for bit in (0..32).rev() {
            words.push(add(rd, rd, rd));
            if value >> bit & 1 == 1 {
                words.push(addi(rd, rd, 1));
            }
        }
    };
    constant(1, 0x8000_0000); // INT_MIN
    constant(3, 0x1234_5678);
    words.extend([
        addi(2, 0, -1),
        addi(4, 0, 7),
        addi(5, 0, -7),
        add(6, 3, 4),
        sub(7, 4, 3),
        xor(8, 3, 2),
        or(9, 1, 4),
        and(10, 3, 5),
        andi(11, 3, 0x7ff),
        mul(12, 3, 3),
        mulh(13, 1, 2),
        mulhsu(14, 5, 3),
        mulhu(15, 2, 2),
        div(16, 1, 2), // INT_MIN / -1
        divu(17, 3, 4),
        rem(18, 5, 4),  // -7 % 7 = 0
        remu(19, 3, 0), // x % 0 = x
        div(20, 5, 0),  // x / 0 = -1
        rem(21, 3, 5),
        mul(4, 4, 4), // rd == rs1 == rs2
    ]);
    words
}

struct Chips {
    alu: BaseAluChip,
    mul: MulChip,
    mulh: MulHChip,
    divrem: DivRemChip,
}

fn run(words: &[u32]) -> (Run, Chips) {
    let mut run = Run::new(words, &[]);
    let mut chips = Chips {
        alu: BaseAluChip::new(run.range.clone(), run.bitwise.clone()),
        mul: MulChip::new(run.range.clone(), run.bitwise.clone()),
        mulh: MulHChip::new(run.range.clone(), run.bitwise.clone()),
        divrem: DivRemChip::new(run.range.clone(), run.bitwise.clone()),
    };
    for _ in words {
        let pc = run.pc;
        let inst: Instruction<F> = run.next_instruction();
        let [rd, rs1, c] = [inst.a, inst.b, inst.c].map(|v| v.as_canonical_u32());
        let operand = if inst.e.as_canonical_u32() == 0 {
            AluOperand::Immediate(Instruction::<F>::signed(inst.c) as i32 as u32)
        } else {
            AluOperand::Register(c / 4)
        };
        let (rd, rs1, m) = (rd / 4, rs1 / 4, &mut run.memory);
        if let Some(op) = BaseAluOpcode::from_global(inst.opcode) {
            chips
                .alu
                .records
                .push(preflight(m, pc, op, rd, rs1, operand));
        } else if let Some(op) = MulOpcode::from_global(inst.opcode) {
            chips
                .mul
                .records
                .push(preflight(m, pc, op, rd, rs1, operand));
        } else if let Some(op) = MulHOpcode::from_global(inst.opcode) {
            chips
                .mulh
                .records
                .push(preflight(m, pc, op, rd, rs1, operand));
        } else if let Some(op) = DivRemOpcode::from_global(inst.opcode) {
            chips
                .divrem
                .records
                .push(preflight(m, pc, op, rd, rs1, operand));
        } else {
            panic!("no chip for {:?} in this test", inst.opcode);
        }
    }
    (run, chips)
}

fn prove(
    words: &[u32],
    params: SystemParams,
) -> (
    MemoryTree,
    Result<
        (
            tessera_system::poseidon2::Digest,
            tessera_system::poseidon2::Digest,
        ),
        String,
    >,
) {
    let (run, chips) = run(words);
    let buses = BaseAluBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        bitwise: BITWISE,
    };
    let (alu_reg, alu_imm) = chips.alu.generate_traces();
    let initial_tree = MemoryTree::new(MemoryDimensions::new(29), &run.exe.init_memory).unwrap();
    let result = run.prove_persistent(
        vec![
            (Arc::new(BaseAluAir::<false> { buses }), alu_reg),
            (Arc::new(BaseAluAir::<true> { buses }), alu_imm),
            (
                Arc::new(MulAir {
                    execution: EXECUTION,
                    program: PROGRAM,
                    memory: memory_bridge(),
                    range: range_bus(),
                    bitwise: BITWISE,
                }),
                chips.mul.generate_trace(),
            ),
            (
                Arc::new(MulHAir {
                    execution: EXECUTION,
                    program: PROGRAM,
                    memory: memory_bridge(),
                    range: range_bus(),
                    bitwise: BITWISE,
                }),
                chips.mulh.generate_trace(),
            ),
            (
                Arc::new(DivRemAir {
                    execution: EXECUTION,
                    program: PROGRAM,
                    memory: memory_bridge(),
                    range: range_bus(),
                    bitwise: BITWISE,
                }),
                chips.divrem.generate_trace(),
            ),
        ],
        params,
    );
    (initial_tree, result)
}

/// The memory pure execution ends with: the program's image and its final registers.
fn executed_image(words: &[u32]) -> SparseMemoryImage {
    let exe = Arc::new(exe_from_words::<F>(crate::test_harness::BASE, words).unwrap());
    let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
    let instance = executor.instance(&exe).unwrap();
    let mut state = VmExecState {
        vm: instance.initial_state(Streams::default()),
        ctx: PureCtx::new(Some(words.len() as u64)),
    };
    // The code has no exit: it runs until the instruction limit, right after the last word.
    let stop = instance.run(&mut state).unwrap_err();
    assert!(
        matches!(stop, ExecutionError::InstructionLimit { .. }),
        "{stop}"
    );
    let mut image = exe.init_memory.clone();
    for (i, value) in state.vm.registers().into_iter().enumerate() {
        if value != 0 {
            image.insert((REGISTER, 4 * i as u32), value);
        }
    }
    image
}

#[test]
fn arithmetic_chips_prove_with_persistent_memory_and_agree_with_execution() {
    let words = provable_program();
    let (initial_tree, result) = prove(&words, SystemParams::new_for_testing(16));
    let (initial_root, final_root) = result.unwrap();
    assert_eq!(
        initial_root,
        initial_tree.root(),
        "initial root commits to the program image"
    );
    let final_tree = MemoryTree::new(MemoryDimensions::new(29), &executed_image(&words)).unwrap();
    assert_eq!(
        final_root,
        final_tree.root(),
        "final root commits to what execution computed"
    );
}

#[test]
fn arithmetic_chips_prove_with_100_bit_parameters() {
    let words = provable_program();
    let (_, result) = prove(&words, app_params_with_100_bits_security(16));
    let (initial_root, final_root) = result.unwrap();
    assert_ne!(initial_root, final_root);
}

mod control_flow {
    //! A loop with stores, a function call and return, loads of every width, comparisons,
    //! shifts and AUIPC: every chip but `ecall` in one proof with persistent memory, checked
    //! against pure execution (registers and memory).

    use std::sync::Arc;

    use openvm_stark_backend::{p3_field::PrimeField32, SystemParams};
    use tessera_arch::{
        address_space::{MEMORY, REGISTER},
        ExecutionError, Instruction, LocalOpcode, PureCtx, Streams, VmExecState, VmExecutor,
    };
    use tessera_system::memory::{MemoryDimensions, MemoryTree};

    use crate::{
        adapters::alu_record::{preflight, AluOperand},
        encode::*,
        test_harness::{memory_bridge, range_bus, Run, BASE, BITWISE, EXECUTION, F, PROGRAM},
        *,
    };

    const BUFFER: u32 = 0x4000;

    fn program() -> Vec<u32> {
        vec![
            lui(10, BUFFER >> 12), // 0
            addi(11, 0, 10),       // 1: n
            addi(5, 0, 0),         // 2: a
            addi(6, 0, 1),         // 3: b
            addi(7, 0, 0),         // 4: i
            add(8, 5, 6),          // 5: loop
            addi(5, 6, 0),         // 6
            addi(6, 8, 0),         // 7
            slli(9, 7, 2),         // 8
            add(9, 9, 10),         // 9
            sw(6, 9, 0),           // 10
            addi(7, 7, 1),         // 11
            blt(7, 11, -28),       // 12: back to 5
            jal(1, 28),            // 13: call 20
            lw(12, 10, 36),        // 14
            lbu(13, 10, 1),        // 15
            auipc(14, 1),          // 16
            sltu(15, 12, 11),      // 17
            srai(16, 12, 1),       // 18
            beq(0, 0, 16),         // 19: to 23
            lh(17, 10, 4),         // 20: function
            mul(18, 17, 17),       // 21
            jalr(0, 1, 0),         // 22: return to 14
            divu(19, 12, 11),      // 23: end
        ]
    }

    fn end_pc() -> u32 {
        BASE + 4 * program().len() as u32
    }

    /// All chips, and the preflight of one instruction; returns the next pc.
    struct Chips {
        alu: BaseAluChip,
        shift: ShiftChip,
        less_than: LessThanChip,
        mul: MulChip,
        mulh: MulHChip,
        divrem: DivRemChip,
        loads: LoadChip,
        stores: StoreChip,
        branch_eq: BranchEqualChip,
        branch_lt: BranchLessThanChip,
        jal_lui: JalLuiChip,
        jalr: JalrChip,
        auipc: AuipcChip,
        nop: NopChip,
    }

    fn step(run: &mut Run, chips: &mut Chips) {
        let pc = run.pc;
        let inst: Instruction<F> = run.next_instruction();
        let [a, b, c] = [inst.a, inst.b, inst.c].map(|v| v.as_canonical_u32());
        let imm = Instruction::<F>::signed(inst.c) as i32;
        let operand = if inst.e.as_canonical_u32() == 0 {
            AluOperand::Immediate(imm as u32)
        } else {
            AluOperand::Register(c / 4)
        };
        let (rd, rs1) = (a / 4, b / 4);
        let m = &mut run.memory;
        let op = inst.opcode;
        let mut next = pc + 4;
        if let Some(o) = BaseAluOpcode::from_global(op) {
            chips
                .alu
                .records
                .push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = ShiftOpcode::from_global(op) {
            chips
                .shift
                .records
                .push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = LessThanOpcode::from_global(op) {
            chips
                .less_than
                .records
                .push(less_than_preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = MulOpcode::from_global(op) {
            chips
                .mul
                .records
                .push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = MulHOpcode::from_global(op) {
            chips
                .mulh
                .records
                .push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = DivRemOpcode::from_global(op) {
            chips
                .divrem
                .records
                .push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = LoadStoreOpcode::from_global(op) {
            if o.is_store() {
                chips
                    .stores
                    .records
                    .push(preflight_store(m, pc, o, rd, rs1, imm as u32));
            } else {
                chips
                    .loads
                    .records
                    .push(preflight_load(m, pc, o, rd, rs1, imm as u32));
            }
        } else if let Some(o) = BranchEqualOpcode::from_global(op) {
            let record = branch_preflight(m, pc, o, a / 4, b / 4, imm);
            next = record.to_pc();
            chips.branch_eq.records.push(record);
        } else if let Some(o) = BranchLessThanOpcode::from_global(op) {
            let record = branch_preflight(m, pc, o, a / 4, b / 4, imm);
            next = record.to_pc();
            chips.branch_lt.records.push(record);
        } else if let Some(o) = JalLuiOpcode::from_global(op) {
            let record = jal_lui_preflight(m, pc, o, rd, imm);
            next = record.to_pc();
            chips.jal_lui.records.push(record);
        } else if JalrOpcode::from_global(op).is_some() {
            let record = jalr_preflight(m, pc, rd, rs1, imm);
            next = record.to_pc;
            chips.jalr.records.push(record);
        } else if AuipcOpcode::from_global(op).is_some() {
            chips.auipc.records.push(auipc_preflight(m, pc, rd, c));
        } else if NopOpcode::from_global(op).is_some() {
            chips.nop.records.push(nop_preflight(m, pc));
        } else {
            panic!("no chip for {op:?}");
        }
        run.pc = next;
    }

    #[test]
    fn a_loop_with_calls_and_memory_proves_and_agrees_with_execution() {
        let words = program();
        let mut run = Run::new(&words, &[]);
        let (range, bitwise) = (run.range.clone(), run.bitwise.clone());
        let mut chips = Chips {
            alu: BaseAluChip::new(range.clone(), bitwise.clone()),
            shift: ShiftChip::new(range.clone(), bitwise.clone()),
            less_than: LessThanChip::new(range.clone(), bitwise.clone()),
            mul: MulChip::new(range.clone(), bitwise.clone()),
            mulh: MulHChip::new(range.clone(), bitwise.clone()),
            divrem: DivRemChip::new(range.clone(), bitwise.clone()),
            loads: LoadChip::new(range.clone(), bitwise.clone()),
            stores: StoreChip::new(range.clone()),
            branch_eq: BranchEqualChip::new(range.clone()),
            branch_lt: BranchLessThanChip::new(range.clone(), bitwise.clone()),
            jal_lui: JalLuiChip::new(range.clone(), bitwise.clone()),
            jalr: JalrChip::new(range.clone(), bitwise.clone()),
            auipc: AuipcChip::new(range.clone(), bitwise.clone()),
            nop: NopChip::default(),
        };
        let mut steps = 0u64;
        while run.pc != end_pc() {
            step(&mut run, &mut chips);
            steps += 1;
            assert!(steps < 1000, "runaway");
        }
        let image = run.exe.init_memory.clone();

        // Pure execution of the same code for as many steps.
        let exe = Arc::new(exe_from_words::<F>(BASE, &words).unwrap());
        let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
        let instance = executor.instance(&exe).unwrap();
        let mut state = VmExecState {
            vm: instance.initial_state(Streams::default()),
            ctx: PureCtx::new(Some(steps)),
        };
        let stop = instance.run(&mut state).unwrap_err();
        assert!(
            matches!(stop, ExecutionError::InstructionLimit { .. }),
            "{stop}"
        );
        assert_eq!(state.vm.pc, end_pc());
        let mut final_image = image.clone();
        for (i, value) in state.vm.registers().into_iter().enumerate() {
            if value != 0 {
                final_image.insert((REGISTER, 4 * i as u32), value);
            }
        }
        let stored = state.vm.memory.read_bytes(BUFFER, 40).unwrap();
        for (i, word) in stored.chunks(4).enumerate() {
            let value = u32::from_le_bytes(word.try_into().unwrap());
            final_image.insert((MEMORY, BUFFER + 4 * i as u32), value);
        }
        assert_eq!(state.vm.registers()[12], 89, "fib(11) was stored last");

        let buses = BaseAluBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            bitwise: BITWISE,
        };
        let shift_buses = ShiftBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            range: range_bus(),
            bitwise: BITWISE,
        };
        let ls_buses = LoadStoreBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            range: range_bus(),
            bitwise: BITWISE,
        };
        let branch_buses = BranchBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            bitwise: BITWISE,
        };
        let jal_buses = JalLuiBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            bitwise: BITWISE,
        };
        let jalr_buses = JalrBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            bitwise: BITWISE,
        };
        let auipc_buses = AuipcBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            bitwise: BITWISE,
        };
        let (alu_reg, alu_imm) = chips.alu.generate_traces();
        let (shift_reg, shift_imm) = chips.shift.generate_traces();
        let (lt_reg, lt_imm) = chips.less_than.generate_traces();
        let (jal_link, jump) = chips.jal_lui.generate_traces();
        let (jalr_link, jalr_plain) = chips.jalr.generate_traces();
        let roots = run
            .prove_persistent(
                vec![
                    (Arc::new(BaseAluAir::<false> { buses }), alu_reg),
                    (Arc::new(BaseAluAir::<true> { buses }), alu_imm),
                    (
                        Arc::new(ShiftAir::<false> { buses: shift_buses }),
                        shift_reg,
                    ),
                    (Arc::new(ShiftAir::<true> { buses: shift_buses }), shift_imm),
                    (Arc::new(LessThanAir::<false> { buses }), lt_reg),
                    (Arc::new(LessThanAir::<true> { buses }), lt_imm),
                    (
                        Arc::new(MulAir {
                            execution: EXECUTION,
                            program: PROGRAM,
                            memory: memory_bridge(),
                            range: range_bus(),
                            bitwise: BITWISE,
                        }),
                        chips.mul.generate_trace(),
                    ),
                    (
                        Arc::new(MulHAir {
                            execution: EXECUTION,
                            program: PROGRAM,
                            memory: memory_bridge(),
                            range: range_bus(),
                            bitwise: BITWISE,
                        }),
                        chips.mulh.generate_trace(),
                    ),
                    (
                        Arc::new(DivRemAir {
                            execution: EXECUTION,
                            program: PROGRAM,
                            memory: memory_bridge(),
                            range: range_bus(),
                            bitwise: BITWISE,
                        }),
                        chips.divrem.generate_trace(),
                    ),
                    (
                        Arc::new(LoadAir { buses: ls_buses }),
                        chips.loads.generate_trace(),
                    ),
                    (
                        Arc::new(StoreAir { buses: ls_buses }),
                        chips.stores.generate_trace(),
                    ),
                    (
                        Arc::new(BranchEqualAir {
                            buses: branch_buses,
                        }),
                        chips.branch_eq.generate_trace(),
                    ),
                    (
                        Arc::new(BranchLessThanAir {
                            buses: branch_buses,
                        }),
                        chips.branch_lt.generate_trace(),
                    ),
                    (Arc::new(JalLuiAir { buses: jal_buses }), jal_link),
                    (
                        Arc::new(JumpAir {
                            execution: EXECUTION,
                            program: PROGRAM,
                        }),
                        jump,
                    ),
                    (Arc::new(JalrAir::<true> { buses: jalr_buses }), jalr_link),
                    (Arc::new(JalrAir::<false> { buses: jalr_buses }), jalr_plain),
                    (
                        Arc::new(AuipcAir { buses: auipc_buses }),
                        chips.auipc.generate_trace(),
                    ),
                    (
                        Arc::new(NopAir {
                            execution: EXECUTION,
                            program: PROGRAM,
                        }),
                        chips.nop.generate_trace(),
                    ),
                ],
                SystemParams::new_for_testing(16),
            )
            .unwrap();
        let dims = MemoryDimensions::new(29);
        assert_eq!(roots.0, MemoryTree::new(dims, &image).unwrap().root());
        assert_eq!(roots.1, MemoryTree::new(dims, &final_image).unwrap().root());
    }
}
