//! Guest-side library for Tessera programs (`#![no_std]`, target `riscv32im-unknown-none-elf`).
//!
//! A guest program:
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! extern crate alloc;
//! use tessera_guest::{io, println};
//!
//! tessera_guest::entry!(main);
//!
//! fn main() {
//!     let input = io::read_vec();
//!     println!("read {} bytes", input.len());
//!     io::reveal(&(input.len() as u32).to_le_bytes());
//! }
//! ```
//! built with `-C link-arg=-Tlink.x` (see `crates/guest/README.md`).
//!
//! What the crate provides on the guest target:
//! - `_start` (sets `gp` and `sp`, zeroes `.bss`, calls the function named in `entry!`, then
//!   exits with code 0);
//! - a bump global allocator over `[_heap_start, _heap_end)` (32 MiB) that returns null when full;
//! - `io`: private input as records (`io::read::<T>()`, `io::read_record`) or raw bytes
//!   (`io::read_into`, `io::read_exact`, `io::read_vec`, `io::read_u32`),
//!   public output (`io::reveal`), host output (`io::write`, `print!`, `println!`,
//!   `eprint!`, `eprintln!`), hints (`io::read_hint::<T>()`, `io::read_hint_record`,
//!   `io::read_hint_into`, `io::request_hint`);
//! - `kv::get(key)`: a value of the host's key-value store (a file of that name under qemu);
//! - `cycle_tracker::{start, end}`: named regions for `cargo tessera run --profile`;
//! - `exit`, and a panic handler that prints the message and location to stderr and exits
//!   with code 101.
//!
//! On any other target (for example the host, where this crate is a workspace member) only
//! `abi` is compiled.
//!
//! A guest must name its entry point with `entry!`; without it the link fails with an undefined
//! symbol `__tessera_main`.
#![no_std]

pub mod abi;

#[cfg(all(target_arch = "riscv32", target_os = "none"))]
extern crate alloc;

#[cfg(all(target_arch = "riscv32", target_os = "none"))]
pub mod cycle_tracker;

#[cfg(all(target_arch = "riscv32", target_os = "none"))]
mod heap;
#[cfg(all(target_arch = "riscv32", target_os = "none"))]
pub mod io;
#[cfg(all(target_arch = "riscv32", target_os = "none"))]
pub mod kv;
#[cfg(all(target_arch = "riscv32", target_os = "none"))]
mod rt;
#[cfg(all(target_arch = "riscv32", target_os = "none"))]
pub mod syscall;

#[cfg(all(target_arch = "riscv32", target_os = "none"))]
pub use rt::exit;

/// Declares the guest's entry point: `tessera_guest::entry!(main);` with `fn main()`.
///
/// `_start` (in this crate) calls the function, then exits with code 0. Use `exit` to end the
/// program early or with another code; a panic exits with code 101.
#[macro_export]
macro_rules! entry {
    ($path:path) => {
        #[doc(hidden)]
        #[unsafe(no_mangle)]
        pub extern "C" fn __tessera_main() -> ! {
            let main: fn() = $path;
            main();
            $crate::exit(0)
        }
    };
}

/// Prints to the host's stdout (fd 1; not proven), like `std::print!`.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::io::_print($crate::abi::FD_STDOUT, ::core::format_args!($($arg)*))
    };
}

/// Prints to the host's stdout (fd 1; not proven) with a newline, like `std::println!`.
#[macro_export]
macro_rules! println {
    () => {
        $crate::io::write($crate::abi::FD_STDOUT, b"\n")
    };
    ($($arg:tt)*) => {
        $crate::io::_print(
            $crate::abi::FD_STDOUT,
            ::core::format_args!("{}\n", ::core::format_args!($($arg)*)),
        )
    };
}

/// Prints to the host's stderr (fd 2; not proven), like `std::eprint!`.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::io::_print($crate::abi::FD_STDERR, ::core::format_args!($($arg)*))
    };
}

/// Prints to the host's stderr (fd 2; not proven) with a newline, like `std::eprintln!`.
#[macro_export]
macro_rules! eprintln {
    () => {
        $crate::io::write($crate::abi::FD_STDERR, b"\n")
    };
    ($($arg:tt)*) => {
        $crate::io::_print(
            $crate::abi::FD_STDERR,
            ::core::format_args!("{}\n", ::core::format_args!($($arg)*)),
        )
    };
}
