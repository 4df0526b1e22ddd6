use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// The workspace root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/test-utils is two levels below the root")
        .to_path_buf()
}

/// The external tools of differential tests.
#[derive(Clone, Debug)]
pub struct Tools {
    pub gcc: PathBuf,
    pub qemu: PathBuf,
}

/// What qemu-riscv32 reported for a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QemuRun {
    /// The process exit status (the guest's exit code modulo 256).
    pub exit_code: i32,
    pub stdout: Vec<u8>,
    /// What the guest wrote to fd 3.
    pub public_output: Vec<u8>,
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

impl Tools {
    /// The tools, or `None` when one is missing. Panics instead when `TESSERA_REQUIRE_TOOLS=1`.
    pub fn find() -> Option<Tools> {
        let gcc = which("riscv64-unknown-elf-gcc");
        let qemu = which("qemu-riscv32");
        match (gcc, qemu) {
            (Some(gcc), Some(qemu)) => Some(Tools { gcc, qemu }),
            _ if std::env::var("TESSERA_REQUIRE_TOOLS").as_deref() == Ok("1") => panic!(
                "TESSERA_REQUIRE_TOOLS=1 but riscv64-unknown-elf-gcc or qemu-riscv32 is missing \
                 (apt-get install gcc-riscv64-unknown-elf qemu-user)"
            ),
            _ => {
                eprintln!("skipped: riscv64-unknown-elf-gcc or qemu-riscv32 not found");
                None
            }
        }
    }

    /// Assembles and links a freestanding assembly program with the guest linker script.
    pub fn assemble(&self, source: &str, dir: &Path, name: &str) -> Result<PathBuf, String> {
        self.assemble_with_march(source, dir, name, "rv32im")
    }

    /// [`Tools::assemble`] for another RV32 ISA string (`-march`), e.g. `"rv32im_zbb"` for
    /// programs that use an extension's instructions.
    pub fn assemble_with_march(
        &self,
        source: &str,
        dir: &Path,
        name: &str,
        march: &str,
    ) -> Result<PathBuf, String> {
        let asm = dir.join(format!("{name}.S"));
        let elf = dir.join(format!("{name}.elf"));
        std::fs::write(&asm, source).map_err(|e| e.to_string())?;
        let link_script = repo_root().join("crates/guest/c/link.ld");
        let output = Command::new(&self.gcc)
            .arg(format!("-march={march}"))
            .args(["-mabi=ilp32", "-nostdlib", "-nostartfiles", "-static"])
            .arg("-T")
            .arg(&link_script)
            .arg(&asm)
            .arg("-o")
            .arg(&elf)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.gcc.display()))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        Ok(elf)
    }

    /// Runs an ELF under qemu-riscv32 with `input` on stdin and fd 3 captured; gives up after
    /// 60 seconds.
    pub fn run_qemu(&self, elf: &Path, input: &[u8], dir: &Path) -> Result<QemuRun, String> {
        self.run_qemu_with_args(elf, input, dir, &[])
    }

    /// [`Tools::run_qemu`] with extra qemu options before the ELF, e.g.
    /// `["-cpu", "rv32,zbb=true"]` for a CPU with the Zbb extension.
    pub fn run_qemu_with_args(
        &self,
        elf: &Path,
        input: &[u8],
        dir: &Path,
        args: &[&str],
    ) -> Result<QemuRun, String> {
        self.run_qemu_in(elf, input, dir, args, &[], None)
    }

    /// [`Tools::run_qemu`] with the guest's other streams: fd 4 opened (read-only) on a file of
    /// `hints`, and the working directory `kv_dir` (where the guest opens the values of its
    /// key-value store by name; `dir` if `None`).
    pub fn run_qemu_with_streams(
        &self,
        elf: &Path,
        input: &[u8],
        dir: &Path,
        hints: &[u8],
        kv_dir: Option<&Path>,
    ) -> Result<QemuRun, String> {
        self.run_qemu_in(elf, input, dir, &[], hints, kv_dir)
    }

    fn run_qemu_in(
        &self,
        elf: &Path,
        input: &[u8],
        dir: &Path,
        args: &[&str],
        hints: &[u8],
        kv_dir: Option<&Path>,
    ) -> Result<QemuRun, String> {
        let name = elf.file_name().unwrap_or_default().to_string_lossy();
        let public = dir.join(format!("{name}.fd3"));
        let hints_file = dir.join(format!("{name}.fd4"));
        std::fs::write(&hints_file, hints).map_err(|e| e.to_string())?;
        let elf = std::path::absolute(elf).map_err(|e| e.to_string())?;
        // bash -c SCRIPT qemu fd3-file fd4-file [args..] elf: fd 3 goes to the first file, fd 4
        // reads the second, the rest goes to qemu.
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(r#"out="$1"; hints="$2"; shift 2; exec "$0" "$@" 3>"$out" 4<"$hints""#)
            .arg(&self.qemu)
            .arg(std::path::absolute(&public).map_err(|e| e.to_string())?)
            .arg(std::path::absolute(&hints_file).map_err(|e| e.to_string())?)
            .args(args)
            .arg(&elf)
            .current_dir(kv_dir.unwrap_or(dir))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run qemu: {e}"))?;
        let mut stdin = child.stdin.take().expect("piped");
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let mut stdout = child.stdout.take().expect("piped");
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut stdout, &mut bytes).map(|_| bytes)
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("qemu-riscv32 {} timed out", elf.display()));
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        // A guest that exits without reading its input closes the pipe: not an error.
        let _ = writer.join();
        let stdout = reader
            .join()
            .map_err(|_| "stdout reader panicked".to_string())?
            .map_err(|e| e.to_string())?;
        Ok(QemuRun {
            exit_code: status
                .code()
                .ok_or_else(|| format!("qemu was killed: {status:?}"))?,
            stdout,
            public_output: std::fs::read(&public).map_err(|e| e.to_string())?,
        })
    }
}
