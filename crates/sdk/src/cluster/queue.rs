//! The job queue and the state of every job, in PostgreSQL.
//!
//! A worker claims a task with `SELECT ... FOR UPDATE SKIP LOCKED` (concurrent claims never
//! wait on each other nor take the same task) under a lease that it renews by heartbeat; a
//! task whose lease expired is claimable again, up to its `max_attempts`; then it fails and
//! fails its job. A result is written once: a second completion of a done task is compared
//! with the first by the SHA-256 of its proof and counted, never written.

use std::{str::FromStr, time::Duration};

use serde::Serialize;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool, Row,
};

use super::ClusterError;

/// A connection pool to the cluster's database (migrated on connect).
#[derive(Clone, Debug)]
pub struct Queue {
    pool: PgPool,
}

/// A new job as [`Queue::create_job`] records it (its artifacts already in the store).
#[derive(Clone, Debug)]
pub struct NewJob {
    pub id: String,
    pub elf_key: String,
    pub elf_sha256: String,
    pub input_key: String,
    pub input_sha256: String,
    pub config: String,
    pub security: String,
    pub log_stacked_height: i32,
    pub instret: i64,
    pub max_attempts: i32,
    /// Per segment: start artifact name, its SHA-256, instructions.
    pub tasks: Vec<(String, String, i64)>,
}

/// A claimed task with what a worker needs to prove it.
#[derive(Clone, Debug)]
pub struct ClaimedTask {
    pub job_id: String,
    pub segment: i32,
    pub attempt: i32,
    pub start_key: String,
    pub start_sha256: String,
    pub num_insns: i64,
    pub elf_key: String,
    pub elf_sha256: String,
    pub input_key: String,
    pub input_sha256: String,
    pub config: String,
    pub security: String,
    pub log_stacked_height: i32,
    pub segments: i32,
}

/// The result of a proven segment.
#[derive(Clone, Debug)]
pub struct TaskResult {
    pub proof_key: String,
    pub proof_sha256: String,
    /// What the proof proves ([`super::statement_sha256`]).
    pub statement_sha256: String,
    pub proof_bytes: i64,
    /// The guest's exit code, for the last segment.
    pub exit_code: Option<u32>,
    /// The public output with its proof (JSON), for the last segment.
    pub public_output: Option<String>,
    pub prove_seconds: f64,
    /// The whole task until its completion: downloads, keys, proof, upload.
    pub task_seconds: f64,
}

/// What a completion did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// The result was recorded; `job_proven` when it was the job's last missing segment.
    Accepted { job_proven: bool },
    /// The task was already done with a proof of the same statement: nothing written
    /// (counted). `identical`: the same bytes too (proofs of one segment differ in their
    /// proof-of-work witnesses, found by a parallel search).
    Duplicate { identical: bool },
    /// The job is no longer running (cancelled or failed): nothing written.
    Discarded { job_state: String },
}

/// A job's state and its tasks'.
#[derive(Clone, Debug, Serialize)]
pub struct JobStatus {
    pub id: String,
    pub state: String,
    pub error: Option<String>,
    pub config: String,
    pub security: String,
    pub log_stacked_height: i32,
    pub instret: i64,
    pub segments: i32,
    pub done: usize,
    pub proof_key: Option<String>,
    pub proof_sha256: Option<String>,
    #[serde(skip)]
    pub elf_key: String,
    #[serde(skip)]
    pub elf_sha256: String,
    pub tasks: Vec<TaskStatus>,
}

/// A task's state.
#[derive(Clone, Debug, Serialize)]
pub struct TaskStatus {
    pub segment: i32,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub worker: Option<String>,
    pub error: Option<String>,
    pub num_insns: i64,
    pub proof_key: Option<String>,
    pub proof_sha256: Option<String>,
    pub proof_bytes: Option<i64>,
    pub exit_code: Option<i64>,
    #[serde(skip)]
    pub public_output: Option<String>,
    pub prove_seconds: Option<f64>,
    pub task_seconds: Option<f64>,
    /// Completions after the first (each compared with it and discarded).
    pub duplicates: i32,
    /// Seconds left on the lease of a running task (negative: expired).
    pub lease_left_seconds: Option<f64>,
}

