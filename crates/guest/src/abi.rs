//! The guest ABI: Linux syscall numbers and file descriptors understood by the Tessera VM
//! (and by qemu-riscv32, so the same ELF runs on both).

/// `exit(a0)`: terminate with exit code `a0`.
pub const SYSCALL_EXIT: u32 = 93;
/// `write(fd = a0, buf = a1, len = a2)`: host output (fd 1, 2) or public output (fd 3).
pub const SYSCALL_WRITE: u32 = 64;
/// `read(fd = a0, buf = a1, len = a2)`: copy bytes of the private input (fd 0), the hint
/// stream (fd 4) or an open value of the key-value store into guest memory.
pub const SYSCALL_READ: u32 = 63;
/// `openat(dirfd = a0, path = a1, flags = a2, mode = a3)`: open the value of the key-value store
/// whose key is the NUL-terminated `path` (`dirfd` must be [`AT_FDCWD`], `flags` read-only).
/// Returns its file descriptor, or `-ENOENT` if the store has no such key. Under qemu-riscv32
/// (or Linux) this opens the file of that name in the working directory.
pub const SYSCALL_OPENAT: u32 = 56;
/// `close(fd = a0)`: close an open value. Returns 0, or `-EBADF` if `fd` is not one.
pub const SYSCALL_CLOSE: u32 = 57;
/// `openat`'s "relative to the working directory" (-100).
pub const AT_FDCWD: u32 = -100i32 as u32;
/// `openat`'s read-only access mode; the VM refuses the others with `-EROFS`.
pub const O_RDONLY: u32 = 0;
/// Error numbers (Linux) that `openat`, `close` return negated.
pub const ENOENT: u32 = 2;
pub const EBADF: u32 = 9;
pub const EFAULT: u32 = 14;
pub const EROFS: u32 = 30;
pub const ENAMETOOLONG: u32 = 36;
/// The longest key `openat` looks up, in bytes (Linux's `PATH_MAX`, less the NUL).
pub const MAX_KEY_LEN: u32 = 4095;

/// Private input stream.
pub const FD_STDIN: u32 = 0;
/// Host stdout (not proven).
pub const FD_STDOUT: u32 = 1;
/// Host stderr (not proven).
pub const FD_STDERR: u32 = 2;
/// Public output: bytes written here are revealed and proven.
pub const FD_PUBLIC: u32 = 3;
/// The hint stream (not proven): a `read` takes the next hint bytes; a `write` is a hint
/// request, whose answer the host appends to the stream. Under qemu-riscv32, open fd 4 on a
/// file of hints (`4<hints.bin`): reads read it and requests fail with `EBADF`.
pub const FD_HINTS: u32 = 4;

/// Cycle tracker: a `write` of a region's name here opens the region (see
/// `cycle_tracker`). The VM proves the `ecall` like a write to the
/// host and hands the name to the profiler; the number is above the usual limit of 1024 open
/// files, so under qemu-riscv32 (or Linux) the write fails with `EBADF` and does nothing.
pub const FD_CYCLE_START: u32 = 0x7d00;
/// Cycle tracker: a `write` of a region's name here closes the innermost open region.
pub const FD_CYCLE_END: u32 = 0x7d01;
