//! Segment tests: a program of the extension run through the whole machine (its executors,
//! preflight, every chip's trace generation) in one segment, the traces of one AIR by name, row
//! edits as a cheating prover makes them, and what the debug checks or the verifier say.
//!
//! Toy parameters (`SystemParams::new_for_testing(16)`): they check constraints and buses, not
//! security.

use std::sync::Arc;

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::Matrix, SystemParams};
use tessera_arch::{GuestInput, VmExe};

use crate::{
    vm::{
        mutation::{rejections, unbound_cells, MutationReport, Verdict},
        verify_single, SegmentStart, SegmentTraces, VerifiedSegment, VirtualMachine,
        VmCircuitConfig, VmKeys, BITWISE_AIR_ID,
    },
    F,
};

/// A machine of configuration `C` and its keys, with toy parameters. Keygen takes seconds:
/// keep one per test process (a `static` `OnceLock`).
///
/// ```no_run
/// use std::sync::OnceLock;
/// use tessera_system::{kit::testing::TestMachine, registry::VmConfig};
///
/// fn machine() -> &'static TestMachine<VmConfig> {
///     static MACHINE: OnceLock<TestMachine<VmConfig>> = OnceLock::new();
///     MACHINE.get_or_init(|| {
///         TestMachine::new(VmConfig::new(Default::default(), ["rv32im", "zbb"]).unwrap())
///     })
/// }
/// # fn example(words: &[u32]) {
/// let mut segment = machine().segment(words);
/// segment.row_mut("ZbbLogicAir", 0)[5] += tessera_system::F::from_u32(1);
/// segment.check().assert_rejected_by("ZbbLogicAir");
/// # }
/// # use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
/// ```
pub struct TestMachine<C> {
    pub vm: VirtualMachine<C>,
    pub keys: VmKeys,
}

impl<C: VmCircuitConfig> TestMachine<C> {
    /// The machine of `config` with `SystemParams::new_for_testing(16)`, and its keys.
    pub fn new(config: C) -> Self {
        let vm = VirtualMachine::new(config, SystemParams::new_for_testing(16))
            .expect("the configuration builds a machine");
        let keys = vm.keygen().expect("keygen");
        Self { vm, keys }
    }

    /// The executable of straight-line `words` at [`super::BASE`], transpiled by the
    /// configuration.
    pub fn exe(&self, words: &[u32]) -> Arc<VmExe<F>> {
        let exe = self
            .vm
            .config
            .create_transpiler()
            .exe_from_words(super::BASE, words)
            .expect("the test's words transpile");
        Arc::new(exe)
    }

    /// Runs `words` (which must exit within 2^20 instructions) in one segment, with no input,
    /// and generates its traces.
    pub fn segment(&self, words: &[u32]) -> TestSegment<'_, C> {
        self.segment_of(self.exe(words), &GuestInput::default())
    }

    /// Runs `exe` on `input` in one segment (it must exit within 2^20 instructions) and
    /// generates its traces.
    pub fn segment_of(&self, exe: Arc<VmExe<F>>, input: &GuestInput) -> TestSegment<'_, C> {
        let preflight = self
            .vm
            .execute_preflight(&exe, SegmentStart::initial(&exe), input, 1 << 20)
            .expect("preflight");
        let traces = self
            .vm
            .generate_traces(&exe, preflight)
            .expect("trace generation");
        assert!(traces.exit_code.is_some(), "the program exits");
        TestSegment {
            machine: self,
            exe,
            traces,
        }
    }

    /// The AIR ids of the AIR named `air` (a name as the proof system gives it: the AIR's type
    /// without its module path) (its trace parts: the machine splits each
    /// extension trace into `TRACE_PARTS` instances). Panics if no AIR has that name.
    pub fn air_ids(&self, air: impl AsRef<str>) -> Vec<usize> {
        let air = air.as_ref();
        let ids: Vec<usize> = (self.vm.airs().iter().enumerate())
            .filter(|(_, a)| a.name() == air)
            .map(|(id, _)| id)
            .collect();
        assert!(!ids.is_empty(), "no AIR of the machine is named {air}");
        ids
    }
}

