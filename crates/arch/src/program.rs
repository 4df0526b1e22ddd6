//! Programs and executables: what the transpiler produces and the VM runs.

use std::{borrow::Cow, collections::BTreeMap};

use serde::{Deserialize, Serialize};

use crate::isa::Instruction;

/// Distance in bytes between consecutive instructions.
pub const PC_STEP: u32 = 4;

/// The program: instructions at `pc_base + PC_STEP * i`. Slots without an instruction are
/// `None`: gaps between executable segments, and words of executable segments that no
/// configured extension decodes (data, padding, compressed or CSR instructions), which
/// [`Program::illegal`] lists. Executing either is an execution error; in the proof such a slot
/// is an all-zero row of the program table, which no instruction AIR accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "F: Serialize + serde::de::DeserializeOwned")]
pub struct Program<F> {
    pub pc_base: u32,
    pub instructions: Vec<Option<Instruction<F>>>,
    /// The words of executable segments that are not instructions of this VM, by pc.
    #[serde(default)]
    pub illegal: BTreeMap<u32, IllegalWord>,
}

/// A word of an executable segment that is not an instruction of the VM: a fault when it is
/// executed, not when it is loaded (it may be data, padding, or code that never runs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IllegalWord {
    /// The word (for a partial word, its bytes present, the others zero).
    pub word: u32,
    pub reason: IllegalReason,
}

/// Why a word of an executable segment is not an instruction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IllegalReason {
    /// The low two bits are not `11`: a 16-bit instruction of the C extension.
    Compressed,
    /// A RISC-V instruction the VM deliberately does not support (CSR, `fence.i`, ...).
    Unsupported(Cow<'static, str>),
    /// No configured extension decodes it (data, zero padding, an unknown encoding).
    Unknown,
    /// The executable segment ends (or starts) inside this word: only `bytes` of it are code.
    PartialWord { bytes: u8 },
}

impl std::fmt::Display for IllegalReason {
    /// Completes "the word 0x... is ".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Compressed => write!(
                f,
                "a compressed (16-bit) instruction: rebuild with -march=rv32im, without the C extension"
            ),
            Self::Unsupported(what) if what.contains("CSR") => write!(
                f,
                "not an instruction Tessera supports: {what}; Tessera has no CSRs, so build without code that reads counters or status registers"
            ),
            Self::Unsupported(what) => write!(f, "not an instruction Tessera supports: {what}"),
            Self::Unknown => write!(
                f,
                "not an instruction of any configured extension (data or padding in an executable segment, or an extension this VM lacks)"
            ),
            Self::PartialWord { bytes } => write!(
                f,
                "only partly in the executable segment ({bytes} of its 4 bytes)"
            ),
        }
    }
}

impl<F> Program<F> {
    /// The instruction at `pc`, if `pc` is aligned and inside the program.
    pub fn get(&self, pc: u32) -> Option<&Instruction<F>> {
        self.index_of(pc)
            .and_then(|i| self.instructions[i].as_ref())
    }

    /// The index of `pc` in `instructions`, if `pc` is aligned and inside the program.
    pub fn index_of(&self, pc: u32) -> Option<usize> {
        let offset = pc.checked_sub(self.pc_base)?;
        if offset % PC_STEP != 0 {
            return None;
        }
        let index = (offset / PC_STEP) as usize;
        (index < self.instructions.len()).then_some(index)
    }

    /// Number of defined instructions.
    pub fn num_instructions(&self) -> usize {
        self.instructions.iter().filter(|i| i.is_some()).count()
    }
}

/// Initial memory contents: 4-byte little-endian words keyed by `(address space, word address)`.
/// Words that are zero are absent.
pub type SparseMemoryImage = BTreeMap<(u32, u32), u32>;

/// A function symbol of the ELF, used to name the function around a pc in errors and profiles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FnBound {
    pub start: u32,
    pub end: u32,
    pub name: String,
}

/// An executable: program, entry point, initial memory and function symbols.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "F: Serialize + serde::de::DeserializeOwned")]
pub struct VmExe<F> {
    pub program: Program<F>,
    pub pc_start: u32,
    pub init_memory: SparseMemoryImage,
    /// Function symbols keyed by start address.
    pub fn_bounds: BTreeMap<u32, FnBound>,
}

impl<F> VmExe<F> {
    /// The name of the function containing `pc`, if the ELF had a symbol for it.
    pub fn function_at(&self, pc: u32) -> Option<&str> {
        let (_, bound) = self.fn_bounds.range(..=pc).next_back()?;
        (pc < bound.end || bound.start == bound.end && pc == bound.start)
            .then_some(bound.name.as_str())
    }
}
