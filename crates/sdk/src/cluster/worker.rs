//! A worker: claims segment tasks, proves them, uploads the proofs.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use openvm_stark_backend::codec::Encode;
use tessera_system::vm::SegmentStart;
use tracing::{info, warn, Instrument};

use super::{
    sha256_hex,
    submit::{parse_config, parse_security},
    ClaimedTask, ClusterError, Completion, Queue, Store, TaskResult,
};
use crate::{GuestInput, Sdk, SdkError, Security, SegmentProver};

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// The worker's name in the database and the logs.
    pub id: String,
    /// A claimed task is this worker's for this long, renewed every third of it.
    pub lease: Duration,
    /// Pause between claims when there is nothing to do.
    pub poll: Duration,
    /// Stop after proving this many tasks.
    pub max_tasks: Option<usize>,
}

/// A worker name unique on the host: `HOSTNAME-PID`.
pub fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "worker".into());
    format!("{host}-{}", std::process::id())
}

/// The prover of the last task's program (keys and the committed program are reused while
/// tasks are of the same program, configuration and stacked height).
type ProverCache = Option<(String, SegmentProver)>;

/// Runs a worker until `stop` is set (checked between tasks: a task in progress is finished
/// and its result uploaded) or `max_tasks` tasks were done. Returns the number of tasks it
/// completed. Must run on a multi-threaded Tokio runtime (proving blocks its thread while
/// the heartbeat goes on).
pub async fn run_worker(
    queue: &Queue,
    store: &Store,
    options: &WorkerOptions,
    stop: Arc<AtomicBool>,
) -> Result<usize, ClusterError> {
    let mut cache: ProverCache = None;
    let mut completed = 0;
    info!(worker = %options.id, store = store.url(), "worker started");
    while !stop.load(Ordering::SeqCst) {
        if options.max_tasks.is_some_and(|max| completed >= max) {
            break;
        }
        let task = match queue.claim(&options.id, options.lease).await {
            Ok(Some(task)) => task,
            Ok(None) => {
                tokio::time::sleep(options.poll).await;
                continue;
            }
            Err(error) => {
                // The database may be restarting: keep trying.
                warn!(worker = %options.id, %error, "cannot claim a task; retrying");
                tokio::time::sleep(options.poll.max(Duration::from_secs(1))).await;
                continue;
            }
        };
        let span = tracing::info_span!(
            "task",
            worker = %options.id,
            job = %task.job_id,
            segment = task.segment
        );
        let outcome = prove_task(queue, store, options, &task, &mut cache)
            .instrument(span.clone())
            .await;
        let _entered = span.enter();
        match outcome {
            Ok(completion) => {
                completed += 1;
                info!(?completion, "task finished");
            }
            Err(error) => {
                // What no retry can fix fails the job at once.
                let permanent = matches!(
                    error,
                    ClusterError::MalformedJob { .. }
                        | ClusterError::Corrupted { .. }
                        | ClusterError::Sdk(
                            SdkError::Config(_)
                                | SdkError::Registry(_)
                                | SdkError::ConfigFile(_)
                                | SdkError::Load { .. }
                        )
                );
                warn!(%error, permanent, "task failed");
                let message = error.to_string();
                let job_failed = retry_db(|| {
                    queue.fail(&task.job_id, task.segment, &options.id, &message, permanent)
                })
                .await?;
                if job_failed {
                    warn!("the job failed");
                }
            }
        }
    }
    info!(worker = %options.id, completed, "worker stopped");
    Ok(completed)
}

