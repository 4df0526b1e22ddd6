//! Programs and executables: what the transpiler produces and the VM runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::isa::Instruction;

/// Distance in bytes between consecutive instructions.
pub const PC_STEP: u32 = 4;

/// The program: instructions at `pc_base + PC_STEP * i`. Gaps (addresses between executable
/// segments) are `None`; jumping into one is an execution error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "F: Serialize + serde::de::DeserializeOwned")]
pub struct Program<F> {
    pub pc_base: u32,
    pub instructions: Vec<Option<Instruction<F>>>,
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
