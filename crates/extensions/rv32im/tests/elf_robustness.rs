//! `load_elf` on hostile input: truncated, mutated and random files must give `Ok` or `Err`,
//! never a panic. Every random case is derived from a printed seed, so a failure can be replayed.
//! An `Ok` result is sanity-checked: the entry point is an instruction of the program and the
//! initial memory lies inside main memory.

use std::{
    fmt,
    panic::{catch_unwind, AssertUnwindSafe},
    path::PathBuf,
};

use p3_baby_bear::BabyBear;
use rand::{rngs::StdRng, Rng, SeedableRng};
use tessera_arch::{
    address_space,
    elf::{Elf, ElfError},
    load_elf, LoadError, VmExe, VmExecutionConfig,
};
use tessera_rv32im::Rv32ImConfig;
use tessera_test_utils::repo_root;

/// Mutations per example ELF (override with TESSERA_ELF_MUTATIONS for a longer search).
const DEFAULT_MUTATIONS: u64 = 2000;

fn mutations() -> u64 {
    std::env::var("TESSERA_ELF_MUTATIONS")
        .ok()
        .map(|v| v.parse().expect("TESSERA_ELF_MUTATIONS is a number"))
        .unwrap_or(DEFAULT_MUTATIONS)
}

fn examples() -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = repo_root().join("examples/elf");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "elf"))
        // `*-zbb.elf` are built for `rv32im + zbb` and tested in contrib/zbb.
        .filter(|p| !p.to_string_lossy().ends_with("-zbb.elf"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "expected the example ELFs in {dir:?}");
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn fib() -> Vec<u8> {
    std::fs::read(repo_root().join("examples/elf/c-fibonacci.elf")).unwrap()
}

/// Runs `load_elf` with the default RV32IM configuration, turning a panic into `Err(message)`,
/// and sanity-checks an `Ok` executable.
fn try_load(config: &Rv32ImConfig, bytes: &[u8]) -> Result<Result<(), LoadError>, String> {
    try_load_unless_known(config, bytes, None)
}

/// [`try_load`], except that when `known` is given and the bytes parse to the same entry point
/// and segments, the transpiler is not run again: `Transpiler::transpile` is a pure function of
/// those (it only clones the function symbols), so its result is `known`'s, which loaded. This
/// keeps thousands of mutations that only touch symbols, section headers or padding cheap in
/// debug builds, where transpiling a large example takes milliseconds.
fn try_load_unless_known(
    config: &Rv32ImConfig,
    bytes: &[u8],
    known: Option<&Elf>,
) -> Result<Result<(), LoadError>, String> {
    let memory_size = VmExecutionConfig::<BabyBear>::system(config).memory_size();
    let result = catch_unwind(AssertUnwindSafe(|| {
        if let Some(known) = known {
            if let Ok(elf) = Elf::parse(bytes, memory_size) {
                if elf.entry == known.entry && elf.segments == known.segments {
                    return Ok(None);
                }
            }
        }
        load_elf::<BabyBear, _>(config, bytes).map(Some)
    }));
    match result {
        Ok(Ok(None)) => Ok(Ok(())),
        Ok(Ok(Some(exe))) => check_exe(config, &exe).map(|()| Ok(())),
        Ok(Err(e)) => {
            // The message must render (Display is part of the error path users see).
            let _ = e.to_string();
            Ok(Err(e))
        }
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic payload".into())),
    }
}

/// What an `Ok` executable must satisfy: the entry point is a slot of the program, a defined
/// instruction or an illegal word (which faults when executed), and every initial memory word
/// is an aligned main-memory address.
fn check_exe(config: &Rv32ImConfig, exe: &VmExe<BabyBear>) -> Result<(), String> {
    let program = &exe.program;
    let defined = program.get(exe.pc_start).is_some();
    let illegal = program.illegal.contains_key(&exe.pc_start);
    if program.index_of(exe.pc_start).is_none() || !(defined || illegal) {
        return Err(format!(
            "pc_start {:#x} is not an instruction of the program ({:#x} + 4 * {})",
            exe.pc_start,
            program.pc_base,
            program.instructions.len()
        ));
    }
    let memory_size = VmExecutionConfig::<BabyBear>::system(config).memory_size();
    for &(space, addr) in exe.init_memory.keys() {
        if space != address_space::MEMORY || addr % 4 != 0 || addr as u64 >= memory_size {
            return Err(format!("bad initial memory word ({space}, {addr:#x})"));
        }
    }
    Ok(())
}

/// A failure report: what was loaded, and why it failed.
fn report(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} hostile inputs made load_elf panic or return a bad executable; first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// (a) Truncations.
// ---------------------------------------------------------------------------------------------

#[test]
fn every_truncation_is_rejected() {
    let config = Rv32ImConfig::default();
    let bytes = fib();
    assert!(
        try_load(&config, &bytes).unwrap().is_ok(),
        "the full file loads"
    );
    let lengths = (0..bytes.len().min(4096)).chain((4096..bytes.len()).step_by(97));
    let mut failures = Vec::new();
    let mut count = 0;
    for len in lengths {
        count += 1;
        match try_load(&config, &bytes[..len]) {
            Ok(Err(_)) => {}
            Ok(Ok(())) => failures.push(format!("truncated to {len} bytes: loaded")),
            Err(panic) => failures.push(format!("truncated to {len} bytes: panicked: {panic}")),
        }
    }
    assert!(count > 4096);
    report(&failures);
}

// ---------------------------------------------------------------------------------------------
// (b) Mutations of the examples.
// ---------------------------------------------------------------------------------------------

/// One random change to an ELF.
#[derive(Clone, Debug)]
enum Mutation {
    /// Byte `offset` is XORed with `mask` (non-zero).
    Flip(Vec<(usize, u8)>),
    /// The header field `name` (`size` bytes at `offset`) is overwritten with the low bytes of
    /// `value`, little-endian.
    Field {
        name: String,
        offset: usize,
        size: usize,
        value: u32,
    },
}

impl Mutation {
    fn apply(&self, bytes: &mut [u8]) {
        match self {
            Mutation::Flip(flips) => {
                for &(offset, mask) in flips {
                    bytes[offset] ^= mask;
                }
            }
            Mutation::Field {
                offset,
                size,
                value,
                ..
            } => bytes[*offset..*offset + *size].copy_from_slice(&value.to_le_bytes()[..*size]),
        }
    }
}

impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mutation::Flip(flips) => {
                write!(f, "flip")?;
                for (offset, mask) in flips {
                    write!(f, " [{offset:#x}] ^= {mask:#04x}")?;
                }
                Ok(())
            }
            Mutation::Field {
                name,
                offset,
                value,
                ..
            } => write!(f, "{name} (at {offset:#x}) = {value:#x}"),
        }
    }
}

