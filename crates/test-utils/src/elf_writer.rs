//! The smallest static RV32 executable: an ELF header and one loadable R+X segment holding
//! instruction words, entry at its start, no sections. For tests that need an ELF file of a
//! program written as words (the CLI reads ELF files only).

/// `e_flags` bit: the ELF may contain compressed (RVC) instructions.
pub const EF_RISCV_RVC: u32 = 0x1;

/// An ELF32 little-endian RISC-V executable whose only segment holds `words` at `base` (also
/// the entry point).
pub fn elf_from_words(base: u32, words: &[u32]) -> Vec<u8> {
    let code: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    elf_from_code(base, &code, 0)
}

/// Like [`elf_from_words`], with the segment's bytes (any length) and `e_flags` given.
pub fn elf_from_code(base: u32, code: &[u8], flags: u32) -> Vec<u8> {
    const EHDR: u32 = 52;
    const PHDR: u32 = 32;
    let offset = EHDR + PHDR;
    let mut out = Vec::with_capacity(offset as usize + code.len());
    out.extend_from_slice(b"\x7fELF\x01\x01\x01\x00"); // ELF32, little-endian, version 1
    out.extend_from_slice(&[0; 8]);
    let half = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    let word = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    half(&mut out, 2); // ET_EXEC
    half(&mut out, 243); // EM_RISCV
    word(&mut out, 1); // e_version
    word(&mut out, base); // e_entry
    word(&mut out, EHDR); // e_phoff
    word(&mut out, 0); // e_shoff
    word(&mut out, flags); // e_flags
    half(&mut out, EHDR as u16);
    half(&mut out, PHDR as u16);
    half(&mut out, 1); // e_phnum
    half(&mut out, 40); // e_shentsize
    half(&mut out, 0); // e_shnum
    half(&mut out, 0); // e_shstrndx
    for field in [
        1,                 // PT_LOAD
        offset,            // p_offset
        base,              // p_vaddr
        base,              // p_paddr
        code.len() as u32, // p_filesz
        code.len() as u32, // p_memsz
        5,                 // p_flags: R+X
        4,                 // p_align
    ] {
        word(&mut out, field);
    }
    out.extend_from_slice(code);
    out
}
