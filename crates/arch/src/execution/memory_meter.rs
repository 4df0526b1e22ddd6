//! The memory part of metered execution: how many rows a segment's memory tables need.
//!
//! A segment's boundary table has one row per touched leaf of the memory tree, its Merkle table
//! one row per ancestor of a touched leaf (the root included), and its Poseidon2 table at most
//! two rows per Merkle row (a node's compression in the initial and in the final tree; equal
//! inputs share a row). The meter keeps, for the current segment, the set of touched leaves and
//! of their ancestors, so that each count is exact, and it can restart a segment from the leaves
//! touched since the last check: a leaf remembers the check interval in which it was last
//! touched, so a cut at the start of the current interval knows which leaves the new segment
//! already holds.
//!
//! Registers are not reported access by access: every segment counts all of their leaves (at
//! most a few rows more than a segment that leaves some registers alone).

use serde::{Deserialize, Serialize};

use crate::isa::address_space;

/// The shape of the memory tree, as the circuit commits memory (the meter knows no chip).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryShape {
    /// Bytes per leaf (a power of two).
    pub leaf_bytes: u32,
    /// Levels inside an address space's subtree: a space holds `2^leaf_bits` leaves.
    pub leaf_bits: u32,
    /// Levels above the address spaces: there are `2^address_space_bits` spaces.
    pub address_space_bits: u32,
    /// Bytes of the register file (address space 1).
    pub register_bytes: u32,
}

impl MemoryShape {
    /// Height of the root above the leaves.
    pub fn height(&self) -> u32 {
        self.leaf_bits + self.address_space_bits
    }
}

/// Rows of a segment's memory tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryRows {
    /// Touched leaves: rows of the boundary table.
    pub leaves: u64,
    /// Touched internal nodes: rows of the Merkle table (at most half the rows of the Poseidon2
    /// table).
    pub nodes: u64,
}

/// Tracks the leaves and ancestors the current segment touched.
pub(crate) struct MemoryMeter {
    shape: MemoryShape,
    /// Per leaf (labelled `address_space << leaf_bits | index`): the last check interval that
    /// touched it, 0 for never. The allocation is zeroed lazily by the OS, so untouched memory
    /// costs nothing.
    last_interval: Vec<u32>,
    /// The current check interval (starts at 1) and the first interval of the segment.
    interval: u32,
    segment_first_interval: u32,
    /// Leaves first touched in the current interval.
    interval_leaves: Vec<u32>,
    /// Leaves the segment touched (to clear `ancestors` at a cut).
    segment_leaves: Vec<u32>,
    /// `ancestors[h - 1]`: bit set of the segment's touched nodes at height `h` (1 = parents of
    /// leaves, `height` = the root).
    ancestors: Vec<Vec<u64>>,
    rows: MemoryRows,
}

impl MemoryMeter {
    pub fn new(shape: MemoryShape) -> Self {
        let height = shape.height();
        let mut meter = Self {
            shape,
            last_interval: vec![0; 1 << height],
            interval: 1,
            segment_first_interval: 1,
            interval_leaves: Vec::new(),
            segment_leaves: Vec::new(),
            ancestors: (1..=height)
                .map(|h| vec![0u64; (1usize << (height - h)).div_ceil(64)])
                .collect(),
            rows: MemoryRows::default(),
        };
        meter.add_registers();
        meter
    }

    /// The current segment's rows.
    pub fn rows(&self) -> MemoryRows {
        self.rows
    }

    /// Records an access to `bytes` bytes from `pointer` in `address_space`.
    #[inline(always)]
    pub fn access(&mut self, address_space: u32, pointer: u32, bytes: u32) {
        if bytes == 0 {
            return;
        }
        let shift = self.shape.leaf_bytes.trailing_zeros();
        let first = pointer >> shift;
        let last = (pointer as u64 + bytes as u64 - 1) >> shift;
        let base = address_space << self.shape.leaf_bits;
        for index in first..=last as u32 {
            self.touch(base | index);
        }
    }

    #[inline(always)]
    fn touch(&mut self, label: u32) {
        let Some(seen) = self.last_interval.get_mut(label as usize) else {
            // Outside the tree: the access faulted, or trace generation refuses it.
            return;
        };
        if *seen == self.interval {
            return;
        }
        let in_segment = *seen >= self.segment_first_interval;
        *seen = self.interval;
        self.interval_leaves.push(label);
        if !in_segment {
            self.add_to_segment(label);
        }
    }

