//! The guest ABI: Linux syscall numbers and file descriptors understood by the Tessera VM
//! (and by qemu-riscv32, so the same ELF runs on both).

/// `exit(a0)`: terminate with exit code `a0`.
pub const SYSCALL_EXIT: u32 = 93;
/// `write(fd = a0, buf = a1, len = a2)`: host output (fd 1, 2) or public output (fd 3).
pub const SYSCALL_WRITE: u32 = 64;
/// `read(fd = a0, buf = a1, len = a2)`: copy private input bytes (fd 0) into guest memory.
pub const SYSCALL_READ: u32 = 63;

/// Private input stream.
pub const FD_STDIN: u32 = 0;
/// Host stdout (not proven).
pub const FD_STDOUT: u32 = 1;
/// Host stderr (not proven).
pub const FD_STDERR: u32 = 2;
/// Public output: bytes written here are revealed and proven.
pub const FD_PUBLIC: u32 = 3;

/// Cycle tracker: a `write` of a region's name here opens the region (see
/// [`cycle_tracker`](crate::cycle_tracker)). The VM proves the `ecall` like a write to the
/// host and hands the name to the profiler; the number is above the usual limit of 1024 open
/// files, so under qemu-riscv32 (or Linux) the write fails with `EBADF` and does nothing.
pub const FD_CYCLE_START: u32 = 0x7d00;
/// Cycle tracker: a `write` of a region's name here closes the innermost open region.
pub const FD_CYCLE_END: u32 = 0x7d01;
