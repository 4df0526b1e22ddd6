//! One test per rule of `Elf::parse`: each builds a bad ELF by patching the bytes of the committed
//! example `examples/elf/c-fibonacci.elf` and checks the exact `ElfError` (fields included where
//! they are deterministic) and that its message names the problem. Positive checks at the end:
//! the examples parse, segments come out sorted, empty segments are skipped, bss is left to the
//! loader, and function symbols are read.
//!
//! The example (see `riscv64-unknown-elf-readelf -l`) has four program headers:
//! 0 = PT_RISCV_ATTRIBUTES (memsz 0), 1 = text (R E, 0x10000), 2 = rodata (R, 0x11000),
//! 3 = data/bss (RW, 0x12000, filesz 0, memsz ~33 MiB). The helpers below find them by content
//! rather than by position where it matters, and the tests assert the layout they rely on.

use std::path::PathBuf;

use p3_baby_bear::BabyBear;
use tessera_arch::{
    address_space,
    elf::{Elf, ElfError},
    Instruction, Transpiled, Transpiler, TranspilerExtension, VmOpcode,
};

/// Main memory of the default configuration (29-bit addresses).
const MEMORY_SIZE: u64 = 1 << 29;

// ---------------------------------------------------------------------------------------------
// ELF32 little-endian layout helpers.
// ---------------------------------------------------------------------------------------------

/// Offsets of the ELF32 file header fields (System V gABI, `Elf32_Ehdr`).
mod ehdr {
    /// `e_ident[EI_CLASS]`: 1 = ELFCLASS32, 2 = ELFCLASS64.
    pub const EI_CLASS: usize = 4;
    /// `e_ident[EI_DATA]`: 1 = little-endian, 2 = big-endian.
    pub const EI_DATA: usize = 5;
    /// `e_type` (u16): 2 = ET_EXEC, 3 = ET_DYN.
    pub const TYPE: usize = 16;
    /// `e_machine` (u16): 243 = EM_RISCV.
    pub const MACHINE: usize = 18;
    /// `e_entry` (u32).
    pub const ENTRY: usize = 24;
    /// `e_phoff` (u32): file offset of the program-header table.
    pub const PHOFF: usize = 28;
    /// `e_shoff` (u32): file offset of the section-header table (0 = none).
    pub const SHOFF: usize = 32;
    /// `e_flags` (u32).
    pub const FLAGS: usize = 36;
    /// `e_phentsize` (u16): size of one program header (32 for ELF32).
    pub const PHENTSIZE: usize = 42;
    /// `e_phnum` (u16): number of program headers.
    pub const PHNUM: usize = 44;
    /// `e_shnum` (u16): number of section headers.
    pub const SHNUM: usize = 48;
    /// `e_shstrndx` (u16).
    pub const SHSTRNDX: usize = 50;
}

/// Offsets inside one ELF32 program header (`Elf32_Phdr`, 32 bytes).
mod phdr {
    pub const SIZE: usize = 32;
    /// `p_type` (u32): 1 = PT_LOAD, 2 = PT_DYNAMIC, 3 = PT_INTERP.
    pub const TYPE: usize = 0;
    /// `p_offset` (u32): where the segment's bytes start in the file.
    pub const OFFSET: usize = 4;
    /// `p_vaddr` (u32).
    pub const VADDR: usize = 8;
    /// `p_filesz` (u32).
    pub const FILESZ: usize = 16;
    /// `p_memsz` (u32).
    pub const MEMSZ: usize = 20;
    /// `p_flags` (u32): PF_X = 1, PF_W = 2, PF_R = 4.
    pub const FLAGS: usize = 24;
}

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
/// GNU ld's RISC-V attributes header type.
const PT_RISCV_ATTRIBUTES: u32 = 0x7000_0003;
const PF_X: u32 = 1;

/// Reads a little-endian u16 at `offset`.
fn read_u16(bytes: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes(bytes[offset..offset + 2].try_into().unwrap())
}

/// Reads a little-endian u32 at `offset`.
fn read_u32(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap())
}

/// Writes a little-endian u16 at `offset`.
fn write_u16(bytes: &mut [u8], offset: usize, value: u16) {
    bytes[offset..offset + 2].copy_from_slice(&value.to_le_bytes());
}

