//! Guest I/O: the private input (fd 0), host output (fd 1 stdout, fd 2 stderr; not proven),
//! the public output (fd 3; revealed and proven) and the hint stream (fd 4; not proven).

use alloc::vec::Vec;
use core::fmt;

use crate::abi::{FD_HINTS, FD_PUBLIC, FD_STDIN};
use crate::syscall::{sys_read, sys_write};

/// Reads private input into `buf` and returns the number of bytes read: `buf.len()` unless the
/// input ends first; 0 when it is exhausted.
pub fn read_into(buf: &mut [u8]) -> usize {
    read_fd_into(FD_STDIN, buf)
}

/// Reads from `fd` until `buf` is full or the stream ends; returns the number of bytes read.
pub(crate) fn read_fd_into(fd: u32, buf: &mut [u8]) -> usize {
    let mut done = 0;
    // The VM copies min(len, remaining) at once; a host (qemu reading a pipe) may return fewer,
    // so read until the buffer is full or the input has ended (0, or an error).
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is a writable buffer of `rest.len()` bytes.
        let n = unsafe { sys_read(fd, rest.as_mut_ptr(), rest.len()) };
        if n <= 0 {
            break;
        }
        done += (n as usize).min(rest.len());
    }
    done
}

/// Fills `buf` from the private input.
///
/// # Panics
/// If the input ends before `buf` is full ("private input exhausted").
#[track_caller]
pub fn read_exact(buf: &mut [u8]) {
    read_exact_fd(FD_STDIN, buf)
}

/// The name of the stream behind `fd`, for messages.
fn stream_name(fd: u32) -> &'static str {
    match fd {
        FD_HINTS => "hint stream",
        _ => "private input",
    }
}

#[track_caller]
fn read_exact_fd(fd: u32, buf: &mut [u8]) {
    let got = read_fd_into(fd, buf);
    if got != buf.len() {
        panic!(
            "{} exhausted: needed {} bytes, only {} were left",
            stream_name(fd),
            buf.len(),
            got
        );
    }
}

/// Reads a little-endian `u32` from the private input.
///
/// # Panics
/// If fewer than 4 bytes of input are left.
#[track_caller]
pub fn read_u32() -> u32 {
    let mut bytes = [0u8; 4];
    read_exact(&mut bytes);
    u32::from_le_bytes(bytes)
}

/// Reads the whole remaining private input.
pub fn read_vec() -> Vec<u8> {
    let mut data = Vec::new();
    let mut chunk = 1024;
    loop {
        let old = data.len();
        data.resize(old + chunk, 0);
        let got = read_into(&mut data[old..]);
        data.truncate(old + got);
        if got < chunk {
            return data;
        }
        chunk = chunk.max(data.len()); // double the buffer each round
    }
}

/// Reads the next record of the private input, or `None` when the input is exhausted.
///
/// A record is a 4-byte little-endian length, then that many bytes: what the SDK's
/// `Stdin::write_bytes` (and `Stdin::write`, `cargo tessera run --record FILE`) put there.
///
/// # Panics
/// If the input ends inside a record ("private input exhausted").
#[track_caller]
pub fn try_read_record() -> Option<Vec<u8>> {
    try_read_record_fd(FD_STDIN)
}

#[track_caller]
fn try_read_record_fd(fd: u32) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    match read_fd_into(fd, &mut len) {
        0 => return None,
        4 => {}
        got => panic!(
            "{} exhausted: a record's length needs 4 bytes, only {got} were left",
            stream_name(fd)
        ),
    }
    let mut record = alloc::vec![0u8; u32::from_le_bytes(len) as usize];
    read_exact_fd(fd, &mut record);
    Some(record)
}

/// Reads the next record of the private input (see [`try_read_record`]).
///
/// # Panics
/// If the input is exhausted or ends inside the record.
#[track_caller]
pub fn read_record() -> Vec<u8> {
    read_record_fd(FD_STDIN)
}

#[track_caller]
fn read_record_fd(fd: u32) -> Vec<u8> {
    match try_read_record_fd(fd) {
        Some(record) => record,
        None => panic!("{} exhausted: no record left", stream_name(fd)),
    }
}

/// Reads the next record of the private input and decodes it as a `T`: the value the host
/// wrote with the SDK's `Stdin::write(&value)` (serde, in the postcard encoding).
///
/// ```ignore
/// let (n, name): (u32, String) = tessera_guest::io::read();
/// ```
///
/// # Panics
/// If no record is left, or the record is not a `T` in the postcard encoding.
#[track_caller]
pub fn read<T: serde::de::DeserializeOwned>() -> T {
    decode(FD_STDIN, read_record())
}

