//! A small RV32IM encoder, for tests and examples that build programs without an assembler.
//! Registers are numbers `0..32`; immediates are signed and must fit their format.

use p3_field::PrimeField32;
use tessera_arch::{TranspileError, Transpiler, VmExe};

use crate::Rv32ImTranspiler;

/// `ecall`.
pub const ECALL: u32 = 0x0000_0073;
/// `ebreak`.
pub const EBREAK: u32 = 0x0010_0073;
/// `nop` (`addi x0, x0, 0`).
pub const NOP: u32 = 0x0000_0013;

/// R-type: `funct7 rs2 rs1 funct3 rd opcode`.
pub fn r_type(funct7: u32, rs2: u32, rs1: u32, funct3: u32, rd: u32, opcode: u32) -> u32 {
    funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode
}

/// I-type with a 12-bit signed immediate.
pub fn i_type(imm: i32, rs1: u32, funct3: u32, rd: u32, opcode: u32) -> u32 {
    ((imm as u32) & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode
}

/// S-type with a 12-bit signed immediate.
pub fn s_type(imm: i32, rs2: u32, rs1: u32, funct3: u32, opcode: u32) -> u32 {
    let imm = imm as u32;
    ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (imm & 31) << 7 | opcode
}

/// B-type with a 13-bit signed, even offset.
pub fn b_type(offset: i32, rs2: u32, rs1: u32, funct3: u32) -> u32 {
    let o = offset as u32;
    ((o >> 12) & 1) << 31
        | ((o >> 5) & 0x3f) << 25
        | rs2 << 20
        | rs1 << 15
        | funct3 << 12
        | ((o >> 1) & 0xf) << 8
        | ((o >> 11) & 1) << 7
        | 0x63
}

/// U-type with the 20-bit upper immediate.
pub fn u_type(imm20: u32, rd: u32, opcode: u32) -> u32 {
    (imm20 & 0xfffff) << 12 | rd << 7 | opcode
}

/// J-type with a 21-bit signed, even offset.
pub fn j_type(offset: i32, rd: u32) -> u32 {
    let o = offset as u32;
    ((o >> 20) & 1) << 31
        | ((o >> 1) & 0x3ff) << 21
        | ((o >> 11) & 1) << 20
        | ((o >> 12) & 0xff) << 12
        | rd << 7
        | 0x6f
}

macro_rules! r_ops {
    ($($name:ident = ($funct7:expr, $funct3:expr)),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($name), " rd, rs1, rs2`")]
        pub fn $name(rd: u32, rs1: u32, rs2: u32) -> u32 {
            r_type($funct7, rs2, rs1, $funct3, rd, 0x33)
        }
    )*};
}
r_ops! {
    add = (0, 0), sub = (0x20, 0), sll = (0, 1), slt = (0, 2), sltu = (0, 3), xor = (0, 4),
    srl = (0, 5), sra = (0x20, 5), or = (0, 6), and = (0, 7),
    mul = (1, 0), mulh = (1, 1), mulhsu = (1, 2), mulhu = (1, 3),
    div = (1, 4), divu = (1, 5), rem = (1, 6), remu = (1, 7),
}

macro_rules! i_ops {
    ($($name:ident = ($opcode:expr, $funct3:expr)),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($name), " rd, imm(rs1)` / `rd, rs1, imm`")]
        pub fn $name(rd: u32, rs1: u32, imm: i32) -> u32 {
            i_type(imm, rs1, $funct3, rd, $opcode)
        }
    )*};
}
i_ops! {
    addi = (0x13, 0), slti = (0x13, 2), sltiu = (0x13, 3), xori = (0x13, 4), ori = (0x13, 6),
    andi = (0x13, 7), lb = (0x03, 0), lh = (0x03, 1), lw = (0x03, 2), lbu = (0x03, 4),
    lhu = (0x03, 5), jalr = (0x67, 0),
}

/// `slli rd, rs1, shamt`
pub fn slli(rd: u32, rs1: u32, shamt: u32) -> u32 {
    r_type(0, shamt, rs1, 1, rd, 0x13)
}
/// `srli rd, rs1, shamt`
pub fn srli(rd: u32, rs1: u32, shamt: u32) -> u32 {
    r_type(0, shamt, rs1, 5, rd, 0x13)
}
/// `srai rd, rs1, shamt`
pub fn srai(rd: u32, rs1: u32, shamt: u32) -> u32 {
    r_type(0x20, shamt, rs1, 5, rd, 0x13)
}

macro_rules! store_ops {
    ($($name:ident = $funct3:expr),*) => {$(
        #[doc = concat!("`", stringify!($name), " rs2, imm(rs1)`")]
        pub fn $name(rs2: u32, rs1: u32, imm: i32) -> u32 {
            s_type(imm, rs2, rs1, $funct3, 0x23)
        }
    )*};
}
store_ops!(sb = 0, sh = 1, sw = 2);

macro_rules! branch_ops {
    ($($name:ident = $funct3:expr),*) => {$(
        #[doc = concat!("`", stringify!($name), " rs1, rs2, offset`")]
        pub fn $name(rs1: u32, rs2: u32, offset: i32) -> u32 {
            b_type(offset, rs2, rs1, $funct3)
        }
    )*};
}
branch_ops!(beq = 0, bne = 1, blt = 4, bge = 5, bltu = 6, bgeu = 7);

/// `lui rd, imm20`
pub fn lui(rd: u32, imm20: u32) -> u32 {
    u_type(imm20, rd, 0x37)
}
/// `auipc rd, imm20`
pub fn auipc(rd: u32, imm20: u32) -> u32 {
    u_type(imm20, rd, 0x17)
}
/// `jal rd, offset`
pub fn jal(rd: u32, offset: i32) -> u32 {
    j_type(offset, rd)
}

/// An executable from instruction words placed at `base` (which is also the entry point). The
/// words are also initial memory, as they would be when loaded from an ELF.
pub fn exe_from_words<F: PrimeField32>(
    base: u32,
    words: &[u32],
) -> Result<VmExe<F>, TranspileError> {
    Transpiler::default()
        .with_extension(Rv32ImTranspiler)
        .exe_from_words(base, words)
}