/// Writes a little-endian u32 at `offset`.
fn write_u32(bytes: &mut [u8], offset: usize, value: u32) {
    bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

/// Number of program headers (`e_phnum`).
fn phnum(bytes: &[u8]) -> usize {
    read_u16(bytes, ehdr::PHNUM) as usize
}

/// File offset of program header `index` (`e_phoff + index * 32`).
fn phdr_at(bytes: &[u8], index: usize) -> usize {
    read_u32(bytes, ehdr::PHOFF) as usize + index * phdr::SIZE
}

/// Reads field `field` (a `phdr::*` offset) of program header `index`.
fn ph_get(bytes: &[u8], index: usize, field: usize) -> u32 {
    read_u32(bytes, phdr_at(bytes, index) + field)
}

/// Writes field `field` (a `phdr::*` offset) of program header `index`.
fn ph_set(bytes: &mut [u8], index: usize, field: usize, value: u32) {
    let at = phdr_at(bytes, index);
    write_u32(bytes, at + field, value);
}

/// Index of the first program header satisfying `pred(type, flags)`.
fn find_ph(bytes: &[u8], pred: impl Fn(u32, u32) -> bool) -> usize {
    (0..phnum(bytes))
        .find(|&i| pred(ph_get(bytes, i, phdr::TYPE), ph_get(bytes, i, phdr::FLAGS)))
        .expect("no such program header")
}

/// The executable PT_LOAD header (text).
fn text(bytes: &[u8]) -> usize {
    find_ph(bytes, |t, f| t == PT_LOAD && f & PF_X != 0)
}

/// The read-only, non-executable PT_LOAD header with file bytes (rodata).
fn rodata(bytes: &[u8]) -> usize {
    find_ph(bytes, |t, f| t == PT_LOAD && f & (PF_X | 2) == 0)
}

/// The writable PT_LOAD header (data + bss).
fn data(bytes: &[u8]) -> usize {
    find_ph(bytes, |t, f| t == PT_LOAD && f & 2 != 0)
}

/// GNU ld's PT_RISCV_ATTRIBUTES header (memsz 0), which the tests retype.
fn attributes(bytes: &[u8]) -> usize {
    find_ph(bytes, |t, _| t == PT_RISCV_ATTRIBUTES)
}

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/elf")
}

/// The unmodified `c-fibonacci.elf`, with a check of the layout the tests rely on.
fn fib() -> Vec<u8> {
    let bytes = std::fs::read(examples_dir().join("c-fibonacci.elf")).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF");
    assert_eq!(bytes[ehdr::EI_CLASS], 1, "ELFCLASS32");
    assert_eq!(bytes[ehdr::EI_DATA], 1, "little-endian");
    assert_eq!(read_u16(&bytes, ehdr::PHENTSIZE) as usize, phdr::SIZE);
    assert_eq!(phnum(&bytes), 4);
    assert_eq!(
        (
            attributes(&bytes),
            text(&bytes),
            rodata(&bytes),
            data(&bytes)
        ),
        (0, 1, 2, 3)
    );
    assert_eq!(read_u32(&bytes, ehdr::ENTRY), 0x10000);
    assert_eq!(ph_get(&bytes, 1, phdr::VADDR), 0x10000);
    assert_eq!(ph_get(&bytes, 0, phdr::MEMSZ), 0);
    assert_eq!(ph_get(&bytes, 3, phdr::FILESZ), 0);
    assert!(ph_get(&bytes, 3, phdr::MEMSZ) > 0x200_0000);
    bytes
}

fn parse(bytes: &[u8]) -> Result<Elf, ElfError> {
    Elf::parse(bytes, MEMORY_SIZE)
}

/// Parses, expects `expected` exactly, and checks that the message contains every `words`.
#[track_caller]
fn assert_rejected(bytes: &[u8], expected: ElfError, words: &[&str]) {
    let err = parse(bytes).expect_err("the patched ELF must be rejected");
    assert_eq!(err, expected);
    assert_message(&err, words);
}

/// Checks that `err`'s message contains every one of `words`.
#[track_caller]
fn assert_message(err: &ElfError, words: &[&str]) {
    let message = err.to_string();
    for word in words {
        assert!(
            message.contains(word),
            "message {message:?} should mention {word:?}"
        );
    }
}

/// Parses, expects `ElfError::Malformed`, and checks the message.
#[track_caller]
fn assert_malformed(bytes: &[u8], words: &[&str]) {
    let err = parse(bytes).expect_err("the patched ELF must be rejected");
    assert!(matches!(err, ElfError::Malformed(_)), "got {err:?}");
    assert_message(&err, &[&["not a valid ELF file"], words].concat());
}

// ---------------------------------------------------------------------------------------------
// File and header rules.
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_file() {
    assert_malformed(b"", &["magic"]);
}

#[test]
fn truncated_identification() {
    // Shorter than e_ident (16 bytes): caught before the `elf` crate sees it.
    let bytes = fib();
    assert_malformed(&bytes[..4], &["truncated"]);
    assert_malformed(&bytes[..15], &["truncated"]);
}

