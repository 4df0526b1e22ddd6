//! The profiler: cycle-tracker regions and call stacks (`Sdk::profile`, `cargo tessera run
//! --profile` and `--profile-out`). Execution only, no proofs (the proof of a guest with
//! markers is in `examples_prove.rs`).

use std::{path::PathBuf, process::Command};

use tessera_sdk::{stack_effect, ProfileWeight, Sdk, StackEffect};
use tessera_test_utils::Tools;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/elf")
        .join(format!("{name}.elf"))
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-tessera"))
}

fn folded_total(folded: &str) -> u64 {
    folded
        .lines()
        .map(|line| {
            let (_, weight) = line.rsplit_once(' ').expect("`stack weight`");
            weight.parse::<u64>().expect("a weight")
        })
        .sum()
}

#[test]
fn regions_and_stacks_add_up_to_the_run() {
    let sdk = Sdk::default();
    let exe = sdk.load_elf_file(example("c-profile")).unwrap();
    let input = 2000u32.to_le_bytes().to_vec();
    let executed = sdk.execute(&exe, input.clone(), None).unwrap();
    let profile = sdk.profile(&exe, input.clone(), None).unwrap();
    assert_eq!(profile.exit_code, 0);
    assert_eq!(profile.output, executed.output);
    assert_eq!(profile.total.instructions, executed.instret);
    assert!(
        profile.marker_errors.is_empty(),
        "{:?}",
        profile.marker_errors
    );

    // The tree of regions, depth first.
    let tree: Vec<(usize, &str, u64)> = profile
        .regions
        .iter()
        .map(|r| (r.depth, r.name.as_str(), r.entries))
        .collect();
    assert_eq!(
        tree,
        [
            (0, "generate", 1),
            (0, "sort", 1),
            (0, "check", 1),
            (1, "order", 1),
            (1, "hash", 1),
            (0, "fib", 1)
        ]
    );
    let region = |name: &str| profile.regions.iter().find(|r| r.name == name).unwrap();
    // The top-level regions and what ran outside them are the run.
    let mut sum = profile.outside_regions;
    for r in profile.regions.iter().filter(|r| r.depth == 0) {
        sum += r.total;
    }
    assert_eq!(sum, profile.total);
    // Nested regions are inside their parent, which has a little more (the calls of the
    // inner markers, about 20 instructions each).
    let (check, order, hash) = (region("check"), region("order"), region("hash"));
    let inner = order.total.instructions + hash.total.instructions;
    assert!(inner < check.total.instructions && check.total.instructions < inner + 200);
    // fib(20) makes 21891 calls of about 10 instructions.
    assert!((150_000..300_000).contains(&region("fib").total.instructions));

    // The call stacks: weights add up to the run, by instructions and by cells.
    let by_instructions = profile.folded(ProfileWeight::Instructions);
    assert_eq!(folded_total(&by_instructions), executed.instret);
    assert_eq!(
        folded_total(&profile.folded(ProfileWeight::Cells)),
        profile.total.cells
    );
    // Calls nest: heapsort calls sift_down, fib recurses.
    assert!(by_instructions.contains("\n_start;main;heapsort;sift_down "));
    assert!(by_instructions.contains(";fib;fib;fib;fib "));
    let function = |name: &str| profile.functions.iter().find(|f| f.name == name).unwrap();
    assert_eq!(profile.functions[0].name, "sift_down");
    assert_eq!(function("_start").total, profile.total);
    assert!(function("heapsort").total.instructions > function("sift_down").total.instructions);

    // Cells: the instruction AIRs' cells of the run are all charged, and at most the memory
    // tables' cells on top (less the registers', which no instruction is charged for).
    let cost = sdk.cost(&exe, input, None).unwrap();
    let cells = profile.total.cells;
    assert!(cost.main_cells < cells && cells < cost.main_cells + cost.memory_cells);
}

#[test]
fn the_profiled_elf_runs_the_same_under_qemu() {
    let Some(tools) = Tools::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = 500u32.to_le_bytes();
    let qemu = tools
        .run_qemu(&example("c-profile"), &input, dir.path())
        .unwrap();
    let sdk = Sdk::default();
    let exe = sdk.load_elf_file(example("c-profile")).unwrap();
    let vm = sdk.execute(&exe, input.to_vec(), None).unwrap();
    assert_eq!(qemu.exit_code, 0);
    assert_eq!(qemu.stdout, vm.output.stdout);
    assert_eq!(qemu.public_output, vm.output.public_output);
}

