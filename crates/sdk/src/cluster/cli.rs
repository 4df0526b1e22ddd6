//! The cluster side of `cargo tessera`: `prove --cluster`, `worker`, `job`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{atomic::AtomicBool, Arc},
    time::{Duration, Instant},
};

use super::{
    assemble, submit, wait,
    worker::{default_worker_id, run_worker, WorkerOptions},
    ClusterError, JobStatus, Queue, Store, SubmitOptions,
};
use crate::{read_file, write_file_atomically, GuestInput, ProveOptions, Sdk};

/// `prove` on a cluster.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ClusterArgs {
    /// Prove on a cluster: the PostgreSQL URL of its job queue
    /// (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`). Workers (`cargo tessera worker`)
    /// prove the segments; this command plans the job, submits it and waits.
    #[arg(long, value_name = "URL")]
    pub cluster: Option<String>,
    /// The cluster's object store for artifacts: file:///DIR or s3://BUCKET/PREFIX.
    #[arg(long, value_name = "URL", requires = "cluster")]
    pub store: Option<String>,
    /// Print the job id and return without waiting (`cargo tessera job fetch ID` later).
    #[arg(long, requires = "cluster")]
    pub detach: bool,
    /// Attempts per segment before the job fails.
    #[arg(long, default_value_t = 3, requires = "cluster")]
    pub max_attempts: u32,
}

/// `cargo tessera worker`.
#[derive(clap::Args, Clone, Debug)]
pub struct WorkerArgs {
    /// The PostgreSQL URL of the cluster's job queue.
    #[arg(long, value_name = "URL")]
    pub cluster: String,
    /// The cluster's object store: file:///DIR or s3://BUCKET/PREFIX.
    #[arg(long, value_name = "URL")]
    pub store: String,
    /// The worker's name (default HOSTNAME-PID).
    #[arg(long)]
    pub id: Option<String>,
    /// Seconds a claimed task stays this worker's without a heartbeat (renewed every third).
    #[arg(long, default_value_t = 60.0)]
    pub lease_seconds: f64,
    /// Milliseconds between claims when the queue is empty.
    #[arg(long, default_value_t = 500)]
    pub poll_ms: u64,
    /// Stop after this many tasks.
    #[arg(long)]
    pub max_tasks: Option<usize>,
}

