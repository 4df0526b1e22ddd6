//! What the cluster tests (`cluster.rs`, `cluster_s3.rs`) share: the example ELFs, a Tokio
//! runtime, and worker processes that are killed when dropped.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::Child,
};

/// `examples/elf/NAME`.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/elf")
        .join(name)
}

/// A multi-threaded runtime (proving blocks a thread while the heartbeat goes on).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A `cargo-tessera worker` process, killed when dropped (its log printed if the test is
/// failing, to help find out why).
pub struct Worker {
    pub child: Child,
    pub log: PathBuf,
}

impl Worker {
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "--- {}:\n{}",
                self.log.display(),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}
