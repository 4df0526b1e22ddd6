//! The transpiler: RISC-V machine words to VM instructions, through the configured extensions.

use std::{borrow::Cow, collections::BTreeMap, sync::Arc};

use p3_field::PrimeField32;
use thiserror::Error;

use crate::{
    elf::Elf,
    isa::{address_space, Instruction},
    program::{IllegalReason, IllegalWord, Program, SparseMemoryImage, VmExe, PC_STEP},
};

/// What an extension makes of one 32-bit instruction word it recognizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transpiled<F> {
    /// The word is this VM instruction.
    Instruction(Instruction<F>),
    /// The word is a RISC-V instruction the VM deliberately does not support (named here).
    Unsupported(&'static str),
}

/// One extension's share of the transpiler: it claims the words it knows.
///
/// ```
/// use tessera_arch::{Transpiled, TranspilerExtension};
/// struct Nothing;
/// impl<F> TranspilerExtension<F> for Nothing {
///     fn transpile(&self, _word: u32) -> Option<Transpiled<F>> { None }
/// }
/// ```
pub trait TranspilerExtension<F>: Send + Sync {
    /// `None` when the word is not this extension's; otherwise what it means.
    fn transpile(&self, word: u32) -> Option<Transpiled<F>>;
}

/// Why a program could not be transpiled.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum TranspileError {
    #[error("unsupported instruction {what} at {pc:#010x} (word {word:#010x})")]
    Unsupported {
        pc: u32,
        word: u32,
        what: &'static str,
    },
    #[error("compressed (16-bit) instruction at {pc:#010x} (word {word:#010x}); build with -march=rv32im, without the C extension")]
    Compressed { pc: u32, word: u32 },
    #[error("unknown instruction encoding at {pc:#010x} (word {word:#010x}): no configured extension decodes it")]
    Unknown { pc: u32, word: u32 },
    #[error(
        "two extensions decode the word {word:#010x} at {pc:#010x}; their opcode spaces overlap"
    )]
    Ambiguous { pc: u32, word: u32 },
    #[error("only {bytes} bytes of the word at {pc:#010x} lie in an executable segment")]
    Partial { pc: u32, word: u32, bytes: u8 },
}

impl TranspileError {
    /// Why the word is not an instruction, if the error is about the word (a word is kept as
    /// an illegal entry of the program); `None` for a configuration error.
    pub fn illegal_reason(&self) -> Option<IllegalReason> {
        match self {
            Self::Unsupported { what, .. } => Some(IllegalReason::Unsupported(Cow::Borrowed(what))),
            Self::Compressed { .. } => Some(IllegalReason::Compressed),
            Self::Unknown { .. } => Some(IllegalReason::Unknown),
            Self::Partial { bytes, .. } => Some(IllegalReason::PartialWord { bytes: *bytes }),
            Self::Ambiguous { .. } => None,
        }
    }
}

/// The transpiler of a VM configuration: the transpiler extensions of its extensions.
pub struct Transpiler<F> {
    extensions: Vec<Arc<dyn TranspilerExtension<F>>>,
}

impl<F> Default for Transpiler<F> {
    fn default() -> Self {
        Self {
            extensions: Vec::new(),
        }
    }
}

impl<F: PrimeField32> Transpiler<F> {
    /// Adds an extension's transpiler.
    pub fn with_extension(mut self, extension: impl TranspilerExtension<F> + 'static) -> Self {
        self.extensions.push(Arc::new(extension));
        self
    }

    /// The executable of straight-line code: `words` at `base` (also its entry point and, as
    /// data, its initial memory), every word transpiled. For tests and hand-made programs;
    /// ELF files go through [`Self::transpile`].
    ///
    /// ```
    /// # use p3_baby_bear::BabyBear;
    /// # use tessera_arch::Transpiler;
    /// // No extension decodes anything: the word is unknown.
    /// let transpiler = Transpiler::<BabyBear>::default();
    /// assert!(transpiler.exe_from_words(0x1000, &[0x0000_0073]).is_err());
    /// ```
    pub fn exe_from_words(&self, base: u32, words: &[u32]) -> Result<VmExe<F>, TranspileError> {
        let mut instructions = Vec::with_capacity(words.len());
        let mut init_memory = BTreeMap::new();
        for (i, &word) in words.iter().enumerate() {
            let pc = base + PC_STEP * i as u32;
            instructions.push(Some(self.transpile_word(pc, word)?));
            if word != 0 {
                init_memory.insert((address_space::MEMORY, pc), word);
            }
        }
        Ok(VmExe {
            program: Program {
                pc_base: base,
                instructions,
                illegal: BTreeMap::new(),
            },
            pc_start: base,
            init_memory,
            fn_bounds: BTreeMap::new(),
        })
    }

