//! Every RV32IM instruction through the transpiler and the interpreter, with the edge cases the
//! RISC-V specification defines (x0, aliasing, division, shifts, sign extension, jumps).

use std::sync::Arc;

use p3_baby_bear::BabyBear;
use tessera_arch::{ExecutionError, Fault, Streams, VmExecutor, VmRunError, VmState};
use tessera_rv32im::{encode::*, Rv32ImConfig};

const BASE: u32 = 0x1000;
const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;
const A7: u32 = 17;

fn try_run(words: &[u32], input: &[u8]) -> Result<VmState, VmRunError> {
    let mut program = words.to_vec();
    program.extend([addi(A7, 0, 93), ECALL]);
    let exe = Arc::new(exe_from_words::<BabyBear>(BASE, &program).expect("transpiles"));
    let executor = VmExecutor::new(Rv32ImConfig::default()).expect("config");
    executor.execute(&exe, Streams::new(input), Some(100_000))
}

fn run(words: &[u32]) -> [u32; 32] {
    let state = try_run(words, &[]).expect("runs");
    assert!(state.exit_code.is_some(), "program must exit");
    state.registers()
}

fn fault_of(words: &[u32]) -> Fault {
    match try_run(words, &[]) {
        Err(VmRunError::Execution(ExecutionError::Fault { fault, .. })) => fault,
        other => panic!("expected a fault, got {other:?}"),
    }
}

/// `li rd, value` as lui + addi.
fn li(rd: u32, value: u32) -> [u32; 2] {
    let low = ((value & 0xfff) as i32) << 20 >> 20;
    let high = value.wrapping_sub(low as u32) >> 12;
    [lui(rd, high), addi(rd, rd, low)]
}

fn prog(parts: &[&[u32]]) -> Vec<u32> {
    parts.concat()
}

#[test]
fn alu_register_and_immediate_forms() {
    let r = run(&prog(&[
        &li(5, 0xffff_fff0),
        &li(6, 0x0000_0013),
        &[
            add(7, 5, 6),
            sub(8, 5, 6),
            xor(9, 5, 6),
            or(18, 5, 6),
            and(19, 5, 6),
            addi(20, 5, -1),
            xori(21, 5, -1),
            ori(22, 6, 0x700),
            andi(23, 5, -16),
            andi(24, 5, 0x7ff),
        ],
    ]));
    assert_eq!(r[7], 0x0000_0003);
    assert_eq!(r[8], 0xffff_ffdd);
    assert_eq!(r[9], 0xffff_ffe3);
    assert_eq!(r[18], 0xffff_fff3);
    assert_eq!(r[19], 0x0000_0010);
    assert_eq!(r[20], 0xffff_ffef, "addi sign-extends its immediate");
    assert_eq!(r[21], 0x0000_000f, "xori -1 is not");
    assert_eq!(r[22], 0x0000_0713);
    assert_eq!(r[23], 0xffff_fff0);
    assert_eq!(r[24], 0x0000_07f0);
}

#[test]
fn writes_to_x0_are_discarded() {
    let r = run(&prog(&[
        &li(5, 0x2000),
        &[
            addi(0, 0, 5),
            lui(0, 0x12345),
            auipc(0, 1),
            add(0, 5, 5),
            mul(0, 5, 5),
            sw(5, 5, 0),
            lw(0, 5, 0),
            jal(0, 4),
            addi(6, 0, 1),
        ],
    ]));
    assert_eq!(r[0], 0);
    assert_eq!(r[6], 1, "reading x0 after the writes still gives 0");
}

#[test]
fn source_registers_may_alias() {
    let r = run(&prog(&[
        &li(5, 0x8000_0001),
        &[
            add(6, 5, 5),
            sub(7, 5, 5),
            xor(8, 5, 5),
            mul(9, 5, 5),
            mulhu(18, 5, 5),
            slt(19, 5, 5),
            divu(20, 5, 5),
            add(5, 5, 5), // rd == rs1 == rs2
            beq(5, 5, 8),
            addi(21, 0, 1), // skipped
            bne(5, 5, 8),
            addi(22, 0, 1), // executed
        ],
    ]));
    assert_eq!(r[6], 2);
    assert_eq!(r[7], 0);
    assert_eq!(r[8], 0);
    assert_eq!(r[9], 0x0000_0001); // (2^31 + 1)^2 mod 2^32
    assert_eq!(r[18], 0x4000_0001);
    assert_eq!(r[19], 0);
    assert_eq!(r[20], 1);
    assert_eq!(r[5], 2);
    assert_eq!(r[21], 0);
    assert_eq!(r[22], 1);
}

