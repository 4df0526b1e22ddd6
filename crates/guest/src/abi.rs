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
