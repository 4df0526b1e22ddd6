//! `tessera-system`: the system chips of the Tessera VM and the periphery lookup chips every
//! extension shares.
//!
//! So far: the [`bitwise`] lookup (byte-pair range checks and XOR) and the variable
//! [`range_checker`]. Each periphery chip has a bus type with the helpers an AIR calls to look a
//! value up, an AIR (a preprocessed table plus multiplicity columns) and a chip that counts the
//! requests of trace generation and turns them into the multiplicity trace. The [`primitives`]
//! are sub-AIRs that chips embed in their own rows (is-zero, is-equal, is-less-than).

pub mod bitwise;
pub mod connector;
pub mod kit;
pub mod memory;
pub mod poseidon2;
pub mod primitives;
pub mod program;
pub mod range_checker;
pub mod register_refresh;
pub mod registry;
#[cfg(test)]
mod test_utils;
pub mod vm;

/// The proof-system configuration the system chips are proven with (BabyBear, Poseidon2).
pub use tessera_backend_cpu::SC;
