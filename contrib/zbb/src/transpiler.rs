//! The Zbb transpiler: the RV32 Zbb instruction words to VM instructions.
//!
//! Encodings (ratified bitmanip spec v1.0.0, RV32):
//!
//! | Instruction | Opcode | Fields |
//! |---|---|---|
//! | `andn` `orn` `xnor` | OP `0x33` | `funct7 = 0x20`, `funct3` = 7, 6, 4 |
//! | `min` `minu` `max` `maxu` | OP | `funct7 = 0x05`, `funct3` = 4, 5, 6, 7 |
//! | `rol` `ror` | OP | `funct7 = 0x30`, `funct3` = 1, 5 |
//! | `zext.h` | OP | `funct7 = 0x04`, `rs2 = 0`, `funct3 = 4` |
//! | `clz` `ctz` `cpop` `sext.b` `sext.h` | OP-IMM `0x13` | `funct3 = 1`, `imm[11:0]` = `0x600`, `0x601`, `0x602`, `0x604`, `0x605` |
//! | `orc.b` `rev8` | OP-IMM | `funct3 = 5`, `imm[11:0]` = `0x287`, `0x698` |
//! | `rori` | OP-IMM | `funct3 = 5`, `funct7 = 0x30`, `shamt = bits[24:20]` |
//!
//! Register forms become `(opcode, 4 rd, 4 rs1, 4 rs2, 1, 1, 0, 0)`; one-operand instructions
//! `(opcode, 4 rd, 4 rs1, 0, 1, 0, 0, 0)` (the kit's immediate form with immediate 0); `rori`
//! becomes `(ROR, 4 rd, 4 rs1, shamt, 1, 0, shamt, 0)` (the amount in `c` and `f`, as RV32IM's
//! `slli`). An instruction with `rd = x0` does nothing and becomes RV32IM's `NOP` with all-zero
//! operands. Any other word (near misses included: `zext.h` with `rs2 != 0`, `rori` with
//! `shamt[5]` set, `rev8`'s RV64 encoding, the reserved `imm` values next to `clz`) is not
//! claimed (`None`); RV32IM claims none of these words either, so each Zbb word has exactly one
//! claimant.

use p3_field::PrimeField32;
use tessera_arch::{
    address_space::{IMMEDIATE, REGISTER},
    Instruction, LocalOpcode, Transpiled, TranspilerExtension, VmOpcode,
};
use tessera_rv32im::NopOpcode;

use crate::{ZbbLogicOpcode, ZbbMinMaxOpcode, ZbbRotateOpcode, ZbbUnaryOpcode};

/// Transpiles the Zbb instructions (see the module documentation).
#[derive(Clone, Copy, Debug, Default)]
pub struct ZbbTranspiler;

impl<F: PrimeField32> TranspilerExtension<F> for ZbbTranspiler {
    fn transpile(&self, word: u32) -> Option<Transpiled<F>> {
        decode(word).map(Transpiled::Instruction)
    }
}

/// The VM-level form of a decoded word.
enum Form {
    /// `rd = op(rs1, rs2)`.
    Register(VmOpcode),
    /// `rd = op(rs1, imm)`.
    Immediate(VmOpcode, u32),
}

