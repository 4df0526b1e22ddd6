//! Differential tests against qemu-riscv32 with Zbb (`-cpu rv32,zbb=true`): a program of
//! every Zbb instruction on edge values, and hundreds of random programs mixing RV32IM and
//! every Zbb instruction, must give the same exit code, stdout and public output on Tessera
//! (`["rv32im", "zbb"]`) and on qemu; one random program is also proven. Skipped (with a
//! message) when the RISC-V toolchain or qemu is missing, unless `TESSERA_REQUIRE_TOOLS=1`.

use std::{path::Path, sync::Arc};

use p3_baby_bear::BabyBear;
use tessera_arch::{load_elf, GuestInput, Streams, SystemConfig, VmExecutor, VmState};
use tessera_system::registry::VmConfig;
use tessera_test_utils::{
    random_program::{random_program_with, RandomOptions},
    QemuRun, Tools,
};

/// Number of random programs (override with TESSERA_DIFF_SEEDS).
const DEFAULT_SEEDS: u64 = 300;
const MARCH: &str = "rv32im_zbb";
const QEMU_CPU: [&str; 2] = ["-cpu", "rv32,zbb=true"];

const ZBB: RandomOptions = RandomOptions {
    extra_r_ops: &[
        "andn", "orn", "xnor", "min", "max", "minu", "maxu", "rol", "ror",
    ],
    extra_unary_ops: &[
        "clz", "ctz", "cpop", "sext.b", "sext.h", "zext.h", "orc.b", "rev8",
    ],
    extra_shift_i_ops: &["rori"],
};

fn config() -> VmConfig {
    // Naming the crate links it, and with it its registration as "zbb".
    let _ = tessera_zbb::Zbb;
    VmConfig::new(SystemConfig::default(), ["rv32im", "zbb"]).unwrap()
}

fn run_tessera(elf: &[u8]) -> VmState {
    let config = config();
    let exe = Arc::new(load_elf::<BabyBear, _>(&config, elf).expect("loads"));
    let executor = VmExecutor::new(config).expect("config");
    executor
        .execute(&exe, Streams::new(b""), Some(1 << 32))
        .unwrap_or_else(|e| panic!("Tessera failed: {e}"))
}

fn assert_agree(what: &str, vm: &VmState, qemu: &QemuRun) {
    let exit_code = vm.exit_code.expect("exited");
    assert_eq!(exit_code & 0xff, qemu.exit_code as u32, "{what}: exit code");
    assert_eq!(vm.host_output.stdout, qemu.stdout, "{what}: stdout");
    assert_eq!(
        vm.memory.public_output(),
        qemu.public_output,
        "{what}: public output"
    );
}

/// Assembles `source`, runs it on qemu and on Tessera and compares; returns the ELF's bytes.
fn check(tools: &Tools, dir: &Path, name: &str, source: &str) -> Vec<u8> {
    let elf = tools
        .assemble_with_march(source, dir, name, MARCH)
        .unwrap_or_else(|e| panic!("{name} does not assemble: {e}"));
    let bytes = std::fs::read(&elf).unwrap();
    let qemu = tools.run_qemu_with_args(&elf, b"", dir, &QEMU_CPU).unwrap();
    assert_agree(name, &run_tessera(&bytes), &qemu);
    bytes
}

