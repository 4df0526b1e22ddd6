//! Proving backends as plug-ins: the machine is generic over the engine that proves
//! ([`VmEngine`]), and a segment's traces reach that engine's device through [`DeviceTraces`].
//!
//! What stays the same on every backend: the AIRs (so the verifying key), the records the
//! handlers make in preflight (`tessera_arch::RecordStore`, plain host memory), and the
//! machine. What a backend brings:
//! - an engine: an `openvm-stark-backend` [`StarkEngine`] for [`SC`] (its prover device,
//!   commitments and transcript);
//! - [`DeviceTraces`] for its prover backend type: how a trace filled on the host gets to the
//!   device ([`DeviceTraces::from_host`]) and, optionally, fillers of its own that turn an
//!   extension's records into traces on the device ([`DeviceTraces::extension_traces`]).
//!
//! Two backends are implemented: [`CpuEngine`] (row-major, SIMD, rayon; the default) and
//! [`ReferenceEngine`] (openvm-stark-backend's column-major reference prover). A CUDA backend is
//! added the same way: its engine, `DeviceTraces` for its backend type, and device fillers
//! keyed by extension name; no AIR and no part of the machine changes.
//!
//! ```no_run
//! # use tessera_system::vm::{VirtualMachine, VmCircuitConfig};
//! # fn example<C: VmCircuitConfig + Clone>(config: C, params: openvm_stark_backend::SystemParams) {
//! use openvm_stark_backend::StarkEngine;
//! use tessera_system::vm::ReferenceEngine;
//!
//! // The default backend, and the same machine on the reference prover: same AIRs, same keys.
//! let cpu = VirtualMachine::new(config.clone(), params.clone()).unwrap();
//! let reference = VirtualMachine::with_engine(config, ReferenceEngine::new(params)).unwrap();
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
pub use tessera_backend_cpu::{CpuBackend, CpuEngine, ReferenceBackend, ReferenceEngine};

use super::{split_trace, CircuitExtension, Periphery, TRACE_PARTS};
use crate::{poseidon2::Digest, EF, F, SC};

/// An engine the machine proves on: any proof-system engine for [`SC`] whose backend takes
/// the machine's traces ([`DeviceTraces`]). The one bound every generic part of the machine
/// names.
pub trait VmEngine: StarkEngine<SC = SC, PB: DeviceTraces> + Send + Sync + 'static {}

impl<E> VmEngine for E
where
    E: StarkEngine<SC = SC> + Send + Sync + 'static,
    E::PB: DeviceTraces,
{
}

/// A trace on the device of engine `E`.
pub type DeviceMatrix<E> = <<E as StarkEngine>::PB as ProverBackend>::Matrix;

/// How a segment's traces get to a prover backend's device: what a new device implements,
/// besides its engine.
pub trait DeviceTraces:
    ProverBackend<Val = F, Challenge = EF, Commitment = Digest, Matrix: Clone>
{
    /// A trace filled on the host, on this device. The system chips' traces (program,
    /// connector, memory, periphery) come this way, and so do extensions' without fillers for
    /// this device.
    fn from_host(trace: RowMajorMatrix<F>) -> Self::Matrix;

    /// The traces of `extension`'s AIRs in one segment, made from the records its handlers
    /// left in `records` (`rows`: each AIR's planned row count, empty without a plan):
    /// [`TRACE_PARTS`] instances per AIR, AIR after AIR as in [`CircuitExtension::airs`],
    /// `None` for an instance without rows.
    ///
    /// The default fills them on the host ([`host_filled_traces`]). A device with fillers of
    /// its own overrides this for the extensions it has them for (by
    /// [`CircuitExtension::name`]) and calls [`host_filled_traces`] for the others.
    fn extension_traces(
        extension: &dyn CircuitExtension,
        periphery: &Periphery,
        rows: &[usize],
        records: &mut RecordStore,
    ) -> Vec<Option<Self::Matrix>> {
        host_filled_traces::<Self>(extension, periphery, rows, records)
    }
}

/// [`DeviceTraces::extension_traces`] by the extension's host fillers (`rows` is not needed:
/// the records are in arenas of their final size already): its chips
/// ([`CircuitExtension::new_chips`]) take their records and fill each AIR's trace, which is
/// split into its instances ([`split_trace`]) and moved to the device.
pub fn host_filled_traces<B: DeviceTraces + ?Sized>(
    extension: &dyn CircuitExtension,
    periphery: &Periphery,
    rows: &[usize],
    records: &mut RecordStore,
) -> Vec<Option<B::Matrix>> {
    // The records are in their arenas already: the chips reserve nothing.
    let _ = rows;
    let mut chips = extension.new_chips(periphery, &[]);
    chips.load_records(records);
    chips
        .generate_traces()
        .into_iter()
        .flat_map(|trace| split_trace(trace, TRACE_PARTS))
        .map(|part| part.map(B::from_host))
        .collect()
}

/// The CPU backend proves row-major host traces as they are.
impl DeviceTraces for CpuBackend {
    fn from_host(trace: RowMajorMatrix<F>) -> Self::Matrix {
        trace
    }
}

/// The reference backend proves column-major traces: one transposition on the host.
impl DeviceTraces for ReferenceBackend {
    fn from_host(trace: RowMajorMatrix<F>) -> Self::Matrix {
        ColMajorMatrix::from_row_major(&trace)
    }
}
