//! Profiling: metered execution that also charges every instruction to the call stack it ran
//! in and to the cycle-tracker regions open at the time.
//!
//! An instruction's weight is counted two ways: one instruction, and the main trace cells it
//! adds to its segment's traces before padding: the row of its AIR, the buffer rows of a
//! syscall, and the memory tables' rows of the memory words it is the first in its segment to
//! touch (a boundary row per leaf, a Merkle row and two Poseidon2 rows per new tree node). The
//! tables of fixed height (program, connector, periphery) and padding are nobody's: summed
//! over the run, the cells are those of `Sdk::cost` (main and memory cells), except where the
//! run is cut into segments (the leaves a new segment inherits from the check interval it
//! starts with are counted again by the segment but charged to no instruction).
//!
//! Call stacks follow the standard RISC-V return-address convention (the hints of the spec's
//! `jalr` table): a `jal`/`jalr` that links to `ra` or `t0` is a call, a `jalr` that jumps
//! through the link register without linking is a return. The profiler is told which
//! instruction is which ([`CodeMap`]); the leaf frame is always the function around the pc,
//! so a tail call (a plain jump into another function) replaces the leaf.

use std::collections::HashMap;
use std::sync::Arc;

use super::{
    memory_meter::MemoryRows, AnyExecutor, ExecutionCtx, ExecutionError, MeteredCtx, PreInsn,
    RegionEdge, StaticProgramError, VmState,
};
use crate::isa::Instruction;

/// What an instruction does to the call stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackEffect {
    None,
    /// Enters a function (the next instruction is its first).
    Call,
    /// Returns to the caller.
    Return,
    /// Returns and calls at once (`jalr ra, 0(t0)` and the like): a tail call that links.
    ReturnAndCall,
}

/// The program's functions, for the call stacks: per instruction (by index in the program),
/// the function it belongs to (an index into `names`) and its stack effect.
#[derive(Clone, Debug)]
pub struct CodeMap {
    pub function: Arc<[u32]>,
    pub effect: Arc<[StackEffect]>,
    /// Function names; index 0 is conventionally the code outside any symbol.
    pub names: Vec<String>,
}

/// Main trace cells per row of every table an instruction can add rows to.
#[derive(Clone, Debug)]
pub struct CellCosts {
    /// Per slot (see [`super::MeteringCosts`]): the width of its AIR.
    pub slot: Vec<u64>,
    /// The slot of each instruction of the program and of each I/O channel's buffer rows, as
    /// in [`super::MeteringCosts`].
    pub insn_slots: Arc<[u32]>,
    pub io_slots: Vec<u32>,
    /// Per touched leaf of memory (a boundary row).
    pub leaf: u64,
    /// Per touched node of the memory tree (a Merkle row and two Poseidon2 rows).
    pub node: u64,
}

/// Instructions and cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Weight {
    pub instructions: u64,
    pub cells: u64,
}

impl std::ops::Sub for Weight {
    type Output = Weight;
    fn sub(self, other: Weight) -> Weight {
        Weight {
            instructions: self.instructions - other.instructions,
            cells: self.cells - other.cells,
        }
    }
}

impl std::ops::AddAssign for Weight {
    fn add_assign(&mut self, other: Weight) {
        self.instructions += other.instructions;
        self.cells += other.cells;
    }
}

/// One call stack: its parent (the caller's stack; `u32::MAX` for a root) and its leaf.
#[derive(Clone, Debug)]
pub struct StackNode {
    pub parent: u32,
    pub function: u32,
    /// What ran with exactly this stack (not its callees).
    pub own: Weight,
}

/// A cycle-tracker region as it nests: its parent (`u32::MAX` for a top-level region).
#[derive(Clone, Debug)]
pub struct RegionNode {
    pub parent: u32,
    pub name: String,
    /// Instructions and cells between its markers, nested regions included, over every time
    /// it was entered.
    pub total: Weight,
    /// Times it was entered.
    pub entries: u64,
}

/// Calls deeper than this are charged to the deepest frame (a runaway recursion, or code
/// that returns with something other than the convention, must not eat the host's memory).
const MAX_DEPTH: usize = 4096;
const NONE: u32 = u32::MAX;

/// The profiling context: a [`MeteredCtx`] (so a profile run plans segments and faults
/// exactly as metered execution does) plus the call-stack and region accounts.
pub struct ProfileCtx {
    pub metered: MeteredCtx,
    code: CodeMap,
    costs: CellCosts,
    /// The run so far.
    total: Weight,
    /// Memory rows of the current segment when the last instruction ended.
    memory: MemoryRows,
    /// Cells of the current instruction's syscall buffer rows.
    io_cells: u64,
    /// Every call stack seen, and their index by `(parent, function)`.
    pub stacks: Vec<StackNode>,
    stack_index: HashMap<(u32, u32), u32>,
    /// The current stack (`NONE` before the first instruction), its depth, and whether the
    /// last instruction was a call.
    current: u32,
    depth: usize,
    call_pending: bool,
    /// Every region seen, and their index by `(parent, name)`.
    pub regions: Vec<RegionNode>,
    region_index: HashMap<(u32, String), u32>,
    /// The open regions: node and the run's weight when it opened.
    open: Vec<(u32, Weight)>,
    /// Markers that did not match (an end without a start, or naming another region).
    pub marker_errors: Vec<String>,
}

