//! Proving throughput with the real 100-bit parameters: for each program and size, one fresh
//! process (so peak memory is the case's own) executes, generates keys, proves and verifies,
//! and reports kHz (instructions proven per second), trace cells and bus messages per
//! instruction, keygen time, proof size, verification time and peak memory (VmHWM).
//!
//! Run: `cargo bench -p tessera-sdk --bench prove -- --sizes 16,20 --programs fib-loop,c-fibonacci`
//! (`--quick`: 2^14 only, fib-loop only; for CI smoke runs; `--segment-log 20`: segments of
//! 2^20 instructions instead of the whole run in one segment).
//!
//! Programs: `fib-loop`, a fibonacci loop of 5 instructions per iteration (the competitor's
//! benchmark), and the bundled guests `c-fibonacci` and `c-sort`, whose input is scaled so
//! the run has about 2^size instructions; `sha256-16k` and `sha256-16k-zbb`: `c-sha256` over
//! 16 KiB, compiled for RV32IM and for RV32IM + Zbb (proven under `rv32im + zbb`), whatever
//! the size.

use std::{path::PathBuf, process::Command, sync::Arc, time::Instant};

use tessera_arch::VmExe;
use tessera_rv32im::encode::*;
use tessera_sdk::{KeyStore, ProveOptions, Sdk, VmConfig, F};

/// jemalloc instead of the system allocator: proving allocates and frees large trace buffers,
/// and with jemalloc peak memory is 5-6% lower (fib-loop 2^20 and 2^22, c-sort 1.5 M
/// instructions; 2-core Xeon) and proving 0-6% faster (the gain is within this machine's noise
/// in some pairs of runs). A library does not choose the allocator; a binary does.
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        let segment_log = args[i + 3].parse().expect("segment log");
        run_case(
            &args[i + 1],
            args[i + 2].parse().expect("size"),
            segment_log,
        );
        return;
    }
    let value = |flag: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == flag)
            .map_or(default.to_string(), |i| args[i + 1].clone())
    };
    let quick = args.iter().any(|a| a == "--quick");
    // log2 of the instructions per segment; 0: the whole run in one segment.
    let segment_log = value("--segment-log", "0");
    let sizes = if quick {
        "14".into()
    } else {
        value("--sizes", "16,20")
    };
    let programs = if quick {
        "fib-loop".into()
    } else {
        value("--programs", "fib-loop,c-fibonacci,c-sort")
    };
    println!(
        "{:<14} {:>4} {:>10} {:>4} {:>4} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8}",
        "program",
        "log",
        "instret",
        "segs",
        "lsh",
        "prove s",
        "kHz",
        "main/i",
        "total/i",
        "inter/i",
        "keygen s",
        "proof KB",
        "verify ms",
        "peak MB",
        "exit"
    );
    let me = std::env::current_exe().expect("own path");
    for program in programs.split(',') {
        for size in sizes.split(',') {
            let out = Command::new(&me)
                .args(["--case", program, size, &segment_log])
                .output()
                .expect("runs itself");
            if !out.status.success() {
                println!(
                    "{program:<12} {size:>4} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
}

/// fib-loop: `n` iterations of a 5-instruction loop, then exit(0).
fn fib_loop(n: u32) -> Arc<VmExe<F>> {
    let words = [
        lui(5, n >> 12),
        addi(5, 5, (n & 0xfff) as i32), // counter (n & 0xfff < 2048 keeps ADDI's sign right)
        addi(6, 0, 0),                  // a
        addi(7, 0, 1),                  // b
        add(28, 6, 7),                  // loop: t = a + b
        addi(6, 7, 0),                  // a = b
        addi(7, 28, 0),                 // b = t
        addi(5, 5, -1),                 // n -= 1
        bne(5, 0, -16),                 // back to loop
        addi(10, 0, 0),
        addi(17, 0, 93),
        ECALL,
    ];
    Arc::new(exe_from_words(0x1000, &words).expect("transpiles"))
}

fn run_case(program: &str, size: u32, segment_log: u32) {
    if std::env::var_os("TESSERA_BENCH_TRACE").is_some() {
        openvm_stark_sdk::utils::setup_tracing();
    }
    let target = 1u64 << size;
    let sdk = if program.ends_with("-zbb") {
        let config = VmConfig::from_toml_str("extensions = [\"rv32im\", \"zbb\"]").expect("zbb");
        Sdk::new(config).expect("config")
    } else {
        Sdk::default()
    };
    let key_dir = tempfile::tempdir().expect("temp dir");
    let sdk = sdk.with_key_store(KeyStore::at(key_dir.path()));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (exe, input) = match program {
        "sha256-16k" | "sha256-16k-zbb" => {
            let elf = if program == "sha256-16k" {
                "c-sha256"
            } else {
                "c-sha256-zbb"
            };
            let exe = sdk
                .load_elf_file(root.join(format!("examples/elf/{elf}.elf")))
                .expect("example loads");
            let input = (0..16 * 1024u32).map(|i| (i * 31 + 7) as u8).collect();
            (exe, input)
        }
        "fib-loop" => (
            fib_loop(((target - 6) / 5).min(0x7ff_ffff) as u32 & !0x800),
            vec![],
        ),
        name => {
            let exe = sdk
                .load_elf_file(root.join(format!("examples/elf/{name}.elf")))
                .expect("example loads");
            // instret is affine in n: measure two points and solve for 2^size.
            let instret = |n: u32| {
                sdk.execute(&exe, n.to_le_bytes().to_vec(), None)
                    .expect("runs")
                    .instret as f64
            };
            let (n0, n1) = (100u32, 200u32);
            let (i0, i1) = (instret(n0), instret(n1));
            let slope = (i1 - i0) / (n1 - n0) as f64;
            let n = (n0 as f64 + (target as f64 - i0) / slope).max(1.0) as u32;
            (exe, n.to_le_bytes().to_vec())
        }
    };
    let (file, report) = sdk
        .prove(
            &exe,
            input,
            if segment_log == 0 {
                ProveOptions::one_segment()
            } else {
                ProveOptions {
                    segment_instructions: Some(1 << segment_log),
                    ..ProveOptions::default()
                }
            },
        )
        .expect("proves");
    let start = Instant::now();
    let verified = sdk.verify(&exe, &file).expect("verifies");
    let verify_ms = start.elapsed().as_secs_f64() * 1e3;
    assert_eq!(verified.exit_code, report.exit_code);
    println!(
        "{:<14} {:>4} {:>10} {:>4} {:>4} {:>8.2} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.2} {:>8.0} {:>9.1} {:>8.0} {:>8}",
        program,
        size,
        report.instret,
        report.segments,
        report.log_stacked_height,
        report.seconds,
        report.khz,
        report.main_cells_per_instruction,
        report.total_cells_per_instruction,
        report.interactions_per_instruction,
        report.keygen_seconds,
        report.proof_bytes as f64 / 1024.0,
        verify_ms,
        peak_rss_mb(),
        report.exit_code,
    );
    if std::env::var_os("TESSERA_BENCH_HEIGHTS").is_some() {
        println!(
            "    planning {:.2} s, proving {:.2} s",
            report.plan_seconds, report.prove_seconds
        );
        for (air, rows) in &report.trace_heights {
            println!("    {air:<40} {rows:>9}");
        }
    }
}

/// Peak resident memory of this process in MB (Linux; 0 elsewhere).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
