//! `tessera-backend-cpu`: the CPU prover backend.
//!
//! A backend is what turns a segment's records into traces on the device that proves them, and
//! the proof-system engine that proves them there. On the CPU that is:
//! - the engine: [`CpuEngine`] (`openvm-stark-sdk`'s BabyBear/Poseidon2 CPU engine, row-major
//!   traces, rayon), made by [`engine`];
//! - [`RecordArena`]: where preflight puts one AIR's records, sized up front from metered
//!   execution's row count for that AIR, so preflight never reallocates;
//! - [`fill_trace`]: a record-per-row trace filled in parallel (rayon), the one loop every chip's
//!   trace generation uses.
//!
//! The chips' fillers stay next to their AIRs (one folder per instruction family), so this crate
//! sits *below* `tessera-system` and the extensions: it knows no chip. A CUDA backend would add
//! its engine binding beside this one and device fillers in the families' folders behind a
//! feature; proofs from either verify with the same verifying key.
//!
//! ```
//! use tessera_backend_cpu::{fill_trace, RecordArena, F};
//! use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::Matrix};
//!
//! // Preflight: three records of some AIR, in an arena sized by metering.
//! let mut arena = RecordArena::with_capacity(3);
//! for value in [7u32, 8, 9] {
//!     arena.push(value);
//! }
//! // Trace generation: one row per record (value, value squared), padded to 4 rows.
//! let trace = fill_trace(&arena, 2, |&v, row: &mut [F]| {
//!     row[0] = F::from_u32(v);
//!     row[1] = F::from_u32(v * v);
//! });
//! assert_eq!((trace.height(), trace.width()), (4, 2));
//! assert_eq!(trace.get(2, 1), Some(F::from_u32(81)));
//! assert_eq!(trace.get(3, 0), Some(F::ZERO)); // padding
//! ```

mod arena;
mod fill;

pub use arena::RecordArena;
pub use fill::{fill_trace, fill_trace_rows};

use openvm_stark_backend::{StarkEngine, SystemParams};

/// The field.
pub type F = p3_baby_bear::BabyBear;
/// The proof-system configuration (BabyBear, Poseidon2).
pub type SC = openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2Config;
/// The CPU proving engine.
pub type CpuEngine = openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2CpuEngine;
/// The proof system's CPU backend (what proving keys, committed traces and proving contexts
/// are bound to).
pub type CpuBackend = <CpuEngine as StarkEngine>::PB;

/// The CPU engine for `params`.
pub fn engine(params: SystemParams) -> CpuEngine {
    StarkEngine::new(params)
}