fn le_u16(bytes: &[u8], at: usize) -> usize {
    u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize
}

fn le_u32(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
}

/// Every header field of a valid ELF32 file as `(name, offset, size)`: the file header
/// (`Elf32_Ehdr`), each program header (`Elf32_Phdr`, 32 bytes) and each section header
/// (`Elf32_Shdr`, 40 bytes), all little-endian.
fn header_fields(bytes: &[u8]) -> Vec<(String, usize, usize)> {
    const EHDR: [(&str, usize, usize); 17] = [
        ("e_ident[EI_CLASS]", 4, 1),
        ("e_ident[EI_DATA]", 5, 1),
        ("e_ident[EI_VERSION]", 6, 1),
        ("e_ident[EI_OSABI]", 7, 1),
        ("e_type", 16, 2),
        ("e_machine", 18, 2),
        ("e_version", 20, 4),
        ("e_entry", 24, 4),
        ("e_phoff", 28, 4),
        ("e_shoff", 32, 4),
        ("e_flags", 36, 4),
        ("e_ehsize", 40, 2),
        ("e_phentsize", 42, 2),
        ("e_phnum", 44, 2),
        ("e_shentsize", 46, 2),
        ("e_shnum", 48, 2),
        ("e_shstrndx", 50, 2),
    ];
    const PHDR: [&str; 8] = [
        "p_type", "p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_flags", "p_align",
    ];
    const SHDR: [&str; 10] = [
        "sh_name",
        "sh_type",
        "sh_flags",
        "sh_addr",
        "sh_offset",
        "sh_size",
        "sh_link",
        "sh_info",
        "sh_addralign",
        "sh_entsize",
    ];
    let mut fields: Vec<_> = EHDR
        .iter()
        .map(|&(n, o, s)| (n.to_string(), o, s))
        .collect();
    let (phoff, phnum) = (le_u32(bytes, 28), le_u16(bytes, 44));
    for i in 0..phnum {
        for (k, name) in PHDR.iter().enumerate() {
            fields.push((format!("phdr[{i}].{name}"), phoff + 32 * i + 4 * k, 4));
        }
    }
    let (shoff, shnum) = (le_u32(bytes, 32), le_u16(bytes, 48));
    for i in 0..shnum {
        for (k, name) in SHDR.iter().enumerate() {
            fields.push((format!("shdr[{i}].{name}"), shoff + 40 * i + 4 * k, 4));
        }
    }
    fields
}

