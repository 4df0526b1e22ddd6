//! Ordinary RV32IM ELFs, as stock toolchains emit them: `.rodata` in the code segment, the RVC
//! flag without a compressed instruction, padding and data words in `.text`. A word that is not
//! an instruction is a fault when it is executed (naming the pc, the word and why), never when
//! it is loaded, stays readable as data, and a run that reaches it cannot be proven.
//!
//! The hello world test needs `riscv64-unknown-elf-gcc` and `qemu-riscv32` (it says `skipped`
//! without them, and fails with `TESSERA_REQUIRE_TOOLS=1`) and proves with the 100-bit
//! parameters; the rest use ELFs written by `tessera_test_utils::elf_from_code`.

use std::{process::Command, sync::Arc};

use tessera_arch::{elf::Elf, ExecutionError, IllegalReason, VmExe, VmRunError};
use tessera_rv32im::encode::*;
use tessera_sdk::{KeyStore, ProveOptions, Sdk, SdkError, F};
use tessera_system::vm::{PreflightError, VirtualMachineError};
use tessera_test_utils::{elf_from_code, Tools, EF_RISCV_RVC};

const BASE: u32 = 0x1_0000;
const COMPRESSED: u32 = 0x4501_4501; // two `c.li a0, 0`
const RDCYCLE: u32 = 0xc000_2573; // csrrs a0, cycle, x0
const ZERO: u32 = 0;

fn bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn load(code: &[u8], flags: u32) -> Arc<VmExe<F>> {
    Sdk::default()
        .load_elf(&elf_from_code(BASE, code, flags))
        .expect("loads")
}

fn run(exe: &Arc<VmExe<F>>) -> Result<u32, SdkError> {
    Sdk::default()
        .execute(exe, vec![], Some(10_000))
        .map(|r| r.exit_code)
}

/// `exit(word at the end of the program)`, with `word` after the code: loaded as data, never
/// executed.
fn exits_with_the_word_after_it(word: u32) -> Vec<u32> {
    vec![auipc(5, 0), lw(10, 5, 16), addi(17, 0, 93), ECALL, word]
}

#[test]
fn words_that_are_not_instructions_run_as_data_and_fault_only_when_executed() {
    let cases = [
        (COMPRESSED, IllegalReason::Compressed, "-march=rv32im"),
        (ZERO, IllegalReason::Unknown, "data or padding"),
        (
            RDCYCLE,
            IllegalReason::Unsupported(
                "CSR instruction (csrrw/csrrs/csrrc and immediate forms)".into(),
            ),
            "no CSRs",
        ),
        (
            0x0000_100f,
            IllegalReason::Unsupported("fence.i".into()),
            "fence.i",
        ),
    ];
    for (word, reason, hint) in cases {
        // Never executed: the program runs, and reads the word as data.
        for flags in [0, EF_RISCV_RVC] {
            let exe = load(&bytes(&exits_with_the_word_after_it(word)), flags);
            assert_eq!(exe.program.illegal[&(BASE + 16)].reason, reason);
            assert_eq!(run(&exe).unwrap(), word, "{word:#x}");
        }
        // Executed: a fault naming the pc, the word and why.
        let exe = load(&bytes(&[addi(10, 0, 1), word, addi(17, 0, 93), ECALL]), 0);
        let error = run(&exe).unwrap_err();
        match &error {
            SdkError::Run(VmRunError::Execution(ExecutionError::IllegalInstruction {
                pc,
                word: found,
                reason: why,
                ..
            })) => assert_eq!((*pc, *found, why), (BASE + 4, word, &reason)),
            other => panic!("{other:?}"),
        }
        let message = error.to_string();
        for needle in [
            "illegal instruction at pc 0x00010004".to_string(),
            format!("{word:#010x}"),
            hint.to_string(),
        ] {
            assert!(message.contains(&needle), "{needle:?} not in {message}");
        }
    }
}

#[test]
fn the_rvc_flag_alone_is_no_error() {
    let exe = load(
        &bytes(&[addi(10, 0, 3), addi(17, 0, 93), ECALL]),
        EF_RISCV_RVC,
    );
    assert!(exe.program.illegal.is_empty());
    assert_eq!(run(&exe).unwrap(), 3);
}