#[test]
fn truncated_header() {
    // The identification is complete but the rest of the 52-byte header is not.
    let bytes = fib();
    for len in [16, 24, 40, 51] {
        assert_malformed(&bytes[..len], &[]);
    }
}

#[test]
fn bad_magic() {
    let mut bytes = fib();
    bytes[1] = b'X';
    assert_malformed(&bytes, &["magic"]);
    let mut bytes = fib();
    bytes[0] = 0;
    assert_malformed(&bytes, &["magic"]);
}

#[test]
fn class_64_bit() {
    let mut bytes = fib();
    bytes[ehdr::EI_CLASS] = 2; // ELFCLASS64
    assert_rejected(&bytes, ElfError::Not32Bit, &["64-bit", "32-bit"]);
}

#[test]
fn invalid_class() {
    // Neither ELFCLASS32 nor ELFCLASS64: the `elf` crate refuses it.
    let mut bytes = fib();
    bytes[ehdr::EI_CLASS] = 7;
    assert_malformed(&bytes, &[]);
}

#[test]
fn big_endian() {
    let mut bytes = fib();
    bytes[ehdr::EI_DATA] = 2; // ELFDATA2MSB
    assert_rejected(&bytes, ElfError::BigEndian, &["big-endian"]);
}

#[test]
fn wrong_machine() {
    let mut bytes = fib();
    write_u16(&mut bytes, ehdr::MACHINE, 62); // EM_X86_64
    assert_rejected(
        &bytes,
        ElfError::WrongMachine(62),
        &["machine is 62", "RISC-V", "243"],
    );
}

#[test]
fn position_independent_executable() {
    let mut bytes = fib();
    write_u16(&mut bytes, ehdr::TYPE, 3); // ET_DYN
    assert_rejected(
        &bytes,
        ElfError::NotExecutable(3),
        &["type is 3", "ET_EXEC", "static"],
    );
    write_u16(&mut bytes, ehdr::TYPE, 1); // ET_REL (an object file)
    assert_rejected(&bytes, ElfError::NotExecutable(1), &["type is 1"]);
}

#[test]
fn compressed_instructions_flag_alone_is_accepted() {
    // Assembler macros (the RISC-V architecture tests') switch `.option rvc` on around an
    // `.align`: the flag says nothing about whether a compressed instruction is there. One
    // that is there is an illegal instruction when executed (tessera-sdk's ordinary_elfs).
    let mut bytes = fib();
    write_u32(&mut bytes, ehdr::FLAGS, 0x1); // EF_RISCV_RVC
    assert!(parse(&bytes).is_ok());
}

#[test]
fn float_abi_flag() {
    let mut bytes = fib();
    for flags in [0x2, 0x4, 0x6] {
        // single, double, quad float ABI
        write_u32(&mut bytes, ehdr::FLAGS, flags);
        assert_rejected(
            &bytes,
            ElfError::FloatAbi(flags),
            &["floating-point", &format!("{flags:#x}"), "ilp32"],
        );
    }
}

#[test]
fn rv32e_flag() {
    let mut bytes = fib();
    write_u32(&mut bytes, ehdr::FLAGS, 0x8); // EF_RISCV_RVE
    assert_rejected(&bytes, ElfError::Rv32e, &["RV32E"]);
}

