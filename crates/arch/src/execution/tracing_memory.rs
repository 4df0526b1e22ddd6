//! Memory for preflight execution: every word also remembers when it was last accessed, so
//! that each access can record what the memory bridge's constraints need (the previous data and
//! timestamp), and the boundary chip can list every touched word with its initial and final
//! contents.

use std::collections::HashMap;

use crate::bus::MEMORY_BLOCK;

/// A word of memory and the timestamp of its last access.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimedWord {
    pub data: [u8; MEMORY_BLOCK],
    pub timestamp: u32,
}

/// What one access saw: the word's previous contents and timestamp, and the access's own
/// timestamp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccessRecord {
    pub prev: TimedWord,
    pub timestamp: u32,
}

/// A touched word: where, what it held at timestamp 0, and its final state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TouchedWord {
    pub address_space: u32,
    pub pointer: u32,
    pub initial: [u8; MEMORY_BLOCK],
    pub last: TimedWord,
}

/// Word-granular memory with timestamps. Untouched words read as their initial contents
/// (from `initial`, a function of the address) at timestamp 0.
pub struct TracingMemory<I> {
    words: HashMap<(u32, u32), (TimedWord, [u8; MEMORY_BLOCK])>,
    initial: I,
    /// The timestamp the next access gets.
    pub timestamp: u32,
}

impl<I: Fn(u32, u32) -> [u8; MEMORY_BLOCK]> TracingMemory<I> {
    /// Memory whose untouched words hold `initial(address_space, pointer)`, starting at
    /// `timestamp`.
    pub fn new(initial: I, timestamp: u32) -> Self {
        Self {
            words: HashMap::new(),
            initial,
            timestamp,
        }
    }

    /// The current contents of the word at `pointer`, without an access: no timestamp moves
    /// and nothing is recorded. For what the circuit does not prove (the bytes of a write to
    /// the host) and for checking a syscall before its first access.
    pub fn peek(&self, address_space: u32, pointer: u32) -> [u8; MEMORY_BLOCK] {
        debug_assert_eq!(pointer as usize % MEMORY_BLOCK, 0, "unaligned word access");
        match self.words.get(&(address_space, pointer)) {
            Some((word, _)) => word.data,
            None => (self.initial)(address_space, pointer),
        }
    }

    /// The timestamp of the last access to the word at `pointer` (0 if it has none yet).
    pub fn last_timestamp(&self, address_space: u32, pointer: u32) -> u32 {
        self.words
            .get(&(address_space, pointer))
            .map_or(0, |(word, _)| word.timestamp)
    }

    /// Reads the word at `pointer` (a multiple of [`MEMORY_BLOCK`]).
    pub fn read(&mut self, address_space: u32, pointer: u32) -> ([u8; MEMORY_BLOCK], AccessRecord) {
        let record = self.access(address_space, pointer, None::<fn(_) -> _>);
        (record.prev.data, record)
    }

    /// Writes the word at `pointer`.
    pub fn write(
        &mut self,
        address_space: u32,
        pointer: u32,
        data: [u8; MEMORY_BLOCK],
    ) -> AccessRecord {
        self.access(address_space, pointer, Some(move |_| data))
    }

    /// Rewrites the word at `pointer` with `f` of its current contents (a sub-word store).
    pub fn update(
        &mut self,
        address_space: u32,
        pointer: u32,
        f: impl FnOnce([u8; MEMORY_BLOCK]) -> [u8; MEMORY_BLOCK],
    ) -> AccessRecord {
        self.access(address_space, pointer, Some(f))
    }

    fn access(
        &mut self,
        address_space: u32,
        pointer: u32,
        data: Option<impl FnOnce([u8; MEMORY_BLOCK]) -> [u8; MEMORY_BLOCK]>,
    ) -> AccessRecord {
        debug_assert_eq!(pointer as usize % MEMORY_BLOCK, 0, "unaligned word access");
        let timestamp = self.timestamp;
        self.timestamp += 1;
        let initial = &self.initial;
        let (word, _) = self
            .words
            .entry((address_space, pointer))
            .or_insert_with(|| {
                let init = initial(address_space, pointer);
                (
                    TimedWord {
                        data: init,
                        timestamp: 0,
                    },
                    init,
                )
            });
        let prev = *word;
        word.timestamp = timestamp;
        if let Some(f) = data {
            word.data = f(prev.data);
        }
        AccessRecord { prev, timestamp }
    }

    /// Every touched word, sorted by address.
    pub fn touched(&self) -> Vec<TouchedWord> {
        let mut words: Vec<_> = self
            .words
            .iter()
            .map(
                |(&(address_space, pointer), &(last, initial))| TouchedWord {
                    address_space,
                    pointer,
                    initial,
                    last,
                },
            )
            .collect();
        words.sort_by_key(|w| (w.address_space, w.pointer));
        words
    }
}

/// One register refresh: the chain's pc at the time and the read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshRecord {
    pub pc: u32,
    pub pointer: u32,
    pub read: AccessRecord,
}

/// Reads (at the current timestamps) every register slot whose last access is at least
/// [`REGISTER_REFRESH_AGE`](crate::bus::REGISTER_REFRESH_AGE) timestamps old, recording each
/// read (see the register refresh chip of `tessera-system`).
pub fn refresh_stale_registers<I: Fn(u32, u32) -> [u8; MEMORY_BLOCK]>(
    memory: &mut TracingMemory<I>,
    pc: u32,
    records: &mut impl Extend<RefreshRecord>,
) {
    use crate::{
        bus::{REGISTER_REFRESH_AGE, REGISTER_REFRESH_SLOTS},
        isa::address_space::REGISTER,
    };
    for slot in 0..REGISTER_REFRESH_SLOTS {
        let pointer = slot * MEMORY_BLOCK as u32;
        let last = memory.last_timestamp(REGISTER, pointer);
        if memory.timestamp - last >= REGISTER_REFRESH_AGE {
            let (_, read) = memory.read(REGISTER, pointer);
            records.extend([RefreshRecord { pc, pointer, read }]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_record_previous_state() {
        let mut memory = TracingMemory::new(|_, ptr| [ptr as u8, 0, 0, 0], 1);
        let (data, r1) = memory.read(1, 8);
        assert_eq!(data, [8, 0, 0, 0]);
        assert_eq!(r1.prev.timestamp, 0);
        assert_eq!(r1.timestamp, 1);
        let w = memory.write(1, 8, [9, 9, 9, 9]);
        assert_eq!(
            (w.prev.data, w.prev.timestamp, w.timestamp),
            ([8, 0, 0, 0], 1, 2)
        );
        let (data, r2) = memory.read(1, 8);
        assert_eq!((data, r2.prev.timestamp), ([9, 9, 9, 9], 2));
        assert_eq!(memory.peek(1, 8), [9, 9, 9, 9]);
        assert_eq!(memory.peek(1, 12), [12, 0, 0, 0]);
        assert_eq!(memory.timestamp, 4, "peeks are not accesses");
        let touched = memory.touched();
        assert_eq!(touched.len(), 1);
        assert_eq!(touched[0].initial, [8, 0, 0, 0]);
        assert_eq!(
            touched[0].last,
            TimedWord {
                data: [9, 9, 9, 9],
                timestamp: 3
            }
        );
    }
}
