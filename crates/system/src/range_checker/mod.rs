//! Variable range checks: `value < 2^bits` for any `bits <= max_bits`, one lookup each.
//!
//! The table lists every pair `(value, bits)` with `value < 2^bits`, `bits = 0..=max_bits`
//! (`2^(max_bits + 1)` rows with one padding row), and a multiplicity column. Values wider than
//! `max_bits` are decomposed into limbs by the caller.

mod air;
mod chip;
#[cfg(test)]
mod tests;

pub use air::RangeCheckerAir;
pub use chip::RangeCheckerChip;
pub use tessera_arch::bus::RangeCheckerBus;

/// The table row of `(value, bits)`: rows are grouped by `bits`, `2^bits` rows per group.
pub fn table_row(value: u32, bits: usize) -> usize {
    (1usize << bits) - 1 + value as usize
}

/// Rows of the table for `max_bits`.
pub fn table_rows(max_bits: usize) -> usize {
    1 << (max_bits + 1)
}
