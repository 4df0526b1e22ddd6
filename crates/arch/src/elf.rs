//! Loading static ELF32 RISC-V executables.
//!
//! The `elf` crate parses the format; this module adds the VM's rules: 32-bit little-endian
//! RISC-V, a static executable, no floating-point ABI, loadable segments inside the VM's memory
//! that do not overlap, the entry point an aligned address in code. Every rejection is an
//! [`ElfError`] that says what was wrong.
//!
//! What executable segments hold is not checked here: like a real core, the VM faults on an
//! illegal instruction when it executes it, not when it loads it. Stock linker scripts put
//! `.rodata` in the code segment, and the RVC flag (`EF_RISCV_RVC`) may be set in a file without
//! a single compressed instruction (assembler macros switch `.option rvc` on around an
//! `.align`), so neither is an error; the transpiler keeps every word that is not an
//! instruction as an illegal entry of the program.

use std::collections::BTreeMap;

use elf::{abi, endian::AnyEndian, ElfBytes};
use thiserror::Error;

use crate::program::FnBound;

/// `e_flags` bits: the floating-point ABI (0 = soft float).
const EF_RISCV_FLOAT_ABI: u32 = 0x6;
/// `e_flags` bit: the RV32E base ISA (16 registers).
const EF_RISCV_RVE: u32 = 0x8;

/// The largest distance between the first and the last byte of code: the program table has a
/// slot per 4 bytes of it, so a small file with two code segments far apart must not make the
/// loader allocate gigabytes. 64 MiB is 16 Mi instructions, far above real guests.
pub const MAX_CODE_SPAN: u64 = 64 << 20;

/// Why an ELF file was rejected.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ElfError {
    #[error("not a valid ELF file: {0}")]
    Malformed(String),
    #[error("ELF class is 64-bit; Tessera runs 32-bit RISC-V (rv32im) executables")]
    Not32Bit,
    #[error("ELF is big-endian; RISC-V executables are little-endian")]
    BigEndian,
    #[error("ELF machine is {0} (expected RISC-V, {EM_RISCV})", EM_RISCV = abi::EM_RISCV)]
    WrongMachine(u16),
    #[error("ELF type is {0} (expected a static executable, ET_EXEC = 2; position-independent executables and shared objects are not supported)")]
    NotExecutable(u16),
    #[error("ELF uses a hardware floating-point ABI (e_flags {0:#x}); build with -mabi=ilp32")]
    FloatAbi(u32),
    #[error("ELF targets RV32E; Tessera runs RV32IM")]
    Rv32e,
    #[error("ELF is dynamically linked (has a {0} program header); link statically")]
    NotStatic(&'static str),
    #[error("program header {index}: file size {filesz:#x} is larger than memory size {memsz:#x}")]
    FileSizeExceedsMemorySize {
        index: usize,
        filesz: u64,
        memsz: u64,
    },
    #[error("program header {index}: bytes {offset:#x}..{offset:#x}+{filesz:#x} lie outside the file ({file_len} bytes)")]
    SegmentOutsideFile {
        index: usize,
        offset: u64,
        filesz: u64,
        file_len: usize,
    },
    #[error("program header {index}: addresses {vaddr:#x}..{vaddr:#x}+{memsz:#x} lie outside the VM memory (0..{memory_size:#x})")]
    SegmentOutsideMemory {
        index: usize,
        vaddr: u64,
        memsz: u64,
        memory_size: u64,
    },
    #[error("program headers {first} and {second} overlap in memory")]
    OverlappingSegments { first: usize, second: usize },
    #[error("ELF has no executable segment")]
    NoCode,
    #[error("code spans {span:#x} bytes from its first to its last executable byte; at most {max:#x} are supported")]
    CodeTooLarge { span: u64, max: u64 },
    #[error("entry point {0:#x} is not an aligned address inside an executable segment")]
    EntryNotInCode(u64),
}

impl From<elf::ParseError> for ElfError {
    fn from(e: elf::ParseError) -> Self {
        ElfError::Malformed(e.to_string())
    }
}

/// One loadable segment of an ELF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfSegment {
    pub vaddr: u32,
    /// The bytes stored in the file (`filesz`); the rest up to `mem_size` is zero (bss).
    pub data: Vec<u8>,
    pub mem_size: u32,
    pub executable: bool,
}

/// A validated static ELF32 RISC-V executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elf {
    pub entry: u32,
    /// Loadable segments sorted by address; segments with `memsz == 0` are skipped.
    pub segments: Vec<ElfSegment>,
    /// Function symbols keyed by start address.
    pub functions: BTreeMap<u32, FnBound>,
}