/// One segment's honest traces, to edit and check.
pub struct TestSegment<'a, C> {
    machine: &'a TestMachine<C>,
    pub exe: Arc<VmExe<F>>,
    pub traces: SegmentTraces,
}

impl<C: VmCircuitConfig> TestSegment<'_, C> {
    /// The real rows (not all zero) of the AIR named `air`, over its parts, in execution
    /// order: `(air id, row index)`.
    pub fn rows(&self, air: impl AsRef<str>) -> Vec<(usize, usize)> {
        let mut rows = Vec::new();
        for id in self.machine.air_ids(air) {
            if let Some(trace) = &self.traces.traces[id] {
                let width = Matrix::width(trace);
                for (r, row) in trace.values.chunks_exact(width).enumerate() {
                    if row.iter().any(|v| *v != F::ZERO) {
                        rows.push((id, r));
                    }
                }
            }
        }
        rows
    }

    /// The `index`-th real row of the AIR named `air`.
    pub fn row(&self, air: impl AsRef<str>, index: usize) -> Vec<F> {
        let (id, r) = self.rows(air)[index];
        let trace = self.traces.traces[id].as_ref().expect("present");
        let width = Matrix::width(trace);
        trace.values[r * width..(r + 1) * width].to_vec()
    }

    /// The `index`-th real row of the AIR named `air`, for editing.
    pub fn row_mut(&mut self, air: impl AsRef<str>, index: usize) -> &mut [F] {
        let (id, r) = self.rows(air)[index];
        let trace = self.traces.traces[id].as_mut().expect("present");
        let width = Matrix::width(trace);
        &mut trace.values[r * width..(r + 1) * width]
    }

    /// Changes the bitwise lookup table's multiplicities as a cheating prover may: one fewer
    /// range check of the byte pair `from`, one more of `to` (so a tampered byte's lookup
    /// still balances, and what rejects it must be a constraint).
    pub fn move_range_check(&mut self, from: (u32, u32), to: (u32, u32)) {
        let table = self.traces.traces[BITWISE_AIR_ID]
            .as_mut()
            .expect("bitwise table");
        let width = Matrix::width(table);
        let row = |(x, y): (u32, u32)| ((x << 8) | y) as usize * width;
        table.values[row(from)] -= F::ONE;
        table.values[row(to)] += F::ONE;
    }

    /// What the debug checks say about the segment: which AIRs' constraints fail and which
    /// buses do not balance ([`rejections`]).
    pub fn check(&self) -> Verdict {
        let TestMachine { vm, keys } = self.machine;
        rejections(vm, &keys.pk, &self.exe.program, &self.traces)
    }

    /// The column mutation checker over the AIRs `select` picks (by AIR id), `rows` real rows
    /// of each: every cell whose change nothing rejects ([`unbound_cells`]).
    pub fn unbound_cells(&self, select: impl Fn(usize) -> bool, rows: usize) -> MutationReport {
        let TestMachine { vm, keys } = self.machine;
        unbound_cells(vm, &keys.pk, &self.exe.program, &self.traces, select, rows)
    }

    /// Proves the segment and verifies the proof.
    pub fn prove(self) -> Result<VerifiedSegment, String> {
        let TestMachine { vm, keys } = self.machine;
        let program = vm.commit_program(&self.exe).map_err(|e| e.to_string())?;
        let ctx = vm
            .generate_proving_ctx(&keys.pk, &program, self.traces)
            .map_err(|e| e.to_string())?;
        let proof = vm
            .prove(&vm.device_pk(&keys.pk), ctx)
            .map_err(|e| e.to_string())?;
        verify_single(vm.engine(), &keys.vk, &proof).map_err(|e| e.to_string())
    }
}