/// A random u32, biased towards boundary values that exercise the loader's checks.
fn interesting_u32(rng: &mut StdRng, original: u32, file_len: usize) -> u32 {
    const SPECIAL: [u32; 14] = [
        0,
        1,
        2,
        3,
        4,
        0x7fff_ffff,
        0x8000_0000,
        u32::MAX,
        u32::MAX - 3,
        0xffff,
        0x1_0000,
        1 << 29,
        (1 << 29) - 4,
        0x1fff_f000,
    ];
    match rng.gen_range(0..4) {
        0 => rng.gen(),
        1 => SPECIAL[rng.gen_range(0..SPECIAL.len())],
        2 => original.wrapping_add(rng.gen_range(-8i32..=8) as u32),
        _ => (file_len as u32).wrapping_add(rng.gen_range(-64i32..=64) as u32),
    }
}

/// The mutation for `seed`: half the time 1 to 8 random byte flips, half the time one header
/// field overwritten.
fn mutation(seed: u64, bytes: &[u8], fields: &[(String, usize, usize)]) -> Mutation {
    let mut rng = StdRng::seed_from_u64(seed);
    if rng.gen_bool(0.5) {
        let n = rng.gen_range(1..=8);
        Mutation::Flip(
            (0..n)
                .map(|_| (rng.gen_range(0..bytes.len()), rng.gen_range(1..=255u8)))
                .collect(),
        )
    } else {
        let (name, offset, size) = fields[rng.gen_range(0..fields.len())].clone();
        let mut original = [0u8; 4];
        original[..size].copy_from_slice(&bytes[offset..offset + size]);
        let value = interesting_u32(&mut rng, u32::from_le_bytes(original), bytes.len());
        Mutation::Field {
            name,
            offset,
            size,
            value,
        }
    }
}

/// Applies [`mutations()`] mutations to the example ELF `name`, seeded from `index` (each
/// example its own seeds).
fn mutate_example(index: u64, name: &str) {
    let config = Rv32ImConfig::default();
    let examples = examples();
    let (name, original) = examples
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no example {name} in examples/elf"));
    assert!(try_load(&config, original).unwrap().is_ok(), "{name} loads");
    let known = Elf::parse(original, 1 << 29).unwrap();
    let fields = header_fields(original);
    let mut failures = Vec::new();
    let (mut oks, mut errs) = (0, 0);
    for i in 0..mutations() {
        let seed = index << 32 | i;
        let m = mutation(seed, original, &fields);
        let mut bytes = original.clone();
        m.apply(&mut bytes);
        match try_load_unless_known(&config, &bytes, Some(&known)) {
            Ok(Ok(())) => oks += 1,
            Ok(Err(_)) => errs += 1,
            Err(why) => failures.push(format!("{name}, seed {seed:#x}, {m}: {why}")),
        }
    }
    report(&failures);
    // Both outcomes must occur, or the mutations are not exercising anything.
    assert!(oks > 0 && errs > 0, "{name}: {oks} loaded, {errs} rejected");
}

