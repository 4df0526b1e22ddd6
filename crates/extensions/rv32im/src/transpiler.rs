//! The RV32IM transpiler: every RV32I and M instruction word to a VM instruction.

use p3_field::PrimeField32;
use tessera_arch::{address_space::*, Instruction, LocalOpcode, Transpiled, TranspilerExtension};

use crate::{
    AuipcOpcode, BaseAluOpcode, BranchEqualOpcode, BranchLessThanOpcode, DivRemOpcode, EcallOpcode,
    JalLuiOpcode, JalrOpcode, LessThanOpcode, LoadStoreOpcode, MulHOpcode, MulOpcode, NopOpcode,
    ShiftOpcode, UnimpOpcode,
};

/// The canonical `unimp` word (`csrrw x0, cycle, x0`).
pub const UNIMP_WORD: u32 = 0xc000_1073;
const ECALL_WORD: u32 = 0x0000_0073;
const EBREAK_WORD: u32 = 0x0010_0073;

/// Transpiles RV32IM. `fence` becomes a no-op (`addi x0, x0, 0`): the VM has one hart and no
/// caches. CSR instructions, `ebreak`, `fence.i` and privileged instructions are reported as
/// unsupported; `unimp` becomes a trap instruction that faults if executed (LLVM emits it after
/// calls that never return, so rejecting it would reject almost every Rust program).
#[derive(Clone, Copy, Debug, Default)]
pub struct Rv32ImTranspiler;

impl<F: PrimeField32> TranspilerExtension<F> for Rv32ImTranspiler {
    fn transpile(&self, word: u32) -> Option<Transpiled<F>> {
        decode(word).map(|d| match d {
            Decoded::Instruction(i) => Transpiled::Instruction(i),
            Decoded::Unsupported(what) => Transpiled::Unsupported(what),
        })
    }
}

