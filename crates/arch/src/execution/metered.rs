//! Metered execution: the pure handlers, plus a count of the trace rows each AIR will need,
//! cutting the run into segments that the proving key can prove.
//!
//! The circuit side says, for each instruction of the program, which AIR gets its row and how
//! many memory accesses (timestamps) it makes ([`InsnCost`]); the context adds them up per
//! instruction (two array increments), checks the segment's totals against the limits every
//! `check_interval` instructions, and when a check fails cuts the segment at the last check that
//! passed. Heights that depend on which memory a segment touches (boundary, Merkle, Poseidon2
//! tables) are not counted here; trace generation checks them exactly before proving.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{AnyExecutor, ExecutionCtx, ExecutionError, PreInsn, StaticProgramError, VmState};
use crate::isa::Instruction;

/// What one execution of an instruction costs the circuit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsnCost {
    /// The AIR (a slot chosen by the circuit) that gets the instruction's row.
    pub slot: u32,
    /// Memory accesses, i.e. timestamps the instruction uses.
    pub accesses: u32,
}

/// Per-segment limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentLimits {
    /// Rows any one slot may have in a segment.
    pub max_rows: u64,
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
    pub accesses: u64,
}

/// Metered execution's context.
pub struct MeteredCtx {
    costs: Arc<[InsnCost]>,
    /// Rows per slot for each byte moved by a syscall (`read`, public-output `write`), and the
    /// slot they go to.
    io_slot: u32,
    io_accesses_per_byte: u32,
    limits: SegmentLimits,
    check_interval: u64,
    rows: Vec<u64>,
    accesses: u64,
    /// Instructions since the segment started.
    insns: u64,
    /// The last check that passed: (instructions, rows, accesses) since the segment started.
    last_good: (u64, Vec<u64>, u64),
    instret_start: u64,
    max_instructions: u64,
    pub segments: Vec<Segment>,
}

impl MeteredCtx {
    /// A context for a program whose instruction `i` costs `costs[i]`, with `slots` slots;
    /// bytes moved by syscalls cost one row each in `io_slot` and `io_accesses_per_byte`
    /// accesses. `max_instructions` bounds the whole run.
    pub fn new(
        costs: Arc<[InsnCost]>,
        slots: usize,
        (io_slot, io_accesses_per_byte): (u32, u32),
        limits: SegmentLimits,
        max_instructions: Option<u64>,
    ) -> Self {
        // Check often enough that a cut loses little, rarely enough to cost nothing.
        let check_interval = (limits.max_instructions / 64).clamp(1, 1 << 14);
        Self {
            costs,
            io_slot,
            io_accesses_per_byte,
            limits,
            check_interval,
            rows: vec![0; slots],
            accesses: 0,
            insns: 0,
            last_good: (0, vec![0; slots], 0),
            instret_start: 0,
            max_instructions: max_instructions.unwrap_or(u64::MAX),
            segments: Vec::new(),
        }
    }

    fn within_limits(&self) -> bool {
        self.insns <= self.limits.max_instructions
            && self.accesses <= self.limits.max_accesses
            && self.rows.iter().all(|&r| r <= self.limits.max_rows)
    }

    /// Closes the segment at the last check that passed and starts the next one there.
    fn cut(&mut self) {
        let (good_insns, good_rows, good_accesses) = std::mem::take(&mut self.last_good);
        // Nothing passed since the segment started: cut here (a single interval is over the
        // limits; trace generation will report the heights).
        let (insns, rows, accesses) = if good_insns == 0 {
            (self.insns, self.rows.clone(), self.accesses)
        } else {
            (good_insns, good_rows, good_accesses)
        };
        for (current, cut) in self.rows.iter_mut().zip(&rows) {
            *current -= cut;
        }
        self.accesses -= accesses;
        self.insns -= insns;
        self.segments.push(Segment {
            instret_start: self.instret_start,
            num_insns: insns,
            trace_heights: rows,
            accesses,
        });
        self.instret_start += insns;
        self.last_good = (0, vec![0; self.rows.len()], 0);
    }

    /// Closes the last segment (the run ended) and returns every segment.
    pub fn finish(mut self) -> Vec<Segment> {
        if !self.within_limits() {
            self.cut();
        }
        if self.insns > 0 || self.segments.is_empty() {
            self.segments.push(Segment {
                instret_start: self.instret_start,
                num_insns: self.insns,
                trace_heights: self.rows.clone(),
                accesses: self.accesses,
            });
        }
        self.segments
    }

    /// The cost of the whole run so far (cells are counted by the caller from the heights).
    pub fn totals(&self) -> (Vec<u64>, u64) {
        let mut rows = self.rows.clone();
        let mut accesses = self.accesses;
        for segment in &self.segments {
            for (r, s) in rows.iter_mut().zip(&segment.trace_heights) {
                *r += s;
            }
            accesses += segment.accesses;
        }
        (rows, accesses)
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
        if self.within_limits() {
            self.last_good = (self.insns, self.rows.clone(), self.accesses);
        } else {
            self.cut();
        }
        Ok(self
            .check_interval
            .min(self.max_instructions - vm.instret)
            .max(1))
    }

    #[inline(always)]
    fn on_instruction(&mut self, index: usize) {
        let cost = self.costs[index];
        self.rows[cost.slot as usize] += 1;
        self.accesses += cost.accesses as u64;
        self.insns += 1;
    }

    #[inline(always)]
    fn on_io_bytes(&mut self, bytes: u32) {
        self.rows[self.io_slot as usize] += bytes as u64;
        self.accesses += bytes as u64 * self.io_accesses_per_byte as u64;
    }
}