// One test per example, so that they run in parallel.
#[test]
fn mutations_of_c_fibonacci() {
    mutate_example(0, "c-fibonacci.elf");
}
#[test]
fn mutations_of_c_reveal() {
    mutate_example(1, "c-reveal.elf");
}
#[test]
fn mutations_of_c_sha256() {
    mutate_example(2, "c-sha256.elf");
}
#[test]
fn mutations_of_c_sort() {
    mutate_example(3, "c-sort.elf");
}
#[test]
fn mutations_of_rust_fibonacci() {
    mutate_example(4, "rust-fibonacci.elf");
}
#[test]
fn mutations_of_rust_keccak() {
    mutate_example(5, "rust-keccak.elf");
}
#[test]
fn mutations_of_c_profile() {
    mutate_example(6, "c-profile.elf");
}

// ---------------------------------------------------------------------------------------------
// (c) Random garbage.
// ---------------------------------------------------------------------------------------------

#[test]
fn random_garbage() {
    let config = Rv32ImConfig::default();
    let mut failures = Vec::new();
    for seed in 0..1000u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let len = match rng.gen_range(0..4) {
            0 => rng.gen_range(0..64),
            1 => rng.gen_range(0..512),
            _ => rng.gen_range(0..16384),
        };
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        // Most of the time start with the ELF magic, so that parsing gets past the first check.
        if len >= 4 && rng.gen_bool(0.75) {
            bytes[..4].copy_from_slice(b"\x7fELF");
        }
        match try_load(&config, &bytes) {
            Ok(Ok(())) => {} // astronomically unlikely, but then it passed check_exe
            Ok(Err(_)) => {}
            Err(why) => failures.push(format!("garbage seed {seed} ({len} bytes): {why}")),
        }
    }
    report(&failures);
}

