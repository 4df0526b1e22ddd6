//! Claims per second of the cluster's PostgreSQL queue, with many simulated workers on loopback:
//! the number behind the scaling model of `docs/distributed.md`.
//!
//! A job of `--tasks N` segment tasks (default 2000) is drained by W simulated workers, each a
//! Tokio task with its own connection pool (as worker processes have): claim a task, complete it
//! with a fake result, until none is left. No proving and no object store: only the queue's
//! round trips (a claim and a completion per segment, each one transaction). PostgreSQL is a
//! throwaway cluster (`initdb`, `pg_ctl`; fsync off, as in the tests), so the numbers are the
//! database's CPU cost on this machine, an upper bound for a durable production server's rate.
//!
//! ```sh
//! cargo bench -p tessera-sdk --bench claims                 # W = 1, 8, 16, 32, 48
//! cargo bench -p tessera-sdk --bench claims -- --tasks 500 --workers 1,4
//! ```

use std::time::{Duration, Instant};

use tessera_sdk::cluster::{NewJob, Queue, TaskResult};
use tessera_test_utils::Postgres;

struct Args {
    tasks: usize,
    workers: Vec<usize>,
}

fn args() -> Args {
    let mut args = Args {
        tasks: 2000,
        // Each simulated worker has its own pool of up to 2 connections, as a worker process
        // has; beyond 48 of them the throwaway server's default `max_connections = 100` is
        // exhausted (see the scaling model in docs/distributed.md).
        workers: vec![1, 8, 16, 32, 48],
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--tasks" => args.tasks = it.next().and_then(|v| v.parse().ok()).expect("--tasks N"),
            "--workers" => {
                args.workers = it
                    .next()
                    .expect("--workers W,W,..")
                    .split(',')
                    .map(|w| w.parse().expect("a number of workers"))
                    .collect()
            }
            "--quick" => {
                args.tasks = 200;
                args.workers = vec![1, 8];
            }
            _ => {} // `cargo bench` passes `--bench`
        }
    }
    args
}

fn fake_result(segment: i32) -> TaskResult {
    let sha = format!("{segment:064x}");
    TaskResult {
        proof_key: format!("fake/{sha}"),
        proof_sha256: sha.clone(),
        statement_sha256: sha,
        proof_bytes: 1_300_000,
        exit_code: None,
        public_output: None,
        prove_seconds: 0.0,
        task_seconds: 0.0,
    }
}

/// Drains a new job of `tasks` tasks with `workers` simulated workers; returns the seconds.
async fn drain(url: &str, job: &str, tasks: usize, workers: usize) -> f64 {
    let queue = Queue::connect(url).await.expect("connect");
    let sha = "0".repeat(64);
    queue
        .create_job(&NewJob {
            id: job.to_owned(),
            elf_key: "bench/elf".into(),
            elf_sha256: sha.clone(),
            input_key: "bench/input".into(),
            input_sha256: sha.clone(),
            config: String::new(),
            security: "insecure-testing".into(),
            log_stacked_height: 20,
            instret: tasks as i64,
            max_attempts: 3,
            tasks: (0..tasks)
                .map(|i| (format!("bench/{job}/{i}"), sha.clone(), 1 << 20))
                .collect(),
        })
        .await
        .expect("create the job");
    let clock = Instant::now();
    let mut handles = Vec::new();
    for w in 0..workers {
        let url = url.to_owned();
        handles.push(tokio::spawn(async move {
            let queue = Queue::connect(&url).await.expect("connect");
            let id = format!("sim-{w}");
            let mut done = 0usize;
            while let Some(task) = queue
                .claim(&id, Duration::from_secs(600))
                .await
                .expect("claim")
            {
                queue
                    .complete(&task.job_id, task.segment, &id, &fake_result(task.segment))
                    .await
                    .expect("complete");
                done += 1;
            }
            done
        }));
    }
    let mut done = 0;
    for handle in handles {
        done += handle.await.expect("a simulated worker");
    }
    assert_eq!(done, tasks, "every task claimed and completed once");
    clock.elapsed().as_secs_f64()
}

fn main() {
    let args = args();
    let Some(pg) = Postgres::start() else {
        eprintln!("claims: skipped (no PostgreSQL)");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "queue round trips, {} tasks per job, PostgreSQL on loopback, {cores} cores",
        args.tasks
    );
    println!("| simulated workers | seconds | segments / s (claim + complete) | ms per segment per worker |");
    println!("|---|---|---|---|");
    for (i, &workers) in args.workers.iter().enumerate() {
        let job = format!("bench-{i}-{workers}");
        let seconds = rt.block_on(drain(&pg.url, &job, args.tasks, workers));
        let rate = args.tasks as f64 / seconds;
        println!(
            "| {workers} | {seconds:.2} | {rate:.0} | {:.2} |",
            1000.0 * workers as f64 / rate
        );
    }
}
