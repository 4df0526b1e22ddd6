//! Words the RV32IM transpiler must refuse, each with an error naming the address and the word.

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
    assert_eq!(
        error_of(0),
        TranspileError::Compressed {
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
