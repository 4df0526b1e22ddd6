//! Preflight as an execution context: the same handlers as pure and metered execution, whose
//! accesses are replayed on [`TracingMemory`] (each gets its timestamp and the word's previous
//! contents and timestamp) and whose records ([`VmExecState::record`](super::VmExecState::record))
//! go to a [`RecordStore`] for the chips that fill the traces.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
};

use crate::{bus::REGISTER_REFRESH_PERIOD, isa::Instruction};

use super::{
    tracing_memory::{refresh_stale_registers, AccessRecord, RefreshRecord, TracingMemory},
    AnyExecutor, ExecutionCtx, ExecutionError, PreInsn, StaticProgramError, VmState,
};

/// The initial contents of a word, by address space and pointer (a segment's start memory).
pub type InitialMemory = Box<dyn Fn(u32, u32) -> [u8; 4] + Send + Sync>;

/// What one instruction did, for its record: where and when it started, and its accesses in
/// the order it made them.
#[derive(Clone, Copy, Debug)]
pub struct InsnLog<'a> {
    pub from_pc: u32,
    pub from_timestamp: u32,
    pub accesses: &'a [AccessRecord],
}

impl InsnLog<'_> {
    /// The `i`-th access. Panics if the handler made fewer: a bug of the handler.
    pub fn access(&self, i: usize) -> AccessRecord {
        self.accesses[i]
    }
}

/// Records by type: each chip takes the records of its own type. A record type belongs to one
/// instruction family (the kit's records are generic over the family's opcode type), so two
/// families never share one.
#[derive(Default)]
pub struct RecordStore {
    arenas: HashMap<TypeId, Box<dyn Any + Send>>,
}

impl RecordStore {
    fn arena<R: Send + 'static>(&mut self) -> &mut Vec<R> {
        self.arenas
            .entry(TypeId::of::<R>())
            .or_insert_with(|| Box::new(Vec::<R>::new()))
            .downcast_mut()
            .expect("arenas are keyed by their type")
    }

    /// Appends a record of type `R`.
    #[inline]
    pub fn push<R: Send + 'static>(&mut self, record: R) {
        self.arena::<R>().push(record);
    }

    /// Makes room for `additional` more records of type `R` (the rows metering planned).
    pub fn reserve<R: Send + 'static>(&mut self, additional: usize) {
        self.arena::<R>().reserve_exact(additional);
    }

    /// Hands the store an empty arena reserved for the rows metering planned (see
    /// `RecordArena::reserve`), so the handlers' records of type `R` go there without
    /// reallocating. The lent arena is used only if the store's own arena of `R` is empty and
    /// smaller; otherwise it is dropped, and records already pushed stay. Panics if the lent
    /// arena holds records (a bug of the caller: records are never lent, only room).
    pub fn lend<R: Send + 'static>(&mut self, arena: super::RecordArena<R>) {
        assert!(
            arena.is_empty(),
            "only an empty arena is lent to the record store"
        );
        let own = self.arena::<R>();
        if own.is_empty() && own.capacity() < arena.capacity() {
            *own = arena.into_vec();
        }
    }

    /// Takes every record of type `R`, in the order they were pushed.
    pub fn take<R: Send + 'static>(&mut self) -> Vec<R> {
        std::mem::take(self.arena::<R>())
    }
}

/// The preflight context of one segment.
pub struct PreflightCtx {
    /// Every access, replayed with timestamps; its touched words are the segment's memory.
    pub memory: TracingMemory<InitialMemory>,
    /// The records the handlers made.
    pub records: RecordStore,
    /// How often each instruction of the program ran (the program chip's multiplicities).
    pub counts: Vec<u32>,
    /// The refreshes of stale registers.
    pub refreshes: Vec<RefreshRecord>,
    /// The pc of the first instruction that ran without making a record (no chip proves it).
    pub unrecorded: Option<u32>,
    log: Vec<AccessRecord>,
    from_pc: u32,
    from_timestamp: u32,
    recorded: bool,
    next_refresh: u32,
    end_instret: u64,
}

impl PreflightCtx {
    /// A context on `memory` for a program of `program_len` instructions, that stops the run
    /// (with [`ExecutionError::InstructionLimit`]) once the machine's `instret` reaches
    /// `end_instret`.
    pub fn new(memory: TracingMemory<InitialMemory>, program_len: usize, end_instret: u64) -> Self {
        Self {
            memory,
            records: RecordStore::default(),
            counts: vec![0; program_len],
            refreshes: Vec::new(),
            unrecorded: None,
            log: Vec::with_capacity(8),
            from_pc: 0,
            from_timestamp: 0,
            recorded: false,
            next_refresh: REGISTER_REFRESH_PERIOD,
            end_instret,
        }
    }
}

impl PreflightCtx {
    /// Starts the log of the instruction at `pc` (what [`ExecutionCtx::next_batch`] does
    /// before each instruction, after the refreshes). Chip tests that run single instructions
    /// call it themselves.
    pub fn begin_instruction(&mut self, pc: u32) {
        self.from_pc = pc;
        self.from_timestamp = self.memory.timestamp;
        self.log.clear();
        self.recorded = false;
    }
}

impl ExecutionCtx for PreflightCtx {
    fn pre_compute<F>(
        executor: &dyn AnyExecutor<F>,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Self>, StaticProgramError> {
        executor.pre_compute_preflight(pc, inst)
    }

    /// One instruction at a time: before each, the segment's instruction budget and the
    /// register refreshes.
    fn next_batch(&mut self, vm: &VmState) -> Result<u64, ExecutionError> {
        if vm.instret >= self.end_instret {
            return Err(ExecutionError::InstructionLimit {
                limit: self.end_instret,
                pc: vm.pc,
            });
        }
        // Keep every register recent (see the register refresh chip): a check once per
        // period, before the instruction that crosses it.
        if self.memory.timestamp >= self.next_refresh {
            refresh_stale_registers(&mut self.memory, vm.pc, &mut self.refreshes);
            let t = self.memory.timestamp;
            self.next_refresh = t - t % REGISTER_REFRESH_PERIOD + REGISTER_REFRESH_PERIOD;
        }
        self.begin_instruction(vm.pc);
        Ok(1)
    }

    fn on_instruction(&mut self, index: usize) {
        self.counts[index] += 1;
        if !self.recorded {
            self.unrecorded.get_or_insert(self.from_pc);
        }
    }

    fn on_read(&mut self, address_space: u32, pointer: u32) {
        let (_, access) = self.memory.read(address_space, pointer);
        self.log.push(access);
    }

    fn on_write(&mut self, address_space: u32, pointer: u32, word: impl FnOnce() -> [u8; 4]) {
        let access = self.memory.write(address_space, pointer, word());
        self.log.push(access);
    }

    fn record<R: Send + 'static>(&mut self, make: impl FnOnce(&InsnLog) -> R) {
        let record = make(&InsnLog {
            from_pc: self.from_pc,
            from_timestamp: self.from_timestamp,
            accesses: &self.log,
        });
        self.records.push(record);
        self.recorded = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_kept_by_type_in_order() {
        let mut store = RecordStore::default();
        store.reserve::<u32>(4);
        for i in 0..3u32 {
            store.push(i);
            store.push(i as u64 * 10);
        }
        store.push(3u32);
        assert_eq!(store.take::<u32>(), [0, 1, 2, 3]);
        assert_eq!(store.take::<u64>(), [0, 10, 20]);
        assert!(store.take::<u32>().is_empty());
        assert!(store.take::<u8>().is_empty());
    }
}
