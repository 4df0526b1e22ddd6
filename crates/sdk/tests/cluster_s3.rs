//! Distributed proving with an S3 object store: a real S3-compatible server (`s3s-fs`, started
//! by each test on a free loopback port with its data in a temporary directory, killed when
//! the test ends), a throwaway PostgreSQL for the queue (`tessera_test_utils::Postgres`) and a
//! `cargo-tessera worker` process configured through the `AWS_*` variables. No mocks.
//!
//! Needs the `s3` feature: `cargo test --release -p tessera-sdk --features s3 --test
//! cluster_s3` (CI runs it so, `.ci/run`). Without `s3s-fs` (`cargo install --locked s3s-fs
//! --version 0.14.1 --features binary`; `$TESSERA_S3S_FS` names another binary) or PostgreSQL,
//! the tests that need them say `skipped`, unless `TESSERA_REQUIRE_TOOLS=1` (CI), which makes
//! that a failure.
#![cfg(feature = "s3")]

use std::{
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use tessera_sdk::{
    cluster::{assemble, submit, wait, ClusterError, Queue, S3Settings, Store, SubmitOptions},
    KeyStore, ProofFile, ProveOptions, Sdk,
};
use tessera_test_utils::Postgres;

mod cluster_support;
use cluster_support::{example, runtime, Worker};

const BUCKET: &str = "tessera";
const PREFIX: &str = "ci/cluster";
const ACCESS_KEY: &str = "tessera-access";
const SECRET_KEY: &str = "tessera-secret-key";
const REGION: &str = "us-east-1";

/// The version `.ci/run` installs.
const S3S_FS_INSTALL: &str = "cargo install --locked s3s-fs --version 0.14.1 --features binary";

fn require_tools() -> bool {
    std::env::var("TESSERA_REQUIRE_TOOLS").as_deref() == Ok("1")
}

/// `s3s-fs`: `$TESSERA_S3S_FS`, else on `PATH`, else in cargo's bin directory.
fn s3s_fs() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TESSERA_S3S_FS") {
        return Some(path.into());
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(Path::new(&home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|dir| dir.join("s3s-fs"))
        .find(|path| path.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `s3s-fs` serving bucket [`BUCKET`] (a directory under its root) with the
/// credentials [`ACCESS_KEY`], [`SECRET_KEY`]; killed when dropped (its log printed if the
/// test is failing).
struct S3Server {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl S3Server {
    /// Starts one, or returns `None` (test skipped) if `s3s-fs` is not installed.
    fn start() -> Option<Self> {
        let Some(bin) = s3s_fs() else {
            let message = format!("the S3 server s3s-fs is missing ({S3S_FS_INSTALL})");
            if require_tools() {
                panic!("{message}");
            }
            eprintln!("skipped: {message}");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("tessera-s3")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("root").join(BUCKET)).unwrap();
        let mut server = Self {
            bin,
            dir,
            port: free_port(),
            child: None,
        };
        server.run();
        Some(server)
    }

    /// Starts the server (again) on its port and waits until it accepts connections.
    fn run(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .unwrap();
        let mut child = Command::new(&self.bin)
            .arg(self.root())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        let clock = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(exit) = child.try_wait().unwrap() {
                panic!("s3s-fs exited ({exit}): {}", self.log_text());
            }
            assert!(
                clock.elapsed() < Duration::from_secs(20),
                "s3s-fs does not listen on port {}: {}",
                self.port,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("s3s-fs.log")
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The settings of a client of this server.
    fn settings(&self) -> S3Settings {
        settings(&self.endpoint())
    }

    /// Where the server keeps the object `name` of the store [`store_url`].
    fn object(&self, name: &str) -> PathBuf {
        self.root().join(BUCKET).join(PREFIX).join(name)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("--- s3s-fs log:\n{}", self.log_text());
        }
    }
}

fn store_url() -> String {
    format!("s3://{BUCKET}/{PREFIX}")
}

fn settings(endpoint: &str) -> S3Settings {
    S3Settings {
        endpoint: Some(endpoint.to_owned()),
        region: Some(REGION.to_owned()),
        access_key_id: Some(ACCESS_KEY.to_owned()),
        secret_access_key: Some(SECRET_KEY.to_owned()),
        allow_http: true,
    }
}

/// `cargo-tessera` with the S3 settings of `endpoint` in its environment (and none of the
/// `AWS_*` variables of this process's), or none at all when `endpoint` is `None`.
fn cargo_tessera(endpoint: Option<&str>, keys: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-tessera"));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|name| name.starts_with("AWS_")) {
            command.env_remove(name);
        }
    }
    if let Some(endpoint) = endpoint {
        command
            .env("AWS_ENDPOINT", endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    }
    command.env("TESSERA_KEY_DIR", keys);
    command
}

/// (exit code, stderr) of `command`.
fn output(command: &mut Command) -> (i32, String) {
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SORT_N: u32 = 40;
const SORT_SEGMENT: u64 = 1_500;

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn a_worker_proves_a_job_through_an_s3_store() {
    let Some(s3) = S3Server::start() else {
        return;
    };
    let Some(pg) = Postgres::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let sdk = Sdk::default()
        .insecure_for_tests()
        .with_key_store(KeyStore::at(&keys));
    let rt = runtime();
    let queue = rt.block_on(Queue::connect(&pg.url)).unwrap();
    let store = Store::open_with(&store_url(), &s3.settings()).unwrap();

    // Submitted in this process (settings given explicitly)...
    let elf = std::fs::read(example("c-sort.elf")).unwrap();
    let input = SORT_N.to_le_bytes();
    let options = SubmitOptions {
        prove: ProveOptions {
            segment_instructions: Some(SORT_SEGMENT),
            ..ProveOptions::default()
        },
        ..SubmitOptions::default()
    };
    let id = rt
        .block_on(submit(&queue, &store, &sdk, &elf, input.to_vec(), &options))
        .unwrap();
    let segments = rt.block_on(queue.status(&id)).unwrap().segments;
    assert!(segments >= 3, "{segments} segments");
    // ... the artifacts are objects of the server, under the prefix.
    assert!(s3.object(&format!("jobs/{id}/starts/000000.bin")).is_file());

    // ... proven by a worker process that reads the settings from its environment.
    let log = dir.path().join("worker.log");
    let _worker = Worker {
        child: cargo_tessera(Some(&s3.endpoint()), &keys)
            .args(["worker", "--cluster", &pg.url, "--store", &store_url()])
            .args(["--id", "s3-worker", "--poll-ms", "100"])
            .env("RUST_LOG", "warn,tessera_sdk=info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
        log,
    };
    let clock = Instant::now();
    let status = rt
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(600),
                wait(&queue, &id, Duration::from_millis(100), &mut |_| {}),
            )
            .await
        })
        .expect("the job is proven in 10 minutes")
        .unwrap();
    let seconds = clock.elapsed().as_secs_f64();
    for task in &status.tasks {
        assert_eq!(task.worker.as_deref(), Some("s3-worker"), "{task:?}");
        let key = task.proof_key.as_ref().unwrap();
        assert!(s3.object(key).is_file(), "{key} is not in the bucket");
    }

    // ... assembled from the segment proofs downloaded (and checked by hash), and it verifies.
    let bytes = rt.block_on(assemble(&queue, &store, &id)).unwrap();
    assert_eq!(
        std::fs::read(s3.object(&format!("jobs/{id}/proof.tessera"))).unwrap(),
        bytes
    );
    let file = ProofFile::from_bytes(&bytes).unwrap();
    let exe = sdk.load_elf_file(example("c-sort.elf")).unwrap();
    let verified = sdk.verify(&exe, &file).unwrap();
    assert_eq!(verified.exit_code, 0);
    assert_eq!(verified.segments, segments as usize);
    // What a task costs beyond its proof (downloads, upload, bookkeeping; the first task also
    // sets the prover up), in ms.
    let overheads: Vec<String> = status
        .tasks
        .iter()
        .map(|t| {
            let ms = (t.task_seconds.unwrap() - t.prove_seconds.unwrap()) * 1e3;
            format!("{ms:.1}")
        })
        .collect();
    let prove_seconds: f64 = status.tasks.iter().filter_map(|t| t.prove_seconds).sum();
    eprintln!(
        "c-sort n={SORT_N} through s3s-fs: {segments} segments in {seconds:.2} s wall, \
         proving {prove_seconds:.3} s; per task beyond the proof: {} ms; proof {} bytes",
        overheads.join(", "),
        bytes.len()
    );

    // `job fetch` through the CLI, with the settings from the environment.
    let out = dir.path().join("fetched.proof");
    let (code, stderr) = output(cargo_tessera(Some(&s3.endpoint()), &keys).args([
        "job",
        "fetch",
        &id,
        "--cluster",
        &pg.url,
        "--store",
        &store_url(),
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}

/// A store on a loopback port where nothing listens: every operation is retried (object_store
/// retries each request, the store retries the operation), then fails with an error that names
/// the store and the endpoint, in seconds.
#[test]
fn an_unreachable_store_fails_after_bounded_retries_with_a_clear_error() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let store = Store::open_with(&store_url(), &settings(&endpoint)).unwrap();
    let rt = runtime();
    let clock = Instant::now();
    let error = rt
        .block_on(store.put("jobs/x/config.toml", b"x".to_vec()))
        .unwrap_err();
    let put_seconds = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let read = rt.block_on(store.get("jobs/x/config.toml")).unwrap_err();
    let get_seconds = clock.elapsed().as_secs_f64();
    for (error, what, seconds) in [
        (error, "cannot write jobs/x/config.toml", put_seconds),
        (read, "cannot read jobs/x/config.toml", get_seconds),
    ] {
        assert!(matches!(error, ClusterError::Store { .. }), "{error:?}");
        let message = error.to_string();
        eprintln!("{seconds:.2} s: {message}");
        assert!(
            message.starts_with(&format!("object store {}: {what}: ", store_url())),
            "{message}"
        );
        assert!(message.contains(&endpoint), "{message}");
        // object_store's retries of the request (in the last of the store's tries).
        assert!(message.contains("after 3 retries"), "{message}");
        // The store's 4 tries pause 1.75 s in all; object_store's 3 retries at most 3.5 s
        // per try.
        assert!(
            (1.7..30.0).contains(&seconds),
            "{seconds} s for a store that refuses connections"
        );
    }
}

/// The server killed mid-way: an operation fails with a clear error; if the server comes back
/// within the retries, the operation succeeds and nothing is lost.
#[test]
fn a_store_that_goes_away_fails_clearly_and_one_that_comes_back_loses_nothing() {
    let Some(mut s3) = S3Server::start() else {
        return;
    };
    let store = Store::open_with(&store_url(), &s3.settings()).unwrap();
    let rt = runtime();
    let bytes = b"a segment start".to_vec();
    let sha = rt
        .block_on(store.put("jobs/a/start.bin", bytes.clone()))
        .unwrap();
    assert_eq!(std::fs::read(s3.object("jobs/a/start.bin")).unwrap(), bytes);
    assert_eq!(
        rt.block_on(store.get_checked("jobs/a/start.bin", &sha))
            .unwrap(),
        bytes
    );
    // A missing object is reported at once (no retry makes it appear).
    let clock = Instant::now();
    let missing = rt.block_on(store.get("jobs/a/nothing.bin")).unwrap_err();
    assert!(
        matches!(
            missing,
            ClusterError::Store {
                error: object_store::Error::NotFound { .. },
                ..
            }
        ),
        "{missing:?}"
    );
    assert!(clock.elapsed() < Duration::from_secs(1), "{missing}");

    // Gone.
    s3.stop();
    let error = rt.block_on(store.get("jobs/a/start.bin")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "object store {}: cannot read jobs/a/start.bin: ",
            store_url()
        )) && message.contains(&s3.endpoint()),
        "{message}"
    );

    // Gone, and back half a second later: the retries bridge the gap.
    std::thread::scope(|scope| {
        let server = &mut s3;
        scope.spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            server.run();
        });
        let written = rt
            .block_on(store.put("jobs/a/proof.bin", b"a proof".to_vec()))
            .unwrap();
        assert_eq!(written, tessera_sdk::cluster::sha256_hex(b"a proof"));
    });
    assert_eq!(
        rt.block_on(store.get_checked("jobs/a/start.bin", &sha))
            .unwrap(),
        bytes
    );
    assert_eq!(
        std::fs::read(s3.object("jobs/a/proof.bin")).unwrap(),
        b"a proof"
    );
}

/// Credentials: a missing one is refused when the store is opened (in-process and by the CLI,
/// exit status 2), a wrong one is refused by the server and reported at once.
#[test]
fn missing_or_wrong_credentials_are_clear_errors() {
    let no_key = S3Settings {
        access_key_id: None,
        ..settings("http://127.0.0.1:1")
    };
    let error = Store::open_with(&store_url(), &no_key).unwrap_err();
    assert!(
        matches!(error, ClusterError::BadStoreUrl { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&store_url())
            && message.contains("no credentials: AWS_ACCESS_KEY_ID is not set"),
        "{message}"
    );
    let no_secret = S3Settings {
        secret_access_key: Some(String::new()),
        ..settings("http://127.0.0.1:1")
    };
    let error = Store::open_with(&store_url(), &no_secret).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no credentials: AWS_SECRET_ACCESS_KEY is not set"),
        "{error}"
    );
    // The CLI, with no AWS_* variable at all (the store is opened before the database is
    // reached).
    let keys = tempfile::tempdir().unwrap();
    let (code, stderr) = output(cargo_tessera(None, keys.path()).args([
        "worker",
        "--cluster",
        "postgres://tessera@127.0.0.1:1/db",
        "--store",
        &store_url(),
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("bad store URL {}", store_url()))
            && stderr.contains("AWS_ACCESS_KEY_ID is not set"),
        "{stderr}"
    );

    // A wrong secret: the server refuses the request; no retry changes that.
    let Some(s3) = S3Server::start() else {
        return;
    };
    let wrong = S3Settings {
        secret_access_key: Some("not-the-secret".into()),
        ..s3.settings()
    };
    let store = Store::open_with(&store_url(), &wrong).unwrap();
    let rt = runtime();
    let clock = Instant::now();
    let error = rt.block_on(store.put("x", b"x".to_vec())).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(
            error,
            ClusterError::Store {
                error: object_store::Error::PermissionDenied { .. }
                    | object_store::Error::Unauthenticated { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(message.contains(&store_url()), "{message}");
    assert!(clock.elapsed() < Duration::from_secs(1), "{message}");
    assert!(!message.contains("not-the-secret"), "{message}");
}