    /// Translates one word at `pc`. Exactly one extension must claim it.
    pub fn transpile_word(&self, pc: u32, word: u32) -> Result<Instruction<F>, TranspileError> {
        // The all-zero word is illegal in every RISC-V encoding; it is padding or data, not a
        // compressed instruction.
        if word != 0 && word & 0b11 != 0b11 {
            return Err(TranspileError::Compressed { pc, word });
        }
        let mut claims = self.extensions.iter().filter_map(|ext| ext.transpile(word));
        let first = claims.next().ok_or(TranspileError::Unknown { pc, word })?;
        if claims.next().is_some() {
            return Err(TranspileError::Ambiguous { pc, word });
        }
        match first {
            Transpiled::Instruction(instruction) => Ok(instruction),
            Transpiled::Unsupported(what) => Err(TranspileError::Unsupported { pc, word, what }),
        }
    }

    /// Builds the executable: every word of every executable segment that decodes becomes an
    /// instruction; every other word (data, padding, compressed or CSR instructions, a word
    /// the segment covers only in part) an entry of [`Program::illegal`], a fault only if it
    /// is executed. Every segment's bytes (code included) become initial memory. Fails only if
    /// two extensions decode the same word (a configuration error).
    pub fn transpile(&self, elf: &Elf) -> Result<VmExe<F>, TranspileError> {
        let code: Vec<_> = elf.segments.iter().filter(|s| s.executable).collect();
        // Elf::parse guarantees at least one executable segment, sorted by address.
        let pc_base = code.first().map_or(elf.entry, |s| s.vaddr) & !3;
        // In u64: with a 4 GiB memory (memory_bits = 32) a code segment may end at 2^32, which
        // overflows u32.
        let pc_end = code
            .iter()
            .map(|s| (s.vaddr as u64 + s.data.len() as u64).next_multiple_of(4))
            .max()
            .unwrap_or(pc_base as u64);
        let slots = ((pc_end - pc_base as u64) / PC_STEP as u64) as usize;
        // Each slot's bytes and which of them executable segments cover.
        let mut words = vec![(0u32, 0u8); slots];
        for segment in &code {
            for (i, &byte) in segment.data.iter().enumerate() {
                let addr = segment.vaddr as u64 + i as u64 - pc_base as u64;
                let (word, covered) = &mut words[(addr / 4) as usize];
                *word |= (byte as u32) << (8 * (addr % 4));
                *covered |= 1 << (addr % 4);
            }
        }
        let mut instructions = vec![None; slots];
        let mut illegal = BTreeMap::new();
        for (i, &(word, covered)) in words.iter().enumerate() {
            let pc = pc_base + PC_STEP * i as u32;
            let decoded = match covered {
                0 => continue,
                0b1111 => self.transpile_word(pc, word),
                partial => Err(TranspileError::Partial {
                    pc,
                    word,
                    bytes: partial.count_ones() as u8,
                }),
            };
            match decoded {
                Ok(instruction) => instructions[i] = Some(instruction),
                Err(error) => {
                    let reason = error.illegal_reason().ok_or(error)?;
                    illegal.insert(pc, IllegalWord { word, reason });
                }
            }
        }
        Ok(VmExe {
            program: Program {
                pc_base,
                instructions,
                illegal,
            },
            pc_start: elf.entry,
            init_memory: memory_image(elf),
            fn_bounds: elf.functions.clone(),
        })
    }
}

/// The non-zero words of all loadable segments, in the main-memory address space.
fn memory_image(elf: &Elf) -> SparseMemoryImage {
    let mut image = SparseMemoryImage::new();
    for segment in &elf.segments {
        for (i, &byte) in segment.data.iter().enumerate() {
            if byte == 0 {
                continue;
            }
            let addr = segment.vaddr + i as u32;
            let word = image.entry((address_space::MEMORY, addr & !3)).or_insert(0);
            *word |= (byte as u32) << (8 * (addr & 3));
        }
    }
    image
}
