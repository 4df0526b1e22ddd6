//! Test support shared by Tessera's crates: the external RISC-V tools (assembler, qemu-riscv32)
//! a generator of random RV32IM programs for differential testing, and a minimal ELF writer.
//!
//! Tests that need the tools call [`Tools::find`]: it returns `None` (and the test says it
//! skipped) when a tool is missing, unless `TESSERA_REQUIRE_TOOLS=1` is set, as in CI, where a
//! missing tool fails the test instead of silently skipping it.

mod elf_writer;
mod postgres;
pub mod random_program;
mod tools;

pub use elf_writer::{elf_from_code, elf_from_words, EF_RISCV_RVC};
pub use postgres::Postgres;
pub use tools::{repo_root, QemuRun, Tools};
