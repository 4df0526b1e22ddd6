//! A small Zbb encoder, for tests and examples that build programs without an assembler (the
//! RV32IM instructions are in `tessera_rv32im::encode`). Registers are numbers `0..32`.

use p3_field::PrimeField32;
use tessera_arch::{TranspileError, VmExe, VmExecutionConfig};
use tessera_rv32im::encode::r_type;

const OP: u32 = 0x33;
const OP_IMM: u32 = 0x13;

macro_rules! register_form {
    ($($(#[$meta:meta])* $name:ident = ($funct7:literal, $funct3:literal);)*) => {$(
        $(#[$meta])*
        pub fn $name(rd: u32, rs1: u32, rs2: u32) -> u32 {
            r_type($funct7, rs2, rs1, $funct3, rd, OP)
        }
    )*};
}

register_form! {
    /// `andn rd, rs1, rs2`.
    andn = (0x20, 7);
    /// `orn rd, rs1, rs2`.
    orn = (0x20, 6);
    /// `xnor rd, rs1, rs2`.
    xnor = (0x20, 4);
    /// `min rd, rs1, rs2`.
    min = (0x05, 4);
    /// `minu rd, rs1, rs2`.
    minu = (0x05, 5);
    /// `max rd, rs1, rs2`.
    max = (0x05, 6);
    /// `maxu rd, rs1, rs2`.
    maxu = (0x05, 7);
    /// `rol rd, rs1, rs2`.
    rol = (0x30, 1);
    /// `ror rd, rs1, rs2`.
    ror = (0x30, 5);
}

macro_rules! one_operand {
    ($($(#[$meta:meta])* $name:ident = ($imm12:literal, $funct3:literal);)*) => {$(
        $(#[$meta])*
        pub fn $name(rd: u32, rs1: u32) -> u32 {
            $imm12 << 20 | rs1 << 15 | $funct3 << 12 | rd << 7 | OP_IMM
        }
    )*};
}

one_operand! {
    /// `clz rd, rs1`.
    clz = (0x600, 1);
    /// `ctz rd, rs1`.
    ctz = (0x601, 1);
    /// `cpop rd, rs1`.
    cpop = (0x602, 1);
    /// `sext.b rd, rs1`.
    sext_b = (0x604, 1);
    /// `sext.h rd, rs1`.
    sext_h = (0x605, 1);
    /// `orc.b rd, rs1`.
    orc_b = (0x287, 5);
    /// `rev8 rd, rs1` (RV32).
    rev8 = (0x698, 5);
}

/// `zext.h rd, rs1` (RV32: OP with `funct7 = 0x04`, `rs2 = 0`).
pub fn zext_h(rd: u32, rs1: u32) -> u32 {
    r_type(0x04, 0, rs1, 4, rd, OP)
}

/// `rori rd, rs1, shamt` (`shamt < 32`).
pub fn rori(rd: u32, rs1: u32, shamt: u32) -> u32 {
    assert!(shamt < 32, "rori shamt {shamt} does not fit 5 bits");
    r_type(0x30, shamt, rs1, 5, rd, OP_IMM)
}

/// An executable from instruction words placed at `base` (also the entry point), transpiled by
/// `config`'s transpiler (RV32IM and Zbb words for `["rv32im", "zbb"]`). The words are also
/// initial memory, as they would be when loaded from an ELF.
pub fn exe_from_words<F: PrimeField32>(
    config: &impl VmExecutionConfig<F>,
    base: u32,
    words: &[u32],
) -> Result<VmExe<F>, TranspileError> {
    config.create_transpiler().exe_from_words(base, words)
}