/// Garbage behind a plausible ELF32 RISC-V executable header: the program and section header
/// tables are random, so the segment rules and the symbol table parser see hostile values.
#[test]
fn random_tables_behind_a_valid_header() {
    let config = Rv32ImConfig::default();
    let mut failures = Vec::new();
    let mut rejections = std::collections::BTreeMap::<String, usize>::new();
    for seed in 0..1000u64 {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_0000);
        let len = rng.gen_range(64..8192);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        let phnum: u16 = rng.gen_range(0..8);
        let phoff = 52u32;
        let shnum: u16 = rng.gen_range(0..6);
        let shoff = if rng.gen_bool(0.5) {
            0
        } else {
            rng.gen_range(0..len as u32)
        };
        let mut header = Vec::new();
        header.extend_from_slice(b"\x7fELF\x01\x01\x01\x00");
        header.extend_from_slice(&[0; 8]);
        header.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        header.extend_from_slice(&243u16.to_le_bytes()); // EM_RISCV
        header.extend_from_slice(&1u32.to_le_bytes()); // e_version
        header.extend_from_slice(&(rng.gen_range(0..0x2_0000u32) & !3).to_le_bytes()); // entry
        header.extend_from_slice(&phoff.to_le_bytes());
        header.extend_from_slice(&shoff.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes()); // e_flags
        header.extend_from_slice(&52u16.to_le_bytes());
        header.extend_from_slice(&32u16.to_le_bytes());
        header.extend_from_slice(&phnum.to_le_bytes());
        header.extend_from_slice(&40u16.to_le_bytes());
        header.extend_from_slice(&shnum.to_le_bytes());
        header.extend_from_slice(&0u16.to_le_bytes());
        assert_eq!(header.len(), 52);
        bytes[..52].copy_from_slice(&header);
        // Make some program headers plausible loadable segments.
        for i in 0..phnum as usize {
            let at = 52 + 32 * i;
            if at + 32 > bytes.len() || rng.gen_bool(0.3) {
                continue;
            }
            let filesz = rng.gen_range(0..0x400u32) & !3;
            let fields = [
                1,                                   // PT_LOAD
                rng.gen_range(0..len as u32),        // p_offset
                rng.gen_range(0..0x2_0000u32) & !3,  // p_vaddr
                0,                                   // p_paddr
                filesz,                              // p_filesz
                filesz + rng.gen_range(0..0x100u32), // p_memsz
                rng.gen_range(0..8u32),              // p_flags
                4,                                   // p_align
            ];
            for (k, v) in fields.iter().enumerate() {
                bytes[at + 4 * k..at + 4 * k + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        match try_load(&config, &bytes) {
            Ok(Ok(())) => *rejections.entry("loaded".into()).or_default() += 1,
            Ok(Err(e)) => {
                let kind = format!("{e:?}");
                let kind = kind.split(['(', '{']).take(2).collect::<Vec<_>>().join("(");
                *rejections.entry(kind).or_default() += 1;
            }
            Err(why) => failures.push(format!("table seed {seed}: {why}")),
        }
    }
    report(&failures);
    // Several different rules must have fired, or the generator is not reaching them.
    assert!(rejections.len() >= 5, "outcomes: {rejections:?}");
}

// ---------------------------------------------------------------------------------------------
// Regressions: address arithmetic at the top of the 32-bit address space.
// ---------------------------------------------------------------------------------------------

fn set_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Offset of field `field` of program header `index` (e_phoff + 32 * index + field).
fn ph_field(bytes: &[u8], index: usize, field: usize) -> usize {
    le_u32(bytes, 28) + 32 * index + field
}

/// With a 4 GiB memory (memory_bits = 32), code may end exactly at 2^32. The transpiler used
/// to compute the end of code as `vaddr + len` in u32, which overflowed (a panic in debug).
#[test]
fn code_ending_at_the_top_of_a_4_gib_memory() {
    let mut bytes = fib();
    let text = 1; // c-fibonacci: 0 = attributes, 1 = text, 2 = rodata, 3 = data
    let filesz = le_u32(&bytes, ph_field(&bytes, text, 16)) as u32;
    let vaddr = 0u32.wrapping_sub(filesz); // vaddr + filesz == 2^32
    let at = ph_field(&bytes, text, 8);
    set_u32(&mut bytes, at, vaddr);
    set_u32(&mut bytes, 24, u32::MAX - 3); // e_entry: the last word of code
    let mut config = Rv32ImConfig::default();
    config.system.memory_bits = 32;
    let exe = load_elf::<BabyBear, _>(&config, &bytes).expect("loads");
    assert_eq!(exe.program.pc_base, vaddr);
    assert_eq!(exe.program.instructions.len(), filesz as usize / 4);
    assert!(exe.program.get(u32::MAX - 3).is_some());
    assert_eq!(exe.pc_start, u32::MAX - 3);
}

/// With memory_bits > 32, a segment could straddle 2^32 and the memory image's u32 address
/// arithmetic overflowed (a panic in debug). Segments are now confined to the 32-bit space.
#[test]
fn segments_never_straddle_the_32_bit_address_space() {
    let mut bytes = fib();
    let rodata = 2;
    let at = ph_field(&bytes, rodata, 8);
    set_u32(&mut bytes, at, 0xffff_ffe0);
    let memsz = le_u32(&bytes, ph_field(&bytes, rodata, 20)) as u64;
    for memory_bits in [32, 33, 40] {
        let mut config = Rv32ImConfig::default();
        config.system.memory_bits = memory_bits;
        let result = catch_unwind(AssertUnwindSafe(|| {
            load_elf::<BabyBear, _>(&config, &bytes)
        }));
        assert_eq!(
            result.expect("no panic"),
            Err(LoadError::Elf(ElfError::SegmentOutsideMemory {
                index: rodata,
                vaddr: 0xffff_ffe0,
                memsz,
                memory_size: 1 << 32,
            })),
            "memory_bits = {memory_bits}"
        );
    }
}
