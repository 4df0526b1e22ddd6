//! Distributed proving: PostgreSQL as the job queue and the state of every job, an object
//! store for the artifacts, and workers that prove segments.
//!
//! A job is one run of a program to prove. [`submit`] plans it on the submitting machine
//! (metered execution, then the start state of every segment from one pure run), uploads the
//! ELF, the input and each segment's start, and records the job and one task per segment.
//! Workers ([`worker::run_worker`], `cargo tessera worker`) claim tasks, prove them with
//! [`crate::Sdk::segment_prover`] from their start and upload the proofs; [`assemble`] checks
//! each proof against the SHA-256 the database recorded and writes the usual proof file, which
//! `cargo tessera verify` checks. See `docs/distributed.md`.
//!
//! Artifact names are deterministic: `blobs/sha256/HASH` for the ELF and the input (shared by
//! jobs), `jobs/ID/config.toml`, `jobs/ID/starts/NNNNNN.bin`,
//! `jobs/ID/segments/NNNNNN-HASH.proof` (the hash of its bytes: a proof object is never
//! replaced by a different one) and `jobs/ID/proof.tessera`.

mod cli;
mod queue;
mod store;
mod submit;
pub mod worker;

pub use cli::{
    run_job_command, run_prove, run_worker_command, ClusterArgs, JobCommand, WorkerArgs,
};
pub use queue::{
    redact, ClaimedTask, Completion, JobStatus, NewJob, Queue, TaskResult, TaskStatus,
};
pub use store::{sha256_hex, S3Settings, Store};
pub use submit::{assemble, submit, wait, SubmitOptions};

use openvm_stark_backend::proof::Proof;
use tessera_system::vm::SC;
use thiserror::Error;

use crate::SdkError;

/// The SHA-256 of what a segment proof proves: its trace commitment, trace shapes and public
/// values. Every proof of one segment has the same, whoever makes it; the proof bytes differ
/// (the prover's proof-of-work witnesses come from a parallel search that returns any
/// solution), so duplicates are compared by this.
pub fn statement_sha256(proof: &Proof<SC>) -> String {
    let statement = (
        &proof.common_main_commit,
        &proof.trace_vdata,
        &proof.public_values,
    );
    sha256_hex(&bincode::serialize(&statement).expect("a proof's statement serializes"))
}

/// Why a cluster operation failed.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error(
        "bad database URL {url}: {reason} (expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)"
    )]
    BadDatabaseUrl { url: String, reason: String },
    #[error("cannot reach the database at {url}: {error}")]
    Unreachable { url: String, error: sqlx::Error },
    #[error("cannot migrate the database at {url}: {error}")]
    Migrate {
        url: String,
        error: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("bad store URL {url}: {reason} (expected file:///DIR or s3://BUCKET/PREFIX)")]
    BadStoreUrl { url: String, reason: String },
    #[error("object store {url}: {what}: {error}")]
    Store {
        url: String,
        what: String,
        error: object_store::Error,
    },
    #[error(
        "artifact {name} is corrupted: its SHA-256 is {found}, the database records {expected}"
    )]
    Corrupted {
        name: String,
        found: String,
        expected: String,
    },
    #[error("unknown job {0}")]
    UnknownJob(String),
    #[error("job {id} is {state}")]
    JobFinished { id: String, state: String },
    #[error("job {id} failed: {error}")]
    JobFailed { id: String, error: String },
    #[error("job {0} was cancelled")]
    Cancelled(String),
    #[error("job {id} is not proven yet ({done} of {segments} segments)")]
    NotProven {
        id: String,
        done: usize,
        segments: i32,
    },
    #[error("malformed job {id}: {reason}")]
    MalformedJob { id: String, reason: String },
    #[error(
        "segment {segment} of job {job} was completed twice with proofs of different \
         statements (SHA-256 {first}, then {second}): a worker is faulty"
    )]
    Conflict {
        job: String,
        segment: i32,
        first: String,
        second: String,
    },
    #[error("{0}")]
    Sdk(#[from] SdkError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
