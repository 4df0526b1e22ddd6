//! A machine bound to one program: keys and the committed program are prepared once, then any
//! segment of any run of the program is proven on demand.
//!
//! Unlike the reference design's instance, which keeps the state of the run it is proving and
//! moves it forward segment by segment (`reset_state`, then `prove_continuations`), a
//! [`VmInstance`] holds no run state: each segment is proven from an explicit, serializable
//! [`SegmentStart`] (metered execution produces them all before proving starts). So segments are
//! independent jobs that can be proven in any order, on several threads or machines, and one
//! instance serves any number of runs at once; [`VmInstance::prove_continuations`] is the
//! one-after-another loop over them.

use std::{sync::Arc, time::Instant};

use openvm_stark_backend::{
    keygen::types::MultiStarkProvingKey, prover::DeviceMultiStarkProvingKey,
};
use tessera_arch::{GuestInput, Segment, VmExe};

use super::{
    CommittedProgram, Cpu, PreflightProgram, ProverBackendOf, PublicOutputProof, SegmentStart,
    SegmentTraces, VirtualMachine, VirtualMachineError, VmBackend, VmCircuitConfig, VmKeys, F, SC,
};

/// The proof of one segment and what the segment ended with.
pub struct ProvenSegment {
    pub proof: openvm_stark_backend::proof::Proof<SC>,
    /// Where the next segment starts (this segment's final state).
    pub next_start: SegmentStart,
    /// `Some` if the guest exited in this segment.
    pub exit_code: Option<u32>,
    /// The public output so far, with its proof against this segment's final root.
    pub public_output: PublicOutputProof,
    /// Rows of each AIR, by AIR id.
    pub heights: Vec<usize>,
    /// Main trace cells of the segment.
    pub main_cells: usize,
    /// Where the time went.
    pub timings: SegmentTimings,
}

/// Seconds spent on each phase of proving one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SegmentTimings {
    /// Preflight: executing the segment and recording what trace generation needs.
    pub preflight: f64,
    /// Trace generation (and its checks).
    pub traces: f64,
    /// The STARK: proving context (commitments) and proof.
    pub stark: f64,
}

/// A [`VirtualMachine`] (proving on backend `B`) with its keys and one committed program.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use tessera_arch::VmExe;
/// # use tessera_system::vm::{SegmentStart, VirtualMachine, VmCircuitConfig, VmInstance, F};
/// # fn example<C: VmCircuitConfig>(vm: VirtualMachine<C>, exe: Arc<VmExe<F>>) {
/// let keys = vm.keygen().unwrap();
/// let instance = VmInstance::new(vm, keys, exe).unwrap();
/// // A run known to exit within 100 000 instructions, as one segment:
/// let proven = instance.prove_single(&b"input".into(), 100_000).unwrap();
/// assert!(proven.exit_code.is_some());
/// # }
/// ```
pub struct VmInstance<C: VmCircuitConfig, B: VmBackend = Cpu> {
    vm: VirtualMachine<C, B>,
    exe: Arc<VmExe<F>>,
    keys: VmKeys,
    device_pk: DeviceMultiStarkProvingKey<ProverBackendOf<B>>,
    program: CommittedProgram<B>,
    /// The program prepared for preflight once, for every segment.
    preflight: PreflightProgram,
}

impl<C: VmCircuitConfig, B: VmBackend> VmInstance<C, B> {
    /// Binds `vm` (with its `keys`) to `exe`: commits the program and moves the proving key to
    /// the device.
    pub fn new(
        vm: VirtualMachine<C, B>,
        keys: VmKeys,
        exe: Arc<VmExe<F>>,
    ) -> Result<Self, VirtualMachineError> {
        let device_pk = vm.device_pk(&keys.pk);
        let program = vm.commit_program(&exe)?;
        let preflight = vm.preflight_program(exe.clone())?;
        Ok(Self {
            vm,
            exe,
            keys,
            device_pk,
            program,
            preflight,
        })
    }

    pub fn vm(&self) -> &VirtualMachine<C, B> {
        &self.vm
    }

    pub fn exe(&self) -> &Arc<VmExe<F>> {
        &self.exe
    }

    pub fn keys(&self) -> &VmKeys {
        &self.keys
    }

    pub fn proving_key(&self) -> &MultiStarkProvingKey<SC> {
        &self.keys.pk
    }

    pub fn program(&self) -> &CommittedProgram<B> {
        &self.program
    }

    /// Proves the segment that starts at `start` and runs at most `num_insns` instructions
    /// (fewer if the guest exits) on `input`: preflight, trace generation with its checks,
    /// proof.
    pub fn prove_segment(
        &self,
        start: SegmentStart,
        input: &GuestInput,
        num_insns: u64,
    ) -> Result<ProvenSegment, VirtualMachineError> {
        let clock = Instant::now();
        let preflight = self
            .vm
            .execute_preflight_of(&self.preflight, start, input, num_insns)?;
        let preflight_seconds = clock.elapsed().as_secs_f64();
        let traces = self.vm.generate_traces(&self.exe, preflight)?;
        let traces_seconds = clock.elapsed().as_secs_f64() - preflight_seconds;
        let mut proven = self.prove_traces(traces)?;
        proven.timings.preflight = preflight_seconds;
        proven.timings.traces = traces_seconds;
        Ok(proven)
    }