#[track_caller]
fn decode<T: serde::de::DeserializeOwned>(fd: u32, record: Vec<u8>) -> T {
    match postcard::from_bytes(&record) {
        Ok(value) => value,
        Err(e) => panic!(
            "a record of the {} ({} bytes) is not a {}: {e}",
            stream_name(fd),
            record.len(),
            core::any::type_name::<T>()
        ),
    }
}

/// Reads hint bytes (fd 4) into `buf` and returns the number read: `buf.len()` unless the
/// hint stream ends first. Hints are not proven: check what they claim.
pub fn read_hint_into(buf: &mut [u8]) -> usize {
    read_fd_into(FD_HINTS, buf)
}

/// Reads the next record of the hint stream (see [`try_read_record`] for the format).
///
/// # Panics
/// If no record is left, or the stream ends inside it ("hint stream exhausted").
#[track_caller]
pub fn read_hint_record() -> Vec<u8> {
    read_record_fd(FD_HINTS)
}

/// Reads the next record of the hint stream and decodes it as a `T` (what the SDK's
/// `Stdin::hint(&value)` wrote, or a hint host answered). Hints are not proven: the guest
/// checks the value, which is usually much cheaper than computing it.
///
/// ```ignore
/// let n: u64 = tessera_guest::io::read();
/// let root: u64 = tessera_guest::io::read_hint(); // computed by the host
/// assert!(root * root <= n && n < (root + 1) * (root + 1)); // checked here
/// ```
///
/// # Panics
/// If no record is left, or the record is not a `T` in the postcard encoding.
#[track_caller]
pub fn read_hint<T: serde::de::DeserializeOwned>() -> T {
    decode(FD_HINTS, read_hint_record())
}

/// Asks the host for a hint: `request` goes to the SDK's hint host (`Sdk::with_hint_host`),
/// which appends its answer to the hint stream, where [`read_hint`] and friends read it.
/// Without a hint host (and under qemu-riscv32, where fd 4 is read-only) a request does
/// nothing: the answer must then be in the hints given up front.
pub fn request_hint(request: &[u8]) {
    // SAFETY: `request` is a readable buffer of `request.len()` bytes.
    unsafe { sys_write(FD_HINTS, request.as_ptr(), request.len()) };
}

/// Writes `data` to file descriptor `fd`: [`FD_STDOUT`](crate::abi::FD_STDOUT),
/// [`FD_STDERR`](crate::abi::FD_STDERR) or [`FD_PUBLIC`] (same as [`reveal`]).
pub fn write(fd: u32, data: &[u8]) {
    let mut rest = data;
    while !rest.is_empty() {
        // SAFETY: `rest` is a readable buffer of `rest.len()` bytes.
        let n = unsafe { sys_write(fd, rest.as_ptr(), rest.len()) };
        if n <= 0 {
            return; // e.g. fd 3 not opened under qemu: nothing to be done about it
        }
        rest = &rest[(n as usize).min(rest.len())..];
    }
}

/// Appends `data` to the public output (revealed and proven).
pub fn reveal(data: &[u8]) {
    write(FD_PUBLIC, data);
}

/// Appends `value` to the public output as 4 bytes little-endian.
pub fn reveal_u32(value: u32) {
    reveal(&value.to_le_bytes());
}

/// A [`fmt::Write`] sink for a file descriptor that collects output in a small buffer, so that
/// one `println!` makes a few `write` calls rather than one per formatted piece.
/// Call [`BufWriter::flush`] at the end (dropping it also flushes).
pub struct BufWriter {
    fd: u32,
    len: usize,
    buf: [u8; 256],
}

impl BufWriter {
    /// A buffered writer for `fd`.
    pub const fn new(fd: u32) -> Self {
        BufWriter {
            fd,
            len: 0,
            buf: [0; 256],
        }
    }

    /// Writes out the buffered bytes.
    pub fn flush(&mut self) {
        if self.len > 0 {
            write(self.fd, &self.buf[..self.len]);
            self.len = 0;
        }
    }
}

impl fmt::Write for BufWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let bytes = s.as_bytes();
        if self.len + bytes.len() > self.buf.len() {
            self.flush();
        }
        if bytes.len() > self.buf.len() {
            write(self.fd, bytes);
        } else {
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        }
        Ok(())
    }
}

impl Drop for BufWriter {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Used by [`print!`](crate::print) and friends.
#[doc(hidden)]
pub fn _print(fd: u32, args: fmt::Arguments<'_>) {
    let mut out = BufWriter::new(fd);
    let _ = fmt::Write::write_fmt(&mut out, args);
    out.flush();
}
