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

/// The field every trace is over (BabyBear). The circuit layer owns it: the ISA layer
/// (`tessera-arch`) is generic over its field, and backends prove whatever this layer fixes.
pub type F = p3_baby_bear::BabyBear;
/// The challenge field (the degree-4 extension of [`F`]).
pub type EF = openvm_stark_sdk::config::baby_bear_poseidon2::EF;
/// The proof-system configuration every AIR is proven with (BabyBear, Poseidon2): the same
/// for every backend, so a proof made on any of them verifies with the same key.
pub type SC = openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2Config;