/// `cargo tessera job ...`.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum JobCommand {
    /// Print a job's state and its segments'.
    Status {
        id: String,
        /// The PostgreSQL URL of the cluster's job queue.
        #[arg(long, value_name = "URL")]
        cluster: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Assemble a proven job's proof file (segment proofs checked by hash) and write it.
    Fetch {
        id: String,
        #[arg(long, value_name = "URL")]
        cluster: String,
        #[arg(long, value_name = "URL")]
        store: String,
        /// Where to write the proof.
        #[arg(long)]
        out: PathBuf,
    },
    /// Cancel a running job (results that arrive later are discarded).
    Cancel {
        id: String,
        #[arg(long, value_name = "URL")]
        cluster: String,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, ClusterError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// `prove ELF --cluster URL --store URL`: submits the job, waits for it with one line per
/// proven segment (unless `quiet`), and writes the assembled proof file to `out` (with
/// `--detach`: prints the job id and returns). Returns the job id.
pub fn run_prove(
    sdk: &Sdk,
    args: &ClusterArgs,
    elf: &Path,
    input: GuestInput,
    out: &Path,
    options: ProveOptions,
    quiet: bool,
) -> Result<String, ClusterError> {
    let cluster = args
        .cluster
        .as_deref()
        .expect("run_prove is called with --cluster");
    let Some(store) = args.store.as_deref() else {
        return Err(ClusterError::BadStoreUrl {
            url: String::new(),
            reason: "--cluster needs --store".into(),
        });
    };
    let elf_bytes = read_file(elf)?;
    if !args.detach {
        crate::check_writable(out)?;
    }
    let store = Store::open(store)?;
    runtime()?.block_on(async {
        let queue = Queue::connect(cluster).await?;
        let options = SubmitOptions {
            prove: options,
            max_attempts: args.max_attempts,
        };
        let clock = Instant::now();
        let id = submit(&queue, &store, sdk, &elf_bytes, input, &options).await?;
        if args.detach {
            println!("{id}");
            return Ok(id);
        }
        if !quiet {
            eprintln!(
                "job {id} submitted ({:.3} s); waiting for workers",
                clock.elapsed().as_secs_f64()
            );
        }
        let mut seen = BTreeMap::new();
        let mut progress = |status: &JobStatus| {
            if !quiet {
                print_progress(status, &mut seen);
            }
        };
        let bytes = loop {
            wait(&queue, &id, Duration::from_millis(250), &mut progress).await?;
            match assemble(&queue, &store, &id).await {
                Ok(bytes) => break bytes,
                // Sent back to the queue: wait for it again.
                Err(error @ (ClusterError::Corrupted { .. } | ClusterError::Store { .. })) => {
                    eprintln!("warning: {error}; the segment is proven again");
                }
                Err(error) => return Err(error),
            }
        };
        write_file_atomically(out, &bytes)?;
        if !quiet {
            eprintln!(
                "proof of job {id} written to {} ({} bytes, {:.3} s)",
                out.display(),
                bytes.len(),
                clock.elapsed().as_secs_f64()
            );
        }
        Ok(id)
    })
}

/// One line per segment that changed state since the last call.
fn print_progress(status: &JobStatus, seen: &mut BTreeMap<i32, (String, i32)>) {
    for task in &status.tasks {
        let now = (task.state.clone(), task.attempts);
        if seen.get(&task.segment) == Some(&now) {
            continue;
        }
        let worker = task.worker.as_deref().unwrap_or("-");
        match task.state.as_str() {
            "running" => eprintln!(
                "segment {}/{}: proving on {worker} (attempt {})",
                task.segment + 1,
                status.segments,
                task.attempts
            ),
            "done" => eprintln!(
                "segment {}/{}: proven by {worker} in {:.3} s ({}/{} done)",
                task.segment + 1,
                status.segments,
                task.prove_seconds.unwrap_or(0.0),
                status.done,
                status.segments
            ),
            "pending" if task.attempts > 0 => eprintln!(
                "segment {}/{}: queued again ({})",
                task.segment + 1,
                status.segments,
                task.error.as_deref().unwrap_or("lease expired")
            ),
            _ => {}
        }
        seen.insert(task.segment, now);
    }
}

/// `cargo tessera worker`: runs until SIGTERM or SIGINT (the task in progress is finished
/// first) or `--max-tasks`.
pub fn run_worker_command(args: &WorkerArgs) -> Result<(), ClusterError> {
    init_worker_logging();
    if !(args.lease_seconds.is_finite() && args.lease_seconds >= 1.0) {
        return Err(crate::SdkError::Options("--lease-seconds must be at least 1".into()).into());
    }
    let store = Store::open(&args.store)?;
    let options = WorkerOptions {
        id: args.id.clone().unwrap_or_else(default_worker_id),
        lease: Duration::from_secs_f64(args.lease_seconds),
        poll: Duration::from_millis(args.poll_ms.max(1)),
        max_tasks: args.max_tasks,
    };
    runtime()?.block_on(async {
        let queue = Queue::connect(&args.cluster).await?;
        let stop = Arc::new(AtomicBool::new(false));
        for kind in [
            tokio::signal::unix::SignalKind::terminate(),
            tokio::signal::unix::SignalKind::interrupt(),
        ] {
            let mut signal = tokio::signal::unix::signal(kind)?;
            let (stop, id) = (stop.clone(), options.id.clone());
            tokio::spawn(async move {
                if signal.recv().await.is_some() {
                    tracing::info!(worker = %id, "stop requested: finishing the task in progress");
                    stop.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
        run_worker(&queue, &store, &options, stop).await?;
        Ok(())
    })
}

/// Workers log at `info` by default (`RUST_LOG` overrides).
fn init_worker_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,tessera_sdk=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// `cargo tessera job status|fetch|cancel`.
pub fn run_job_command(command: &JobCommand) -> Result<(), ClusterError> {
    runtime()?.block_on(async {
        match command {
            JobCommand::Status { id, cluster, json } => {
                let status = Queue::connect(cluster).await?.status(id).await?;
                if *json {
                    println!("{}", serde_json::to_string(&status).expect("serializable"));
                } else {
                    print_status(&status);
                }
            }
            JobCommand::Fetch {
                id,
                cluster,
                store,
                out,
            } => {
                crate::check_writable(out)?;
                let store = Store::open(store)?;
                let queue = Queue::connect(cluster).await?;
                let bytes = assemble(&queue, &store, id).await?;
                write_file_atomically(out, &bytes)?;
                eprintln!("proof of job {id} written to {}", out.display());
            }
            JobCommand::Cancel { id, cluster } => {
                Queue::connect(cluster).await?.cancel(id).await?;
                eprintln!("job {id} cancelled");
            }
        }
        Ok(())
    })
}

fn print_status(status: &JobStatus) {
    println!(
        "job {}: {} ({}/{} segments proven, {} instructions, stacked height 2^{}, {})",
        status.id,
        status.state,
        status.done,
        status.segments,
        status.instret,
        status.log_stacked_height,
        status.security
    );
    if let Some(error) = &status.error {
        println!("error: {error}");
    }
    for task in &status.tasks {
        let mut line = format!(
            "  segment {:>4}: {:<9} attempts {}/{}",
            task.segment, task.state, task.attempts, task.max_attempts
        );
        if let Some(worker) = &task.worker {
            line.push_str(&format!(", worker {worker}"));
        }
        if let Some(seconds) = task.prove_seconds {
            line.push_str(&format!(", proven in {seconds:.3} s"));
        }
        if let Some(left) = task.lease_left_seconds {
            line.push_str(&format!(", lease {left:.1} s left"));
        }
        if task.duplicates > 0 {
            line.push_str(&format!(", {} duplicate completion(s)", task.duplicates));
        }
        if let Some(error) = &task.error {
            line.push_str(&format!(", last error: {error}"));
        }
        println!("{line}");
    }
    if let Some(key) = &status.proof_key {
        println!("proof: {key}");
    }
}
