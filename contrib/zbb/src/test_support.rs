//! Test support on the kit's segment harness (`tessera_system::kit::testing`): whole segments
//! of RV32IM + Zbb programs through the machine (`["rv32im", "zbb"]`, toy parameters), the Zbb
//! traces of a segment by AIR, and the checker that says WHAT rejects a (tampered) segment
//! ([`rejections`](tessera_system::kit::testing::rejections): the negative tests assert that a Zbb AIR's constraints or its messages on
//! a bus other than memory object, since any change of a result byte unbalances the memory
//! bus whether or not the AIR checks anything).

use std::sync::Arc;

use tessera_arch::{SystemConfig, VmExe};
use tessera_system::{
    kit::testing::{TestMachine, TestSegment},
    registry::VmConfig,
    F,
};

use crate::ZbbAir;

/// Where test programs start.
pub const BASE: u32 = 0x1000;

/// `["rv32im", "zbb"]` with the default system.
pub fn config() -> VmConfig {
    VmConfig::new(SystemConfig::default(), ["rv32im", "zbb"]).expect("zbb is registered")
}

/// `lui` + `addi` that load `value` into `rd`.
pub fn li(rd: u32, value: u32) -> [u32; 2] {
    use tessera_rv32im::encode::{addi, lui};
    let hi = value.wrapping_add(0x800) >> 12;
    let lo = value.wrapping_sub(hi << 12) as i32;
    [lui(rd, hi), addi(rd, rd, lo)]
}

/// The executable of `words` at [`BASE`] under [`config`].
pub fn exe(words: &[u32]) -> Arc<VmExe<F>> {
    Arc::new(crate::encode::exe_from_words(&config(), BASE, words).expect("transpiles"))
}

/// The `["rv32im", "zbb"]` machine with toy parameters and its keys, shared by the tests of a
/// process (keygen takes seconds).
pub fn machine() -> &'static TestMachine<VmConfig> {
    static MACHINE: std::sync::OnceLock<TestMachine<VmConfig>> = std::sync::OnceLock::new();
    MACHINE.get_or_init(|| TestMachine::new(config()))
}

/// A run of a program in one segment, with its traces (the kit's segment harness).
pub type Segment = TestSegment<'static, VmConfig>;

/// Runs `words` (which must exit) in one segment and generates its traces.
pub fn segment(words: &[u32]) -> Segment {
    machine().segment_of(exe(words), &tessera_arch::GuestInput::default())
}

/// The kit finds a Zbb AIR's rows by the name the proof system gives it.
impl AsRef<str> for ZbbAir {
    fn as_ref(&self) -> &str {
        self.name()
    }
}

/// Every Zbb instruction on edge values: in each AIR the first rows are one per opcode (the
/// column mutation checker changes the first rows), then the edge cases: counts of 0, -1, 1
/// and `INT_MIN`; sign extensions of negative and positive bytes and halfwords; `orc.b` of
/// zero, mixed and full words; comparisons of `INT_MIN`, -1, 0, `INT_MAX` and equal operands;
/// rotations by 0, 31, 32, 33 and -1 (register) and 0, 1, 16, 31 (immediate); `rd == rs1`
/// aliasing; a write to x0. Exits with `cpop(0x12345678) = 13`.
pub fn every_instruction() -> Vec<u32> {
    use crate::encode::*;
    use tessera_rv32im::encode::{addi, ECALL};
    let mut words = Vec::new();
    for (rd, value) in [
        (5, 0x8000_0000),
        (6, 0xffff_ffff),
        (7, 0x7fff_ffff),
        (8, 0x1234_5678),
        (9, 0x00ff_0080),
        (10, 1),
        (11, 33),
        (12, 32),
        (13, 31),
        (14, 0x0000_8000),
    ] {
        words.extend(li(rd, value));
    }
    words.extend([
        // One of each one-operand instruction, then the edge cases.
        clz(15, 8),
        ctz(16, 9),
        cpop(17, 8),
        sext_b(18, 9),
        sext_h(19, 14),
        zext_h(20, 6),
        orc_b(21, 9),
        rev8(22, 8),
        clz(23, 0),
        ctz(24, 0),
        clz(25, 6),
        ctz(26, 5),
        clz(27, 5),
        clz(28, 10),
        cpop(29, 6),
        cpop(30, 0),
        sext_b(31, 8),
        sext_h(15, 8),
        orc_b(16, 0),
        orc_b(17, 6),
        rev8(18, 18),
        clz(0, 8), // a NOP
        // Logic.
        andn(15, 8, 9),
        orn(16, 8, 9),
        xnor(17, 8, 9),
        andn(18, 6, 6),
        orn(19, 0, 0),
        xnor(20, 5, 7),
        andn(21, 21, 21),
        // Min/max.
        min(15, 5, 6),
        max(16, 5, 6),
        minu(17, 5, 6),
        maxu(18, 5, 6),
        min(19, 6, 0),
        max(20, 6, 0),
        minu(21, 6, 0),
        maxu(22, 6, 0),
        min(23, 8, 8),
        max(24, 7, 5),
        minu(25, 7, 5),
        max(26, 0, 0),
        min(27, 9, 8),
        min(28, 10, 0),
        // Rotations by a register: 0, 31, 32, 33, -1.
        rol(15, 8, 0),
        ror(16, 8, 13),
        rol(17, 8, 13),
        rol(18, 8, 12),
        rol(19, 8, 11),
        rol(20, 8, 6),
        ror(21, 8, 0),
        ror(22, 8, 12),
        ror(23, 8, 11),
        ror(24, 8, 6),
        ror(25, 5, 10),
        // Rotations by an immediate.
        rori(26, 8, 0),
        rori(27, 8, 1),
        rori(28, 8, 31),
        rori(29, 8, 16),
        rori(29, 29, 8),
        cpop(10, 8),
        addi(17, 0, 93),
        ECALL,
    ]);
    words
}