    fn add_to_segment(&mut self, label: u32) {
        self.rows.leaves += 1;
        self.segment_leaves.push(label);
        for (h, level) in self.ancestors.iter_mut().enumerate() {
            let node = (label >> (h + 1)) as usize;
            let (word, bit) = (node / 64, 1u64 << (node % 64));
            if level[word] & bit != 0 {
                break;
            }
            level[word] |= bit;
            self.rows.nodes += 1;
        }
    }

    fn add_registers(&mut self) {
        let leaves = self.shape.register_bytes.div_ceil(self.shape.leaf_bytes);
        let base = address_space::REGISTER << self.shape.leaf_bits;
        for index in 0..leaves {
            self.add_to_segment(base | index);
        }
    }

    /// A check passed or failed: the next accesses belong to a new interval.
    pub fn next_interval(&mut self) {
        self.interval += 1;
        self.interval_leaves.clear();
    }

    /// Starts a new segment. With `keep_interval`, the new segment begins at the start of the
    /// current interval (it holds the leaves touched since then); otherwise it begins now.
    pub fn restart_segment(&mut self, keep_interval: bool) {
        for &label in &self.segment_leaves {
            for (h, level) in self.ancestors.iter_mut().enumerate() {
                let node = (label >> (h + 1)) as usize;
                let (word, bit) = (node / 64, 1u64 << (node % 64));
                if level[word] & bit == 0 {
                    break;
                }
                level[word] &= !bit;
            }
        }
        self.segment_leaves.clear();
        self.rows = MemoryRows::default();
        self.add_registers();
        if keep_interval {
            self.segment_first_interval = self.interval;
            for i in 0..self.interval_leaves.len() {
                self.add_to_segment(self.interval_leaves[i]);
            }
        } else {
            self.next_interval();
            self.segment_first_interval = self.interval;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const SHAPE: MemoryShape = MemoryShape {
        leaf_bytes: 8,
        leaf_bits: 10,
        address_space_bits: 2,
        register_bytes: 128,
    };

    /// Rows of a segment that touched `leaves` (labels), counted naively.
    fn expected(leaves: &BTreeSet<u32>) -> MemoryRows {
        let mut all: BTreeSet<u32> = leaves.clone();
        all.extend((0..16).map(|i| (address_space::REGISTER << SHAPE.leaf_bits) | i));
        let mut nodes = 0;
        for h in 1..=SHAPE.height() {
            nodes += all.iter().map(|l| l >> h).collect::<BTreeSet<_>>().len() as u64;
        }
        MemoryRows {
            leaves: all.len() as u64,
            nodes,
        }
    }

    fn label(space: u32, pointer: u32) -> u32 {
        (space << SHAPE.leaf_bits) | (pointer / SHAPE.leaf_bytes)
    }

    #[test]
    fn counts_touched_leaves_and_their_ancestors() {
        let mut meter = MemoryMeter::new(SHAPE);
        assert_eq!(meter.rows(), expected(&BTreeSet::new()));
        let mut touched = BTreeSet::new();
        for (space, pointer, bytes) in [(2, 0, 4), (2, 4, 4), (2, 4096, 1), (3, 0, 4), (2, 16, 17)]
        {
            meter.access(space, pointer, bytes);
            touched.extend((pointer..pointer + bytes).map(|p| label(space, p)));
            assert_eq!(meter.rows(), expected(&touched));
        }
        // Accesses outside the tree are ignored (they fault before trace generation).
        meter.access(2, 1 << 20, 4);
        assert_eq!(meter.rows(), expected(&touched));
    }

    #[test]
    fn a_cut_keeps_the_leaves_of_the_current_interval() {
        let mut meter = MemoryMeter::new(SHAPE);
        meter.access(2, 0, 4);
        meter.access(2, 800, 4);
        meter.next_interval();
        // The current interval touches 800 again, and 1600: a cut at its start keeps both.
        meter.access(2, 800, 4);
        meter.access(2, 1600, 4);
        meter.restart_segment(true);
        let kept = BTreeSet::from([label(2, 800), label(2, 1600)]);
        assert_eq!(meter.rows(), expected(&kept));
        // Leaves of the new segment are not counted twice; leaf 0 is new again.
        meter.access(2, 800, 4);
        meter.next_interval();
        meter.access(2, 1600, 4);
        meter.access(2, 0, 4);
        let all = BTreeSet::from([label(2, 0), label(2, 800), label(2, 1600)]);
        assert_eq!(meter.rows(), expected(&all));

        // A cut that begins now keeps nothing but the registers.
        meter.restart_segment(false);
        assert_eq!(meter.rows(), expected(&BTreeSet::new()));
        meter.access(2, 0, 4);
        assert_eq!(meter.rows(), expected(&BTreeSet::from([label(2, 0)])));
    }
}
