//! Metered execution: the pure handlers, plus a count of the trace rows each AIR will need,
//! cutting the run into segments that the proving key can prove.
//!
//! The circuit side says, for each instruction of the program, which AIR gets its row (its
//! *slot*); the handlers report every memory access the circuit makes (through
//! [`VmExecState`](super::VmExecState)'s accessors), so the accesses (timestamps) are counted
//! from what the instruction did, never from a hand-kept table. The context adds them up,
//! checks the segment's totals against the limits every `check_interval` instructions, and when
//! a check fails cuts the segment at the last check that passed. The memory tables' rows
//! (boundary, Merkle, Poseidon2) depend on which memory a segment touches: a [`MemoryMeter`]
//! counts the touched leaves from the same reports.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{
    memory_meter::{MemoryMeter, MemoryRows, MemoryShape},
    AnyExecutor, ExecutionCtx, ExecutionError, PreInsn, StaticProgramError, VmState,
};
use crate::{
    bus::{REGISTER_REFRESH_AGE, REGISTER_REFRESH_SLOTS},
    isa::{address_space, Instruction},
};

/// At most how many register refreshes preflight adds to a segment whose instructions make
/// `accesses` memory accesses: each slot is refreshed only once it is
/// [`REGISTER_REFRESH_AGE`] timestamps old, so over `T = accesses + refreshes` timestamps at
/// most `slots * T / AGE` times, i.e. `refreshes <= slots * accesses / (AGE - slots)`.
pub fn register_refresh_bound(accesses: u64) -> u64 {
    let slots = REGISTER_REFRESH_SLOTS as u64;
    (slots * accesses).div_ceil(REGISTER_REFRESH_AGE as u64 - slots)
}

/// What the circuit charges for a program's instructions and memory, for [`MeteredCtx`].
#[derive(Clone, Debug)]
pub struct MeteringCosts {
    /// The slot (the AIR, numbered by the circuit) that gets the row of each instruction of
    /// the program, by index.
    pub insn_slots: Arc<[u32]>,
    /// Number of slots (instruction AIRs).
    pub slots: usize,
    /// For each I/O channel (by the number syscall handlers pass to
    /// [`ExecutionCtx::on_io_rows`]): the slot its buffer rows go to.
    pub io_slots: Vec<u32>,
    /// The memory tree, whose touched leaves and nodes are rows of the memory tables.
    pub memory: MemoryShape,
    /// Bus messages per row, for the segment's interaction total.
    pub interactions: InteractionCosts,
}

/// Bus messages (interactions) per row of each table, to bound a segment's total: the LogUp
/// GKR runs over the next power of two above it, so a segment just over a power of two costs
/// about twice the GKR time of one just under.
#[derive(Clone, Debug, Default)]
pub struct InteractionCosts {
    /// Per slot: messages per row of its AIR (its rows are split in two power-of-two parts).
    pub per_slot: Vec<u32>,
    /// Per row of the boundary, Merkle and Poseidon2 tables (the Poseidon2 table counted at
    /// its bound of two rows per Merkle row).
    pub boundary: u32,
    pub merkle: u32,
    pub poseidon2: u32,
    /// Per row of the register refresh table (its rows counted at
    /// [`register_refresh_bound`]).
    pub refresh: u32,
    /// The tables of fixed height (program, connector, periphery), per segment.
    pub fixed: u64,
    /// Traces shorter than this many rows are lifted to it.
    pub min_height: u64,
}

