//! Submitting a job, waiting for it, and assembling its proof file.

use std::time::Duration;

use openvm_stark_backend::{codec::Decode, proof::Proof};
use tessera_system::vm::{PublicOutputProof, SC};

use super::{sha256_hex, ClusterError, JobStatus, NewJob, Queue, Store};
use crate::{Claims, GuestInput, ProofFile, ProveOptions, Sdk, SdkError, Security, VmConfig};

/// How a job is planned and retried.
#[derive(Clone, Copy, Debug)]
pub struct SubmitOptions {
    /// Segment sizes, instruction limit and stacked height, as for [`Sdk::prove`].
    pub prove: ProveOptions,
    /// Attempts per segment before its job fails (a worker's error or an expired lease each
    /// count one).
    pub max_attempts: u32,
}

impl Default for SubmitOptions {
    fn default() -> Self {
        Self {
            prove: ProveOptions::default(),
            max_attempts: 3,
        }
    }
}

/// A new job id: 16 random hex digits.
fn new_job_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

pub(crate) fn security_name(security: Security) -> String {
    match serde_json::to_value(security).expect("serializable") {
        serde_json::Value::String(name) => name,
        other => other.to_string(),
    }
}

pub(crate) fn parse_security(name: &str, job: &str) -> Result<Security, ClusterError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
        ClusterError::MalformedJob {
            id: job.to_owned(),
            reason: format!("unknown security level {name:?}"),
        }
    })
}

pub(crate) fn parse_config(text: &str, job: &str) -> Result<VmConfig, ClusterError> {
    VmConfig::from_toml_str(text).map_err(|e| ClusterError::MalformedJob {
        id: job.to_owned(),
        reason: format!("its configuration: {e}"),
    })
}

/// Plans a run of `elf` on `input` with `sdk` (its configuration and security level, and its
/// hint host: workers need none, the input uploaded holds the answers), uploads its artifacts and records the job and its segment tasks; returns the job id. Planning runs
/// the program twice on this machine (metered, then pure execution to the last segment's
/// start), no proving.
pub async fn submit(
    queue: &Queue,
    store: &Store,
    sdk: &Sdk,
    elf: &[u8],
    input: impl Into<GuestInput>,
    options: &SubmitOptions,
) -> Result<String, ClusterError> {
    if options.max_attempts == 0 {
        return Err(
            SdkError::Options("a job needs at least one attempt per segment".into()).into(),
        );
    }
    let exe = sdk.load_elf(elf).map_err(|error| SdkError::Load {
        path: "the job's ELF".into(),
        error,
    })?;
    let plan = sdk.meter(&exe, input, &options.prove)?;
    let lsh = options
        .prove
        .log_stacked_height
        .unwrap_or_else(|| plan.log_stacked_height(exe.program.instructions.len()));
    crate::commit::check_height(lsh)?;
    let starts = sdk.segment_starts(&exe, &plan)?;

    let id = new_job_id();
    let elf_sha256 = sha256_hex(elf);
    let elf_key = format!("blobs/sha256/{elf_sha256}");
    store.put(&elf_key, elf.to_vec()).await?;
    // The input as the run read it (stdin, hints with the answers to requests, the key-value
    // store), in bincode.
    let input = bincode::serialize(&plan.input).expect("a guest input serializes");
    let input_sha256 = sha256_hex(&input);
    let input_key = format!("blobs/sha256/{input_sha256}");
    store.put(&input_key, input).await?;
    let config = sdk.config().to_toml();
    store
        .put(
            &format!("jobs/{id}/config.toml"),
            config.clone().into_bytes(),
        )
        .await?;
    let mut tasks = Vec::with_capacity(starts.len());
    for (index, (start, segment)) in starts.iter().zip(&plan.segments).enumerate() {
        let key = format!("jobs/{id}/starts/{index:06}.bin");
        let bytes = bincode::serialize(start).expect("a segment start serializes");
        let sha = store.put(&key, bytes).await?;
        tasks.push((key, sha, segment.num_insns as i64));
    }
    queue
        .create_job(&NewJob {
            id: id.clone(),
            elf_key,
            elf_sha256,
            input_key,
            input_sha256,
            config,
            security: security_name(sdk.security),
            log_stacked_height: lsh as i32,
            instret: plan.instret as i64,
            max_attempts: options.max_attempts as i32,
            tasks,
        })
        .await?;
    tracing::info!(job = %id, segments = starts.len(), instret = plan.instret, "job submitted");
    Ok(id)
}

