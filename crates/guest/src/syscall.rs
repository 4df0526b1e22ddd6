//! Raw system calls of the guest ABI (`ecall` with the syscall number in `a7`; see [`crate::abi`]).
//! Prefer the safe wrappers in [`crate::io`] and [`crate::exit`].

use crate::abi::{SYSCALL_CLOSE, SYSCALL_EXIT, SYSCALL_OPENAT, SYSCALL_READ, SYSCALL_WRITE};

/// `write(fd, buf, len)`: returns the number of bytes written, or a negative value on error
/// (under qemu, for example, when fd 3 is not open).
///
/// # Safety
/// `buf..buf + len` must be readable.
#[inline]
pub unsafe fn sys_write(fd: u32, buf: *const u8, len: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller guarantees that the buffer is readable; the VM/kernel only reads it.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") fd as isize => ret,
            in("a1") buf,
            in("a2") len,
            in("a7") SYSCALL_WRITE,
            options(nostack, readonly),
        );
    }
    ret
}

/// `read(fd, buf, len)`: returns the number of bytes copied into `buf` (0 when the private input
/// is exhausted), or a negative value on error.
///
/// # Safety
/// `buf..buf + len` must be writable.
#[inline]
pub unsafe fn sys_read(fd: u32, buf: *mut u8, len: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller guarantees that the buffer is writable.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") fd as isize => ret,
            in("a1") buf,
            in("a2") len,
            in("a7") SYSCALL_READ,
            options(nostack),
        );
    }
    ret
}

/// `openat(dirfd, path, flags, mode)`: returns a file descriptor, or a negated error number.
///
/// # Safety
/// `path` must point to a NUL-terminated string.
#[inline]
pub unsafe fn sys_openat(dirfd: u32, path: *const u8, flags: u32, mode: u32) -> isize {
    let ret: isize;
    // SAFETY: the caller guarantees that `path` is a readable C string; it is only read.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") dirfd as isize => ret,
            in("a1") path,
            in("a2") flags,
            in("a3") mode,
            in("a7") SYSCALL_OPENAT,
            options(nostack, readonly),
        );
    }
    ret
}

/// `close(fd)`: returns 0, or a negated error number.
#[inline]
pub fn sys_close(fd: u32) -> isize {
    let ret: isize;
    // SAFETY: close takes no pointers.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") fd as isize => ret,
            in("a7") SYSCALL_CLOSE,
            options(nostack),
        );
    }
    ret
}

/// `exit(code)`: ends the program.
#[inline]
pub fn sys_exit(code: i32) -> ! {
    // SAFETY: exit takes no pointers and does not return.
    unsafe {
        core::arch::asm!(
            "ecall",
            in("a0") code,
            in("a7") SYSCALL_EXIT,
            options(nostack),
        );
    }
    // Not reached. A loop instead of `options(noreturn)`, which would make LLVM emit an
    // `unimp` trap word after the ecall (the VM rejects `unimp`).
    #[allow(clippy::empty_loop)]
    loop {}
}