enum Decoded<F> {
    Instruction(Instruction<F>),
    Unsupported(&'static str),
}

/// Instruction fields, named as in the RISC-V specification.
struct Fields {
    rd: i64,
    rs1: i64,
    rs2: i64,
    funct3: u32,
    funct7: u32,
}

fn fields(word: u32) -> Fields {
    Fields {
        rd: 4 * ((word >> 7) & 31) as i64,
        rs1: 4 * ((word >> 15) & 31) as i64,
        rs2: 4 * ((word >> 20) & 31) as i64,
        funct3: (word >> 12) & 7,
        funct7: word >> 25,
    }
}

fn imm_i(word: u32) -> i64 {
    (word as i32 >> 20) as i64
}

fn imm_s(word: u32) -> i64 {
    (((word as i32 >> 25) << 5) | ((word >> 7) & 31) as i32) as i64
}

fn imm_b(word: u32) -> i64 {
    let imm = ((word as i32 >> 31) << 12) as u32
        | ((word >> 7) & 1) << 11
        | ((word >> 25) & 0x3f) << 5
        | ((word >> 8) & 0xf) << 1;
    imm as i32 as i64
}

fn imm_j(word: u32) -> i64 {
    let imm = ((word as i32 >> 31) << 20) as u32
        | ((word >> 12) & 0xff) << 12
        | ((word >> 20) & 1) << 11
        | ((word >> 21) & 0x3ff) << 1;
    imm as i32 as i64
}

/// An instruction whose only effect is writing `rd`, with `rd = x0`: it does nothing, so it
/// becomes `NOP` (the circuit then never writes register x0, which must stay zero).
fn nop<F: PrimeField32>() -> Option<Decoded<F>> {
    Some(Decoded::Instruction(Instruction::new(
        NopOpcode::NOP.global(),
        0,
        0,
        0,
        0,
        0,
    )))
}

/// A register-immediate ALU instruction. Besides the signed immediate in `c` (what executors
/// use), `f` and `g` hold the two low bytes of the sign-extended immediate: the circuit reads the
/// immediate's bytes from the committed program instead of decomposing and range-checking it.
fn alu_immediate<F: PrimeField32>(
    op: tessera_arch::VmOpcode,
    rd: i64,
    rs1: i64,
    imm: i64,
) -> Option<Decoded<F>> {
    let word = imm as i32 as u32;
    let mut inst = Instruction::new(op, rd, rs1, imm, REGISTER as i64, IMMEDIATE as i64);
    inst.f = F::from_u32(word & 0xff);
    inst.g = F::from_u32((word >> 8) & 0xff);
    Some(Decoded::Instruction(inst))
}

/// A load or store. Besides the signed offset in `c`, `f` holds the offset's low 16 bits and
/// `g` its sign, which the circuit uses to add it to `rs1` limb by limb.
fn memory_access<F: PrimeField32>(
    op: tessera_arch::VmOpcode,
    a: i64,
    rs1: i64,
    imm: i64,
) -> Option<Decoded<F>> {
    let mut inst = Instruction::new(op, a, rs1, imm, REGISTER as i64, MEMORY as i64);
    inst.f = F::from_u32(imm as i32 as u32 & 0xffff);
    inst.g = F::from_bool(imm < 0);
    Some(Decoded::Instruction(inst))
}

fn decode<F: PrimeField32>(word: u32) -> Option<Decoded<F>> {
    let f = fields(word);
    let reg = REGISTER as i64;
    let insn = |op: tessera_arch::VmOpcode, a, b, c, d, e| {
        Some(Decoded::Instruction(Instruction::new(op, a, b, c, d, e)))
    };
    let writes_only_rd = matches!(word & 0x7f, 0x37 | 0x17 | 0x13 | 0x33);
    if writes_only_rd && f.rd == 0 && decode_checked_fields(word) {
        return nop();
    }
    match word & 0x7f {
        0x37 => insn(
            JalLuiOpcode::LUI.global(),
            f.rd,
            0,
            (word >> 12) as i64,
            reg,
            0,
        ),
        0x17 => insn(
            AuipcOpcode::AUIPC.global(),
            f.rd,
            0,
            (word >> 12) as i64,
            reg,
            0,
        ),
        0x6f => insn(JalLuiOpcode::JAL.global(), f.rd, 0, imm_j(word), reg, 0),
        0x67 if f.funct3 == 0 => insn(JalrOpcode::JALR.global(), f.rd, f.rs1, imm_i(word), reg, 0),
        0x63 => {
            let op = match f.funct3 {
                0 => BranchEqualOpcode::BEQ.global(),
                1 => BranchEqualOpcode::BNE.global(),
                4 => BranchLessThanOpcode::BLT.global(),
                5 => BranchLessThanOpcode::BGE.global(),
                6 => BranchLessThanOpcode::BLTU.global(),
                7 => BranchLessThanOpcode::BGEU.global(),
                _ => return None,
            };
            insn(op, f.rs1, f.rs2, imm_b(word), reg, reg)
        }
        0x03 => {
            let op = match f.funct3 {
                0 => LoadStoreOpcode::LOADB,
                1 => LoadStoreOpcode::LOADH,
                2 => LoadStoreOpcode::LOADW,
                4 => LoadStoreOpcode::LOADBU,
                5 => LoadStoreOpcode::LOADHU,
                _ => return None,
            };
            if f.rd == 0 {
                // A load into x0 has no effect (Tessera does not model the fault a bad address
                // would raise on hardware).
                return nop();
            }
            memory_access(op.global(), f.rd, f.rs1, imm_i(word))
        }
        0x23 => {
            let op = match f.funct3 {
                0 => LoadStoreOpcode::STOREB,
                1 => LoadStoreOpcode::STOREH,
                2 => LoadStoreOpcode::STOREW,
                _ => return None,
            };
            memory_access(op.global(), f.rs2, f.rs1, imm_s(word))
        }
        0x13 => {
            let op = match (f.funct3, f.funct7) {
                (0, _) => BaseAluOpcode::ADD.global(),
                (2, _) => LessThanOpcode::SLT.global(),
                (3, _) => LessThanOpcode::SLTU.global(),
                (4, _) => BaseAluOpcode::XOR.global(),
                (6, _) => BaseAluOpcode::OR.global(),
                (7, _) => BaseAluOpcode::AND.global(),
                (1, 0) => ShiftOpcode::SLL.global(),
                (5, 0) => ShiftOpcode::SRL.global(),
                (5, 0x20) => ShiftOpcode::SRA.global(),
                _ => return None,
            };
            // Shift immediates are the 5-bit shamt; the funct7 bits above it select the shift.
            let c = if f.funct3 == 1 || f.funct3 == 5 {
                f.rs2 / 4
            } else {
                imm_i(word)
            };
            alu_immediate(op, f.rd, f.rs1, c)
        }
        0x33 => {
            let op = match (f.funct7, f.funct3) {
                (0, 0) => BaseAluOpcode::ADD.global(),
                (0x20, 0) => BaseAluOpcode::SUB.global(),
                (0, 1) => ShiftOpcode::SLL.global(),
                (0, 2) => LessThanOpcode::SLT.global(),
                (0, 3) => LessThanOpcode::SLTU.global(),
                (0, 4) => BaseAluOpcode::XOR.global(),
                (0, 5) => ShiftOpcode::SRL.global(),
                (0x20, 5) => ShiftOpcode::SRA.global(),
                (0, 6) => BaseAluOpcode::OR.global(),
                (0, 7) => BaseAluOpcode::AND.global(),
                (1, 0) => MulOpcode::MUL.global(),
                (1, 1) => MulHOpcode::MULH.global(),
                (1, 2) => MulHOpcode::MULHSU.global(),
                (1, 3) => MulHOpcode::MULHU.global(),
                (1, 4) => DivRemOpcode::DIV.global(),
                (1, 5) => DivRemOpcode::DIVU.global(),
                (1, 6) => DivRemOpcode::REM.global(),
                (1, 7) => DivRemOpcode::REMU.global(),
                _ => return None,
            };
            insn(op, f.rd, f.rs1, f.rs2, reg, reg)
        }
        0x0f => match f.funct3 {
            0 => nop(),
            1 => Some(Decoded::Unsupported("fence.i")),
            _ => None,
        },
        0x73 => match word {
            ECALL_WORD => insn(EcallOpcode::ECALL.global(), 0, 0, 0, 0, 0),
            UNIMP_WORD => insn(UnimpOpcode::UNIMP.global(), 0, 0, 0, 0, 0),
            EBREAK_WORD => Some(Decoded::Unsupported("ebreak")),
            _ if f.funct3 != 0 && f.funct3 != 4 => Some(Decoded::Unsupported(
                "CSR instruction (csrrw/csrrs/csrrc and immediate forms)",
            )),
            _ => Some(Decoded::Unsupported("privileged instruction")),
        },
        _ => None,
    }
}

/// Whether a word of an OP, OP-IMM, LUI or AUIPC opcode is a valid encoding (so that an invalid
/// word with `rd = x0` is still reported as unknown rather than becoming a `NOP`).
fn decode_checked_fields(word: u32) -> bool {
    let funct3 = (word >> 12) & 7;
    let funct7 = word >> 25;
    match word & 0x7f {
        0x13 => match funct3 {
            1 => funct7 == 0,
            5 => funct7 == 0 || funct7 == 0x20,
            _ => true,
        },
        0x33 => matches!((funct7, funct3), (0, _) | (0x20, 0) | (0x20, 5) | (1, _)),
        _ => true,
    }
}