impl Elf {
    /// Parses and validates an ELF for a VM whose main memory is `memory_size` bytes.
    ///
    /// ```
    /// use tessera_arch::elf::{Elf, ElfError};
    /// assert!(matches!(Elf::parse(b"\x7fELF", 1 << 29), Err(ElfError::Malformed(_))));
    /// ```
    pub fn parse(bytes: &[u8], memory_size: u64) -> Result<Elf, ElfError> {
        check_ident(bytes)?;
        let file = ElfBytes::<AnyEndian>::minimal_parse(bytes)?;
        let header = &file.ehdr;
        if header.e_machine != abi::EM_RISCV {
            return Err(ElfError::WrongMachine(header.e_machine));
        }
        if header.e_type != abi::ET_EXEC {
            return Err(ElfError::NotExecutable(header.e_type));
        }
        if header.e_flags & EF_RISCV_FLOAT_ABI != 0 {
            return Err(ElfError::FloatAbi(header.e_flags));
        }
        if header.e_flags & EF_RISCV_RVE != 0 {
            return Err(ElfError::Rv32e);
        }

        let mut segments = Vec::new();
        let mut ranges = Vec::new();
        if let Some(table) = file.segments() {
            for index in 0..table.len() {
                let ph = table.get(index)?;
                match ph.p_type {
                    abi::PT_INTERP => return Err(ElfError::NotStatic("PT_INTERP")),
                    abi::PT_DYNAMIC => return Err(ElfError::NotStatic("PT_DYNAMIC")),
                    abi::PT_LOAD if ph.p_memsz > 0 => {}
                    _ => continue,
                }
                let segment = load_segment(bytes, index, &ph, memory_size)?;
                ranges.push((ph.p_vaddr, ph.p_vaddr + ph.p_memsz, index));
                segments.push(segment);
            }
        }
        ranges.sort_unstable();
        for pair in ranges.windows(2) {
            if pair[1].0 < pair[0].1 {
                return Err(ElfError::OverlappingSegments {
                    first: pair[0].2,
                    second: pair[1].2,
                });
            }
        }
        segments.sort_by_key(|s| s.vaddr);
        let code = segments.iter().filter(|s| s.executable);
        let code_start = code
            .clone()
            .map(|s| s.vaddr as u64)
            .min()
            .ok_or(ElfError::NoCode)?;
        let code_end = code
            .map(|s| s.vaddr as u64 + s.data.len() as u64)
            .max()
            .unwrap_or(0);
        if code_end - code_start > MAX_CODE_SPAN {
            return Err(ElfError::CodeTooLarge {
                span: code_end - code_start,
                max: MAX_CODE_SPAN,
            });
        }
        let entry_in_code = segments.iter().any(|s| {
            s.executable
                && header.e_entry % 4 == 0
                && header.e_entry >= s.vaddr as u64
                && header.e_entry < s.vaddr as u64 + s.data.len() as u64
        });
        if !entry_in_code {
            return Err(ElfError::EntryNotInCode(header.e_entry));
        }
        Ok(Elf {
            entry: header.e_entry as u32,
            segments,
            functions: function_symbols(&file),
        })
    }
}

/// Checks the identification bytes ourselves, so that class and endianness errors are specific.
fn check_ident(bytes: &[u8]) -> Result<(), ElfError> {
    if bytes.len() < abi::EI_NIDENT || bytes[..4] != abi::ELFMAGIC {
        return Err(ElfError::Malformed(
            "missing ELF magic bytes or truncated header".into(),
        ));
    }
    if bytes[abi::EI_CLASS] == abi::ELFCLASS64 {
        return Err(ElfError::Not32Bit);
    }
    if bytes[abi::EI_DATA] == abi::ELFDATA2MSB {
        return Err(ElfError::BigEndian);
    }
    Ok(())
}

fn load_segment(
    bytes: &[u8],
    index: usize,
    ph: &elf::segment::ProgramHeader,
    memory_size: u64,
) -> Result<ElfSegment, ElfError> {
    if ph.p_filesz > ph.p_memsz {
        return Err(ElfError::FileSizeExceedsMemorySize {
            index,
            filesz: ph.p_filesz,
            memsz: ph.p_memsz,
        });
    }
    let outside_file = ElfError::SegmentOutsideFile {
        index,
        offset: ph.p_offset,
        filesz: ph.p_filesz,
        file_len: bytes.len(),
    };
    let end = ph
        .p_offset
        .checked_add(ph.p_filesz)
        .ok_or(outside_file.clone())?;
    if end > bytes.len() as u64 {
        return Err(outside_file);
    }
    // Addresses are 32-bit: whatever the configured memory size (memory_bits may exceed 32), a
    // segment must end at or below 2^32, or the u32 address arithmetic of the transpiler and of
    // the memory image overflows (a panic in debug builds, wrong addresses in release).
    let memory_size = memory_size.min(1 << 32);
    if ph.p_vaddr.saturating_add(ph.p_memsz) > memory_size {
        return Err(ElfError::SegmentOutsideMemory {
            index,
            vaddr: ph.p_vaddr,
            memsz: ph.p_memsz,
            memory_size,
        });
    }
    let executable = ph.p_flags & abi::PF_X != 0;
    Ok(ElfSegment {
        vaddr: ph.p_vaddr as u32,
        data: bytes[ph.p_offset as usize..end as usize].to_vec(),
        mem_size: ph.p_memsz as u32,
        executable,
    })
}

/// Function symbols (`STT_FUNC`) with their sizes. Symbols only improve messages, so a missing
/// or unreadable symbol table (or name) is skipped, never an error.
fn function_symbols(file: &ElfBytes<AnyEndian>) -> BTreeMap<u32, FnBound> {
    let mut functions = BTreeMap::new();
    let Ok(Some((symbols, names))) = file.symbol_table() else {
        return functions;
    };
    for symbol in symbols.iter() {
        if symbol.st_symtype() != abi::STT_FUNC || symbol.st_value > u32::MAX as u64 {
            continue;
        }
        let Ok(name) = names.get(symbol.st_name as usize) else {
            continue;
        };
        let start = symbol.st_value as u32;
        let end = start.saturating_add(symbol.st_size.min(u32::MAX as u64) as u32);
        functions.insert(
            start,
            FnBound {
                start,
                end,
                name: name.to_string(),
            },
        );
    }
    functions
}