#[test]
fn shifts_use_only_the_low_five_bits() {
    let r = run(&prog(&[
        &li(5, 0x8000_0010),
        &[
            addi(6, 0, 33),
            addi(7, 0, -1),
            sll(8, 5, 6),
            srl(9, 5, 6),
            sra(18, 5, 6),
            sll(19, 5, 7),
            srli(20, 5, 31),
            srai(21, 5, 31),
            slli(22, 5, 0),
            srai(23, 5, 4),
        ],
    ]));
    assert_eq!(r[8], 0x0000_0020);
    assert_eq!(r[9], 0x4000_0008);
    assert_eq!(r[18], 0xc000_0008);
    assert_eq!(r[19], 0, "shift by 31 (0xffffffff & 31)");
    assert_eq!(r[20], 1);
    assert_eq!(r[21], 0xffff_ffff);
    assert_eq!(r[22], 0x8000_0010);
    assert_eq!(r[23], 0xf800_0001);
}

#[test]
fn set_less_than_signed_unsigned_and_immediate() {
    let r = run(&prog(&[
        &li(5, 0xffff_ffff),
        &[
            slt(6, 5, 0),
            sltu(7, 5, 0),
            slti(8, 5, 0),
            sltiu(9, 0, -1), // 0 < 0xffffffff
            sltiu(18, 5, -1),
            sltu(19, 0, 5), // snez
            slti(20, 0, -2048),
        ],
    ]));
    assert_eq!(
        [r[6], r[7], r[8], r[9], r[18], r[19], r[20]],
        [1, 0, 1, 1, 0, 1, 0]
    );
}

#[test]
fn multiplication_and_division_edge_cases() {
    let r = run(&prog(&[
        &li(5, 0x8000_0000),
        &li(6, 0xffff_ffff),
        &[
            div(7, 5, 6),   // INT_MIN / -1
            rem(8, 5, 6),   // INT_MIN % -1
            div(9, 5, 0),   // x / 0
            divu(18, 5, 0), // x / 0
            rem(19, 5, 0),  // x % 0
            remu(20, 6, 0), // x % 0
            mulh(21, 5, 5),
            mulhsu(22, 6, 6),
            mulhu(23, 6, 6),
            mul(24, 6, 6),
        ],
    ]));
    assert_eq!(r[7], 0x8000_0000);
    assert_eq!(r[8], 0);
    assert_eq!(r[9], 0xffff_ffff);
    assert_eq!(r[18], 0xffff_ffff);
    assert_eq!(r[19], 0x8000_0000);
    assert_eq!(r[20], 0xffff_ffff);
    assert_eq!(r[21], 0x4000_0000);
    assert_eq!(r[22], 0xffff_ffff);
    assert_eq!(r[23], 0xffff_fffe);
    assert_eq!(r[24], 1);
}

#[test]
fn loads_sign_and_zero_extend() {
    let r = run(&prog(&[
        &li(5, 0x4000),
        &li(6, 0x8081_82f3),
        &[
            sw(6, 5, 0),
            lb(7, 5, 0),
            lbu(8, 5, 0),
            lh(9, 5, 2),
            lhu(18, 5, 2),
            lw(19, 5, 0),
            lb(20, 5, 3),
            sb(6, 5, 5),
            sh(6, 5, 6),
            lw(21, 5, 4),
            addi(22, 5, 8),
            sw(6, 22, -8 + 12), // negative offsets are sign-extended: 0x4008 + 4
            lw(23, 5, 12),
        ],
    ]));
    assert_eq!(r[7], 0xffff_fff3);
    assert_eq!(r[8], 0x0000_00f3);
    assert_eq!(r[9], 0xffff_8081);
    assert_eq!(r[18], 0x0000_8081);
    assert_eq!(r[19], 0x8081_82f3);
    assert_eq!(r[20], 0xffff_ff80);
    assert_eq!(r[21], 0x82f3_f300);
    assert_eq!(r[23], 0x8081_82f3);
}