/// Markers that do not nest are reported, and a region left open is closed at the end.
#[test]
fn unmatched_markers_are_reported() {
    let Some(tools) = Tools::find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = r#"
        .section .rodata
    outer: .ascii "outer"
    inner: .ascii "inner"
        .text
        .globl _start
    _start:
        li a7, 64
        li a0, 0x7d01
        la a1, inner
        li a2, 5
        ecall              # end of "inner": nothing is open
        li a0, 0x7d00
        la a1, outer
        ecall              # start "outer"
        li a0, 0x7d00
        la a1, inner
        ecall              # start "inner"
        li a0, 0x7d01
        la a1, outer
        ecall              # end of "outer" while "inner" is innermost
        li a0, 0x7d01
        la a1, inner
        ecall              # end "inner"
        li a0, 0
        li a7, 93
        ecall              # exit with "outer" open
    "#;
    let elf = tools.assemble(source, dir.path(), "markers").unwrap();
    let sdk = Sdk::default();
    let exe = sdk.load_elf_file(&elf).unwrap();
    let profile = sdk.profile(&exe, Vec::new(), None).unwrap();
    assert_eq!(
        profile.marker_errors.len(),
        3,
        "{:?}",
        profile.marker_errors
    );
    assert!(profile.marker_errors[0].contains("\"inner\" with no region open"));
    assert!(profile.marker_errors[1].contains("\"outer\" while \"inner\""));
    assert!(profile.marker_errors[2].contains("\"outer\" was still open"));
    let names: Vec<(usize, &str)> = profile
        .regions
        .iter()
        .map(|r| (r.depth, r.name.as_str()))
        .collect();
    assert_eq!(names, [(0, "outer"), (1, "inner")]);
    // "outer" runs from its start marker (the 12th instruction: `li a0, 0x7d01` and `la` are
    // two each) to the end.
    assert_eq!(
        profile.regions[0].total.instructions,
        profile.total.instructions - 11
    );
    // The markers ran as host writes: each returned its length in a0 under the VM.
    let qemu = tools.run_qemu(&elf, &[], dir.path()).unwrap();
    assert_eq!(qemu.exit_code, 0);
}

#[test]
fn calls_and_returns_follow_the_return_address_convention() {
    // jal ra, +8 / jal x0, +8 / jal t0, +8
    assert_eq!(stack_effect(0x008000ef), StackEffect::Call);
    assert_eq!(stack_effect(0x0080006f), StackEffect::None);
    assert_eq!(stack_effect(0x008002ef), StackEffect::Call);
    // jalr x0, 0(ra) (ret) / jalr ra, 0(a5) / jalr x0, 0(a5) (a jump through a register)
    assert_eq!(stack_effect(0x00008067), StackEffect::Return);
    assert_eq!(stack_effect(0x000780e7), StackEffect::Call);
    assert_eq!(stack_effect(0x00078067), StackEffect::None);
    // jalr ra, 0(t0): return and call; jalr ra, 0(ra): a call (the same link register)
    assert_eq!(stack_effect(0x000280e7), StackEffect::ReturnAndCall);
    assert_eq!(stack_effect(0x000080e7), StackEffect::Call);
    // Not a jump: add ra, ra, ra; a jalr with funct3 != 0 is not a jalr.
    assert_eq!(stack_effect(0x001080b3), StackEffect::None);
    assert_eq!(stack_effect(0x00009067), StackEffect::None);
}

#[test]
fn run_profile_prints_regions_and_functions() {
    let output = bin()
        .args(["run", "--profile"])
        .arg(example("c-profile"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let report = String::from_utf8_lossy(&output.stderr);
    for line in [
        "sort ",
        "  order ",
        "  hash ",
        "(outside regions)",
        "sift_down ",
    ] {
        assert!(report.contains(line), "{line:?} missing from:\n{report}");
    }
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("n=2000 checksum=0x"));

    let output = bin()
        .args(["run", "--profile", "--json"])
        .arg(example("c-profile"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["regions"][1]["name"], "sort");
    assert_eq!(json["exit_code"], 0);
    assert!(json["total"]["instructions"].as_u64().unwrap() > 600_000);
}

#[test]
fn profile_out_writes_folded_stacks_or_a_flame_graph() {
    let dir = tempfile::tempdir().unwrap();
    let folded = dir.path().join("run.folded");
    let output = bin()
        .args(["run", "--json", "--weight", "cells", "--profile-out"])
        .arg(&folded)
        .arg(example("c-profile"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = std::fs::read_to_string(&folded).unwrap();
    assert_eq!(
        folded_total(&text),
        json["total"]["cells"].as_u64().unwrap()
    );

    let svg = dir.path().join("flame.svg");
    let output = bin()
        .args(["run", "--profile-out"])
        .arg(&svg)
        .arg(example("c-profile"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.contains("<svg") && svg.contains("sift_down"));
    assert!(svg.contains("c-profile.elf (instructions)"));
}

#[test]
fn bad_profile_invocations_are_clear_errors() {
    // An output that cannot be written fails before the run.
    let output = bin()
        .args(["run", "--profile-out", "/nonexistent/dir/p.svg"])
        .arg(example("c-profile"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: cannot write /nonexistent/dir/p.svg"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "the guest must not have run");
    // --weight needs --profile-out; --profile excludes --cost.
    for args in [&["--weight", "cells"][..], &["--profile", "--cost"]] {
        let output = bin()
            .arg("run")
            .args(args)
            .arg(example("c-profile"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
