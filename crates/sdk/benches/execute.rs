//! Pure-execution speed in MHz (guest instructions per second) on the bundled fibonacci and sort
//! guests, metered execution (segment planning: the same handlers plus per-AIR row counts) on
//! the same runs, and qemu-riscv32 (a JIT, not an interpreter) timed on the same ELFs and inputs
//! in the same run for comparison.
//!
//! Run: `cargo bench -p tessera-sdk --bench execute` (add `-- --quick` for smaller inputs).

use std::{
    io::Write,
    path::PathBuf,
    process::{Command, Stdio},
    time::Instant,
};

use tessera_sdk::Sdk;

const REPEATS: usize = 3;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cases: [(&str, u32); 3] = if quick {
        [
            ("c-fibonacci", 1_000_000),
            ("c-sort", 20_000),
            ("rust-fibonacci", 100_000),
        ]
    } else {
        [
            ("c-fibonacci", 100_000_000),
            ("c-sort", 1 << 20),
            ("rust-fibonacci", 1_000_000),
        ]
    };
    let sdk = Sdk::default();
    println!(
        "{:<16} {:>12} {:>14} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "guest", "n", "instructions", "load ms", "seconds", "MHz", "metered MHz", "qemu MHz"
    );
    for (name, n) in cases {
        let elf = root.join(format!("examples/elf/{name}.elf"));
        let input = n.to_le_bytes().to_vec();
        let start = Instant::now();
        let exe = sdk.load_elf_file(&elf).expect("example loads");
        let load_ms = start.elapsed().as_secs_f64() * 1e3;
        let mut best = f64::MAX;
        let mut instret = 0;
        for _ in 0..REPEATS {
            let report = sdk
                .execute(&exe, input.clone(), None)
                .expect("example runs");
            assert_eq!(
                report.exit_code,
                0,
                "{name} failed: {}",
                String::from_utf8_lossy(&report.output.stderr)
            );
            best = best.min(report.seconds);
            instret = report.instret;
        }
        let mhz = instret as f64 / best / 1e6;
        // Metered execution (segment planning) of the same run, best of the repeats.
        let metered = (0..REPEATS)
            .map(|_| {
                sdk.meter(&exe, input.clone(), &tessera_sdk::ProveOptions::default())
                    .expect("meters")
                    .mhz
            })
            .fold(0.0, f64::max);
        let qemu = time_qemu(&elf, &input).map(|s| instret as f64 / s / 1e6);
        println!(
            "{name:<16} {n:>12} {instret:>14} {load_ms:>10.2} {best:>10.3} {mhz:>10.1} {metered:>12.1} {:>12}",
            match qemu {
                Some(q) => format!("{q:.1} ({:.2}x)", mhz / q),
                None => "n/a".into(),
            }
        );
    }
}

/// Best wall time of qemu-riscv32 over a few runs (process start included), or None without qemu.
fn time_qemu(elf: &PathBuf, input: &[u8]) -> Option<f64> {
    let mut best = f64::MAX;
    for _ in 0..REPEATS {
        let start = Instant::now();
        let mut child = Command::new("qemu-riscv32")
            .arg(elf)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        child.stdin.take()?.write_all(input).ok()?;
        let status = child.wait().ok()?;
        if !status.success() {
            return None;
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    Some(best)
}
