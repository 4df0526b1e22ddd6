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
