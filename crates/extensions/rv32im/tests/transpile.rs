//! Words the RV32IM transpiler must refuse, each with an error naming the address and the word
//! (in an ELF such a word is kept as an illegal entry of the program: `tessera-sdk`'s
//! `ordinary_elfs` tests).

use p3_baby_bear::BabyBear;
use tessera_arch::TranspileError;
use tessera_rv32im::encode::{self, exe_from_words};

fn error_of(word: u32) -> TranspileError {
    exe_from_words::<BabyBear>(0x1000, &[encode::NOP, word]).unwrap_err()
}

fn unsupported(word: u32) -> &'static str {
    match error_of(word) {
        TranspileError::Unsupported { pc, word: w, what } => {
            assert_eq!((pc, w), (0x1004, word));
            what
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn system_instructions_are_unsupported() {
    assert_eq!(unsupported(encode::EBREAK), "ebreak");
    assert!(unsupported(0xc000_2573).starts_with("CSR")); // csrrs a0, cycle, x0 (rdcycle)
    assert!(unsupported(0x3000_1073).starts_with("CSR")); // csrrw x0, mstatus, x0
    assert!(unsupported(0x3420_5073).starts_with("CSR")); // csrrwi
    assert_eq!(unsupported(0x3020_0073), "privileged instruction"); // mret
    assert_eq!(unsupported(0x1050_0073), "privileged instruction"); // wfi
    assert_eq!(unsupported(0x0000_100f), "fence.i");
}

#[test]
fn compressed_and_unknown_encodings_are_rejected() {
    assert_eq!(
        error_of(0x0000_4501),
        TranspileError::Compressed {
            pc: 0x1004,
            word: 0x4501
        }
    ); // c.li a0, 0
       // The all-zero word is padding or data, not a compressed instruction.
    assert_eq!(
        error_of(0),
        TranspileError::Unknown {
            pc: 0x1004,
            word: 0
        }
    );
    for word in [
        0x0000_0007u32, // flw (F extension)
        0x0200_0053,    // fadd.s
        0x0000_202f,    // amoadd.w (A extension)
        0x0000_3003,    // ld (RV64)
        0x0000_3023,    // sd (RV64)
        0x0000_101b,    // slliw (RV64)
        0x0000_2063,    // branch with funct3 = 2
        0x4000_1013,    // slli with a nonzero funct7
        0x0400_0033,    // R-type with funct7 = 2
        0x0000_1067,    // jalr with funct3 = 1
        0xffff_ffff,
    ] {
        let err = error_of(word);
        assert_eq!(
            err,
            TranspileError::Unknown { pc: 0x1004, word },
            "{word:#x}"
        );
        let message = err.to_string();
        assert!(
            message.contains("0x00001004") && message.contains(&format!("{word:#010x}")),
            "{message}"
        );
    }
}

fn transpile(word: u32) -> tessera_arch::Instruction<BabyBear> {
    exe_from_words::<BabyBear>(0x1000, &[word])
        .unwrap()
        .program
        .instructions[0]
        .unwrap()
}

#[test]
fn instructions_that_only_write_x0_become_nop() {
    use tessera_arch::LocalOpcode;
    let nop = tessera_rv32im::NopOpcode::NOP.global();
    for word in [
        encode::addi(0, 5, 7),
        encode::add(0, 1, 2),
        encode::mul(0, 1, 2),
        encode::slli(0, 1, 3),
        encode::lui(0, 5),
        encode::auipc(0, 5),
        encode::lw(0, 1, 0),
        encode::lbu(0, 1, -4),
        encode::NOP,
        0x0ff0_000f, // fence
    ] {
        assert_eq!(transpile(word).opcode, nop, "{word:#x}");
    }
    // Jumps with rd = x0 keep their side effect.
    assert_ne!(transpile(encode::jal(0, 8)).opcode, nop);
    assert_ne!(transpile(encode::jalr(0, 1, 0)).opcode, nop);
    // An invalid encoding with rd = x0 is still an error, not a NOP.
    assert!(exe_from_words::<BabyBear>(0x1000, &[0x4000_1013]).is_err());
    assert!(exe_from_words::<BabyBear>(0x1000, &[0x0400_0033]).is_err());
}

#[test]
fn immediate_bytes_are_in_operands_f_and_g() {
    use p3_baby_bear::BabyBear as F;
    use tessera_arch::Instruction;
    for (imm, byte0, byte1) in [
        (-1, 0xff, 0xff),
        (2047, 0xff, 0x07),
        (-2048, 0x00, 0xf8),
        (5, 5, 0),
    ] {
        let inst = transpile(encode::addi(1, 2, imm));
        assert_eq!(Instruction::<F>::signed(inst.c), imm as i64);
        assert_eq!(inst.f, F::new(byte0), "{imm}");
        assert_eq!(inst.g, F::new(byte1), "{imm}");
    }
    let inst = transpile(encode::srai(1, 2, 31));
    assert_eq!(
        (inst.c, inst.f, inst.g),
        (F::new(31), F::new(31), F::new(0))
    );
}

#[test]
fn memory_offsets_are_split_for_the_circuit() {
    use p3_baby_bear::BabyBear as F;
    for (imm, low, sign) in [
        (-1i32, 0xffff, 1),
        (2047, 2047, 0),
        (-2048, 0xf800, 1),
        (0, 0, 0),
    ] {
        for word in [encode::lw(1, 2, imm), encode::sb(1, 2, imm)] {
            let inst = transpile(word);
            assert_eq!(tessera_arch::Instruction::<F>::signed(inst.c), imm as i64);
            assert_eq!((inst.f, inst.g), (F::new(low), F::new(sign)), "{imm}");
        }
    }
}