#[test]
fn lui_auipc_jal_jalr() {
    // 0x1000: lui; 0x1004: auipc; 0x1008: jal ra, +8 -> 0x1010; 0x100c skipped;
    // 0x1010: addi t0, ra, 9 (odd target 0x1015); 0x1014: jalr t1, 0(t0) -> 0x1014 & !1 = 0x1014? no:
    let r = run(&[
        lui(5, 0xfffff),  // 0x1000
        auipc(6, 0x1),    // 0x1004: 0x2004
        jal(1, 8),        // 0x1008: ra = 0x100c, -> 0x1010
        addi(7, 0, 1),    // 0x100c: skipped
        addi(18, 1, 13),  // 0x1010: 0x100c + 13 = 0x1019
        jalr(19, 18, 0),  // 0x1014: -> 0x1018 (bit 0 cleared), x19 = 0x1018
        addi(20, 0, 2),   // 0x1018
        jalr(1, 1, 0x14), // 0x101c: rd == rs1: -> 0x100c + 0x14 = 0x1020, ra = 0x1020
        addi(21, 1, 0),   // 0x1020
    ]);
    assert_eq!(r[5], 0xffff_f000);
    assert_eq!(r[6], 0x2004);
    assert_eq!(r[7], 0);
    assert_eq!(r[19], 0x1018);
    assert_eq!(r[20], 2);
    assert_eq!(r[21], 0x1020, "jalr reads rs1 before writing rd");
}

#[test]
fn branches_forward_and_backward() {
    // Count down from 5 with a backward bltu/bne loop, then test every condition.
    let r = run(&prog(&[&[
        addi(5, 0, 5),
        addi(6, 0, 0),
        addi(6, 6, 3), // loop body
        addi(5, 5, -1),
        bne(5, 0, -8), // back to the body
        addi(7, 0, -1),
        blt(7, 0, 8),
        addi(18, 0, 1), // skipped: -1 < 0
        bltu(7, 0, 8),
        addi(19, 0, 1), // executed: 0xffffffff !< 0 unsigned
        bge(0, 7, 8),
        addi(20, 0, 1), // skipped
        bgeu(0, 7, 8),
        addi(21, 0, 1), // executed
        beq(5, 0, 8),
        addi(22, 0, 1), // skipped
    ]]));
    assert_eq!(r[6], 15);
    assert_eq!([r[18], r[19], r[20], r[21], r[22]], [0, 1, 0, 1, 0]);
}

#[test]
fn misaligned_jumps_and_accesses_fault() {
    assert_eq!(
        fault_of(&[jal(0, 6)]),
        Fault::MisalignedJump { target: BASE + 6 }
    );
    assert_eq!(
        fault_of(&[addi(5, 0, 0x402), jalr(0, 5, 0)]),
        Fault::MisalignedJump { target: 0x402 }
    );
    assert_eq!(
        fault_of(&[addi(5, 0, 1), bne(5, 6, 2)]),
        Fault::MisalignedJump { target: BASE + 6 }
    );
    assert_eq!(
        fault_of(&[addi(5, 0, 0x102), lw(6, 5, 0)]),
        Fault::Misaligned {
            addr: 0x102,
            len: 4
        }
    );
    assert_eq!(
        fault_of(&[addi(5, 0, 0x101), sh(6, 5, 0)]),
        Fault::Misaligned {
            addr: 0x101,
            len: 2
        }
    );
}

#[test]
fn a_misaligned_branch_not_taken_is_fine() {
    let r = run(&[addi(5, 0, 1), beq(5, 0, 2), addi(6, 0, 7)]);
    assert_eq!(r[6], 7);
}

#[test]
fn out_of_range_accesses_fault() {
    let size = 1 << 29;
    assert_eq!(
        fault_of(&[lui(5, 0x20000), lw(6, 5, 0)]),
        Fault::OutOfBounds {
            addr: 0x2000_0000,
            len: 4,
            size
        }
    );
    assert_eq!(
        fault_of(&[lui(5, 0x20000), sb(6, 5, -1), sb(6, 5, 0)]),
        Fault::OutOfBounds {
            addr: 0x2000_0000,
            len: 1,
            size
        }
    );
    assert_eq!(
        fault_of(&[addi(5, 0, -4), lw(6, 5, 0)]),
        Fault::OutOfBounds {
            addr: 0xffff_fffc,
            len: 4,
            size
        }
    );
}