/// `url` with its password replaced by `***` (for messages).
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl Queue {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or
    /// `postgres:///DATABASE?host=/SOCKET/DIR`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, ClusterError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ClusterError::BadDatabaseUrl {
                url: redact(url),
                reason: "not a postgres:// URL".into(),
            });
        }
        let options =
            PgConnectOptions::from_str(url).map_err(|e| ClusterError::BadDatabaseUrl {
                url: redact(url),
                reason: e.to_string(),
            })?;
        // Two connections: a worker's claims and completions, and its heartbeat while it
        // proves. More would only cost the server: with 1,000 workers, every connection per
        // worker is 1,000 server connections (see the scaling model in docs/distributed.md).
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|error| ClusterError::Unreachable {
                url: redact(url),
                error,
            })?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|error| ClusterError::Migrate {
                url: redact(url),
                error,
            })?;
        Ok(Self { pool })
    }

    /// The pool (for tests and tools).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Records a job and its tasks, all pending, in one transaction.
    pub async fn create_job(&self, job: &NewJob) -> Result<(), ClusterError> {
        if job.tasks.is_empty() {
            return Err(ClusterError::MalformedJob {
                id: job.id.clone(),
                reason: "a job has at least one segment".into(),
            });
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tessera_jobs (id, state, elf_key, elf_sha256, input_key, input_sha256, \
             config, security, log_stacked_height, instret, segments) \
             VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&job.id)
        .bind(&job.elf_key)
        .bind(&job.elf_sha256)
        .bind(&job.input_key)
        .bind(&job.input_sha256)
        .bind(&job.config)
        .bind(&job.security)
        .bind(job.log_stacked_height)
        .bind(job.instret)
        .bind(job.tasks.len() as i32)
        .execute(&mut *tx)
        .await?;
        for (segment, (key, sha, num_insns)) in job.tasks.iter().enumerate() {
            sqlx::query(
                "INSERT INTO tessera_tasks (job_id, segment, state, start_key, start_sha256, \
                 num_insns, max_attempts) VALUES ($1, $2, 'pending', $3, $4, $5, $6)",
            )
            .bind(&job.id)
            .bind(segment as i32)
            .bind(key)
            .bind(sha)
            .bind(num_insns)
            .bind(job.max_attempts)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Fails the tasks whose lease expired on their last attempt, and their jobs.
    async fn reap(&self) -> Result<(), ClusterError> {
        sqlx::query(
            "WITH dead AS ( \
               UPDATE tessera_tasks SET state = 'failed', updated_at = now(), \
                 error = concat_ws('; ', error, 'the lease of worker ' || coalesce(worker, '?') \
                   || ' expired on attempt ' || attempts || ' of ' || max_attempts) \
               WHERE state = 'running' AND lease_expires < now() AND attempts >= max_attempts \
               RETURNING job_id, segment, attempts, error) \
             UPDATE tessera_jobs j SET state = 'failed', updated_at = now(), \
               error = 'segment ' || dead.segment || ' failed after ' || dead.attempts \
                 || ' attempt(s): ' || dead.error \
             FROM dead WHERE j.id = dead.job_id AND j.state = 'running'",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims the oldest job's first claimable task (pending, or running under an expired
    /// lease, with attempts left) for `worker`, under a lease of `lease`.
    pub async fn claim(
        &self,
        worker: &str,
        lease: Duration,
    ) -> Result<Option<ClaimedTask>, ClusterError> {
        self.reap().await?;
        let row = sqlx::query(
            "UPDATE tessera_tasks t SET state = 'running', worker = $1, \
               attempts = t.attempts + 1, lease_expires = now() + make_interval(secs => $2), \
               updated_at = now() \
             FROM ( \
               SELECT c.job_id, c.segment FROM tessera_tasks c \
               JOIN tessera_jobs j ON j.id = c.job_id \
               WHERE j.state = 'running' AND c.attempts < c.max_attempts \
                 AND (c.state = 'pending' OR (c.state = 'running' AND c.lease_expires < now())) \
               ORDER BY j.created_at, c.job_id, c.segment \
               LIMIT 1 FOR UPDATE OF c SKIP LOCKED) next, tessera_jobs j \
             WHERE t.job_id = next.job_id AND t.segment = next.segment AND j.id = t.job_id \
             RETURNING t.job_id, t.segment, t.attempts, t.start_key, t.start_sha256, \
               t.num_insns, j.elf_key, j.elf_sha256, j.input_key, j.input_sha256, j.config, \
               j.security, j.log_stacked_height, j.segments",
        )
        .bind(worker)
        .bind(lease.as_secs_f64())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| ClaimedTask {
            job_id: row.get("job_id"),
            segment: row.get("segment"),
            attempt: row.get("attempts"),
            start_key: row.get("start_key"),
            start_sha256: row.get("start_sha256"),
            num_insns: row.get("num_insns"),
            elf_key: row.get("elf_key"),
            elf_sha256: row.get("elf_sha256"),
            input_key: row.get("input_key"),
            input_sha256: row.get("input_sha256"),
            config: row.get("config"),
            security: row.get("security"),
            log_stacked_height: row.get("log_stacked_height"),
            segments: row.get("segments"),
        }))
    }

    /// Renews `worker`'s lease on a task; `false` if the worker no longer holds it (the lease
    /// was taken over, or the job is no longer running).
    pub async fn heartbeat(
        &self,
        job_id: &str,
        segment: i32,
        worker: &str,
        lease: Duration,
    ) -> Result<bool, ClusterError> {
        let done = sqlx::query(
            "UPDATE tessera_tasks t SET lease_expires = now() + make_interval(secs => $4), \
               updated_at = now() \
             FROM tessera_jobs j \
             WHERE j.id = t.job_id AND j.state = 'running' AND t.job_id = $1 \
               AND t.segment = $2 AND t.worker = $3 AND t.state = 'running'",
        )
        .bind(job_id)
        .bind(segment)
        .bind(worker)
        .bind(lease.as_secs_f64())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the result of a task, once (see [`Completion`]). A completion by a worker whose
    /// lease was taken over is accepted if the task is not done yet: a segment's proof is the
    /// same whoever makes it, and the assembler checks every proof's hash.
    pub async fn complete(
        &self,
        job_id: &str,
        segment: i32,
        worker: &str,
        result: &TaskResult,
    ) -> Result<Completion, ClusterError> {
        let mut tx = self.pool.begin().await?;
        // Locks the task and its job: completions of one job's tasks are serialized, so
        // exactly one of them sees the job's last segment done.
        let row = sqlx::query(
            "SELECT t.state AS task_state, t.proof_sha256, t.statement_sha256, \
               j.state AS job_state \
             FROM tessera_tasks t JOIN tessera_jobs j ON j.id = t.job_id \
             WHERE t.job_id = $1 AND t.segment = $2 FOR UPDATE",
        )
        .bind(job_id)
        .bind(segment)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ClusterError::UnknownJob(format!("{job_id} (segment {segment})")))?;
        let task_state: String = row.get("task_state");
        let job_state: String = row.get("job_state");
        if task_state == "done" {
            let first: Option<String> = row.get("statement_sha256");
            let first = first.unwrap_or_default();
            if first != result.statement_sha256 {
                return Err(ClusterError::Conflict {
                    job: job_id.to_owned(),
                    segment,
                    first,
                    second: result.statement_sha256.clone(),
                });
            }
            let first_proof: Option<String> = row.get("proof_sha256");
            let identical = first_proof.as_deref() == Some(result.proof_sha256.as_str());
            sqlx::query(
                "UPDATE tessera_tasks SET duplicates = duplicates + 1 \
                 WHERE job_id = $1 AND segment = $2",
            )
            .bind(job_id)
            .bind(segment)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Completion::Duplicate { identical });
        }
        if job_state != "running" {
            return Ok(Completion::Discarded { job_state });
        }
        sqlx::query(
            "UPDATE tessera_tasks SET state = 'done', worker = $3, lease_expires = NULL, \
               proof_key = $4, proof_sha256 = $5, proof_bytes = $6, exit_code = $7, \
               public_output = $8, prove_seconds = $9, task_seconds = $10, \
               statement_sha256 = $11, updated_at = now() \
             WHERE job_id = $1 AND segment = $2",
        )
        .bind(job_id)
        .bind(segment)
        .bind(worker)
        .bind(&result.proof_key)
        .bind(&result.proof_sha256)
        .bind(result.proof_bytes)
        .bind(result.exit_code.map(i64::from))
        .bind(&result.public_output)
        .bind(result.prove_seconds)
        .bind(result.task_seconds)
        .bind(&result.statement_sha256)
        .execute(&mut *tx)
        .await?;
        let missing: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM tessera_tasks WHERE job_id = $1 AND state <> 'done'",
        )
        .bind(job_id)
        .fetch_one(&mut *tx)
        .await?;
        if missing == 0 {
            sqlx::query(
                "UPDATE tessera_jobs SET state = 'proven', updated_at = now() WHERE id = $1",
            )
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Completion::Accepted {
            job_proven: missing == 0,
        })
    }

    /// Records that `worker` failed to prove a task: it is pending again, or failed (and its
    /// job with it) once its attempts are used up, or at once if the error is `permanent`
    /// (another attempt would fail the same way). Returns whether the job failed.
    pub async fn fail(
        &self,
        job_id: &str,
        segment: i32,
        worker: &str,
        error: &str,
        permanent: bool,
    ) -> Result<bool, ClusterError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE tessera_tasks SET \
               state = CASE WHEN $5 OR attempts >= max_attempts THEN 'failed' ELSE 'pending' END, \
               error = $4, worker = NULL, lease_expires = NULL, updated_at = now() \
             WHERE job_id = $1 AND segment = $2 AND worker = $3 AND state = 'running' \
             RETURNING state, attempts",
        )
        .bind(job_id)
        .bind(segment)
        .bind(worker)
        .bind(error)
        .bind(permanent)
        .fetch_optional(&mut *tx)
        .await?;
        let mut job_failed = false;
        if let Some(row) = row {
            let state: String = row.get("state");
            let attempts: i32 = row.get("attempts");
            if state == "failed" {
                sqlx::query(
                    "UPDATE tessera_jobs SET state = 'failed', updated_at = now(), error = $2 \
                     WHERE id = $1 AND state = 'running'",
                )
                .bind(job_id)
                .bind(format!(
                    "segment {segment} failed after {attempts} attempt(s): {error}"
                ))
                .execute(&mut *tx)
                .await?;
                job_failed = true;
            }
        }
        tx.commit().await?;
        Ok(job_failed)
    }

    /// Gives a claimed task back unproven (a worker stopping): pending again, and the attempt
    /// does not count.
    pub async fn release(
        &self,
        job_id: &str,
        segment: i32,
        worker: &str,
    ) -> Result<(), ClusterError> {
        sqlx::query(
            "UPDATE tessera_tasks SET state = 'pending', attempts = greatest(attempts - 1, 0), \
               worker = NULL, lease_expires = NULL, updated_at = now() \
             WHERE job_id = $1 AND segment = $2 AND worker = $3 AND state = 'running'",
        )
        .bind(job_id)
        .bind(segment)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sends a done task back to the queue because its proof artifact is not what was
    /// recorded (`reason`); its job runs again until it is proven anew.
    pub async fn requeue(
        &self,
        job_id: &str,
        segment: i32,
        reason: &str,
    ) -> Result<(), ClusterError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE tessera_tasks SET state = 'pending', proof_key = NULL, proof_sha256 = NULL, \
               statement_sha256 = NULL, proof_bytes = NULL, attempts = least(attempts, max_attempts - 1), worker = NULL, \
               lease_expires = NULL, error = $3, updated_at = now() \
             WHERE job_id = $1 AND segment = $2 AND state = 'done'",
        )
        .bind(job_id)
        .bind(segment)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE tessera_jobs SET state = 'running', updated_at = now() \
             WHERE id = $1 AND state = 'proven'",
        )
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Cancels a running job: its unfinished tasks are cancelled, and results that arrive
    /// later are discarded.
    pub async fn cancel(&self, job_id: &str) -> Result<(), ClusterError> {
        let mut tx = self.pool.begin().await?;
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM tessera_jobs WHERE id = $1 FOR UPDATE")
                .bind(job_id)
                .fetch_optional(&mut *tx)
                .await?;
        match state.as_deref() {
            None => return Err(ClusterError::UnknownJob(job_id.to_owned())),
            Some("running") => {}
            Some(state) => {
                return Err(ClusterError::JobFinished {
                    id: job_id.to_owned(),
                    state: state.to_owned(),
                })
            }
        }
        sqlx::query(
            "UPDATE tessera_jobs SET state = 'cancelled', error = 'cancelled', \
             updated_at = now() WHERE id = $1",
        )
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE tessera_tasks SET state = 'cancelled', lease_expires = NULL, \
             updated_at = now() WHERE job_id = $1 AND state IN ('pending', 'running')",
        )
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the assembled proof file of a proven job.
    pub async fn record_proof(
        &self,
        job_id: &str,
        key: &str,
        sha256: &str,
    ) -> Result<(), ClusterError> {
        sqlx::query(
            "UPDATE tessera_jobs SET proof_key = $2, proof_sha256 = $3, updated_at = now() \
             WHERE id = $1",
        )
        .bind(job_id)
        .bind(key)
        .bind(sha256)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A job's state and its tasks'.
    pub async fn status(&self, job_id: &str) -> Result<JobStatus, ClusterError> {
        let job = sqlx::query(
            "SELECT id, state, error, config, security, log_stacked_height, instret, segments, \
             proof_key, proof_sha256, elf_key, elf_sha256 FROM tessera_jobs WHERE id = $1",
        )
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| ClusterError::UnknownJob(job_id.to_owned()))?;
        let tasks: Vec<TaskStatus> = sqlx::query(
            "SELECT segment, state, attempts, max_attempts, worker, error, num_insns, proof_key, \
               proof_sha256, proof_bytes, exit_code, public_output, prove_seconds, task_seconds, duplicates, \
               CASE WHEN state = 'running' \
                 THEN extract(epoch FROM lease_expires - now())::float8 END AS lease_left \
             FROM tessera_tasks WHERE job_id = $1 ORDER BY segment",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| TaskStatus {
            segment: row.get("segment"),
            state: row.get("state"),
            attempts: row.get("attempts"),
            max_attempts: row.get("max_attempts"),
            worker: row.get("worker"),
            error: row.get("error"),
            num_insns: row.get("num_insns"),
            proof_key: row.get("proof_key"),
            proof_sha256: row.get("proof_sha256"),
            proof_bytes: row.get("proof_bytes"),
            exit_code: row.get("exit_code"),
            public_output: row.get("public_output"),
            prove_seconds: row.get("prove_seconds"),
            task_seconds: row.get("task_seconds"),
            duplicates: row.get("duplicates"),
            lease_left_seconds: row.get("lease_left"),
        })
        .collect();
        Ok(JobStatus {
            id: job.get("id"),
            state: job.get("state"),
            error: job.get("error"),
            config: job.get("config"),
            security: job.get("security"),
            log_stacked_height: job.get("log_stacked_height"),
            instret: job.get("instret"),
            segments: job.get("segments"),
            done: tasks.iter().filter(|t| t.state == "done").count(),
            proof_key: job.get("proof_key"),
            proof_sha256: job.get("proof_sha256"),
            elf_key: job.get("elf_key"),
            elf_sha256: job.get("elf_sha256"),
            tasks,
        })
    }
}