#[test]
fn a_segment_ending_inside_a_word_runs_until_that_word_executes() {
    let mut code = bytes(&[addi(10, 0, 4), addi(17, 0, 93), ECALL]);
    code.extend([0x01, 0x45]); // half a word: `c.li a0, 0`
    let exe = load(&code, 0);
    assert_eq!(
        exe.program.illegal[&(BASE + 12)].reason,
        IllegalReason::PartialWord { bytes: 2 }
    );
    assert_eq!(run(&exe).unwrap(), 4);

    let mut code = bytes(&[jal(0, 4)]);
    code.extend([0x01, 0x45, 0x00]);
    let error = run(&load(&code, 0)).unwrap_err().to_string();
    assert!(
        error.contains("illegal instruction at pc 0x00010004")
            && error.contains("3 of its 4 bytes"),
        "{error}"
    );
}

/// A run that reaches an illegal word cannot be proven: the SDK reports the fault, the prover
/// refuses it in preflight, and its row of the program table is all zero, so no instruction
/// AIR can look it up.
#[test]
fn a_run_that_reaches_an_illegal_word_cannot_be_proven() {
    let sdk = Sdk::default().insecure_for_tests();
    let exe = load(&bytes(&[addi(10, 0, 1), ZERO, addi(17, 0, 93), ECALL]), 0);
    let error = sdk
        .prove(&exe, vec![], ProveOptions::default())
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(
            error,
            SdkError::Run(VmRunError::Execution(
                ExecutionError::IllegalInstruction { .. }
            ))
        ),
        "{error}"
    );
    let prover = sdk.segment_prover(&exe, 16).unwrap();
    let start = tessera_sdk::SegmentStart::initial(&exe);
    let error = prover
        .prove_segment(start, &tessera_sdk::GuestInput::default(), 10)
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(
            error,
            VirtualMachineError::Preflight(PreflightError::IllegalInstruction { pc, .. })
                if pc == BASE + 4
        ),
        "{error}"
    );
    let table = tessera_system::program::program_trace(&exe.program);
    assert!(table.values[9..18].iter().all(|v| *v == F::default()));
}

/// A C hello world built with the stock toolchain and its default linker script, which puts
/// the string in the same R+X segment as the code.
#[test]
fn hello_world_with_the_default_linker_script_runs_proves_and_verifies() {
    let Some(tools) = Tools::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("h.c");
    std::fs::write(
        &source,
        r#"
static const char message[] = "hello, world\n";

static long syscall3(long n, long a, long b, long c) {
    register long a0 asm("a0") = a;
    register long a1 asm("a1") = b;
    register long a2 asm("a2") = c;
    register long a7 asm("a7") = n;
    asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

void _start(void) {
    syscall3(64, 1, (long)message, sizeof message - 1);
    syscall3(93, 0, 0, 0);
    for (;;) {}
}
"#,
    )
    .unwrap();
    let elf = dir.path().join("h.elf");
    let output = Command::new(&tools.gcc)
        .args([
            "-march=rv32im",
            "-mabi=ilp32",
            "-static",
            "-nostdlib",
            "-O2",
        ])
        .arg(&source)
        .arg("-o")
        .arg(&elf)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&elf).unwrap();
    // The premise: the string is in the executable segment.
    let parsed = Elf::parse(&bytes, 1 << 29).unwrap();
    assert!(parsed
        .segments
        .iter()
        .any(|s| s.executable && s.data.windows(5).any(|w| w == b"hello")));

    let qemu = tools.run_qemu(&elf, &[], dir.path()).unwrap();
    assert_eq!(qemu.stdout, b"hello, world\n");
    let sdk = Sdk::default().with_key_store(KeyStore::at(dir.path().join("keys")));
    let exe = sdk.load_elf_file(&elf).unwrap();
    let report = sdk.execute(&exe, vec![], None).unwrap();
    assert_eq!(report.output.stdout, qemu.stdout);
    assert_eq!(report.exit_code, qemu.exit_code as u32);
    let (file, proven) = sdk.prove(&exe, vec![], ProveOptions::default()).unwrap();
    assert_eq!(proven.output.stdout, qemu.stdout);
    assert_eq!(sdk.verify(&exe, &file).unwrap().exit_code, 0);
}
