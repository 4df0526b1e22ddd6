//! The Zbb transpiler against the real assembler: each Zbb instruction assembled by
//! `riscv64-unknown-elf-gcc -march=rv32im_zbb` decodes (through the `["rv32im", "zbb"]`
//! configuration's transpiler, so each word is claimed by exactly one extension) to the
//! expected VM instruction, and the crate's encoder makes the same word. Skipped (with a
//! message) when the toolchain is missing, unless `TESSERA_REQUIRE_TOOLS=1`.

use p3_baby_bear::BabyBear;
use p3_field::PrimeCharacteristicRing;
use tessera_arch::{address_space, load_elf, Instruction, LocalOpcode, SystemConfig};
use tessera_rv32im::NopOpcode;
use tessera_system::registry::VmConfig;
use tessera_test_utils::Tools;
use tessera_zbb::{encode, ZbbLogicOpcode, ZbbMinMaxOpcode, ZbbRotateOpcode, ZbbUnaryOpcode};

type F = BabyBear;

fn register(op: impl LocalOpcode, rd: i64, rs1: i64, rs2: i64) -> Instruction<F> {
    Instruction::new(op.global(), 4 * rd, 4 * rs1, 4 * rs2, 1, 1)
}

fn immediate(op: impl LocalOpcode, rd: i64, rs1: i64, c: u32) -> Instruction<F> {
    let mut inst = Instruction::new(op.global(), 4 * rd, 4 * rs1, c as i64, 1, 0);
    inst.f = F::from_u32(c);
    inst
}

#[test]
fn assembled_instructions_decode_as_expected() {
    use ZbbLogicOpcode::*;
    use ZbbMinMaxOpcode::*;
    use ZbbRotateOpcode::*;
    use ZbbUnaryOpcode::*;
    let Some(tools) = Tools::find() else { return };
    let nop = Instruction::new(NopOpcode::NOP.global(), 0, 0, 0, 0, 0);
    // (assembly, the crate's encoding, the VM instruction)
    let cases: Vec<(&str, u32, Instruction<F>)> = vec![
        (
            "andn x1, x2, x3",
            encode::andn(1, 2, 3),
            register(ANDN, 1, 2, 3),
        ),
        (
            "orn x4, x5, x6",
            encode::orn(4, 5, 6),
            register(ORN, 4, 5, 6),
        ),
        (
            "xnor x31, x30, x29",
            encode::xnor(31, 30, 29),
            register(XNOR, 31, 30, 29),
        ),
        (
            "min x7, x8, x9",
            encode::min(7, 8, 9),
            register(MIN, 7, 8, 9),
        ),
        (
            "max x10, x11, x12",
            encode::max(10, 11, 12),
            register(MAX, 10, 11, 12),
        ),
        (
            "minu x13, x14, x15",
            encode::minu(13, 14, 15),
            register(MINU, 13, 14, 15),
        ),
        (
            "maxu x16, x0, x17",
            encode::maxu(16, 0, 17),
            register(MAXU, 16, 0, 17),
        ),
        (
            "rol x18, x19, x20",
            encode::rol(18, 19, 20),
            register(ROL, 18, 19, 20),
        ),
        (
            "ror x21, x22, x23",
            encode::ror(21, 22, 23),
            register(ROR, 21, 22, 23),
        ),
        (
            "rori x24, x25, 0",
            encode::rori(24, 25, 0),
            immediate(ROR, 24, 25, 0),
        ),
        (
            "rori x24, x25, 1",
            encode::rori(24, 25, 1),
            immediate(ROR, 24, 25, 1),
        ),
        (
            "rori x24, x25, 31",
            encode::rori(24, 25, 31),
            immediate(ROR, 24, 25, 31),
        ),
        ("clz x1, x2", encode::clz(1, 2), immediate(CLZ, 1, 2, 0)),
        ("ctz x3, x4", encode::ctz(3, 4), immediate(CTZ, 3, 4, 0)),
        ("cpop x5, x6", encode::cpop(5, 6), immediate(CPOP, 5, 6, 0)),
        (
            "sext.b x7, x8",
            encode::sext_b(7, 8),
            immediate(SEXT_B, 7, 8, 0),
        ),
        (
            "sext.h x9, x10",
            encode::sext_h(9, 10),
            immediate(SEXT_H, 9, 10, 0),
        ),
        (
            "zext.h x11, x12",
            encode::zext_h(11, 12),
            immediate(ZEXT_H, 11, 12, 0),
        ),
        (
            "orc.b x13, x14",
            encode::orc_b(13, 14),
            immediate(ORC_B, 13, 14, 0),
        ),
        (
            "rev8 x15, x16",
            encode::rev8(15, 16),
            immediate(REV8, 15, 16, 0),
        ),
        (
            "clz x17, x17",
            encode::clz(17, 17),
            immediate(CLZ, 17, 17, 0),
        ),
        // Writes to x0 do nothing.
        ("andn x0, x1, x2", encode::andn(0, 1, 2), nop),
        ("cpop x0, x1", encode::cpop(0, 1), nop),
        ("rori x0, x1, 5", encode::rori(0, 1, 5), nop),
        ("zext.h x0, x1", encode::zext_h(0, 1), nop),
    ];
    let mut source = String::from("    .section .text.init, \"ax\"\n    .globl _start\n_start:\n");
    for (asm, _, _) in &cases {
        source.push_str(&format!("    {asm}\n"));
    }
    source.push_str("    li a7, 93\n    ecall\n");
    let dir = tempfile::tempdir().unwrap();
    let elf = tools
        .assemble_with_march(&source, dir.path(), "zbb", "rv32im_zbb")
        .unwrap();
    let config = VmConfig::new(SystemConfig::default(), ["rv32im", "zbb"]).unwrap();
    let exe = load_elf::<F, _>(&config, &std::fs::read(&elf).unwrap()).expect("loads");
    assert!(exe.program.illegal.is_empty(), "{:?}", exe.program.illegal);
    for (i, (asm, word, expected)) in cases.iter().enumerate() {
        let pc = exe.pc_start + 4 * i as u32;
        let assembled = exe.init_memory[&(address_space::MEMORY, pc)];
        assert_eq!(
            assembled, *word,
            "{asm}: the assembler's word vs the encoder's"
        );
        let decoded = exe.program.get(pc).expect("an instruction");
        assert_eq!(decoded, expected, "{asm}");
    }
    // Under RV32IM alone the same ELF loads, but every Zbb word (writes to x0 included) is an
    // illegal entry: RV32IM does not claim them.
    let rv32im = VmConfig::new(SystemConfig::default(), ["rv32im"]).unwrap();
    let exe = load_elf::<F, _>(&rv32im, &std::fs::read(&elf).unwrap()).expect("loads");
    for (i, (asm, _, _)) in cases.iter().enumerate() {
        let pc = exe.pc_start + 4 * i as u32;
        assert!(exe.program.illegal.contains_key(&pc), "{asm}");
    }
}
