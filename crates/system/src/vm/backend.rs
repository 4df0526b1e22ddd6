//! Proving backends as plug-ins: the machine is generic over the backend that proves
//! ([`VmBackend`]): its engine, and how a segment's traces reach that engine's device.
//!
//! What stays the same on every backend: the AIRs (so the verifying key), the records the
//! handlers make in preflight (`tessera_arch::RecordStore`, plain host memory), and the
//! machine. What a backend brings, as one type implementing [`VmBackend`] (in any crate):
//! - its engine: an `openvm-stark-backend` [`StarkEngine`] for [`SC`] (its prover device,
//!   commitments and transcript);
//! - how a trace filled on the host gets to the device ([`VmBackend::from_host`]) and,
//!   optionally, fillers of its own that turn an extension's records into traces on the device
//!   ([`VmBackend::extension_traces`]).
//!
//! Two backends are implemented: [`Cpu`] (row-major, SIMD, rayon; the default) and
//! [`Reference`] (openvm-stark-backend's column-major reference prover). A CUDA backend is
//! added the same way: a type whose engine is the GPU engine, an H2D copy as `from_host`, and
//! device fillers looked up by extension name. No AIR and no part of the machine changes.
//!
//! ```no_run
//! # use tessera_system::vm::{VirtualMachine, VmCircuitConfig};
//! # fn example<C: VmCircuitConfig + Clone>(config: C, params: openvm_stark_backend::SystemParams) {
//! use tessera_system::vm::Reference;
//!
//! // The default backend, and the same machine on the reference prover: same AIRs, same keys.
//! let cpu = VirtualMachine::new(config.clone(), params.clone()).unwrap();
//! let reference = VirtualMachine::<C, Reference>::with_backend(config, params).unwrap();
//! let (cpu_vk, reference_vk) = (cpu.keygen().unwrap().vk, reference.keygen().unwrap().vk);
//! assert_eq!(cpu_vk.inner.pre_hash, reference_vk.inner.pre_hash);
//! # }
//! ```

use openvm_stark_backend::{
    p3_matrix::dense::RowMajorMatrix,
    prover::{ColMajorMatrix, ProverBackend},
    StarkEngine,
};
use tessera_arch::RecordStore;
pub use tessera_backend_cpu::{CpuEngine, ReferenceEngine};

use super::{split_trace, CircuitExtension, Periphery, TRACE_PARTS};
use crate::{poseidon2::Digest, EF, F, SC};

/// A backend the machine proves on: the one bound every generic part of the machine names.
pub trait VmBackend: Send + Sync + 'static {
    /// The engine: a proof-system engine for [`SC`] whose device takes the machine's traces.
    type Engine: StarkEngine<
            SC = SC,
            PB: ProverBackend<Val = F, Challenge = EF, Commitment = Digest, Matrix: Clone>,
        > + Send
        + Sync;

    /// A trace filled on the host, on the device of `engine`. The system chips' traces
    /// (program, connector, memory, periphery) come this way, and so do extensions' without
    /// fillers for this device.
    fn from_host(engine: &Self::Engine, trace: RowMajorMatrix<F>) -> DeviceMatrix<Self>;

    /// The traces of `extension`'s AIRs in one segment, made from the records its handlers
    /// left in `records` (`rows`: each AIR's planned row count, empty without a plan):
    /// [`TRACE_PARTS`] instances per AIR, AIR after AIR as in [`CircuitExtension::airs`],
    /// `None` for an instance without rows.
    ///
    /// The default fills them on the host ([`host_filled_traces`]). A device with fillers of
    /// its own overrides this for the extensions it has them for (by
    /// [`CircuitExtension::name`]) and calls [`host_filled_traces`] for the others.
    ///
    /// The contract of a device filler: every lookup its rows make must be counted in
    /// `periphery` (the range checker, the bitwise lookup and the extension's tables) before
    /// it returns, as the host fillers do. The periphery's traces are filled on the host after
    /// every extension's, from those counts; a lookup counted only on the device leaves its
    /// bus unbalanced and the proof fails.
    fn extension_traces(
        engine: &Self::Engine,
        extension: &dyn CircuitExtension,
        periphery: &Periphery,
        rows: &[usize],
        records: &mut RecordStore,
    ) -> Vec<Option<DeviceMatrix<Self>>> {
        host_filled_traces::<Self>(engine, extension, periphery, rows, records)
    }
}

/// The proof system's prover backend of backend `B` (its matrix and commitment types).
pub type ProverBackendOf<B> = <<B as VmBackend>::Engine as StarkEngine>::PB;
/// A trace on the device of backend `B`.
pub type DeviceMatrix<B> = <ProverBackendOf<B> as ProverBackend>::Matrix;

/// [`VmBackend::extension_traces`] by the extension's host fillers (`rows` is not needed: the
/// records are in arenas of their final size already): its chips
/// ([`CircuitExtension::new_chips`]) take their records and fill each AIR's trace, which is
/// split into its instances ([`split_trace`]) and moved to the device.
pub fn host_filled_traces<B: VmBackend + ?Sized>(
    engine: &B::Engine,
    extension: &dyn CircuitExtension,
    periphery: &Periphery,
    _rows: &[usize],
    records: &mut RecordStore,
) -> Vec<Option<DeviceMatrix<B>>> {
    let mut chips = extension.new_chips(periphery, &[]);
    chips.load_records(records);
    chips
        .generate_traces()
        .into_iter()
        .flat_map(|trace| split_trace(trace, TRACE_PARTS))
        .map(|part| part.map(|trace| B::from_host(engine, trace)))
        .collect()
}

/// The CPU backend (the default): [`CpuEngine`], which proves row-major host traces as they
/// are.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpu;

impl VmBackend for Cpu {
    type Engine = CpuEngine;

    fn from_host(_: &CpuEngine, trace: RowMajorMatrix<F>) -> DeviceMatrix<Self> {
        trace
    }
}

/// The reference backend: [`ReferenceEngine`], openvm-stark-backend's reference prover, which
/// proves column-major traces (one transposition on the host). Slow; a cross-check of the fast
/// prover and the second backend the machine is tested on.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl VmBackend for Reference {
    type Engine = ReferenceEngine;

    fn from_host(_: &ReferenceEngine, trace: RowMajorMatrix<F>) -> DeviceMatrix<Self> {
        ColMajorMatrix::from_row_major(&trace)
    }
}
