//! The key-value store: values the host provides by key (the SDK's `Stdin::kv_insert`,
//! `cargo tessera run --kv DIR`). A value is opened like a file named after its key
//! (`openat`, `read`, `close`), so the same program run under qemu-riscv32 reads the file of
//! that name in its working directory.
//!
//! Values are not proven: like hints, the guest must check what it gets, for example against a
//! hash it knows (from its input or its code).

use alloc::vec::Vec;

use crate::abi::{AT_FDCWD, O_RDONLY};
use crate::io::read_fd_into;
use crate::syscall::{sys_close, sys_openat};

/// The value stored under `key`, or `None` if there is none.
///
/// ```ignore
/// let config = tessera_guest::kv::get("config.bin").expect("the host provides config.bin");
/// ```
///
/// # Panics
/// If `key` contains a NUL byte (it could not be looked up).
pub fn get(key: &str) -> Option<Vec<u8>> {
    get_bytes(key.as_bytes())
}

/// [`get`] for a key that is not UTF-8.
///
/// # Panics
/// If `key` contains a NUL byte.
pub fn get_bytes(key: &[u8]) -> Option<Vec<u8>> {
    assert!(
        !key.contains(&0),
        "a key of the key-value store has no NUL byte"
    );
    let mut path = Vec::with_capacity(key.len() + 1);
    path.extend_from_slice(key);
    path.push(0);
    // SAFETY: `path` is NUL-terminated and lives across the call.
    let fd = unsafe { sys_openat(AT_FDCWD, path.as_ptr(), O_RDONLY, 0) };
    if fd < 0 {
        return None;
    }
    let mut value = Vec::new();
    let mut chunk = 256;
    loop {
        let old = value.len();
        value.resize(old + chunk, 0);
        let got = read_fd_into(fd as u32, &mut value[old..]);
        value.truncate(old + got);
        if got < chunk {
            break;
        }
        chunk = chunk.max(value.len()); // double the buffer each round
    }
    sys_close(fd as u32);
    Some(value)
}