impl ProfileCtx {
    pub fn new(metered: MeteredCtx, code: CodeMap, costs: CellCosts) -> Self {
        let memory = metered.memory_rows();
        Self {
            metered,
            code,
            costs,
            total: Weight::default(),
            memory,
            io_cells: 0,
            stacks: Vec::new(),
            stack_index: HashMap::new(),
            current: NONE,
            depth: 0,
            call_pending: false,
            regions: Vec::new(),
            region_index: HashMap::new(),
            open: Vec::new(),
            marker_errors: Vec::new(),
        }
    }

    /// The whole run's weight.
    pub fn total(&self) -> Weight {
        self.total
    }

    /// Function names, indexed by [`StackNode::function`].
    pub fn function_names(&self) -> &[String] {
        &self.code.names
    }

    /// Closes the regions still open (the run ended inside them) and notes each in
    /// [`Self::marker_errors`].
    pub fn close_open_regions(&mut self) {
        while let Some((node, start)) = self.open.pop() {
            let region = &mut self.regions[node as usize];
            region.total += self.total - start;
            self.marker_errors.push(format!(
                "region {:?} was still open when the run ended",
                region.name
            ));
        }
    }

    fn stack(&mut self, parent: u32, function: u32) -> u32 {
        *self
            .stack_index
            .entry((parent, function))
            .or_insert_with(|| {
                self.stacks.push(StackNode {
                    parent,
                    function,
                    own: Weight::default(),
                });
                (self.stacks.len() - 1) as u32
            })
    }

    fn region(&mut self, parent: u32, name: String) -> u32 {
        let regions = &mut self.regions;
        *self
            .region_index
            .entry((parent, name.clone()))
            .or_insert_with(|| {
                regions.push(RegionNode {
                    parent,
                    name,
                    total: Weight::default(),
                    entries: 0,
                });
                (regions.len() - 1) as u32
            })
    }

    /// Moves to the stack of instruction `index`, given what the previous one did.
    fn enter(&mut self, index: usize) {
        let function = self.code.function[index];
        if self.current == NONE {
            self.current = self.stack(NONE, function);
            return;
        }
        if self.call_pending && self.depth < MAX_DEPTH {
            self.current = self.stack(self.current, function);
            self.depth += 1;
        } else if self.stacks[self.current as usize].function != function {
            // A jump, a tail call or a return into another function than the caller's:
            // the leaf is the function around the pc.
            let parent = self.stacks[self.current as usize].parent;
            self.current = self.stack(parent, function);
        }
        self.call_pending = false;
    }

    /// Applies instruction `index`'s stack effect, after it ran.
    fn leave(&mut self, index: usize) {
        let effect = self.code.effect[index];
        if matches!(effect, StackEffect::Return | StackEffect::ReturnAndCall) {
            let parent = self.stacks[self.current as usize].parent;
            if parent != NONE {
                self.current = parent;
                self.depth -= 1;
            }
        }
        self.call_pending = matches!(effect, StackEffect::Call | StackEffect::ReturnAndCall);
    }
}

impl ExecutionCtx for ProfileCtx {
    fn pre_compute<F>(
        executor: &dyn AnyExecutor<F>,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Self>, StaticProgramError> {
        executor.pre_compute_profile(pc, inst)
    }

    fn next_batch(&mut self, vm: &VmState) -> Result<u64, ExecutionError> {
        let batch = self.metered.next_batch(vm)?;
        // A cut restarts the segment's memory rows.
        self.memory = self.metered.memory_rows();
        Ok(batch)
    }

    #[inline(always)]
    fn on_instruction(&mut self, index: usize) {
        self.metered.on_instruction(index);
        let memory = self.metered.memory_rows();
        let costs = &self.costs;
        let cells = costs.slot[costs.insn_slots[index] as usize]
            + self.io_cells
            + (memory.leaves - self.memory.leaves) * costs.leaf
            + (memory.nodes - self.memory.nodes) * costs.node;
        self.memory = memory;
        self.io_cells = 0;
        let weight = Weight {
            instructions: 1,
            cells,
        };
        self.total += weight;
        self.enter(index);
        self.stacks[self.current as usize].own += weight;
        self.leave(index);
    }

    #[inline(always)]
    fn on_read(&mut self, address_space: u32, pointer: u32) {
        self.metered.on_read(address_space, pointer);
    }

    #[inline(always)]
    fn on_write(&mut self, address_space: u32, pointer: u32, word: impl FnOnce() -> [u8; 4]) {
        self.metered.on_write(address_space, pointer, word);
    }

    fn on_io_rows(&mut self, channel: u32, rows: u32) {
        self.metered.on_io_rows(channel, rows);
        let slot = self.costs.io_slots[channel as usize] as usize;
        self.io_cells += rows as u64 * self.costs.slot[slot];
    }

    fn on_cycle_tracker(&mut self, edge: RegionEdge, name: &[u8]) {
        let name = String::from_utf8_lossy(name).into_owned();
        // The marker's own instruction is not counted yet: a region holds its start marker,
        // not its end marker.
        match edge {
            RegionEdge::Start => {
                let parent = self.open.last().map_or(NONE, |&(node, _)| node);
                let node = self.region(parent, name);
                self.regions[node as usize].entries += 1;
                self.open.push((node, self.total));
            }
            RegionEdge::End => match self.open.last() {
                Some(&(node, start)) if self.regions[node as usize].name == name => {
                    self.open.pop();
                    self.regions[node as usize].total += self.total - start;
                }
                Some(&(node, _)) => self.marker_errors.push(format!(
                    "end of region {name:?} while {:?} is the innermost open region (at instruction {})",
                    self.regions[node as usize].name, self.total.instructions
                )),
                None => self.marker_errors.push(format!(
                    "end of region {name:?} with no region open (at instruction {})",
                    self.total.instructions
                )),
            },
        }
    }
}
