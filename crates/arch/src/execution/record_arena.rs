//! Record arenas: the records of one AIR during one segment. They are plain host memory,
//! written by the handlers in preflight and read by whichever backend fills the traces.

/// The records preflight writes for one AIR, in execution order (one per trace row).
///
/// Metered execution knows each AIR's row count before preflight runs, so the arena is
/// allocated once at its final size: no reallocation (and no doubling's worth of spare memory)
/// while a segment runs. Without a plan it grows like a `Vec`.
#[derive(Clone, Debug)]
pub struct RecordArena<R> {
    records: Vec<R>,
}

impl<R> Default for RecordArena<R> {
    fn default() -> Self {
        Self {
            records: Vec::new(),
        }
    }
}

impl<R> RecordArena<R> {
    /// An arena with room for `rows` records.
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            records: Vec::with_capacity(rows),
        }
    }

    /// Appends the record of the next row.
    #[inline]
    pub fn push(&mut self, record: R) {
        self.records.push(record);
    }

    /// How many records fit before the arena reallocates.
    pub fn capacity(&self) -> usize {
        self.records.capacity()
    }

    /// The records, as a vector.
    pub fn into_vec(self) -> Vec<R> {
        self.records
    }

    /// Makes room for `rows` more records (the rows metering planned for this AIR), once.
    pub fn reserve(&mut self, rows: usize) {
        self.records.reserve_exact(rows);
    }
}

impl<R> Extend<R> for RecordArena<R> {
    fn extend<T: IntoIterator<Item = R>>(&mut self, records: T) {
        self.records.extend(records);
    }
}

impl<R> From<Vec<R>> for RecordArena<R> {
    fn from(records: Vec<R>) -> Self {
        Self { records }
    }
}

/// The records as a slice, in execution order (`len`, `iter`, indexing): read, or changed in place (tests forge records this way), but
/// never reordered into other AIRs' rows or resized except by [`RecordArena::push`].
impl<R> std::ops::Deref for RecordArena<R> {
    type Target = [R];

    fn deref(&self) -> &[R] {
        &self.records
    }
}

impl<R> std::ops::DerefMut for RecordArena<R> {
    fn deref_mut(&mut self) -> &mut [R] {
        &mut self.records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planned_arena_does_not_reallocate() {
        let mut arena = RecordArena::with_capacity(1000);
        let buffer = arena.as_ptr();
        for i in 0..1000u64 {
            arena.push(i);
        }
        assert_eq!(arena.as_ptr(), buffer);
        assert_eq!(arena.len(), 1000);
        assert_eq!(arena[999], 999);
    }

    #[test]
    fn reserving_a_plan_keeps_the_buffer() {
        let mut arena = RecordArena::default();
        arena.reserve(64);
        assert!(arena.capacity() >= 64);
        let buffer = arena.as_ptr();
        (0..64u32).for_each(|i| arena.push(i));
        assert_eq!(arena.as_ptr(), buffer);
        assert_eq!(arena.iter().sum::<u32>(), 63 * 64 / 2);
    }

    #[test]
    fn an_unplanned_arena_grows() {
        let mut arena = RecordArena::default();
        assert!(arena.is_empty());
        for i in 0..10u8 {
            arena.push(i);
        }
        assert_eq!(&arena[..], &(0..10).collect::<Vec<u8>>()[..]);
    }
}