/// Retries a database operation for a while (the database may be restarting).
async fn retry_db<T, Fut>(mut op: impl FnMut() -> Fut) -> Result<T, ClusterError>
where
    Fut: std::future::Future<Output = Result<T, ClusterError>>,
{
    let mut pause = Duration::from_millis(250);
    for attempt in 1.. {
        match op().await {
            Ok(value) => return Ok(value),
            Err(ClusterError::Database(error)) if attempt < 8 => {
                warn!(%error, attempt, "database error; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(error) => return Err(error),
        }
    }
    unreachable!("the loop returns")
}

async fn prove_task(
    queue: &Queue,
    store: &Store,
    options: &WorkerOptions,
    task: &ClaimedTask,
    cache: &mut ProverCache,
) -> Result<Completion, ClusterError> {
    let clock = Instant::now();
    info!(attempt = task.attempt, "claimed");
    let job = &task.job_id;
    let malformed = |reason: String| ClusterError::MalformedJob {
        id: job.clone(),
        reason,
    };
    let start_bytes = store
        .get_checked(&task.start_key, &task.start_sha256)
        .await?;
    let start: SegmentStart = bincode::deserialize(&start_bytes)
        .map_err(|e| malformed(format!("segment {} start: {e}", task.segment)))?;
    let input_bytes = store
        .get_checked(&task.input_key, &task.input_sha256)
        .await?;
    let input: GuestInput =
        bincode::deserialize(&input_bytes).map_err(|e| malformed(format!("input: {e}")))?;
    let lsh = usize::try_from(task.log_stacked_height)
        .map_err(|_| malformed(format!("stacked height {}", task.log_stacked_height)))?;
    // A segment too large for this worker is refused before any work, with an error that says
    // why (another worker with more memory may take it on the next attempt), instead of the OS
    // killing the worker mid-proof.
    crate::memory::check_memory(lsh, None)?;
    let cache_key = format!(
        "{}/{}/{}/{lsh}",
        task.elf_sha256,
        sha256_hex(task.config.as_bytes()),
        task.security
    );
    if cache.as_ref().is_none_or(|(key, _)| *key != cache_key) {
        *cache = None;
        let elf = store.get_checked(&task.elf_key, &task.elf_sha256).await?;
        let config = parse_config(&task.config, job)?;
        let mut sdk = Sdk::new(config)?;
        if parse_security(&task.security, job)? == Security::InsecureTesting {
            sdk = sdk.insecure_for_tests();
        }
        let exe = sdk.load_elf(&elf).map_err(|error| SdkError::Load {
            path: task.elf_key.clone(),
            error,
        })?;
        let prover = tokio::task::block_in_place(|| sdk.segment_prover(&exe, lsh))?;
        *cache = Some((cache_key, prover));
    }
    let prover = &cache.as_ref().expect("just filled").1;

    // The heartbeat renews the lease while the segment is proven on this thread.
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let (queue, lost) = (queue.clone(), lost.clone());
        let (job, segment, worker, lease) =
            (job.clone(), task.segment, options.id.clone(), options.lease);
        tokio::spawn(
            async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    match queue.heartbeat(&job, segment, &worker, lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            warn!("lease lost (job cancelled or failed, or the lease expired)");
                            lost.store(true, Ordering::SeqCst);
                            break;
                        }
                        Err(error) => warn!(%error, "heartbeat failed"),
                    }
                }
            }
            .in_current_span(),
        )
    };
    let prove_clock = Instant::now();
    let proven =
        tokio::task::block_in_place(|| prover.prove_segment(start, &input, task.num_insns as u64));
    let prove_seconds = prove_clock.elapsed().as_secs_f64();
    heartbeat.abort();
    let proven = proven.map_err(SdkError::from)?;
    let last = task.segment + 1 == task.segments;
    if proven.exit_code.is_some() != last {
        return Err(malformed(format!(
            "segment {} of {} {} (the plan does not match the run)",
            task.segment,
            task.segments,
            if last { "does not exit" } else { "exits" }
        )));
    }
    let bytes = proven
        .proof
        .encode_to_vec()
        .expect("writing to a Vec cannot fail");
    let sha = sha256_hex(&bytes);
    let statement = super::statement_sha256(&proven.proof);
    let proof_key = format!(
        "jobs/{job}/segments/{:06}-{}.proof",
        task.segment,
        &sha[..16]
    );
    let proof_bytes = bytes.len() as i64;
    store.put(&proof_key, bytes).await?;
    let public_output = last.then(|| {
        serde_json::to_string(&proven.public_output).expect("the public output serializes")
    });
    let result = TaskResult {
        proof_key,
        proof_sha256: sha,
        statement_sha256: statement,
        proof_bytes,
        exit_code: proven.exit_code,
        public_output,
        prove_seconds,
        task_seconds: clock.elapsed().as_secs_f64(),
    };
    let completion = retry_db(|| queue.complete(job, task.segment, &options.id, &result)).await?;
    info!(
        prove_seconds,
        task_seconds = clock.elapsed().as_secs_f64(),
        proof_bytes,
        lease_lost = lost.load(Ordering::SeqCst),
        "proven and uploaded"
    );
    Ok(completion)
}
