//! `cargo tessera prove`'s progress bars and report: the bars appear on a terminal (a
//! pseudo-terminal made by util-linux's `script`), never when stderr is a pipe, with `--json`
//! or with `--quiet`; `-v` shows the machine's tracing spans; the final report has the time per
//! phase, peak memory and the main cells of every AIR, which add up to the run's main cells.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cargo-tessera")
}

fn example() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/elf/c-fibonacci.elf")
        .display()
        .to_string()
}

/// One key cache for every test of this file (keys are generated once).
fn keys() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// `cargo-tessera prove c-fibonacci.elf` with `args`, stderr piped; returns (stdout, stderr).
fn prove_piped(args: &[&str]) -> (String, String) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(bin())
        .env("TESSERA_KEY_DIR", keys())
        .args(["prove", &example(), "--out"])
        .arg(out.path().join("p.proof"))
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The same on a pseudo-terminal; returns everything the terminal showed, or `None` without
/// `script`.
fn prove_on_terminal(args: &[&str]) -> Option<String> {
    if !Path::new("/usr/bin/script").is_file() {
        eprintln!("skipped: util-linux's `script` (a pseudo-terminal) is missing");
        return None;
    }
    let out = tempfile::tempdir().unwrap();
    let command = format!(
        "{} prove {} --out {} {}",
        bin(),
        example(),
        out.path().join("p.proof").display(),
        args.join(" ")
    );
    let output = Command::new("/usr/bin/script")
        .env("TESSERA_KEY_DIR", keys())
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

const BAR: &str = "instructions (ETA";

#[test]
fn progress_shows_on_a_terminal_only() {
    let Some(terminal) = prove_on_terminal(&[]) else {
        return;
    };
    assert!(terminal.contains("proving segment 1/1"), "{terminal}");
    assert!(terminal.contains(BAR), "{terminal}");
    let (_, piped) = prove_piped(&[]);
    assert!(!piped.contains(BAR) && !piped.contains('\u{1b}'), "{piped}");
    let quiet = prove_on_terminal(&["--quiet"]).unwrap();
    assert!(!quiet.contains(BAR), "{quiet}");
    let json = prove_on_terminal(&["--json"]).unwrap();
    assert!(!json.contains(BAR), "{json}");
}

#[test]
fn verbose_shows_the_machines_spans() {
    let (_, stderr) = prove_piped(&["-v"]);
    for span in ["execute_preflight", "generate_traces"] {
        assert!(stderr.contains(span), "{span} missing: {stderr}");
    }
    let (_, quiet) = prove_piped(&[]);
    assert!(!quiet.contains("execute_preflight"), "{quiet}");
}

#[test]
fn the_report_breaks_the_proof_down() {
    let (_, stderr) = prove_piped(&[]);
    for line in [
        "phases:",
        "peak memory:",
        "main cells per AIR",
        "BaseAluAir",
    ] {
        assert!(stderr.contains(line), "{line:?} missing: {stderr}");
    }
    let (stdout, _) = prove_piped(&["--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let airs = report["air_cells"].as_array().unwrap();
    let cells: Vec<u64> = airs.iter().map(|a| a["cells"].as_u64().unwrap()).collect();
    assert!(cells.windows(2).all(|w| w[0] >= w[1]), "{cells:?}");
    assert_eq!(
        cells.iter().sum::<u64>(),
        report["main_cells"].as_u64().unwrap()
    );
    let phases: f64 = ["preflight_seconds", "traces_seconds", "stark_seconds"]
        .iter()
        .map(|k| report[k].as_f64().unwrap())
        .sum();
    let prove = report["prove_seconds"].as_f64().unwrap();
    assert!(phases > 0.0 && phases <= prove, "{phases} of {prove}");
    assert!(report["peak_memory_bytes"].as_u64().unwrap() > 1 << 20);
}

/// `command` (arguments of cargo-tessera) on a pseudo-terminal with its own key cache; returns
/// what the terminal showed, or `None` without `script`.
fn on_terminal(command: &str, keys: &Path) -> Option<String> {
    if !Path::new("/usr/bin/script").is_file() {
        eprintln!("skipped: util-linux's `script` (a pseudo-terminal) is missing");
        return None;
    }
    let output = Command::new("/usr/bin/script")
        .env("TESSERA_KEY_DIR", keys)
        .args([
            "-q",
            "-e",
            "-c",
            &format!("{} {command}", bin()),
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `keygen` (seconds of work) shows a spinner on a terminal, and not with `--json`.
#[test]
fn keygen_shows_a_spinner_on_a_terminal() {
    let keys = tempfile::tempdir().unwrap();
    let Some(terminal) = on_terminal("keygen --log-stacked-height 16", keys.path()) else {
        return;
    };
    assert!(
        terminal.contains("generating the keys for stacked height 2^16"),
        "{terminal}"
    );
    let keys = tempfile::tempdir().unwrap();
    let json = on_terminal("keygen --log-stacked-height 16 --json", keys.path()).unwrap();
    assert!(!json.contains("generating the keys"), "{json}");
}
