//! A throwaway PostgreSQL for tests and benchmarks: a cluster made by `initdb` in a temporary
//! directory and started by `pg_ctl` on a free loopback port, stopped when dropped.
//!
//! Without PostgreSQL's server binaries (Debian: `apt-get install postgresql`) [`Postgres::start`]
//! returns `None` (the caller says it skipped), unless `TESSERA_REQUIRE_TOOLS=1` (CI), which
//! makes that a failure. As root, PostgreSQL runs as the `postgres` user (`initdb` refuses root).

use std::{path::PathBuf, process::Command, time::Duration};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// The directory of `initdb` and `pg_ctl`: `$TESSERA_PG_BIN`, else Debian's newest
/// `/usr/lib/postgresql/VERSION/bin`.
fn pg_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TESSERA_PG_BIN") {
        return Some(dir.into());
    }
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

/// A running throwaway PostgreSQL; stopped when dropped.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    /// `postgres://tessera@127.0.0.1:PORT/postgres`.
    pub url: String,
    /// `pg_ctl -o` options (port, sockets, no fsync).
    options: String,
}

impl Postgres {
    /// Starts one, or returns `None` (test skipped) if PostgreSQL is not installed.
    pub fn start() -> Option<Self> {
        let Some(bin) = pg_bin() else {
            if std::env::var("TESSERA_REQUIRE_TOOLS").as_deref() == Ok("1") {
                panic!("PostgreSQL's initdb is missing (apt-get install postgresql)");
            }
            eprintln!("skipped: PostgreSQL's initdb is missing (apt-get install postgresql)");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("tessera-pg")
            .tempdir()
            .unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown of the data directory");
        }
        let mut pg = Self {
            dir,
            bin,
            as_postgres,
            url: String::new(),
            options: String::new(),
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "tessera",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        pg.options = format!(
            "-p {port} -h 127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off",
            pg.dir.path().display()
        );
        pg.pg_ctl_start();
        pg.url = format!("postgres://tessera@127.0.0.1:{port}/postgres");
        Some(pg)
    }

    fn pg_ctl_start(&self) {
        let (data, log) = (self.data(), self.dir.path().join("postgres.log"));
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &self.options,
                "-w",
                "start",
            ],
        );
    }

    /// Kills the server (as a crash would: `-m immediate`) and starts it again.
    pub fn crash_and_restart(&self) {
        let data = self.data();
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        std::thread::sleep(Duration::from_secs(2));
        self.pg_ctl_start();
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
    }
}