    fn prove_traces(&self, traces: SegmentTraces<B>) -> Result<ProvenSegment, VirtualMachineError> {
        self.prove_traces_with(&self.program, traces)
    }

    /// Proves `traces` against `program`, whatever they hold: the real prover on traces and
    /// a program table that may have been modified by hand. Honest proving goes through
    /// [`Self::prove_segment`]; this is the malicious prover of the forgery tests, which show
    /// that the verifier rejects what such a prover makes (a prover can always run this code,
    /// so exposing it costs nothing). Only the checks of
    /// [`VirtualMachine::generate_proving_ctx`] (heights the key can prove) still apply.
    pub fn prove_traces_with(
        &self,
        program: &CommittedProgram<B>,
        traces: SegmentTraces<B>,
    ) -> Result<ProvenSegment, VirtualMachineError> {
        let (heights, main_cells) = (traces.heights(), traces.main_cells());
        let (next_start, exit_code) = (traces.next_start.clone(), traces.exit_code);
        let public_output = traces.public_output.clone();
        let clock = Instant::now();
        let ctx = self
            .vm
            .generate_proving_ctx(&self.keys.pk, program, traces)?;
        let proof = self.vm.prove(&self.device_pk, ctx)?;
        Ok(ProvenSegment {
            proof,
            timings: SegmentTimings {
                stark: clock.elapsed().as_secs_f64(),
                ..SegmentTimings::default()
            },
            next_start,
            exit_code,
            public_output,
            heights,
            main_cells,
        })
    }

    /// Proves a whole run planned by metered execution: each of `segments` in order, from the
    /// program's start, each from the previous one's final state (so one segment's records
    /// and traces are in memory at a time). The last must end with the guest's exit and no
    /// other may ([`VirtualMachineError::PlanMismatch`], found before that segment is proven).
    pub fn prove_continuations(
        &self,
        input: &GuestInput,
        segments: &[Segment],
    ) -> Result<Vec<ProvenSegment>, VirtualMachineError> {
        self.prove_continuations_with(input, segments, |_, _| {})
    }

    /// [`Self::prove_continuations`], calling `on_segment(index, proven)` as each segment's
    /// proof is done (for progress reports).
    pub fn prove_continuations_with(
        &self,
        input: &GuestInput,
        segments: &[Segment],
        mut on_segment: impl FnMut(usize, &ProvenSegment),
    ) -> Result<Vec<ProvenSegment>, VirtualMachineError> {
        let mut start = SegmentStart::initial(&self.exe);
        let mut proven = Vec::with_capacity(segments.len());
        for (index, segment) in segments.iter().enumerate() {
            let clock = Instant::now();
            let preflight =
                self.vm
                    .execute_planned_preflight_of(&self.preflight, start, input, segment)?;
            let preflight_seconds = clock.elapsed().as_secs_f64();
            let traces = self.vm.generate_traces(&self.exe, preflight)?;
            let traces_seconds = clock.elapsed().as_secs_f64() - preflight_seconds;
            let exited = traces.exit_code.is_some();
            if exited != (index + 1 == segments.len()) {
                return Err(VirtualMachineError::PlanMismatch { index, exited });
            }
            start = traces.next_start.clone();
            let mut segment = self.prove_traces(traces)?;
            segment.timings.preflight = preflight_seconds;
            segment.timings.traces = traces_seconds;
            on_segment(index, &segment);
            proven.push(segment);
        }
        Ok(proven)
    }

    /// Proves a run that the caller knows fits one segment: at most `max_instructions`
    /// instructions from the program's start, ending with the guest's exit. A run that goes on
    /// is [`VirtualMachineError::NotOneSegment`] (found before proving).
    pub fn prove_single(
        &self,
        input: &GuestInput,
        max_instructions: u64,
    ) -> Result<ProvenSegment, VirtualMachineError> {
        let start = SegmentStart::initial(&self.exe);
        let clock = Instant::now();
        let preflight =
            self.vm
                .execute_preflight_of(&self.preflight, start, input, max_instructions)?;
        let preflight_seconds = clock.elapsed().as_secs_f64();
        let traces = self.vm.generate_traces(&self.exe, preflight)?;
        let traces_seconds = clock.elapsed().as_secs_f64() - preflight_seconds;
        if traces.exit_code.is_none() {
            return Err(VirtualMachineError::NotOneSegment { max_instructions });
        }
        let mut proven = self.prove_traces(traces)?;
        proven.timings.preflight = preflight_seconds;
        proven.timings.traces = traces_seconds;
        Ok(proven)
    }
}