/// The instruction a Zbb word stands for, or `None` if the word is not a Zbb instruction.
pub(crate) fn decode<F: PrimeField32>(word: u32) -> Option<Instruction<F>> {
    use Form::*;
    let rd = (word >> 7) & 31;
    let funct3 = (word >> 12) & 7;
    let rs1 = (word >> 15) & 31;
    let rs2 = (word >> 20) & 31;
    let funct7 = word >> 25;
    let imm12 = word >> 20;
    let form = match word & 0x7f {
        0x33 => match (funct7, funct3) {
            (0x20, 7) => Register(ZbbLogicOpcode::ANDN.global()),
            (0x20, 6) => Register(ZbbLogicOpcode::ORN.global()),
            (0x20, 4) => Register(ZbbLogicOpcode::XNOR.global()),
            (0x05, 4) => Register(ZbbMinMaxOpcode::MIN.global()),
            (0x05, 5) => Register(ZbbMinMaxOpcode::MINU.global()),
            (0x05, 6) => Register(ZbbMinMaxOpcode::MAX.global()),
            (0x05, 7) => Register(ZbbMinMaxOpcode::MAXU.global()),
            (0x30, 1) => Register(ZbbRotateOpcode::ROL.global()),
            (0x30, 5) => Register(ZbbRotateOpcode::ROR.global()),
            (0x04, 4) if rs2 == 0 => Immediate(ZbbUnaryOpcode::ZEXT_H.global(), 0),
            _ => return None,
        },
        0x13 => match (funct3, imm12) {
            (1, 0x600) => Immediate(ZbbUnaryOpcode::CLZ.global(), 0),
            (1, 0x601) => Immediate(ZbbUnaryOpcode::CTZ.global(), 0),
            (1, 0x602) => Immediate(ZbbUnaryOpcode::CPOP.global(), 0),
            (1, 0x604) => Immediate(ZbbUnaryOpcode::SEXT_B.global(), 0),
            (1, 0x605) => Immediate(ZbbUnaryOpcode::SEXT_H.global(), 0),
            (5, 0x287) => Immediate(ZbbUnaryOpcode::ORC_B.global(), 0),
            (5, 0x698) => Immediate(ZbbUnaryOpcode::REV8.global(), 0),
            (5, _) if funct7 == 0x30 => Immediate(ZbbRotateOpcode::ROR.global(), rs2),
            _ => return None,
        },
        _ => return None,
    };
    if rd == 0 {
        // Its only effect would be writing x0: nothing.
        return Some(Instruction::new(NopOpcode::NOP.global(), 0, 0, 0, 0, 0));
    }
    let (rd, rs1) = (4 * rd as i64, 4 * rs1 as i64);
    let (register, immediate) = (REGISTER as i64, IMMEDIATE as i64);
    Some(match form {
        Register(op) => Instruction::new(op, rd, rs1, 4 * rs2 as i64, register, register),
        Immediate(op, c) => {
            let mut inst = Instruction::new(op, rd, rs1, c as i64, register, immediate);
            inst.f = F::from_u32(c);
            inst
        }
    })
}

#[cfg(test)]
mod tests {
    use p3_baby_bear::BabyBear;
    use p3_field::PrimeCharacteristicRing;
    use tessera_arch::{TranspileError, VmExecutionConfig};
    use tessera_rv32im::Rv32ImTranspiler;

    use super::*;
    use crate::{encode::*, test_support::config};

    type F = BabyBear;

    fn zbb(word: u32) -> Option<Instruction<F>> {
        match ZbbTranspiler.transpile(word) {
            Some(Transpiled::Instruction(inst)) => Some(inst),
            Some(Transpiled::Unsupported(what)) => panic!("{word:#010x}: unsupported {what}"),
            None => None,
        }
    }

    fn register(op: impl LocalOpcode, rd: i64, rs1: i64, rs2: i64) -> Instruction<F> {
        Instruction::new(op.global(), 4 * rd, 4 * rs1, 4 * rs2, 1, 1)
    }

    fn immediate(op: impl LocalOpcode, rd: i64, rs1: i64, c: u32) -> Instruction<F> {
        let mut inst = Instruction::new(op.global(), 4 * rd, 4 * rs1, c as i64, 1, 0);
        inst.f = F::from_u32(c);
        inst
    }

    #[test]
    fn every_instruction_decodes_to_its_opcode_and_operands() {
        use ZbbLogicOpcode::*;
        use ZbbMinMaxOpcode::*;
        use ZbbRotateOpcode::*;
        use ZbbUnaryOpcode::*;
        let cases: Vec<(u32, Instruction<F>)> = vec![
            (andn(1, 2, 3), register(ANDN, 1, 2, 3)),
            (orn(4, 5, 6), register(ORN, 4, 5, 6)),
            (xnor(31, 30, 29), register(XNOR, 31, 30, 29)),
            (min(7, 8, 9), register(MIN, 7, 8, 9)),
            (max(7, 8, 9), register(MAX, 7, 8, 9)),
            (minu(7, 8, 9), register(MINU, 7, 8, 9)),
            (maxu(7, 0, 9), register(MAXU, 7, 0, 9)),
            (rol(10, 11, 12), register(ROL, 10, 11, 12)),
            (ror(10, 11, 12), register(ROR, 10, 11, 12)),
            (clz(13, 14), immediate(CLZ, 13, 14, 0)),
            (ctz(13, 14), immediate(CTZ, 13, 14, 0)),
            (cpop(13, 14), immediate(CPOP, 13, 14, 0)),
            (sext_b(13, 14), immediate(SEXT_B, 13, 14, 0)),
            (sext_h(13, 14), immediate(SEXT_H, 13, 14, 0)),
            (zext_h(13, 14), immediate(ZEXT_H, 13, 14, 0)),
            (orc_b(13, 14), immediate(ORC_B, 13, 14, 0)),
            (rev8(13, 14), immediate(REV8, 13, 14, 0)),
            (rori(15, 16, 0), immediate(ROR, 15, 16, 0)),
            (rori(15, 16, 31), immediate(ROR, 15, 16, 31)),
        ];
        let transpiler = config().create_transpiler();
        for (word, expected) in cases {
            assert_eq!(zbb(word), Some(expected), "{word:#010x}");
            // Through the configuration's transpiler: RV32IM does not claim it.
            assert_eq!(
                transpiler.transpile_word(0, word),
                Ok(expected),
                "{word:#010x}"
            );
            assert_eq!(
                TranspilerExtension::<F>::transpile(&Rv32ImTranspiler, word),
                None,
                "{word:#010x}"
            );
        }
    }