#[test]
fn jump_outside_the_program_is_an_error() {
    let err = try_run(&[lui(5, 0x10), jalr(0, 5, 0)], &[]).unwrap_err();
    match err {
        VmRunError::Execution(ExecutionError::PcOutOfProgram { pc, last_pc, .. }) => {
            assert_eq!((pc, last_pc), (0x10000, BASE + 4));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unimp_faults_when_executed() {
    assert_eq!(
        fault_of(&[tessera_rv32im::UNIMP_WORD]),
        Fault::TrapInstruction
    );
}

#[test]
fn fence_is_a_no_op() {
    let r = run(&[
        addi(5, 0, 3),
        0x0ff0_000f, /* fence iorw, iorw */
        addi(5, 5, 1),
    ]);
    assert_eq!(r[5], 4);
}

#[test]
fn syscalls_write_read_and_exit() {
    let buf = 0x3000;
    let words = prog(&[
        &li(A1, buf),
        &[
            // read(0, buf, 8): 5 bytes available
            addi(A0, 0, 0),
            addi(A2, 0, 8),
            addi(A7, 0, 63),
            ECALL,
            addi(5, A0, 0),
            // read again: exhausted, returns 0
            addi(A0, 0, 0),
            ECALL,
            addi(6, A0, 0),
            // write(1, buf, 5) and write(3, buf, 2)
            addi(A0, 0, 1),
            addi(A2, 0, 5),
            addi(A7, 0, 64),
            ECALL,
            addi(7, A0, 0),
            addi(A0, 0, 3),
            addi(A2, 0, 2),
            ECALL,
            addi(A0, 0, 2),
            ECALL,
            addi(A0, 0, 42),
        ],
    ]);
    let state = try_run(&words, b"hello").unwrap();
    let r = state.registers();
    assert_eq!((r[5], r[6], r[7]), (5, 0, 5));
    assert_eq!(state.host_output.stdout, b"hello");
    assert_eq!(state.host_output.stderr, b"he");
    assert_eq!(state.memory.public_output(), b"he");
    assert_eq!(state.exit_code, Some(42));
    assert_eq!(state.instret as usize, words.len() + 2);
}

#[test]
fn bad_syscalls_fault() {
    assert_eq!(
        fault_of(&[addi(A7, 0, 1000), ECALL]),
        Fault::UnknownSyscall(1000)
    );
    assert_eq!(
        fault_of(&[addi(A7, 0, 64), addi(A0, 0, 7), ECALL]),
        Fault::BadWriteFd(7)
    );
    assert_eq!(
        fault_of(&[addi(A7, 0, 63), addi(A0, 0, 1), ECALL]),
        Fault::BadReadFd(1)
    );
    assert_eq!(
        fault_of(&[
            addi(A7, 0, 64),
            addi(A0, 0, 3),
            addi(A2, 0, 16),
            lui(A1, 0x20000),
            ECALL
        ]),
        Fault::OutOfBounds {
            addr: 0x2000_0000,
            len: 16,
            size: 1 << 29
        }
    );
    // Public output is capped (1 KiB by default).
    assert_eq!(
        fault_of(&[addi(A7, 0, 64), addi(A0, 0, 3), addi(A2, 0, 1025), ECALL]),
        Fault::PublicOutputFull {
            capacity: 1024,
            requested: 1025
        }
    );
}

/// Buffers that are not accessed do not fault, wherever they point: a host write's (its bytes
/// are not proven, so the circuit cannot stop the run there; the host gets nothing) and an
/// empty read's or public write's.
#[test]
fn unaccessed_buffers_do_not_fault() {
    let words = [
        lui(A1, 0x20000), // buf = 2^29, just past memory
        addi(A7, 0, 64),
        addi(A0, 0, 1),
        addi(A2, 0, 16),
        ECALL, // write(1, buf, 16)
        addi(5, A0, 0),
        addi(A0, 0, 3),
        addi(A2, 0, 0),
        ECALL, // write(3, buf, 0)
        addi(6, A0, 0),
        addi(A7, 0, 63),
        addi(A0, 0, 0),
        addi(A2, 0, 8),
        ECALL, // read(0, buf, 8) with no input left
        addi(A0, A0, 42),
    ];
    let state = try_run(&words, b"").unwrap();
    let r = state.registers();
    assert_eq!((r[5], r[6]), (16, 0));
    assert_eq!(state.host_output.stdout, b"");
    assert_eq!(state.memory.public_output(), b"");
    assert_eq!(state.exit_code, Some(42));
}

#[test]
fn instruction_limit_stops_an_endless_loop() {
    let exe = Arc::new(exe_from_words::<BabyBear>(BASE, &[jal(0, 0)]).unwrap());
    let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
    let err = executor
        .execute(&exe, Streams::default(), Some(1000))
        .unwrap_err();
    assert_eq!(
        err,
        VmRunError::Execution(ExecutionError::InstructionLimit {
            limit: 1000,
            pc: BASE
        })
    );
    let message = err.to_string();
    assert!(message.contains("instruction limit of 1000"), "{message}");
}

#[test]
fn fault_messages_name_pc_and_instruction() {
    let err = try_run(&[addi(5, 0, 0x102), lw(6, 5, 0)], &[]).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("pc 0x00001004"), "{message}");
    assert!(message.contains("LOADW"), "{message}");
    assert!(message.contains("misaligned"), "{message}");
}