/// Waits until job `id` is proven (then returns its status), failed or cancelled (errors),
/// polling every `poll` and calling `progress` with each status read.
pub async fn wait(
    queue: &Queue,
    id: &str,
    poll: Duration,
    progress: &mut dyn FnMut(&JobStatus),
) -> Result<JobStatus, ClusterError> {
    loop {
        let status = queue.status(id).await?;
        progress(&status);
        match status.state.as_str() {
            "proven" => return Ok(status),
            "failed" => {
                return Err(ClusterError::JobFailed {
                    id: id.to_owned(),
                    error: status.error.unwrap_or_default(),
                })
            }
            "cancelled" => return Err(ClusterError::Cancelled(id.to_owned())),
            _ => tokio::time::sleep(poll).await,
        }
    }
}

/// The proof file of proven job `id`: every segment proof, checked against the SHA-256 its
/// worker recorded, and the claims. Also stored as `jobs/ID/proof.tessera`. A segment proof
/// that is missing or does not match its hash is sent back to the queue to be proven again
/// (the job is running again) and reported as the error.
pub async fn assemble(queue: &Queue, store: &Store, id: &str) -> Result<Vec<u8>, ClusterError> {
    let status = queue.status(id).await?;
    match status.state.as_str() {
        "proven" => {}
        "failed" => {
            return Err(ClusterError::JobFailed {
                id: id.to_owned(),
                error: status.error.unwrap_or_default(),
            })
        }
        "cancelled" => return Err(ClusterError::Cancelled(id.to_owned())),
        _ => {
            return Err(ClusterError::NotProven {
                id: id.to_owned(),
                done: status.done,
                segments: status.segments,
            })
        }
    }
    let malformed = |reason: String| ClusterError::MalformedJob {
        id: id.to_owned(),
        reason,
    };
    let config = parse_config(&status.config, id)?;
    let security = parse_security(&status.security, id)?;
    let mut proofs = Vec::with_capacity(status.tasks.len());
    for task in &status.tasks {
        let (Some(key), Some(sha)) = (&task.proof_key, &task.proof_sha256) else {
            return Err(malformed(format!("segment {} has no proof", task.segment)));
        };
        let bytes = match store.get_checked(key, sha).await {
            Ok(bytes) => bytes,
            Err(error @ (ClusterError::Corrupted { .. } | ClusterError::Store { .. })) => {
                tracing::warn!(job = id, segment = task.segment, %error, "segment proof unusable; proving it again");
                queue.requeue(id, task.segment, &error.to_string()).await?;
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        proofs.push(
            Proof::<SC>::decode_from_bytes(&bytes)
                .map_err(|e| malformed(format!("segment {} proof: {e}", task.segment)))?,
        );
    }
    let last = status.tasks.last().expect("a job has at least one segment");
    let exit_code = last
        .exit_code
        .and_then(|code| u32::try_from(code).ok())
        .ok_or_else(|| malformed("the last segment has no exit code".into()))?;
    let public_output: PublicOutputProof = last
        .public_output
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| malformed("the last segment has no public output".into()))?;
    let file = ProofFile {
        claims: Claims {
            config,
            security,
            log_stacked_height: status.log_stacked_height as usize,
            exit_code,
            public_output,
            instret: status.instret as u64,
        },
        proofs,
    };
    let bytes = file.to_bytes();
    let key = format!("jobs/{id}/proof.tessera");
    let sha = store.put(&key, bytes.clone()).await?;
    queue.record_proof(id, &key, &sha).await?;
    Ok(bytes)
}