impl InteractionCosts {
    /// The total of a segment with `rows` per slot, `memory` rows and `refreshes` register
    /// refresh rows.
    pub fn total(&self, rows: &[u64], memory: MemoryRows, refreshes: u64) -> u64 {
        let padded = |rows: u64| match rows {
            0 => 0,
            rows => rows.next_power_of_two().max(self.min_height),
        };
        let parts = |rows: u64| match rows {
            0 => 0,
            rows => {
                let big = 1 << rows.ilog2();
                padded(big) + padded(rows - big)
            }
        };
        let slots: u64 = rows
            .iter()
            .zip(&self.per_slot)
            .map(|(&rows, &messages)| messages as u64 * parts(rows))
            .sum();
        slots
            + self.boundary as u64 * padded(memory.leaves)
            + self.merkle as u64 * padded(memory.nodes)
            + self.poseidon2 as u64 * padded(2 * memory.nodes)
            + self.refresh as u64 * padded(refreshes)
            + self.fixed
    }
}

/// Per-segment limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentLimits {
    /// Rows any one slot may have in a segment.
    pub max_rows: u64,
    /// Rows each memory table may have: the boundary table (touched leaves) and the Poseidon2
    /// table (counted as two rows per touched node, an upper bound).
    pub max_memory_rows: u64,
    /// Bus messages a segment may have (see [`InteractionCosts`]).
    pub max_interactions: u64,
    /// Memory accesses (timestamps) a segment may use.
    pub max_accesses: u64,
    /// Instructions a segment may have.
    pub max_instructions: u64,
}

/// One segment of a metered run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub instret_start: u64,
    pub num_insns: u64,
    /// Rows per slot.
    pub trace_heights: Vec<u64>,
    /// Timestamps the segment uses: its instructions' memory accesses and at most
    /// `refresh_rows` register refreshes.
    pub accesses: u64,
    /// At most this many register refresh rows ([`register_refresh_bound`]).
    #[serde(default)]
    pub refresh_rows: u64,
    /// Rows of the memory tables.
    pub memory: MemoryRows,
    /// Bus messages of all the segment's traces, padding included.
    pub interactions: u64,
}

/// A point of a segment: instructions, rows per slot, accesses and memory rows since it started.
#[derive(Clone, Debug, Default)]
struct Snapshot {
    insns: u64,
    rows: Vec<u64>,
    accesses: u64,
    memory: MemoryRows,
    interactions: u64,
}

impl Snapshot {
    /// The segment from `instret_start` up to this point.
    fn segment(self, instret_start: u64) -> Segment {
        let refresh_rows = register_refresh_bound(self.accesses);
        Segment {
            instret_start,
            num_insns: self.insns,
            trace_heights: self.rows,
            accesses: self.accesses + refresh_rows,
            refresh_rows,
            memory: self.memory,
            interactions: self.interactions,
        }
    }
}

/// Metered execution's context.
pub struct MeteredCtx {
    insn_slots: Arc<[u32]>,
    /// The slot of a buffer row of each I/O channel (`read`, public-output `write`).
    io_slots: Vec<u32>,
    limits: SegmentLimits,
    check_interval: u64,
    rows: Vec<u64>,
    accesses: u64,
    /// Instructions since the segment started.
    insns: u64,
    memory: MemoryMeter,
    interactions: InteractionCosts,
    /// The last check that passed.
    last_good: Snapshot,
    instret_start: u64,
    max_instructions: u64,
    pub segments: Vec<Segment>,
}

impl MeteredCtx {
    /// A context for a program whose instructions, syscall buffers and memory cost what
    /// `costs` says. `max_instructions` bounds the whole run.
    pub fn new(costs: MeteringCosts, limits: SegmentLimits, max_instructions: Option<u64>) -> Self {
        // Check often enough that a cut loses little, rarely enough to cost nothing (an
        // instruction has at most a few dozen bus messages).
        let check_interval = (limits.max_instructions / 64)
            .min(limits.max_interactions / (64 * 32))
            .clamp(1, 1 << 14);
        let slots = costs.slots;
        Self {
            insn_slots: costs.insn_slots,
            io_slots: costs.io_slots,
            limits,
            check_interval,
            rows: vec![0; slots],
            accesses: 0,
            insns: 0,
            memory: MemoryMeter::new(costs.memory),
            interactions: costs.interactions,
            last_good: Snapshot::default(),
            instret_start: 0,
            max_instructions: max_instructions.unwrap_or(u64::MAX),
            segments: Vec::new(),
        }
    }