    #[test]
    fn a_write_to_x0_is_a_nop() {
        let nop = Instruction::new(NopOpcode::NOP.global(), 0, 0, 0, 0, 0);
        for word in [
            andn(0, 1, 2),
            max(0, 5, 6),
            clz(0, 3),
            rev8(0, 3),
            rori(0, 7, 3),
        ] {
            assert_eq!(zbb(word), Some(nop), "{word:#010x}");
        }
    }

    /// Near misses: the fields around each encoding that the spec leaves reserved or gives to
    /// other extensions. Neither extension claims them: the configuration says "unknown".
    #[test]
    fn near_misses_are_illegal() {
        let op = |funct7: u32, rs2: u32, funct3: u32| {
            tessera_rv32im::encode::r_type(funct7, rs2, 2, funct3, 1, 0x33)
        };
        let op_imm = |imm12: u32, funct3: u32| imm12 << 20 | 2 << 15 | funct3 << 12 | 1 << 7 | 0x13;
        let words = [
            op_imm(0x603, 1), // between cpop and sext.b
            op_imm(0x606, 1),
            op_imm(0x620, 1), // clz with a non-zero rs2 field
            op_imm(0x680, 1),
            op_imm(0x504, 5), // funct7 = 0x28 in the shift-right space
            op_imm(0x286, 5), // next to orc.b
            op_imm(0x288, 5),
            op_imm(0x6b8, 5), // rev8's RV64 encoding
            op_imm(0x699, 5),
            op_imm(0x620, 5), // rori with shamt[5] = 1 (RV64 only): funct7 = 0x31
            op_imm(0x630, 5), // the same, shamt = 16
            op(0x04, 1, 4),   // zext.h with rs2 = 1
            op(0x04, 0, 5),
            op(0x05, 3, 1), // clmul family (Zbc)
            op(0x05, 3, 2),
            op(0x05, 3, 3),
            op(0x20, 3, 1), // funct7 = 0x20 with other funct3
            op(0x20, 3, 2),
            op(0x30, 3, 0),
            op(0x30, 3, 4),
            op(0x24, 3, 1), // Zbs bclr
            op(0x14, 3, 1), // Zbs bset
        ];
        let transpiler = config().create_transpiler();
        for word in words {
            assert_eq!(zbb(word), None, "{word:#010x}");
            assert!(
                matches!(
                    transpiler.transpile_word(0, word),
                    Err(TranspileError::Unknown { .. })
                ),
                "{word:#010x}: {:?}",
                transpiler.transpile_word(0, word)
            );
            // With rd = x0 too (RV32IM would turn a valid write to x0 into NOP).
            let to_x0 = word & !(31 << 7);
            assert_eq!(zbb(to_x0), None, "{to_x0:#010x}");
            assert!(
                transpiler.transpile_word(0, to_x0).is_err(),
                "{to_x0:#010x}"
            );
        }
    }

    /// Every OP and OP-IMM word with rd = 1, rs1 = 2 (all funct7, rs2 and funct3 fields):
    /// RV32IM and Zbb never both claim one, and Zbb claims exactly the Zbb encodings.
    #[test]
    fn the_two_transpilers_claim_each_word_at_most_once() {
        let mut zbb_claims = 0;
        for opcode in [0x33u32, 0x13] {
            for upper in 0..1 << 12 {
                for funct3 in 0..8 {
                    let word = upper << 20 | 2 << 15 | funct3 << 12 | 1 << 7 | opcode;
                    let ours = zbb(word).is_some();
                    let theirs =
                        TranspilerExtension::<F>::transpile(&Rv32ImTranspiler, word).is_some();
                    assert!(!(ours && theirs), "{word:#010x} claimed twice");
                    zbb_claims += ours as u32;
                }
            }
        }
        // OP: 9 register-form instructions with any rs2, plus zext.h; OP-IMM: 7 one-operand
        // instructions plus rori with any shamt.
        assert_eq!(zbb_claims, 9 * 32 + 1 + 7 + 32);
    }
}
