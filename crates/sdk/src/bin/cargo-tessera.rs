//! `cargo-tessera`: the Tessera command line (`cargo tessera ...` once installed).

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
    process::ExitCode,
};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tessera_sdk::{
    hex, read_file, CostReport, ExecutionReport, GuestInput, GuestOutput, MeterReport, Profile,
    ProfileWeight, ProveOptions, ProveProgress, ProveReport, Sdk, SdkError, VerifiedRun, Weight,
};

/// jemalloc instead of the system allocator: proving allocates and frees large trace buffers,
/// and with jemalloc peak memory is 5-6% lower (fib-loop 2^20 and 2^22, c-sort 1.5 M
/// instructions; 2-core Xeon) and proving 0-6% faster (the gain is within this machine's noise
/// in some pairs of runs). A library does not choose the allocator; a binary does.
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "cargo-tessera",
    version,
    about = "Run, prove and verify RISC-V programs with Tessera"
)]
struct Cli {
    /// The VM configuration (a `tessera.toml`: `extensions = ["rv32im", "zbb"]` and an optional
    /// `[system]` table). Default: RV32IM with the default system. A proof verifies only under
    /// the configuration it was made with. See `cargo tessera extensions`.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Show the machine's log on stderr (tracing spans and events): -v info, -vv debug,
    /// -vvv trace; RUST_LOG overrides. With `run`, -v also lists at load time the words of
    /// executable segments that are not instructions (data, padding, compressed or CSR words:
    /// each faults only if it is executed).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// No progress bars (they are shown only when stderr is a terminal, and never with --json).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Execute an RV32IM ELF and report its exit code, output and speed.
    ///
    /// Exit status: 0 if the guest exited with 0, 1 if it exited with another code,
    /// 2 if the VM could not run it (bad ELF, fault, instruction limit).
    #[command(after_help = RUN_EXAMPLES)]
    Run {
        /// The guest program (static ELF32 RISC-V, rv32im).
        elf: PathBuf,
        #[command(flatten)]
        input: InputArgs,
        /// Stop with an error after this many instructions.
        #[arg(long)]
        max_instructions: Option<u64>,
        /// Print one JSON object instead of the guest's output and a summary.
        #[arg(long)]
        json: bool,
        /// Print the segment plan of metered execution (segments of at most N instructions,
        /// 2^21 by default; the bus-message limit usually cuts first) instead of running purely.
        #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "2097152")]
        segments: Option<u64>,
        /// Print what proving the run would cost (metered cost execution: rows and main cells
        /// of every instruction AIR, memory tables, bus messages) instead of running purely.
        #[arg(long, conflicts_with = "segments")]
        cost: bool,
        /// Profile the run: instructions and trace cells of each cycle-tracker region (as a
        /// tree; the guest marks them with `cycle_tracker::start/end` in Rust,
        /// `TESSERA_CYCLE_START/END` in C) and of the most expensive functions.
        #[arg(long, conflicts_with_all = ["segments", "cost"])]
        profile: bool,
        /// Profile the run and write its call stacks to FILE: folded stacks (for
        /// `inferno-flamegraph` or `flamegraph.pl`), or a flame graph if FILE ends in `.svg`.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["segments", "cost"])]
        profile_out: Option<PathBuf>,
        /// What --profile-out weighs each call stack by.
        #[arg(
            long,
            value_enum,
            default_value = "instructions",
            requires = "profile_out"
        )]
        weight: WeightArg,
    },
    /// Execute an RV32IM ELF and prove the run (100-bit parameters).
    ///
    /// Keys are generated on first use and cached in $TESSERA_KEY_DIR, else
    /// $XDG_CACHE_HOME/tessera/keys, else ~/.cache/tessera/keys. Before any work the proof's
    /// memory is estimated; set TESSERA_MEMORY_LIMIT (512M, 4G, ...) to what it may use.
    ///
    /// Examples:
    ///   cargo tessera prove examples/elf/c-fibonacci.elf --out fib.proof
    ///   cargo tessera prove prog.elf --input in.bin --out p.proof --json
    ///   cargo tessera prove prog.elf --out p.proof --segment-instructions 1000000
    ///   cargo tessera prove prog.elf --out p.proof --cluster postgres://tessera@db/tessera \
    ///       --store s3://proofs/jobs
    ///
    /// Exit status: 0 if the proof was written, 2 on any error.
    #[command(verbatim_doc_comment)]
    Prove {
        /// The guest program (static ELF32 RISC-V, rv32im).
        elf: PathBuf,
        #[command(flatten)]
        input: InputArgs,
        /// Where to write the proof.
        #[arg(long)]
        out: PathBuf,
        /// Stop with an error after this many instructions.
        #[arg(long)]
        max_instructions: Option<u64>,
        /// log2 of the stacked height (16..=24); by default the smallest that fits the run.
        #[arg(long)]
        log_stacked_height: Option<usize>,
        /// At most this many instructions per segment (default 2^21): longer runs are
        /// proven as a chain of segments.
        #[arg(long)]
        segment_instructions: Option<u64>,
        /// At most this many bus messages per segment, padding included (default 2^24 - 1,
        /// which usually cuts segments before the instruction limit).
        #[arg(long)]
        segment_interactions: Option<u64>,
        /// Print one JSON object instead of the guest's output and a summary.
        #[arg(long)]
        json: bool,
        #[cfg(feature = "cluster")]
        #[command(flatten)]
        cluster: tessera_sdk::cluster::ClusterArgs,
    },
    /// Run a cluster worker: claim segment tasks from the queue, prove them, upload the proofs.
    ///
    /// SIGTERM or SIGINT stops it after the task in progress. A segment too large for the
    /// worker's memory (TESSERA_MEMORY_LIMIT, else what the machine has available) is refused
    /// with an error that the job's status shows.
    ///
    /// Examples:
    ///   cargo tessera worker --cluster postgres://tessera@db/tessera --store file:///shared/tessera
    ///   AWS_ENDPOINT=http://s3.local:9000 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
    ///       cargo tessera worker --cluster postgres://tessera@db/tessera --store s3://proofs/jobs
    ///
    /// Exit status: 0 when stopped, 2 on any error (bad URL, unreachable database or store).
    #[cfg(feature = "cluster")]
    #[command(verbatim_doc_comment)]
    #[allow(rustdoc::bare_urls)] // the text is the command's help, not Markdown
    Worker(tessera_sdk::cluster::WorkerArgs),
    /// Query, fetch or cancel a cluster job (`prove --cluster ... --detach` prints its id).
    ///
    /// Examples:
    ///   cargo tessera job status JOB --cluster postgres://tessera@db/tessera --json
    ///   cargo tessera job fetch JOB --cluster postgres://tessera@db/tessera \
    ///       --store file:///shared/tessera --out p.proof
    ///   cargo tessera job cancel JOB --cluster postgres://tessera@db/tessera
    ///
    /// Exit status: 0 on success, 2 on any error (unknown job, job not proven, ...).
    #[cfg(feature = "cluster")]
    #[command(verbatim_doc_comment)]
    Job {
        #[command(subcommand)]
        command: tessera_sdk::cluster::JobCommand,
    },
    /// Create a guest project that builds and proves as created
    ///
    /// Examples:
    ///   cargo tessera init hello                 (C: main.c)
    ///   cargo tessera init --lang rust hello     (Rust: Cargo.toml, src/main.rs)
    ///   cd hello && cargo tessera build && cargo tessera run target/tessera/hello.elf
    ///
    /// Exit status: 0 if the project was created, 2 on any error (for example a directory
    /// that is not empty).
    #[command(verbatim_doc_comment)]
    Init {
        /// The project directory (created; it must not exist or be empty). Its name names
        /// the ELF.
        dir: PathBuf,
        /// The guest language.
        #[arg(long, value_enum, default_value = "c")]
        lang: tessera_sdk::GuestLanguage,
        /// Print one JSON object (`{"language": ..., "files": [...]}`) instead of a line per
        /// file.
        #[arg(long)]
        json: bool,
    },
    /// Build a guest project (C or Rust) into target/tessera/NAME.elf
    ///
    /// C: every *.c file of DIR, with riscv64-unknown-elf-gcc (apt package
    /// gcc-riscv64-unknown-elf; RISCV_PREFIX overrides the prefix) and the guest runtime.
    /// Rust: DIR/Cargo.toml, with Debian's rustc-web, cargo-web, rust-web-src and lld-16
    /// (DEBIAN_RUSTC, DEBIAN_CARGO, LLD override them); nothing is downloaded but the crates
    /// Rust's own library needs on the first build. With `zbb` in --config, C is compiled with
    /// -march=rv32im_zbb.
    ///
    /// Examples:
    ///   cargo tessera build                       (the project in the current directory)
    ///   cargo tessera build hello --config zbb.toml
    ///
    /// Exit status: 0 if the ELF was written, 2 on any error.
    #[command(verbatim_doc_comment)]
    Build {
        /// The project directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Print one JSON object (`language`, `elf`).
        #[arg(long)]
        json: bool,
    },
    /// Generate and cache the proving and verifying keys without proving
    ///
    /// The keys depend on the configuration and the stacked height: give the height, or the
    /// program (and input) whose proof will need them.
    ///
    /// Examples:
    ///   cargo tessera keygen --log-stacked-height 20
    ///   cargo tessera keygen --elf prog.elf --input in.bin --config zbb.toml
    ///
    /// Exit status: 0 if the keys are cached, 2 on any error.
    #[command(verbatim_doc_comment)]
    Keygen {
        /// The program whose proof the keys are for (its run picks the stacked height).
        #[arg(long, required_unless_present = "log_stacked_height")]
        elf: Option<PathBuf>,
        /// The run's input (with --elf).
        #[command(flatten)]
        input: InputArgs,
        /// log2 of the stacked height (16..=24).
        #[arg(long)]
        log_stacked_height: Option<usize>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print the exe commitment of an ELF (what proofs of its runs carry)
    ///
    /// `verify` prints the commitment a proof carries: compare the two to pin the program a
    /// verifier accepts.
    ///
    /// The commitment depends on the configuration and the stacked height, which by default is
    /// the one `prove` would pick for the run on --input.
    ///
    /// Examples:
    ///   cargo tessera commit prog.elf --input in.bin
    ///   cargo tessera commit prog.elf --log-stacked-height 20 --json
    ///
    /// Exit status: 0 on success, 2 on any error.
    #[command(verbatim_doc_comment)]
    Commit {
        /// The program.
        elf: PathBuf,
        /// The run's input (picks the stacked height).
        #[command(flatten)]
        input: InputArgs,
        /// log2 of the stacked height (16..=24).
        #[arg(long)]
        log_stacked_height: Option<usize>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List the extensions a configuration can name, and print the configuration in use
    /// (`--config`, or the default) as TOML with its fingerprint.
    ///
    /// Examples:
    ///   cargo tessera extensions
    ///   cargo tessera extensions --config zbb.toml
    #[command(verbatim_doc_comment)]
    Extensions,
    /// Verify that PROOF proves a complete run of ELF; print its exit code and public output.
    ///
    /// Examples:
    ///   cargo tessera verify fib.proof --elf examples/elf/c-fibonacci.elf
    ///   cargo tessera verify p.proof --elf prog.elf --config zbb.toml --json
    ///
    /// Exit status: 0 if the proof is accepted, 1 if it is rejected (corrupted file, proof of
    /// another program, failed check), 2 if the ELF cannot be loaded.
    #[command(verbatim_doc_comment)]
    Verify {
        /// The proof file written by `prove`.
        proof: PathBuf,
        /// The program the proof must be of.
        #[arg(long)]
        elf: PathBuf,
        /// Print one JSON object.
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
    init_logging(cli.verbose);
    let show_progress = !cli.quiet && cli.verbose == 0 && std::io::stderr().is_terminal();
    let sdk = match sdk(cli.config.as_deref()) {
        Ok(sdk) => sdk,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Init { dir, lang, json } => match tessera_sdk::init_project(&dir, lang) {
            Ok(files) => {
                if json {
                    let files: Vec<String> =
                        files.iter().map(|f| f.display().to_string()).collect();
                    let report = serde_json::json!({
                        "language": format!("{lang:?}").to_lowercase(),
                        "files": files,
                    });
                    println!("{report}");
                } else {
                    for file in files {
                        println!("created {}", file.display());
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Build { dir, json } => match tessera_sdk::build_project(&dir, sdk.config()) {
            Ok(built) => {
                if json {
                    let report = serde_json::json!({
                        "language": format!("{:?}", built.language).to_lowercase(),
                        "elf": built.elf.display().to_string(),
                    });
                    println!("{report}");
                } else {
                    println!("built {}", built.elf.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Keygen {
            elf,
            input,
            log_stacked_height,
            json,
        } => {
            let result = (|| {
                let lsh = match (log_stacked_height, &elf) {
                    (Some(_), _) | (None, None) if input.given() => {
                        anyhow::bail!("--input, --record, --hints and --kv need --elf, without --log-stacked-height")
                    }
                    (Some(lsh), _) => lsh,
                    (None, Some(elf)) => height_for(&sdk, elf, &input)?,
                    (None, None) => unreachable!("clap requires --elf or --log-stacked-height"),
                };
                let message = format!("generating the keys for stacked height 2^{lsh}");
                anyhow::Ok(with_spinner(show_progress && !json, &message, || {
                    sdk.keygen(lsh)
                })?)
            })();
            match result {
                Ok(report) if json => {
                    println!("{}", serde_json::to_string(&report).expect("serializable"));
                    ExitCode::SUCCESS
                }
                Ok(report) => {
                    let shown = |p: &Option<PathBuf>| {
                        p.as_ref()
                            .map_or("(no key cache)".to_owned(), |p| p.display().to_string())
                    };
                    println!(
                        "keys for 2^{} ({:.1} s)",
                        report.log_stacked_height, report.seconds
                    );
                    println!("proving key:   {}", shown(&report.proving_key));
                    println!("verifying key: {}", shown(&report.verifying_key));
                    println!("vk sha256:     {}", report.verifying_key_sha256);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Commit {
            elf,
            input,
            log_stacked_height,
            json,
        } => {
            let result = (|| {
                let lsh = match log_stacked_height {
                    Some(_) if input.given() => anyhow::bail!(
                        "--input, --record, --hints and --kv pick the stacked height: drop them or --log-stacked-height"
                    ),
                    Some(lsh) => lsh,
                    None => height_for(&sdk, &elf, &input)?,
                };
                let exe = sdk.load_elf_file(&elf)?;
                anyhow::Ok((lsh, sdk.commit(&exe, lsh)?))
            })();
            match result {
                Ok((lsh, commitment)) => {
                    if json {
                        let report = serde_json::json!({
                            "exe_commitment": commitment,
                            "log_stacked_height": lsh,
                            "config": sdk.config().name(),
                        });
                        println!("{report}");
                    } else {
                        println!("{commitment}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Extensions => {
            // Written, not printed: `cargo tessera extensions | head` must not panic.
            let _ = std::io::stdout().write_all(extensions_listing(&sdk).as_bytes());
            ExitCode::SUCCESS
        }
        Command::Run {
            elf,
            input,
            max_instructions,
            json,
            profile,
            profile_out,
            weight,
            ..
        } if profile || profile_out.is_some() => {
            let out = profile_out.as_deref();
            let profiled = with_spinner(show_progress && !json, "profiling", || {
                profile_run(&sdk, &elf, &input, max_instructions, out, weight)
            });
            match profiled {
                Ok(report) => {
                    if json {
                        println!("{}", serde_json::to_string(&report).expect("serializable"));
                    } else {
                        print_profile(&report, out, weight);
                    }
                    guest_status(report.exit_code)
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Run {
            elf,
            input,
            max_instructions,
            json,
            cost: true,
            ..
        } => match with_spinner(show_progress && !json, "metering the run's cost", || {
            cost(&sdk, &elf, &input, max_instructions)
        }) {
            Ok(report) => {
                if json {
                    println!("{}", serde_json::to_string(&report).expect("serializable"));
                } else {
                    print_cost(&report);
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        },
        Command::Run {
            elf,
            input,
            max_instructions,
            json,
            segments: Some(segment_instructions),
            ..
        } => match with_spinner(show_progress && !json, "planning segments", || {
            let options = ProveOptions {
                max_instructions,
                segment_instructions: Some(segment_instructions),
                ..ProveOptions::default()
            };
            meter(&sdk, &elf, &input, &options)
        }) {
            Ok(report) => {
                if json {
                    println!("{}", serde_json::to_string(&report).expect("serializable"));
                } else {
                    print_plan(&report);
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        },
        Command::Run {
            elf,
            input,
            max_instructions,
            json,
            segments: None,
            ..
        } => match run(&sdk, &elf, &input, max_instructions, cli.verbose > 0) {
            Ok(report) => {
                if json {
                    println!("{}", serde_json::to_string(&report).expect("serializable"));
                } else {
                    print_human(&report);
                }
                guest_status(report.exit_code)
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        },
        Command::Prove {
            elf,
            input,
            out,
            max_instructions,
            log_stacked_height,
            segment_instructions,
            segment_interactions,
            json,
            #[cfg(feature = "cluster")]
            cluster,
        } => {
            let options = ProveOptions {
                log_stacked_height,
                max_instructions,
                segment_instructions,
                segment_interactions,
                // TESSERA_MEMORY_LIMIT, else what the machine has available.
                memory_limit: None,
            };
            #[cfg(feature = "cluster")]
            if cluster.cluster.is_some() {
                let quiet = cli.quiet || json;
                return cluster_exit(input.read().map_err(Into::into).and_then(|input| {
                    tessera_sdk::cluster::run_prove(
                        &sdk, &cluster, &elf, input, &out, options, quiet,
                    )
                    .map(drop)
                }));
            }
            let progress = show_progress && !json;
            match prove(&sdk, &elf, &input, &out, options, progress) {
                Ok(report) => {
                    if json {
                        println!("{}", serde_json::to_string(&report).expect("serializable"));
                    } else {
                        print_prove_report(&report, &out);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        #[cfg(feature = "cluster")]
        Command::Worker(args) => cluster_exit(tessera_sdk::cluster::run_worker_command(&args)),
        #[cfg(feature = "cluster")]
        Command::Job { command } => cluster_exit(tessera_sdk::cluster::run_job_command(&command)),
        Command::Verify { proof, elf, json } => {
            let exe = match sdk.load_elf_file(&elf) {
                Ok(exe) => exe,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match sdk
                .read_proof_file(&proof)
                .and_then(|file| sdk.verify(&exe, &file))
            {
                Ok(run) => {
                    print_verified(&run, json);
                    ExitCode::SUCCESS
                }
                Err(SdkError::Verify(e)) => {
                    eprintln!("error: proof rejected: {e}");
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("error: proof rejected: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// The stacked height `prove` would pick for `elf` on `input`.
fn height_for(sdk: &Sdk, elf: &std::path::Path, input: &InputArgs) -> anyhow::Result<usize> {
    let exe = sdk.load_elf_file(elf)?;
    let input = input.read()?;
    Ok(sdk.log_stacked_height_for(&exe, input, &ProveOptions::default())?)
}

fn meter(
    sdk: &Sdk,
    elf: &std::path::Path,
    input: &InputArgs,
    options: &ProveOptions,
) -> anyhow::Result<MeterReport> {
    let exe = sdk.load_elf_file(elf)?;
    let input = input.read()?;
    Ok(sdk.meter(&exe, input, options)?)
}

fn cost(
    sdk: &Sdk,
    elf: &std::path::Path,
    input: &InputArgs,
    max_instructions: Option<u64>,
) -> anyhow::Result<CostReport> {
    let exe = sdk.load_elf_file(elf)?;
    let input = input.read()?;
    Ok(sdk.cost(&exe, input, max_instructions)?)
}

/// What the guest reads: its private input (a file of raw bytes, then records), its hint
/// stream, its key-value store.
#[derive(clap::Args)]
struct InputArgs {
    /// File whose bytes are the guest's private input, as they are.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// File whose bytes become one record of the private input, after --input's bytes (a
    /// 4-byte little-endian length, then the bytes; guests read it with `io::read_record` or
    /// `tessera_read_record`). Repeat for more records.
    #[arg(long, value_name = "FILE")]
    record: Vec<PathBuf>,
    /// File whose bytes are the guest's hint stream (fd 4; `io::read_hint` or
    /// `tessera_read_hint`), as they are: advice the guest checks, not proven.
    #[arg(long, value_name = "FILE")]
    hints: Option<PathBuf>,
    /// Directory of the guest's key-value store: each file under it is the value of its path
    /// relative to DIR (`kv::get("name")`, `tessera_kv_get`), as under qemu-riscv32 run in DIR.
    #[arg(long, value_name = "DIR")]
    kv: Option<PathBuf>,
}

impl InputArgs {
    /// Whether any input was given.
    fn given(&self) -> bool {
        self.input.is_some() || !self.record.is_empty() || self.hints.is_some() || self.kv.is_some()
    }

    fn read(&self) -> Result<GuestInput, SdkError> {
        let mut stdin = tessera_sdk::Stdin::new();
        if let Some(path) = &self.input {
            stdin.write_raw(&read_file(path)?);
        }
        for path in &self.record {
            let bytes = read_file(path)?;
            if u32::try_from(bytes.len()).is_err() {
                return Err(SdkError::Encode(format!(
                    "{}: a record is at most 4 GiB - 1 bytes",
                    path.display()
                )));
            }
            stdin.write_bytes(&bytes);
        }
        if let Some(path) = &self.hints {
            stdin.hint_raw(&read_file(path)?);
        }
        if let Some(dir) = &self.kv {
            for (key, value) in tessera_sdk::read_kv_dir(dir)? {
                stdin.kv_insert(key, value);
            }
        }
        Ok(stdin.into())
    }
}

/// The exit status of `run`: 0 if the guest exited with 0, 1 if with another code.
fn guest_status(exit_code: u32) -> ExitCode {
    match exit_code {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}

/// Examples at the end of `cargo tessera run --help`.
const RUN_EXAMPLES: &str = "Examples:
  cargo tessera run examples/elf/c-sort.elf                 run; the guest's stdout, then a summary
  cargo tessera run prog.elf --input n.bin --json           input from a file; one JSON object
  cargo tessera run examples/elf/c-hints.elf --input in.bin --hints hints.bin --kv store/
                                                            hints (fd 4) and a key-value store
  cargo tessera run prog.elf --segments                     the segment plan of a proof
  cargo tessera run prog.elf --cost                         what a proof would cost, per AIR
  cargo tessera run examples/elf/c-profile.elf --profile    instructions and cells per region
  cargo tessera run prog.elf --profile-out flame.svg --weight cells
                                                            a flame graph of trace cells";

/// What `--profile-out` weighs call stacks by.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum WeightArg {
    /// Guest instructions.
    Instructions,
    /// Main trace cells before padding (each instruction's AIR row, syscall buffer rows, and
    /// the memory tables' rows of memory first touched in a segment).
    Cells,
}

impl From<WeightArg> for ProfileWeight {
    fn from(weight: WeightArg) -> Self {
        match weight {
            WeightArg::Instructions => ProfileWeight::Instructions,
            WeightArg::Cells => ProfileWeight::Cells,
        }
    }
}

fn profile_run(
    sdk: &Sdk,
    elf: &std::path::Path,
    input: &InputArgs,
    max_instructions: Option<u64>,
    out: Option<&std::path::Path>,
    weight: WeightArg,
) -> anyhow::Result<Profile> {
    if let Some(out) = out {
        tessera_sdk::check_writable(out)?;
    }
    let exe = sdk.load_elf_file(elf)?;
    let input = input.read()?;
    let profile = sdk.profile(&exe, input, max_instructions)?;
    if let Some(out) = out {
        let folded = profile.folded(weight.into());
        let is_svg = out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let bytes = match is_svg {
            true => {
                let weight = ProfileWeight::from(weight);
                let name = elf.file_name().unwrap_or_default().to_string_lossy();
                let title = format!("{name} ({})", weight.unit());
                tessera_sdk::flame_graph(&folded, &title, weight)?
            }
            false => folded.into_bytes(),
        };
        tessera_sdk::write_file_atomically(out, &bytes)?;
    }
    Ok(profile)
}

fn print_profile(profile: &Profile, out: Option<&std::path::Path>, weight: WeightArg) {
    print_guest_output(&profile.output);
    let total = profile.total;
    let percent = |part: u64, whole: u64| 100.0 * part as f64 / whole.max(1) as f64;
    eprintln!(
        "exit code {}, {} instructions, {} trace cells (profiled at {:.1} MHz)",
        profile.exit_code, total.instructions, total.cells, profile.mhz
    );
    let row = |name: &str, w: Weight, entries: Option<u64>| {
        eprintln!(
            "{name:<36} {:>14} {:>6.1}% {:>16} {:>6.1}% {:>8}",
            w.instructions,
            percent(w.instructions, total.instructions),
            w.cells,
            percent(w.cells, total.cells),
            entries.map_or(String::new(), |e| e.to_string())
        )
    };
    eprintln!(
        "{:<36} {:>14} {:>7} {:>16} {:>7} {:>8}",
        "region", "instructions", "", "trace cells", "", "entries"
    );
    for region in &profile.regions {
        let name = format!("{:indent$}{}", "", region.name, indent = 2 * region.depth);
        row(&name, region.total, Some(region.entries));
    }
    row("(outside regions)", profile.outside_regions, None);
    eprintln!();
    eprintln!(
        "{:<36} {:>14} {:>7} {:>16} {:>7}",
        "function (own)", "instructions", "", "trace cells", ""
    );
    for function in profile.functions.iter().take(10) {
        row(&function.name, function.own, None);
    }
    if profile.functions.len() > 10 {
        eprintln!("... {} more functions", profile.functions.len() - 10);
    }
    for error in &profile.marker_errors {
        eprintln!("warning: cycle tracker: {error}");
    }
    if let Some(out) = out {
        let unit = ProfileWeight::from(weight).unit();
        eprintln!("call stacks by {unit} written to {}", out.display());
    }
}

fn print_cost(report: &CostReport) {
    println!(
        "{} instructions (metered at {:.1} MHz): {} main cells of instruction AIRs ({:.1} per instruction), {} of memory tables ({} leaves, {} nodes), {} bus messages ({:.1} per instruction)",
        report.instret,
        report.mhz,
        report.main_cells,
        report.main_cells_per_instruction,
        report.memory_cells,
        report.memory.leaves,
        report.memory.nodes,
        report.interactions,
        report.interactions as f64 / report.instret.max(1) as f64,
    );
    println!("{:<28} {:>14} {:>16}", "AIR", "rows", "main cells");
    for (air, rows, cells) in &report.airs {
        println!("{air:<28} {rows:>14} {cells:>16}");
    }
}

fn print_plan(report: &MeterReport) {
    println!(
        "{} instructions in {} segment(s) (metered at {:.1} MHz), exit code {}",
        report.instret,
        report.segments.len(),
        report.mhz,
        report.exit_code
    );
    println!(
        "segment  first instruction  instructions  timestamps  tallest AIR rows  memory leaves  memory nodes  bus messages"
    );
    for (i, s) in report.segments.iter().enumerate() {
        println!(
            "{i:>7}  {:>17}  {:>12}  {:>10}  {:>16}  {:>13}  {:>12}  {:>12}",
            s.instret_start,
            s.num_insns,
            s.accesses,
            s.trace_heights.iter().max().copied().unwrap_or(0),
            s.memory.leaves,
            s.memory.nodes,
            s.interactions,
        );
    }
}

/// The registered extensions, then the configuration in use as TOML.
fn extensions_listing(sdk: &Sdk) -> String {
    let mut out = format!("{:<10} {:<6} {:<16} summary\n", "name", "isa", "depends on");
    for r in tessera_sdk::registered_extensions() {
        let isa = if r.instruction_set { "yes" } else { "no" };
        let deps = r.depends_on.join(", ");
        out += &format!("{:<10} {isa:<6} {deps:<16} {}\n", r.name, r.summary);
    }
    let config = sdk.config();
    out += &format!(
        "\n# configuration in use: {} (fingerprint {})\n{}",
        config.name(),
        config.fingerprint(),
        config.to_toml()
    );
    out
}

/// The SDK of `--config FILE`, or of the default configuration.
fn sdk(config: Option<&std::path::Path>) -> Result<Sdk, SdkError> {
    match config {
        Some(path) => {
            Sdk::new(tessera_sdk::VmConfig::from_file(path).map_err(SdkError::ConfigFile)?)
        }
        None => Ok(Sdk::default()),
    }
}

fn prove(
    sdk: &Sdk,
    elf: &std::path::Path,
    input: &InputArgs,
    out: &std::path::Path,
    options: ProveOptions,
    show_progress: bool,
) -> anyhow::Result<ProveReport> {
    // Before any work: a proof that cannot be written is minutes or hours thrown away.
    tessera_sdk::check_writable(out)?;
    let exe = sdk.load_elf_file(elf)?;
    let input = input.read()?;
    let mut bars = ProveBars::new(show_progress);
    let proven = sdk.prove_with_progress(&exe, input, options, &mut |event| bars.update(event));
    bars.finish();
    let (file, report) = proven?;
    tessera_sdk::write_file_atomically(out, &file.to_bytes())?;
    Ok(report)
}

/// The progress of `prove` on stderr: a spinner while metered execution plans the run and
/// while the keys load, then a bar over the run's instructions, advanced segment by segment,
/// with an ETA. Hidden (no output at all) unless asked for.
struct ProveBars {
    bar: Option<ProgressBar>,
}

/// A spinner on stderr with `message` and the elapsed time, if `show`; clear it with
/// `finish_and_clear` when the work is done.
fn spinner(show: bool, message: &str) -> Option<ProgressBar> {
    show.then(|| {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid"));
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    })
}

/// Runs `work` under a spinner (see [`spinner`]).
fn with_spinner<T>(show: bool, message: &str, work: impl FnOnce() -> T) -> T {
    let bar = spinner(show, message);
    let result = work();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result
}

impl ProveBars {
    fn new(show: bool) -> Self {
        Self {
            bar: spinner(show, "executing (planning segments)"),
        }
    }

    fn update(&mut self, event: ProveProgress) {
        let Some(bar) = &self.bar else { return };
        match event {
            ProveProgress::Planned { instret, segments } => {
                bar.set_message(format!("{instret} instructions in {segments} segment(s)"));
            }
            ProveProgress::Keygen { log_stacked_height } => {
                bar.set_message(format!("keys for stacked height 2^{log_stacked_height}"));
            }
            ProveProgress::SegmentProven {
                index,
                segments,
                instructions,
                instret,
            } => {
                if index == 0 {
                    bar.set_length(instret);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "proving {msg} [{elapsed}] {wide_bar} {human_pos}/{human_len} instructions (ETA {eta})",
                        )
                        .expect("valid"),
                    );
                    bar.reset_eta();
                }
                bar.set_message(format!("segment {}/{segments}", index + 1));
                bar.inc(instructions);
            }
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The exit status of a cluster command: 0, or 2 with the error on stderr.
#[cfg(feature = "cluster")]
fn cluster_exit(result: Result<(), tessera_sdk::cluster::ClusterError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// A `tracing` subscriber on stderr when asked for (`-v` or `RUST_LOG`).
fn init_logging(verbose: u8) {
    let from_env = std::env::var_os("RUST_LOG").is_some();
    if verbose == 0 && !from_env {
        return;
    }
    // Tessera's own spans first; the proof system's (per-matrix DFTs, ...) from -vv on.
    let (ours, theirs) = match verbose {
        0 | 1 => ("info", "warn"),
        2 => ("debug", "info"),
        _ => ("trace", "trace"),
    };
    let filter = if from_env {
        tracing_subscriber::EnvFilter::from_default_env()
    } else {
        let crates = [
            "tessera_arch",
            "tessera_system",
            "tessera_sdk",
            "tessera_rv32im",
        ];
        let mut directives = theirs.to_owned();
        for name in crates {
            directives.push_str(&format!(",{name}={ours}"));
        }
        tracing_subscriber::EnvFilter::new(directives)
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .try_init();
}

fn print_prove_report(report: &ProveReport, out: &std::path::Path) {
    print_guest_output(&report.output);
    eprintln!("exit code:       {}", report.exit_code);
    eprintln!("instructions:    {}", report.instret);
    eprintln!(
        "proving:         {:.3} s ({:.1} kHz; {} segment(s): planning {:.3} s, proving {:.3} s)",
        report.seconds, report.khz, report.segments, report.plan_seconds, report.prove_seconds
    );
    eprintln!(
        "phases:          preflight {:.3} s, traces {:.3} s, STARK {:.3} s",
        report.preflight_seconds, report.traces_seconds, report.stark_seconds
    );
    eprintln!("keys:            {:.3} s", report.keygen_seconds);
    eprintln!(
        "trace cells:     {} main ({:.1} per instruction), stacked height 2^{}",
        report.main_cells, report.main_cells_per_instruction, report.log_stacked_height
    );
    eprintln!(
        "bus messages:    {} ({:.1} per instruction)",
        report.interactions, report.interactions_per_instruction
    );
    if let Some(bytes) = report.peak_memory_bytes {
        eprintln!("peak memory:     {:.2} GB", bytes as f64 / 1e9);
    }
    eprintln!("main cells per AIR (all segments, largest first):");
    let total = report.main_cells.max(1) as f64;
    for air in &report.air_cells {
        eprintln!(
            "  {:>12} cells {:>5.1}% {:>10} rows  {}",
            air.cells,
            100.0 * air.cells as f64 / total,
            air.rows,
            air.air
        );
    }
    eprintln!(
        "proof:           {} ({} bytes of STARK proof)",
        out.display(),
        report.proof_bytes
    );
    eprintln!(
        "public output:   {}",
        hex_or_none(&report.output.public_output)
    );
}

fn print_verified(run: &VerifiedRun, json: bool) {
    if json {
        println!("{}", serde_json::to_string(run).expect("serializable"));
    } else {
        println!("proof accepted");
        println!("exit code:       {}", run.exit_code);
        println!("segments:        {}", run.segments);
        println!("public output:   {}", hex(&run.public_output));
        println!("exe commitment:  {}", run.exe_commitment);
        println!(
            "instructions:    {} (claimed by the prover, not proven)",
            run.claimed_instret
        );
    }
}

fn run(
    sdk: &Sdk,
    elf: &std::path::Path,
    input: &InputArgs,
    max_instructions: Option<u64>,
    verbose: bool,
) -> anyhow::Result<ExecutionReport> {
    let exe = sdk.load_elf_file(elf)?;
    if verbose {
        let illegal = &exe.program.illegal;
        eprintln!(
            "{}: {} words of executable segments are not instructions (each faults only if executed)",
            elf.display(),
            illegal.len()
        );
        for (pc, word) in illegal {
            let function = exe
                .function_at(*pc)
                .map(|f| format!(" in `{f}`"))
                .unwrap_or_default();
            eprintln!(
                "  {pc:#010x}{function}: {:#010x} is {}",
                word.word, word.reason
            );
        }
    }
    let input = input.read()?;
    Ok(sdk.execute(&exe, input, max_instructions)?)
}

fn print_human(report: &ExecutionReport) {
    print_guest_output(&report.output);
    eprintln!("exit code:     {}", report.exit_code);
    eprintln!("instructions:  {}", report.instret);
    eprintln!(
        "time:          {:.3} s ({:.1} MHz)",
        report.seconds, report.mhz
    );
    eprintln!(
        "public output: {}",
        hex_or_none(&report.output.public_output)
    );
}

/// Passes the guest's output through, then starts the summary (on stderr).
fn print_guest_output(output: &GuestOutput) {
    let _ = std::io::stdout().write_all(&output.stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&output.stderr);
    eprintln!("---");
}

/// Lowercase hex, or "(none)" for no bytes.
fn hex_or_none(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "(none)".into()
    } else {
        hex(bytes)
    }
}