    fn snapshot(&self) -> Snapshot {
        let memory = self.memory.rows();
        let refreshes = register_refresh_bound(self.accesses);
        Snapshot {
            insns: self.insns,
            rows: self.rows.clone(),
            accesses: self.accesses,
            memory,
            interactions: self.interactions.total(&self.rows, memory, refreshes),
        }
    }

    fn within_limits(&self) -> bool {
        let memory = self.memory.rows();
        let refreshes = register_refresh_bound(self.accesses);
        self.insns <= self.limits.max_instructions
            && self.accesses + refreshes <= self.limits.max_accesses
            && self.rows.iter().all(|&r| r <= self.limits.max_rows)
            && memory.leaves <= self.limits.max_memory_rows
            && 2 * memory.nodes <= self.limits.max_memory_rows
            && self.interactions.total(&self.rows, memory, refreshes)
                <= self.limits.max_interactions
    }

    /// Closes the segment at the last check that passed and starts the next one there.
    fn cut(&mut self) {
        let good = std::mem::take(&mut self.last_good);
        // Nothing passed since the segment started: cut here (a single interval is over the
        // limits; trace generation will report the heights).
        let keep_interval = good.insns > 0;
        let cut = if keep_interval { good } else { self.snapshot() };
        for (current, rows) in self.rows.iter_mut().zip(&cut.rows) {
            *current -= rows;
        }
        self.accesses -= cut.accesses;
        self.insns -= cut.insns;
        self.memory.restart_segment(keep_interval);
        let insns = cut.insns;
        self.segments.push(cut.segment(self.instret_start));
        self.instret_start += insns;
    }

    /// Rows of the current segment's memory tables so far.
    pub fn memory_rows(&self) -> MemoryRows {
        self.memory.rows()
    }

    /// Closes the last segment (the run ended) and returns every segment.
    pub fn finish(mut self) -> Vec<Segment> {
        if !self.within_limits() {
            self.cut();
        }
        if self.insns > 0 || self.segments.is_empty() {
            let last = self.snapshot();
            self.segments.push(last.segment(self.instret_start));
        }
        self.segments
    }
}

impl ExecutionCtx for MeteredCtx {
    fn pre_compute<F>(
        executor: &dyn AnyExecutor<F>,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Self>, StaticProgramError> {
        executor.pre_compute_metered(pc, inst)
    }

    fn next_batch(&mut self, vm: &VmState) -> Result<u64, ExecutionError> {
        if vm.instret >= self.max_instructions {
            return Err(ExecutionError::InstructionLimit {
                limit: self.max_instructions,
                pc: vm.pc,
            });
        }
        if !self.within_limits() {
            self.cut();
        }
        // After a cut the new segment holds the last interval, which may fit on its own.
        if self.within_limits() {
            self.last_good = self.snapshot();
        }
        self.memory.next_interval();
        Ok(self
            .check_interval
            .min(self.max_instructions - vm.instret)
            .max(1))
    }

    #[inline(always)]
    fn on_instruction(&mut self, index: usize) {
        self.rows[self.insn_slots[index] as usize] += 1;
        self.insns += 1;
    }

    #[inline(always)]
    fn on_read(&mut self, address_space: u32, pointer: u32) {
        self.accesses += 1;
        // Registers are counted whole (see `memory_meter`).
        if address_space != address_space::REGISTER {
            self.memory.access(address_space, pointer, 4);
        }
    }

    #[inline(always)]
    fn on_write(&mut self, address_space: u32, pointer: u32, _: impl FnOnce() -> [u8; 4]) {
        self.on_read(address_space, pointer);
    }

    fn on_io_rows(&mut self, channel: u32, rows: u32) {
        self.rows[self.io_slots[channel as usize] as usize] += rows as u64;
    }
}
