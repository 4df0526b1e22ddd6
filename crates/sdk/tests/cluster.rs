//! Distributed proving against a real PostgreSQL (a throwaway cluster made by `initdb` and
//! started by `pg_ctl` on a free loopback port for each test) and a directory object store,
//! with workers that are `cargo-tessera worker` processes. No mocks.
//!
//! Without PostgreSQL's server binaries (Debian: `apt-get install postgresql`) the tests say
//! `skipped`, unless `TESSERA_REQUIRE_TOOLS=1` (CI), which makes that a failure (see
//! `tessera_test_utils::Postgres`).
#![cfg(feature = "cluster")]

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    sync::{atomic::AtomicBool, Arc},
    time::{Duration, Instant},
};

use openvm_stark_backend::codec::Encode;
use tessera_sdk::{
    cluster::{
        assemble, statement_sha256, submit, wait, worker::WorkerOptions, ClusterError, Completion,
        JobStatus, Queue, Store, SubmitOptions, TaskResult,
    },
    KeyStore, ProofFile, ProveOptions, Sdk,
};

use tessera_test_utils::Postgres;

mod cluster_support;
use cluster_support::{example, runtime, Worker};

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Everything a test needs: the database, a store, a key cache, a runtime.
struct Cluster {
    pg: Postgres,
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    queue: Queue,
    store: Store,
}