/// Every Zbb instruction on every pair of edge values (0, 1, -1, INT_MIN, INT_MAX, 31, 32,
/// 33, 0x80, 0x8000, 0x12345678, 0x00ff0080), with `rori` by 0, 1, 16, 31; the results are
/// written to stdout (and the last few to the public output, fd 3).
#[test]
fn every_instruction_on_edge_values_agrees_with_qemu() {
    let Some(tools) = Tools::find() else { return };
    let values: [i64; 12] = [
        0,
        1,
        -1,
        i32::MIN as i64,
        i32::MAX as i64,
        31,
        32,
        33,
        0x80,
        0x8000,
        0x1234_5678,
        0x00ff_0080,
    ];
    let mut s = String::from(
        "    .section .text.init, \"ax\"\n    .globl _start\n_start:\n    la s0, results\n",
    );
    let mut count = 0;
    let mut store = |s: &mut String| {
        s.push_str("    sw t2, 0(s0)\n    addi s0, s0, 4\n");
        count += 1;
    };
    for &x in &values {
        s.push_str(&format!("    li t0, {x}\n"));
        for op in ZBB.extra_unary_ops {
            s.push_str(&format!("    {op} t2, t0\n"));
            store(&mut s);
        }
        for shamt in [0, 1, 16, 31] {
            s.push_str(&format!("    rori t2, t0, {shamt}\n"));
            store(&mut s);
        }
        for &y in &values {
            s.push_str(&format!("    li t1, {y}\n"));
            for op in ZBB.extra_r_ops {
                s.push_str(&format!("    {op} t2, t0, t1\n"));
                store(&mut s);
            }
        }
    }
    // write(1, results, 4 count); write(3, results, 64); exit(the last result's low byte).
    s.push_str(&format!(
        "    li a0, 1\n    la a1, results\n    li a2, {}\n    li a7, 64\n    ecall\n",
        4 * count
    ));
    s.push_str("    li a0, 3\n    la a1, results\n    li a2, 64\n    li a7, 64\n    ecall\n");
    s.push_str("    lw a0, -4(s0)\n    andi a0, a0, 0xff\n    li a7, 93\n    ecall\n");
    s.push_str(&format!(
        "    .section .data\n    .balign 4\nresults:\n    .space {}\n",
        4 * count
    ));
    let dir = tempfile::tempdir().unwrap();
    check(&tools, dir.path(), "edge-values", &s);
    assert_eq!(count, 12 * (8 + 4 + 12 * 9));
}

#[test]
fn random_programs_with_zbb_agree_with_qemu() {
    let Some(tools) = Tools::find() else { return };
    let seeds: u64 = std::env::var("TESSERA_DIFF_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEEDS);
    let dir = tempfile::tempdir().unwrap();
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let (tools, dir) = (&tools, dir.path());
            scope.spawn(move || {
                for seed in (worker..seeds).step_by(2) {
                    let source = random_program_with(seed, 200, &ZBB);
                    check(tools, dir, &format!("random-zbb-{seed}"), &source);
                }
            });
        }
    });
}

/// A random RV32IM + Zbb program, proven and verified with the whole machine (toy
/// parameters); the proof's exit code is qemu's.
#[test]
fn a_random_program_with_zbb_proves() {
    use openvm_stark_backend::SystemParams;
    use tessera_system::vm::{verify_single, SegmentStart, VirtualMachine};
    let Some(tools) = Tools::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = random_program_with(1, 200, &ZBB);
    let bytes = check(&tools, dir.path(), "random-zbb-proven", &source);
    let config = config();
    let exe = Arc::new(load_elf::<BabyBear, _>(&config, &bytes).unwrap());
    let expected = run_tessera(&bytes).exit_code;
    let vm = VirtualMachine::new(config, SystemParams::new_for_testing(16)).unwrap();
    let keys = vm.keygen().unwrap();
    let program = vm.commit_program(&exe).unwrap();
    let preflight = vm
        .execute_preflight(
            &exe,
            SegmentStart::initial(&exe),
            &GuestInput::default(),
            1 << 20,
        )
        .unwrap();
    let traces = vm.generate_traces(&exe, preflight).unwrap();
    let ctx = vm.generate_proving_ctx(&keys.pk, &program, traces).unwrap();
    let proof = vm.prove(&vm.device_pk(&keys.pk), ctx).unwrap();
    let verified = verify_single(vm.engine(), &keys.vk, &proof).unwrap();
    assert_eq!(verified.exit_code, expected);
}
