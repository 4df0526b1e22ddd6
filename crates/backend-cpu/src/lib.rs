//! `tessera-backend-cpu`: the CPU prover backend's engine and its trace filling.
//!
//! A backend is what turns a segment's records into traces on the device that proves them, and
//! the proof-system engine that proves them there. On the CPU that is:
//! - the engine: [`CpuEngine`] (`openvm-stark-sdk`'s BabyBear/Poseidon2 CPU engine, row-major
//!   traces, rayon), the engine of the machine's default backend (`tessera_system::vm::Cpu`), and
//!   [`ReferenceEngine`], the reference prover (`tessera_system::vm::Reference`);
//! - [`fill_trace`]: a record-per-row trace filled in parallel (rayon), the one loop every
//!   chip's host filler uses.
//!
//! The field and the proof-system configuration belong to the circuit layer
//! (`tessera_system::{F, SC}`), and records to execution (`tessera_arch::RecordArena`): this
//! crate knows no chip and no field. The chips' host fillers stay next to their AIRs (one folder
//! per instruction family); a CUDA backend adds its engine and device fillers beside them, and
//! proofs from either verify with the same verifying key.
//!
//! ```
//! use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::Matrix};
//! use p3_baby_bear::BabyBear as F;
//! use tessera_backend_cpu::fill_trace;
//!
//! // Three records of some AIR; one row per record (value, value squared), padded to 4 rows.
//! let records = [7u32, 8, 9];
//! let trace = fill_trace(&records, 2, |&v, row: &mut [F]| {
//!     row[0] = F::from_u32(v);
//!     row[1] = F::from_u32(v * v);
//! });
//! assert_eq!((trace.height(), trace.width()), (4, 2));
//! assert_eq!(trace.get(2, 1), Some(F::from_u32(81)));
//! assert_eq!(trace.get(3, 0), Some(F::ZERO)); // padding
//! ```

mod fill;

pub use fill::{fill_trace, fill_trace_rows};

/// The CPU proving engine (BabyBear, Poseidon2, row-major traces).
pub type CpuEngine = openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2CpuEngine;
/// The reference CPU engine: openvm-stark-backend's reference prover, column-major traces and
/// no SIMD. Much slower than [`CpuEngine`]; it is here as the second backend the machine is
/// tested on (the same verifying key accepts its proofs), and as a cross-check of the prover.
pub type ReferenceEngine =
    openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2RefEngine;
