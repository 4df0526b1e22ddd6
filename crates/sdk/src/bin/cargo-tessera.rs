//! `cargo-tessera`: the Tessera command line (`cargo tessera ...` once installed).

use std::{io::Write, path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use tessera_sdk::{hex, read_file, ExecutionReport, Sdk};

#[derive(Parser)]
#[command(
    name = "cargo-tessera",
    version,
    about = "Run, prove and verify RISC-V programs with Tessera"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Execute an RV32IM ELF and report its exit code, output and speed.
    ///
    /// Exit status: 0 if the guest exited with 0, 1 if it exited with another code,
    /// 2 if the VM could not run it (bad ELF, fault, instruction limit).
    Run {
        /// The guest program (static ELF32 RISC-V, rv32im).
        elf: PathBuf,
        /// File whose bytes are the guest's private input.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Stop with an error after this many instructions.
        #[arg(long)]
        max_instructions: Option<u64>,
        /// Print one JSON object instead of the guest's output and a summary.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    // `cargo tessera run ...` invokes `cargo-tessera tessera run ...`.
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "tessera") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Run {
            elf,
            input,
            max_instructions,
            json,
        } => match run(&elf, input.as_deref(), max_instructions) {
            Ok(report) => {
                if json {
                    println!("{}", serde_json::to_string(&report).expect("serializable"));
                } else {
                    print_human(&report);
                }
                if report.exit_code == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

fn run(
    elf: &std::path::Path,
    input: Option<&std::path::Path>,
    max_instructions: Option<u64>,
) -> anyhow::Result<ExecutionReport> {
    let sdk = Sdk::default();
    let exe = sdk.load_elf_file(elf)?;
    let input = input.map(read_file).transpose()?.unwrap_or_default();
    Ok(sdk.execute(&exe, input, max_instructions)?)
}

fn print_human(report: &ExecutionReport) {
    let _ = std::io::stdout().write_all(&report.stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&report.stderr);
    eprintln!("---");
    eprintln!("exit code:     {}", report.exit_code);
    eprintln!("instructions:  {}", report.instret);
    eprintln!(
        "time:          {:.3} s ({:.1} MHz)",
        report.seconds, report.mhz
    );
    eprintln!(
        "public output: {}",
        if report.public_output.is_empty() {
            "(none)".into()
        } else {
            hex(&report.public_output)
        }
    );
}
