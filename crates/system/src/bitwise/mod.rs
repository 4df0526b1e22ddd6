//! Byte-pair lookups: `x, y < 2^8` (a range check of two bytes at once) and `z = x ^ y`.
//!
//! The table has one row per pair `(x, y)`: preprocessed columns `x, y, x ^ y` and two
//! multiplicity columns, one for range requests and one for XOR requests. AND and OR follow from
//! XOR (`x & y = (x + y - (x ^ y)) / 2`, `x | y = (x + y + (x ^ y)) / 2`), so one table serves
//! all three bitwise operations.

mod air;
mod chip;
#[cfg(test)]
mod tests;

pub use air::BitwiseLookupAir;
pub use chip::BitwiseLookupChip;
pub use tessera_arch::bus::BitwiseBus;

/// Bits of each operand.
pub const BITWISE_BITS: usize = 8;
/// Rows of the table: every pair of bytes.
pub const BITWISE_ROWS: usize = 1 << (2 * BITWISE_BITS);