#[test]
fn flags_are_checked_in_order() {
    // The float ABI is reported before RVE; RVC is no error.
    let mut bytes = fib();
    write_u32(&mut bytes, ehdr::FLAGS, 0xf);
    assert_eq!(parse(&bytes), Err(ElfError::FloatAbi(0xf)));
    write_u32(&mut bytes, ehdr::FLAGS, 0xe);
    assert_eq!(parse(&bytes), Err(ElfError::FloatAbi(0xe)));
    // Flags the loader does not know about (e.g. EF_RISCV_TSO = 0x10) are accepted.
    write_u32(&mut bytes, ehdr::FLAGS, 0x10);
    assert!(parse(&bytes).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Program-header rules.
// ---------------------------------------------------------------------------------------------

#[test]
fn interpreter_header() {
    let mut bytes = fib();
    let i = attributes(&bytes);
    ph_set(&mut bytes, i, phdr::TYPE, PT_INTERP);
    assert_rejected(
        &bytes,
        ElfError::NotStatic("PT_INTERP"),
        &["dynamically linked", "PT_INTERP", "statically"],
    );
}

#[test]
fn dynamic_header() {
    let mut bytes = fib();
    let i = attributes(&bytes);
    ph_set(&mut bytes, i, phdr::TYPE, PT_DYNAMIC);
    assert_rejected(
        &bytes,
        ElfError::NotStatic("PT_DYNAMIC"),
        &["dynamically linked", "PT_DYNAMIC"],
    );
}

#[test]
fn file_size_exceeds_memory_size() {
    let mut bytes = fib();
    let i = text(&bytes);
    let filesz = ph_get(&bytes, i, phdr::FILESZ);
    ph_set(&mut bytes, i, phdr::MEMSZ, filesz - 4);
    assert_rejected(
        &bytes,
        ElfError::FileSizeExceedsMemorySize {
            index: i,
            filesz: filesz as u64,
            memsz: filesz as u64 - 4,
        },
        &[
            &format!("program header {i}"),
            &format!("file size {filesz:#x}"),
            &format!("memory size {:#x}", filesz - 4),
        ],
    );
}

#[test]
fn segment_offset_beyond_file() {
    let mut bytes = fib();
    let len = bytes.len();
    let i = rodata(&bytes);
    let filesz = ph_get(&bytes, i, phdr::FILESZ);
    // Starts exactly at the end of the file.
    ph_set(&mut bytes, i, phdr::OFFSET, len as u32);
    let expected = ElfError::SegmentOutsideFile {
        index: i,
        offset: len as u64,
        filesz: filesz as u64,
        file_len: len,
    };
    assert_rejected(
        &bytes,
        expected,
        &[
            &format!("program header {i}"),
            "outside the file",
            &format!("({len} bytes)"),
        ],
    );
    // Starts near u32::MAX, so that offset + filesz wraps around in 32 bits.
    ph_set(&mut bytes, i, phdr::OFFSET, u32::MAX - 4);
    assert_eq!(
        parse(&bytes),
        Err(ElfError::SegmentOutsideFile {
            index: i,
            offset: u32::MAX as u64 - 4,
            filesz: filesz as u64,
            file_len: len,
        })
    );
}

#[test]
fn segment_size_beyond_file() {
    let mut bytes = fib();
    let len = bytes.len();
    let i = text(&bytes);
    let offset = ph_get(&bytes, i, phdr::OFFSET);
    // One word more than the file holds after `offset`.
    let filesz = (len as u32 - offset + 4) & !3;
    ph_set(&mut bytes, i, phdr::FILESZ, filesz);
    ph_set(&mut bytes, i, phdr::MEMSZ, filesz);
    assert_rejected(
        &bytes,
        ElfError::SegmentOutsideFile {
            index: i,
            offset: offset as u64,
            filesz: filesz as u64,
            file_len: len,
        },
        &[&format!("{offset:#x}+{filesz:#x}"), "outside the file"],
    );
}

#[test]
fn segment_beyond_memory() {
    let mut bytes = fib();
    let i = data(&bytes);
    let memsz = ph_get(&bytes, i, phdr::MEMSZ);
    // Starts inside memory (0x1fff_f000 < 2^29) but ends far beyond it.
    let vaddr = 0x1fff_f000;
    ph_set(&mut bytes, i, phdr::VADDR, vaddr);
    assert_rejected(
        &bytes,
        ElfError::SegmentOutsideMemory {
            index: i,
            vaddr: vaddr as u64,
            memsz: memsz as u64,
            memory_size: MEMORY_SIZE,
        },
        &[
            &format!("program header {i}"),
            "outside the VM memory",
            &format!("0..{MEMORY_SIZE:#x}"),
        ],
    );
    // Starts at the first address past memory, with nothing in the file.
    ph_set(&mut bytes, i, phdr::VADDR, 0x2000_0000);
    ph_set(&mut bytes, i, phdr::MEMSZ, 4);
    assert_eq!(
        parse(&bytes),
        Err(ElfError::SegmentOutsideMemory {
            index: i,
            vaddr: 0x2000_0000,
            memsz: 4,
            memory_size: MEMORY_SIZE,
        })
    );
}

#[test]
fn segment_ending_exactly_at_memory_end_is_accepted() {
    let mut bytes = fib();
    let i = data(&bytes);
    let memsz = ph_get(&bytes, i, phdr::MEMSZ);
    ph_set(&mut bytes, i, phdr::VADDR, (MEMORY_SIZE as u32) - memsz);
    let elf = parse(&bytes).expect("a segment ending at the last byte of memory is fine");
    let last = elf.segments.last().unwrap();
    assert_eq!(last.vaddr as u64 + last.mem_size as u64, MEMORY_SIZE);
}

#[test]
fn segment_wrapping_around_address_space() {
    // vaddr + memsz wraps around 2^32 to a small address that would look inside memory if the
    // sum were computed in 32 bits.
    let mut bytes = fib();
    let i = data(&bytes);
    let memsz = ph_get(&bytes, i, phdr::MEMSZ);
    let vaddr = u32::MAX - 0xfff;
    assert!(
        vaddr.wrapping_add(memsz) < MEMORY_SIZE as u32,
        "wraps in u32"
    );
    ph_set(&mut bytes, i, phdr::VADDR, vaddr);
    assert_rejected(
        &bytes,
        ElfError::SegmentOutsideMemory {
            index: i,
            vaddr: vaddr as u64,
            memsz: memsz as u64,
            memory_size: MEMORY_SIZE,
        },
        &["outside the VM memory", &format!("{vaddr:#x}+{memsz:#x}")],
    );
    // The same with a huge memsz from a low address.
    let mut bytes = fib();
    ph_set(&mut bytes, i, phdr::MEMSZ, u32::MAX);
    assert!(matches!(
        parse(&bytes),
        Err(ElfError::SegmentOutsideMemory { index, memsz, .. }) if index == i && memsz == u32::MAX as u64
    ));
}

#[test]
fn segments_confined_to_32_bit_addresses() {
    // However large the configured memory, a segment may not run past 2^32: the transpiler and
    // the memory image do address arithmetic in u32.
    let mut bytes = fib();
    let r = rodata(&bytes);
    let memsz = ph_get(&bytes, r, phdr::MEMSZ);
    ph_set(&mut bytes, r, phdr::VADDR, 0xffff_ffe0);
    for memory_size in [1u64 << 32, 1 << 33, u64::MAX] {
        let err = Elf::parse(&bytes, memory_size).expect_err("straddles 2^32");
        assert_eq!(
            err,
            ElfError::SegmentOutsideMemory {
                index: r,
                vaddr: 0xffff_ffe0,
                memsz: memsz as u64,
                memory_size: 1 << 32,
            },
            "memory size {memory_size:#x}"
        );
        assert_message(&err, &["outside the VM memory", "0..0x100000000"]);
    }

    // Code ending exactly at 2^32 is fine in a 4 GiB memory, and transpiles (the end of code,
    // 2^32, used to overflow u32 in the transpiler).
    let mut bytes = fib();
    let t = text(&bytes);
    let filesz = ph_get(&bytes, t, phdr::FILESZ);
    let vaddr = 0u32.wrapping_sub(filesz);
    ph_set(&mut bytes, t, phdr::VADDR, vaddr);
    write_u32(&mut bytes, ehdr::ENTRY, vaddr);
    let elf = Elf::parse(&bytes, 1 << 32).unwrap();
    let code = elf.segments.iter().find(|s| s.executable).unwrap();
    assert_eq!(code.vaddr as u64 + code.data.len() as u64, 1 << 32);
    let exe = Transpiler::<BabyBear>::default()
        .with_extension(AcceptEverything)
        .transpile(&elf)
        .unwrap();
    assert_eq!(exe.program.pc_base, vaddr);
    assert_eq!(exe.program.instructions.len(), filesz as usize / 4);
    assert!(exe.program.get(u32::MAX - 3).is_some());
    // With the default 512 MiB memory the same file is rejected.
    assert!(matches!(
        parse(&bytes),
        Err(ElfError::SegmentOutsideMemory { index, .. }) if index == t
    ));
}

#[test]
fn overlapping_segments() {
    let mut bytes = fib();
    let (t, r) = (text(&bytes), rodata(&bytes));
    let text_end = ph_get(&bytes, t, phdr::VADDR) + ph_get(&bytes, t, phdr::MEMSZ);
    // rodata starts 4 bytes before the end of text.
    ph_set(&mut bytes, r, phdr::VADDR, text_end - 4);
    assert_rejected(
        &bytes,
        ElfError::OverlappingSegments {
            first: t,
            second: r,
        },
        &[&format!("program headers {t} and {r}"), "overlap"],
    );
    // Touching (rodata starts exactly where text ends) is fine.
    ph_set(&mut bytes, r, phdr::VADDR, text_end);
    assert!(parse(&bytes).is_ok());
}

#[test]
fn overlapping_segments_reported_in_address_order() {
    // The bss segment moved below text, covering it: reported as (bss, text) because bss starts
    // first, whatever the header order.
    let mut bytes = fib();
    let (t, d) = (text(&bytes), data(&bytes));
    ph_set(&mut bytes, d, phdr::VADDR, 0x1000);
    assert_eq!(
        parse(&bytes),
        Err(ElfError::OverlappingSegments {
            first: d,
            second: t,
        })
    );
}

#[test]
fn code_segments_of_any_address_and_length_are_accepted() {
    // What the bytes of an executable segment hold is the transpiler's business: words it
    // only partly covers become illegal entries that fault when executed.
    let mut bytes = fib();
    let i = text(&bytes);
    let filesz = ph_get(&bytes, i, phdr::FILESZ);
    ph_set(&mut bytes, i, phdr::FILESZ, filesz - 2);
    assert!(parse(&bytes).is_ok());
    let mut bytes = fib();
    ph_set(&mut bytes, i, phdr::VADDR, 0x10002);
    // The entry point must still be an aligned address in code.
    write_u32(&mut bytes, ehdr::ENTRY, 0x10004);
    assert!(parse(&bytes).is_ok());
}

#[test]
fn misaligned_data_is_fine() {
    // Only executable segments must be word-aligned.
    let mut bytes = fib();
    let i = rodata(&bytes);
    let filesz = ph_get(&bytes, i, phdr::FILESZ);
    ph_set(&mut bytes, i, phdr::FILESZ, filesz - 1);
    ph_set(&mut bytes, i, phdr::VADDR, 0x11001);
    let elf = parse(&bytes).unwrap();
    assert!(elf
        .segments
        .iter()
        .any(|s| s.vaddr == 0x11001 && s.data.len() == filesz as usize - 1));
}

#[test]
fn no_executable_segment() {
    let mut bytes = fib();
    let i = text(&bytes);
    let flags = ph_get(&bytes, i, phdr::FLAGS);
    ph_set(&mut bytes, i, phdr::FLAGS, flags & !PF_X);
    assert_rejected(&bytes, ElfError::NoCode, &["no executable segment"]);
}

#[test]
fn no_program_headers() {
    let mut bytes = fib();
    write_u32(&mut bytes, ehdr::PHOFF, 0);
    assert_eq!(parse(&bytes), Err(ElfError::NoCode));
    let mut bytes = fib();
    write_u16(&mut bytes, ehdr::PHNUM, 0);
    assert_eq!(parse(&bytes), Err(ElfError::NoCode));
}

#[test]
fn entry_outside_code() {
    let mut bytes = fib();
    let t = text(&bytes);
    let text_end = ph_get(&bytes, t, phdr::VADDR) + ph_get(&bytes, t, phdr::FILESZ);
    // In rodata, just past the end of text, in bss, below all segments, past memory.
    for entry in [
        0x11000,
        text_end,
        0x12000,
        0xfffc,
        0,
        0x2000_0000,
        u32::MAX - 3,
    ] {
        write_u32(&mut bytes, ehdr::ENTRY, entry);
        assert_rejected(
            &bytes,
            ElfError::EntryNotInCode(entry as u64),
            &[
                &format!("entry point {entry:#x}"),
                "inside an executable segment",
            ],
        );
    }
    // The last word of text is a valid entry.
    write_u32(&mut bytes, ehdr::ENTRY, text_end - 4);
    assert_eq!(parse(&bytes).unwrap().entry, text_end - 4);
}

#[test]
fn misaligned_entry() {
    let mut bytes = fib();
    for entry in [0x10001, 0x10002, 0x10003] {
        write_u32(&mut bytes, ehdr::ENTRY, entry);
        assert_rejected(
            &bytes,
            ElfError::EntryNotInCode(entry as u64),
            &[&format!("entry point {entry:#x}"), "aligned"],
        );
    }
}

#[test]
fn entry_in_bss_of_executable_segment() {
    // An executable segment's memsz may exceed its filesz, but only the file bytes are code.
    let mut bytes = fib();
    let t = text(&bytes);
    let filesz = ph_get(&bytes, t, phdr::FILESZ);
    ph_set(&mut bytes, t, phdr::MEMSZ, filesz + 0x40);
    assert!(parse(&bytes).is_ok());
    write_u32(&mut bytes, ehdr::ENTRY, 0x10000 + filesz);
    assert_eq!(
        parse(&bytes),
        Err(ElfError::EntryNotInCode(0x10000 + filesz as u64))
    );
}

#[test]
fn truncated_program_header_table() {
    // The table runs past the end of the file: e_phoff points at its last 64 bytes but there are
    // four 32-byte entries.
    let mut bytes = fib();
    let len = bytes.len() as u32;
    write_u32(&mut bytes, ehdr::PHOFF, len - 64);
    assert_malformed(&bytes, &[]);

    // e_phnum far too large for the file.
    let mut bytes = fib();
    write_u16(&mut bytes, ehdr::PHNUM, 0xfffe);
    assert_malformed(&bytes, &[]);

    // The file itself ends inside the table (no section headers to trip over first).
    let mut bytes = fib();
    write_u32(&mut bytes, ehdr::SHOFF, 0);
    write_u16(&mut bytes, ehdr::SHNUM, 0);
    write_u16(&mut bytes, ehdr::SHSTRNDX, 0);
    assert!(parse(&bytes).is_ok(), "no section headers is fine");
    let cut = phdr_at(&bytes, 2) + 10;
    assert_malformed(&bytes[..cut], &[]);
}

#[test]
fn wrong_program_header_entry_size() {
    let mut bytes = fib();
    write_u16(&mut bytes, ehdr::PHENTSIZE, 56); // the ELF64 size
    assert_malformed(&bytes, &[]);
}

#[test]
fn rejections_come_from_the_first_bad_header() {
    // Two bad headers: the first one in table order is reported.
    let mut bytes = fib();
    let (t, d) = (text(&bytes), data(&bytes));
    ph_set(&mut bytes, d, phdr::VADDR, 0x2000_0000);
    ph_set(&mut bytes, t, phdr::VADDR, 0x2000_0000);
    assert!(matches!(
        parse(&bytes),
        Err(ElfError::SegmentOutsideMemory { index, .. }) if index == t.min(d)
    ));
}

// ---------------------------------------------------------------------------------------------
// Positive checks.
// ---------------------------------------------------------------------------------------------

#[test]
fn example_parses() {
    let bytes = fib();
    let elf = parse(&bytes).unwrap();
    assert_eq!(elf.entry, 0x10000);
    assert_eq!(elf.segments.len(), 3, "the attributes header is not loaded");
    for i in [text(&bytes), rodata(&bytes), data(&bytes)] {
        let offset = ph_get(&bytes, i, phdr::OFFSET) as usize;
        let filesz = ph_get(&bytes, i, phdr::FILESZ) as usize;
        let segment = elf
            .segments
            .iter()
            .find(|s| s.vaddr == ph_get(&bytes, i, phdr::VADDR))
            .unwrap();
        assert_eq!(segment.data, bytes[offset..offset + filesz]);
        assert_eq!(segment.mem_size, ph_get(&bytes, i, phdr::MEMSZ));
        assert_eq!(
            segment.executable,
            ph_get(&bytes, i, phdr::FLAGS) & PF_X != 0
        );
    }
    assert_eq!(
        elf.segments.iter().filter(|s| s.executable).count(),
        1,
        "only text is executable"
    );
}

#[test]
fn segments_are_sorted_by_address() {
    // Swap the text and data headers in the table: the result must not change.
    let original = parse(&fib()).unwrap();
    let mut bytes = fib();
    let (t, d) = (phdr_at(&bytes, text(&bytes)), phdr_at(&bytes, data(&bytes)));
    let text_header: Vec<u8> = bytes[t..t + phdr::SIZE].to_vec();
    bytes.copy_within(d..d + phdr::SIZE, t);
    bytes[d..d + phdr::SIZE].copy_from_slice(&text_header);
    assert_eq!(text(&bytes), 3);
    let swapped = parse(&bytes).unwrap();
    assert!(swapped.segments.windows(2).all(|w| w[0].vaddr < w[1].vaddr));
    assert_eq!(swapped, original);
}

#[test]
fn zero_size_segment_is_skipped() {
    // Retype the attributes header (memsz 0, filesz 0x2a, vaddr 0) as PT_LOAD: it is skipped
    // before any other check, even though its filesz exceeds its memsz.
    let original = parse(&fib()).unwrap();
    let mut bytes = fib();
    let a = attributes(&bytes);
    ph_set(&mut bytes, a, phdr::TYPE, PT_LOAD);
    assert_eq!(ph_get(&bytes, a, phdr::MEMSZ), 0);
    assert!(ph_get(&bytes, a, phdr::FILESZ) > 0);
    let elf = parse(&bytes).unwrap();
    assert_eq!(elf, original);
    assert!(elf.segments.iter().all(|s| s.mem_size > 0));

    // Even an empty "executable" PT_LOAD far outside memory and the file is skipped.
    ph_set(&mut bytes, a, phdr::FLAGS, PF_X);
    ph_set(&mut bytes, a, phdr::VADDR, 0xffff_fff1);
    ph_set(&mut bytes, a, phdr::OFFSET, 0xffff_fff1);
    assert_eq!(parse(&bytes).unwrap(), original);
}

/// A transpiler extension that accepts every word as a dummy instruction, to run
/// `Transpiler::transpile` (and so build the memory image) without the RV32IM extension.
struct AcceptEverything;

impl TranspilerExtension<BabyBear> for AcceptEverything {
    fn transpile(&self, word: u32) -> Option<Transpiled<BabyBear>> {
        Some(Transpiled::Instruction(Instruction::new(
            VmOpcode::from_u32(0),
            word as i64 & 0xffff,
            0,
            0,
            0,
            0,
        )))
    }
}

#[test]
fn bss_is_left_to_the_loader() {
    // The data segment has filesz 0 and memsz ~33 MiB: accepted, nothing is copied for it, and
    // the memory image has no word in it (memory starts zeroed).
    let bytes = fib();
    let elf = parse(&bytes).unwrap();
    let d = data(&bytes);
    let bss = elf
        .segments
        .iter()
        .find(|s| s.vaddr == ph_get(&bytes, d, phdr::VADDR))
        .unwrap();
    assert!(bss.data.is_empty());
    assert_eq!(bss.mem_size, ph_get(&bytes, d, phdr::MEMSZ));

    // Grow rodata's memsz beyond its filesz: accepted, and the image only holds file bytes.
    let mut bytes = fib();
    let r = rodata(&bytes);
    let (vaddr, filesz) = (
        ph_get(&bytes, r, phdr::VADDR),
        ph_get(&bytes, r, phdr::FILESZ),
    );
    ph_set(&mut bytes, r, phdr::MEMSZ, 0x800);
    let elf = parse(&bytes).unwrap();
    let rodata = elf.segments.iter().find(|s| s.vaddr == vaddr).unwrap();
    assert_eq!(
        (rodata.data.len(), rodata.mem_size),
        (filesz as usize, 0x800)
    );

    let exe = Transpiler::<BabyBear>::default()
        .with_extension(AcceptEverything)
        .transpile(&elf)
        .unwrap();
    assert_eq!(exe.pc_start, elf.entry);
    for &(space, addr) in exe.init_memory.keys() {
        assert_eq!(space, address_space::MEMORY);
        assert!(
            elf.segments
                .iter()
                .any(|s| addr + 3 >= s.vaddr && addr < s.vaddr + s.data.len() as u32),
            "image word at {addr:#x} is not backed by file bytes"
        );
    }
    let rodata_words = exe
        .init_memory
        .keys()
        .filter(|(_, a)| *a >= vaddr && *a < vaddr + 0x800)
        .count();
    assert!(rodata_words > 0 && rodata_words <= (filesz as usize).div_ceil(4));
}

#[test]
fn function_symbols() {
    let elf = parse(&fib()).unwrap();
    let by_name = |name: &str| {
        elf.functions
            .values()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no function symbol {name}"))
    };
    let start = by_name("_start");
    assert_eq!(start.start, elf.entry);
    assert!(start.end > start.start);
    let main = by_name("main");
    assert!(main.end > main.start);
    assert!(by_name("fib").start > main.start);
    for (&addr, f) in &elf.functions {
        assert_eq!(addr, f.start);
        assert!(f.start <= f.end);
    }
}

#[test]
fn symbols_are_optional() {
    // Without section headers there is no symbol table; the ELF still loads.
    let mut bytes = fib();
    write_u32(&mut bytes, ehdr::SHOFF, 0);
    write_u16(&mut bytes, ehdr::SHNUM, 0);
    write_u16(&mut bytes, ehdr::SHSTRNDX, 0);
    let elf = parse(&bytes).unwrap();
    assert!(elf.functions.is_empty());
    assert_eq!(elf.segments, parse(&fib()).unwrap().segments);
}

#[test]
fn every_example_parses() {
    let mut count = 0;
    for entry in std::fs::read_dir(examples_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "elf") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let elf = parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            elf.segments.windows(2).all(|w| w[0].vaddr < w[1].vaddr),
            "{}: segments sorted",
            path.display()
        );
        assert!(elf.segments.iter().any(|s| s.executable));
        assert!(
            elf.functions
                .values()
                .any(|f| f.name == "_start" || f.name == "main"),
            "{}: symbols",
            path.display()
        );
        count += 1;
    }
    assert!(count >= 6, "expected the 6 committed example ELFs");
}

#[test]
fn code_segments_far_apart_are_rejected_before_allocating() {
    // Make the rodata segment executable and move it 128 MiB above the text: a 14 KB file whose
    // program table would need 32 Mi slots.
    let mut bytes = fib();
    let r = rodata(&bytes);
    let flags = ph_get(&bytes, r, phdr::FLAGS);
    ph_set(&mut bytes, r, phdr::FLAGS, flags | PF_X);
    let text_start = ph_get(&bytes, text(&bytes), phdr::VADDR) as u64;
    let far = 0x0800_0000u32;
    ph_set(&mut bytes, r, phdr::VADDR, far);
    let filesz = ph_get(&bytes, r, phdr::FILESZ) as u64;
    let span = far as u64 + filesz - text_start;
    assert_rejected(
        &bytes,
        ElfError::CodeTooLarge {
            span,
            max: tessera_arch::elf::MAX_CODE_SPAN,
        },
        &["code spans", "at most"],
    );
}