impl Cluster {
    fn start() -> Option<Self> {
        let pg = Postgres::start()?;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("keys")).unwrap();
        let rt = runtime();
        let queue = rt.block_on(Queue::connect(&pg.url)).unwrap();
        let store = Store::open(&format!("file://{}", dir.path().join("store").display())).unwrap();
        Some(Self {
            pg,
            dir,
            rt,
            queue,
            store,
        })
    }

    fn store_url(&self) -> String {
        format!("file://{}", self.dir.path().join("store").display())
    }

    fn keys(&self) -> PathBuf {
        self.dir.path().join("keys")
    }

    fn sdk(&self) -> Sdk {
        Sdk::default()
            .insecure_for_tests()
            .with_key_store(KeyStore::at(self.keys()))
    }

    fn submit(&self, elf: &str, input: &[u8], segment_instructions: u64) -> String {
        self.submit_with(elf, input, segment_instructions, 3)
    }

    fn submit_with(
        &self,
        elf: &str,
        input: &[u8],
        segment_instructions: u64,
        max_attempts: u32,
    ) -> String {
        let elf = std::fs::read(example(elf)).unwrap();
        let options = SubmitOptions {
            prove: ProveOptions {
                segment_instructions: Some(segment_instructions),
                ..ProveOptions::default()
            },
            max_attempts,
        };
        self.rt
            .block_on(submit(
                &self.queue,
                &self.store,
                &self.sdk(),
                &elf,
                input.to_vec(),
                &options,
            ))
            .unwrap()
    }

    fn status(&self, id: &str) -> JobStatus {
        self.rt.block_on(self.queue.status(id)).unwrap()
    }

    /// A `cargo-tessera worker` process; its log goes to `DIR/ID.log`.
    fn spawn_worker(&self, id: &str, lease_seconds: f64) -> Worker {
        self.spawn_worker_with(id, lease_seconds, &[])
    }

    /// [`Cluster::spawn_worker`] with extra environment variables.
    fn spawn_worker_with(&self, id: &str, lease_seconds: f64, env: &[(&str, &str)]) -> Worker {
        let log = self.dir.path().join(format!("{id}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_cargo-tessera"))
            .args([
                "worker",
                "--cluster",
                &self.pg.url,
                "--store",
                &self.store_url(),
            ])
            .args(["--id", id, "--poll-ms", "100"])
            .args(["--lease-seconds", &lease_seconds.to_string()])
            .env("TESSERA_KEY_DIR", self.keys())
            .env("RUST_LOG", "warn,tessera_sdk=info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Worker { child, log }
    }

    /// Waits (at most `seconds`) until the job is proven.
    fn wait(&self, id: &str, seconds: u64) -> JobStatus {
        self.rt
            .block_on(async {
                tokio::time::timeout(
                    Duration::from_secs(seconds),
                    wait(&self.queue, id, Duration::from_millis(100), &mut |_| {}),
                )
                .await
            })
            .unwrap_or_else(|_| {
                panic!("job {id} not proven in {seconds} s: {:#?}", self.status(id))
            })
            .unwrap()
    }

    /// Waits until `worker` holds a task of job `id`; returns its segment.
    fn wait_for_claim(&self, id: &str, worker: &str) -> i32 {
        let clock = Instant::now();
        loop {
            let status = self.status(id);
            if let Some(task) = status
                .tasks
                .iter()
                .find(|t| t.state == "running" && t.worker.as_deref() == Some(worker))
            {
                return task.segment;
            }
            assert!(
                clock.elapsed() < Duration::from_secs(120),
                "{worker} claimed no task: {status:#?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `cargo-tessera ARGS`: (exit code, stdout, stderr).
    fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-tessera"))
            .args(args)
            .env("TESSERA_KEY_DIR", self.keys())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn encoded(file: &ProofFile) -> Vec<Vec<u8>> {
    file.proofs
        .iter()
        .map(|p| p.encode_to_vec().unwrap())
        .collect()
}

/// What each segment proof proves (trace commitments, shapes, public values).
fn statements(file: &ProofFile) -> Vec<String> {
    file.proofs.iter().map(statement_sha256).collect()
}

const SORT_N: u32 = 40;
const SORT_SEGMENT: u64 = 1_500;

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn two_workers_prove_a_job_like_one_machine_and_a_corrupted_proof_is_proven_again() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let input = SORT_N.to_le_bytes();
    let id = cluster.submit("c-sort.elf", &input, SORT_SEGMENT);
    let segments = cluster.status(&id).segments;
    assert!(segments >= 3, "{segments} segments");
    let _workers = [
        cluster.spawn_worker("w1", 30.0),
        cluster.spawn_worker("w2", 30.0),
    ];
    let clock = Instant::now();
    let status = cluster.wait(&id, 600);
    let cluster_seconds = clock.elapsed().as_secs_f64();
    let bytes = cluster
        .rt
        .block_on(assemble(&cluster.queue, &cluster.store, &id))
        .unwrap();
    let file = ProofFile::from_bytes(&bytes).unwrap();

    // The same proof as one machine's, segment for segment, and it verifies.
    let sdk = cluster.sdk();
    let exe = sdk.load_elf_file(example("c-sort.elf")).unwrap();
    let options = ProveOptions {
        segment_instructions: Some(SORT_SEGMENT),
        ..ProveOptions::default()
    };
    let (single, report) = sdk.prove(&exe, input.to_vec(), options).unwrap();
    // Segment for segment the same statement (trace commitment, shapes, public values); the
    // bytes differ where the provers' parallel proof-of-work searches found other witnesses.
    assert_eq!(statements(&file), statements(&single));
    assert_eq!(file.claims, single.claims);
    let identical = encoded(&file)
        .iter()
        .zip(encoded(&single))
        .filter(|(a, b)| **a == *b)
        .count();
    let verified = sdk.verify(&exe, &file).unwrap();
    assert_eq!(verified.exit_code, 0);
    assert_eq!(verified.segments, segments as usize);

    let workers: std::collections::BTreeSet<_> = status
        .tasks
        .iter()
        .filter_map(|t| t.worker.clone())
        .collect();
    let prove: f64 = status.tasks.iter().filter_map(|t| t.prove_seconds).sum();
    let task: f64 = status.tasks.iter().filter_map(|t| t.task_seconds).sum();
    eprintln!(
        "c-sort n={SORT_N}: {segments} segments by {workers:?}; cluster wall {cluster_seconds:.2} s; \
         worker proving {prove:.2} s, whole tasks {task:.2} s; single machine: proving {:.2} s \
         ({:.3} s per segment); proof {} bytes; {identical} segment proofs byte-identical",
        report.prove_seconds,
        report.prove_seconds / segments as f64,
        bytes.len()
    );

    // `job status` and `job fetch` through the CLI.
    let (code, stdout, stderr) = cluster.cli(&["job", "status", &id, "--cluster", &cluster.pg.url]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("proven"), "{stdout}");
    let out = cluster.dir.path().join("fetched.proof");
    let (code, _, stderr) = cluster.cli(&[
        "job",
        "fetch",
        &id,
        "--cluster",
        &cluster.pg.url,
        "--store",
        &cluster.store_url(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    // A corrupted segment proof is detected by its hash and proven again.
    let victim = &status.tasks[1];
    let path = cluster
        .dir
        .path()
        .join("store")
        .join(victim.proof_key.as_ref().unwrap());
    let mut corrupted = std::fs::read(&path).unwrap();
    corrupted[100] ^= 1;
    std::fs::write(&path, corrupted).unwrap();
    let error = cluster
        .rt
        .block_on(assemble(&cluster.queue, &cluster.store, &id))
        .unwrap_err();
    assert!(matches!(error, ClusterError::Corrupted { .. }), "{error}");
    assert!(error.to_string().contains("corrupted"), "{error}");
    cluster.wait(&id, 600);
    let again = cluster
        .rt
        .block_on(assemble(&cluster.queue, &cluster.store, &id))
        .unwrap();
    let again = ProofFile::from_bytes(&again).unwrap();
    assert_eq!(statements(&again), statements(&file));
    sdk.verify(&exe, &again).unwrap();
    assert_eq!(cluster.status(&id).tasks[1].attempts, 2);
}

#[test]
fn a_task_of_a_worker_killed_mid_proof_is_reclaimed_after_its_lease() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let id = cluster.submit("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT);
    let mut doomed = cluster.spawn_worker("doomed", 3.0);
    // Wait until it holds a task, then SIGKILL it.
    let held = cluster.wait_for_claim(&id, "doomed");
    doomed.kill();
    let _survivor = cluster.spawn_worker("survivor", 3.0);
    let status = cluster.wait(&id, 600);
    let task = &status.tasks[held as usize];
    assert_eq!(task.state, "done");
    assert_eq!(task.worker.as_deref(), Some("survivor"));
    assert!(task.attempts >= 2, "{task:?}");
    let bytes = cluster
        .rt
        .block_on(assemble(&cluster.queue, &cluster.store, &id))
        .unwrap();
    let sdk = cluster.sdk();
    let exe = sdk.load_elf_file(example("c-sort.elf")).unwrap();
    sdk.verify(&exe, &ProofFile::from_bytes(&bytes).unwrap())
        .unwrap();
}

/// A result whose proof hashes to `sha` and proves statement `statement`.
fn fake_result(sha: &str, statement: &str) -> TaskResult {
    TaskResult {
        proof_key: format!("fake/{sha}"),
        proof_sha256: sha.to_owned(),
        statement_sha256: statement.to_owned(),
        proof_bytes: 1,
        exit_code: None,
        public_output: None,
        prove_seconds: 0.0,
        task_seconds: 0.0,
    }
}

#[test]
fn a_duplicate_completion_is_detected_and_written_once() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let id = cluster.submit("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT);
    let (queue, rt) = (&cluster.queue, &cluster.rt);
    let lease = Duration::from_secs(30);
    let task = rt.block_on(queue.claim("a", lease)).unwrap().unwrap();
    assert_eq!((task.job_id.as_str(), task.segment), (id.as_str(), 0));
    // Another worker's claim skips the claimed task.
    let other = rt.block_on(queue.claim("b", lease)).unwrap().unwrap();
    assert_eq!(other.segment, 1);

    let first = rt
        .block_on(queue.complete(&id, 0, "a", &fake_result("aa", "s")))
        .unwrap();
    assert_eq!(first, Completion::Accepted { job_proven: false });
    // The same proof again, and another proof of the same statement: counted, not written.
    let second = rt
        .block_on(queue.complete(&id, 0, "a", &fake_result("aa", "s")))
        .unwrap();
    assert_eq!(second, Completion::Duplicate { identical: true });
    let third = rt
        .block_on(queue.complete(&id, 0, "b", &fake_result("cc", "s")))
        .unwrap();
    assert_eq!(third, Completion::Duplicate { identical: false });
    // A proof of another statement: refused (a faulty worker).
    let conflict = rt
        .block_on(queue.complete(&id, 0, "b", &fake_result("bb", "t")))
        .unwrap_err();
    assert!(
        matches!(conflict, ClusterError::Conflict { .. }),
        "{conflict}"
    );
    let task = &cluster.status(&id).tasks[0];
    assert_eq!(task.state, "done");
    assert_eq!(task.worker.as_deref(), Some("a"));
    assert_eq!(task.proof_sha256.as_deref(), Some("aa"));
    assert_eq!(task.duplicates, 2);
    // The other task is still the other worker's.
    assert_eq!(cluster.status(&id).tasks[1].worker.as_deref(), Some("b"));
}

#[test]
fn a_cancelled_job_is_not_claimed_and_its_results_are_discarded() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let id = cluster.submit("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT);
    let (queue, rt) = (&cluster.queue, &cluster.rt);
    let task = rt
        .block_on(queue.claim("a", Duration::from_secs(30)))
        .unwrap()
        .unwrap();
    let (code, _, stderr) = cluster.cli(&["job", "cancel", &id, "--cluster", &cluster.pg.url]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!rt
        .block_on(queue.heartbeat(&id, task.segment, "a", Duration::from_secs(30)))
        .unwrap());
    let late = rt
        .block_on(queue.complete(&id, task.segment, "a", &fake_result("aa", "s")))
        .unwrap();
    assert_eq!(
        late,
        Completion::Discarded {
            job_state: "cancelled".into()
        }
    );
    assert!(rt
        .block_on(queue.claim("b", Duration::from_secs(30)))
        .unwrap()
        .is_none());
    let status = cluster.status(&id);
    assert_eq!(status.state, "cancelled");
    assert!(status.tasks.iter().all(|t| t.state == "cancelled"));
    let (code, _, stderr) = cluster.cli(&["job", "cancel", &id, "--cluster", &cluster.pg.url]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is cancelled"), "{stderr}");
    let error = rt
        .block_on(assemble(queue, &cluster.store, &id))
        .unwrap_err();
    assert!(matches!(error, ClusterError::Cancelled(_)), "{error}");
}

#[test]
fn malformed_jobs_and_corrupted_inputs_fail_with_clear_errors() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let (queue, rt) = (&cluster.queue, &cluster.rt);
    // Not an ELF: refused at submission.
    let error = rt
        .block_on(submit(
            queue,
            &cluster.store,
            &cluster.sdk(),
            b"not an ELF",
            vec![],
            &SubmitOptions::default(),
        ))
        .unwrap_err();
    assert!(error.to_string().contains("ELF"), "{error}");

    // A job whose configuration names an unknown extension, and one whose segment start
    // was corrupted in the store: a worker fails each at once, with the reason.
    let unknown = cluster.submit("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT);
    rt.block_on(
        sqlx::query(
            "UPDATE tessera_jobs SET config = 'extensions = [\"rv32im\", \"nope\"]' WHERE id = $1",
        )
        .bind(&unknown)
        .execute(queue.pool()),
    )
    .unwrap();
    let corrupted = cluster.submit("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT);
    let start = cluster.status(&corrupted);
    let key: String = rt
        .block_on(
            sqlx::query_scalar(
                "SELECT start_key FROM tessera_tasks WHERE job_id = $1 AND segment = 0",
            )
            .bind(&corrupted)
            .fetch_one(queue.pool()),
        )
        .unwrap();
    assert_eq!(start.tasks[0].state, "pending");
    std::fs::write(cluster.dir.path().join("store").join(&key), b"garbage").unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (queue, store, stop) = (queue.clone(), cluster.store.clone(), stop.clone());
        let options = WorkerOptions {
            id: "in-process".into(),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(50),
            max_tasks: None,
        };
        rt.spawn(async move {
            tessera_sdk::cluster::worker::run_worker(&queue, &store, &options, stop).await
        })
    };
    for (id, reason) in [(&unknown, "nope"), (&corrupted, "corrupted")] {
        let error = rt
            .block_on(async {
                tokio::time::timeout(
                    Duration::from_secs(120),
                    wait(queue, id, Duration::from_millis(50), &mut |_| {}),
                )
                .await
            })
            .unwrap()
            .unwrap_err();
        assert!(matches!(error, ClusterError::JobFailed { .. }), "{error}");
        assert!(error.to_string().contains(reason), "{error}");
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    rt.block_on(worker).unwrap().unwrap();
}

#[test]
fn cli_errors_are_clear() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.pg.url.clone();
    let store = cluster.store_url();
    let elf = example("c-sort.elf");
    let elf = elf.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["job", "status", "0123456789abcdef", "--cluster", &url],
            "unknown job 0123456789abcdef",
        ),
        (
            vec!["job", "status", "x", "--cluster", "mysql://localhost/db"],
            "bad database URL",
        ),
        (
            vec![
                "job",
                "status",
                "x",
                "--cluster",
                "postgres://user:secret@127.0.0.1:1/db",
            ],
            "cannot reach the database",
        ),
        (
            vec!["job", "cancel", "0123456789abcdef", "--cluster", &url],
            "unknown job",
        ),
        (
            vec!["worker", "--cluster", &url, "--store", "ftp://host/dir"],
            "bad store URL",
        ),
        (
            vec!["prove", elf, "--out", "/tmp/x.proof", "--cluster", &url],
            "--cluster needs --store",
        ),
        (
            vec![
                "job",
                "fetch",
                "0123456789abcdef",
                "--cluster",
                &url,
                "--store",
                &store,
                "--out",
                "/tmp/x.proof",
            ],
            "unknown job",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, stderr) = cluster.cli(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("secret"),
            "{args:?} shows the password: {stderr}"
        );
    }
}

#[test]
fn sigterm_stops_a_worker_after_the_task_in_progress() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let id = cluster.submit("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT);
    let mut worker = cluster.spawn_worker("polite", 30.0);
    let held = cluster.wait_for_claim(&id, "polite");
    let status = Command::new("kill")
        .args(["-TERM", &worker.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let clock = Instant::now();
    let exit = loop {
        if let Some(exit) = worker.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            clock.elapsed() < Duration::from_secs(120),
            "the worker did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    // The task it held was finished and uploaded, and it holds nothing now.
    let status = cluster.status(&id);
    let task = &status.tasks[held as usize];
    assert_eq!(
        (task.state.as_str(), task.worker.as_deref()),
        ("done", Some("polite"))
    );
    assert!(
        status.tasks.iter().all(|t| t.state != "running"),
        "{status:#?}"
    );
    assert!(
        status.tasks.iter().any(|t| t.state == "pending"),
        "{status:#?}"
    );
}

#[test]
fn a_lease_that_expires_on_the_last_attempt_fails_the_job() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let id = cluster.submit_with("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT, 1);
    let (queue, rt) = (&cluster.queue, &cluster.rt);
    let task = rt
        .block_on(queue.claim("gone", Duration::from_secs(1)))
        .unwrap()
        .unwrap();
    assert_eq!(task.segment, 0);
    std::thread::sleep(Duration::from_millis(1500));
    // The next claim reaps the expired task: no attempt left, so it fails, and the job too;
    // nothing of that job is claimable any more.
    assert!(rt
        .block_on(queue.claim("next", Duration::from_secs(30)))
        .unwrap()
        .is_none());
    let status = cluster.status(&id);
    assert_eq!(status.state, "failed");
    assert_eq!(status.tasks[0].state, "failed");
    let error = status.error.unwrap();
    assert!(
        error.contains("segment 0") && error.contains("worker gone expired on attempt 1 of 1"),
        "{error}"
    );
}

#[test]
fn a_database_crash_during_a_job_loses_nothing() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let id = cluster.submit("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT);
    let _worker = cluster.spawn_worker("steady", 30.0);
    let clock = Instant::now();
    while cluster.status(&id).done == 0 {
        assert!(clock.elapsed() < Duration::from_secs(120), "nothing proven");
        std::thread::sleep(Duration::from_millis(20));
    }
    cluster.pg.crash_and_restart();
    let status = cluster.wait(&id, 600);
    assert!(status.tasks.iter().all(|t| t.state == "done"));
    let bytes = cluster
        .rt
        .block_on(assemble(&cluster.queue, &cluster.store, &id))
        .unwrap();
    let sdk = cluster.sdk();
    let exe = sdk.load_elf_file(example("c-sort.elf")).unwrap();
    sdk.verify(&exe, &ProofFile::from_bytes(&bytes).unwrap())
        .unwrap();
}

#[test]
fn a_worker_refuses_a_segment_too_large_for_its_memory() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let id = cluster.submit_with("c-sort.elf", &SORT_N.to_le_bytes(), SORT_SEGMENT, 2);
    // A worker told it has 16 MiB: it refuses every attempt before any work, and the job fails
    // with the reason instead of a worker killed by the OS.
    let _worker = cluster.spawn_worker_with("small", 30.0, &[("TESSERA_MEMORY_LIMIT", "16M")]);
    let clock = Instant::now();
    let status = loop {
        let status = cluster.status(&id);
        if status.state == "failed" {
            break status;
        }
        assert!(
            clock.elapsed() < Duration::from_secs(120),
            "the job did not fail: {status:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.done, 0);
    let error = status.error.unwrap();
    assert!(
        error.contains("needs about") && error.contains("TESSERA_MEMORY_LIMIT"),
        "{error}"
    );
}
