//! Proving and verifying a whole run, as a chain of segments.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::Arc,
    time::Instant,
};

use openvm_stark_backend::{codec::Encode, p3_air::BaseAir, proof::Proof, SystemParams};
use openvm_stark_sdk::config::app_params_with_100_bits_security;
use serde::Serialize;
use tessera_arch::{
    ExecutionCtx, MemoryRows, MeteredCtx, MeteringCosts, Segment, SegmentLimits, VmExe,
    VmExecState, VmRunError,
};
use tessera_system::registry::VmConfig;
use tessera_system::vm::{
    verify_segments, PublicOutputProof, VirtualMachine, VmInstance, VmVerificationError,
    BOUNDARY_AIR_ID, FIRST_EXTENSION_AIR_ID, MERKLE_AIR_ID, POSEIDON2_AIR_ID, SC, TRACE_PARTS,
};
use thiserror::Error;

use crate::{lower_hex, Claims, GuestInput, GuestOutput, ProofFile, Sdk, SdkError, Security, F};

/// Smallest stacked height the machine proves with: the bitwise lookup table alone has
/// 2^16 rows.
pub const MIN_LOG_STACKED_HEIGHT: usize = 16;
/// Largest stacked height of the 100-bit application parameters.
pub const MAX_LOG_STACKED_HEIGHT: usize = 24;
/// The parameters of a security level at a stacked height.
///
/// ```
/// use tessera_sdk::{params_for, Security};
///
/// let params = params_for(Security::Bits100, 20);
/// assert_eq!(params.log_stacked_height(), 20);
/// ```
pub fn params_for(security: Security, log_stacked_height: usize) -> SystemParams {
    match security {
        Security::Bits100 => app_params_with_100_bits_security(log_stacked_height),
        Security::InsecureTesting => SystemParams::new_for_testing(log_stacked_height),
    }
}

/// How to prove.
///
/// ```
/// use tessera_sdk::{ProveOptions, Sdk};
///
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let options = ProveOptions {
///     segment_instructions: Some(100),
///     ..ProveOptions::default()
/// };
/// // fib(10) runs 320 instructions: 4 segments of at most 100.
/// let plan = sdk.meter(&exe, 10u32.to_le_bytes().to_vec(), &options)?;
/// assert_eq!(plan.segments.len(), 4);
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ProveOptions {
    /// The stacked height (log2); by default the smallest that fits the run's traces.
    pub log_stacked_height: Option<usize>,
    /// Stop with an error after this many instructions.
    pub max_instructions: Option<u64>,
    /// Instructions per segment (default: the configuration's
    /// `SystemConfig::segment_max_instructions`, [`DEFAULT_SEGMENT_INSTRUCTIONS`] by default).
    pub segment_instructions: Option<u64>,
    /// Bus messages per segment, padding included (default: the configuration's
    /// `SystemConfig::segment_max_interactions`, `2^24 - 1` by default).
    pub segment_interactions: Option<u64>,
    /// The memory the proof may use, in bytes (default: [`available_memory`]'s, which reads
    /// `TESSERA_MEMORY_LIMIT` or what the machine has available). Proving refuses to start when
    /// its segments would need more ([`proving_memory_estimate`]).
    ///
    /// [`available_memory`]: crate::available_memory
    /// [`proving_memory_estimate`]: crate::proving_memory_estimate
    pub memory_limit: Option<u64>,
}

impl ProveOptions {
    /// Options that prove the whole run as one segment (if its traces fit the largest
    /// stacked height).
    ///
    /// ```
    /// use tessera_sdk::{ProveOptions, Sdk};
    ///
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let input = 100_000u32.to_le_bytes().to_vec(); // 500 358 instructions
    /// let plan = sdk.meter(&exe, input, &ProveOptions::one_segment())?;
    /// assert_eq!(plan.segments.len(), 1);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn one_segment() -> Self {
        Self {
            segment_instructions: Some(u64::MAX),
            segment_interactions: Some(u64::MAX),
            ..Self::default()
        }
    }
}

/// The cap on instructions per segment by default. The segment's bus messages (at most
/// `SystemConfig::segment_max_interactions`, `2^24 - 1`) usually cut it first: about 1.08 M
/// instructions of a fibonacci loop, 0.9 M of a memory-heavy sort, each proving in about
/// 3.5 GB with the 100-bit parameters, within a 24 GiB machine's means.
pub const DEFAULT_SEGMENT_INSTRUCTIONS: u64 = 1 << 21;

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_segment_size_is_the_system_default() {
        assert_eq!(
            tessera_arch::SystemConfig::default().segment_max_instructions,
            super::DEFAULT_SEGMENT_INSTRUCTIONS
        );
    }
}

/// What proving did and cost.
///
/// ```no_run
/// use tessera_sdk::{ProveOptions, Sdk};
///
/// let sdk = Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let (_, report) = sdk.prove(&exe, Vec::new(), ProveOptions::default())?;
/// println!(
///     "{} instructions in {} segment(s) at 2^{}: {:.1} s, {:.1} kHz, {} proof bytes",
///     report.instret, report.segments, report.log_stacked_height, report.seconds, report.khz,
///     report.proof_bytes,
/// );
/// println!("{:.1} main trace cells per instruction", report.main_cells_per_instruction);
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct ProveReport {
    pub exit_code: u32,
    #[serde(flatten)]
    pub output: GuestOutput,
    pub instret: u64,
    /// Segments the run was proven in.
    pub segments: usize,
    pub log_stacked_height: usize,
    /// Wall-clock seconds of planning (metered execution) and proving; keygen excluded.
    pub seconds: f64,
    /// Instructions proven per millisecond (`instret / seconds / 1000`).
    pub khz: f64,
    pub keygen_seconds: f64,
    /// Metered execution.
    pub plan_seconds: f64,
    /// Preflight, traces and proof of every segment.
    pub prove_seconds: f64,
    /// Of `prove_seconds`: preflight, trace generation and the STARK, over every segment.
    pub preflight_seconds: f64,
    pub traces_seconds: f64,
    pub stark_seconds: f64,
    /// Main trace cells (rows times columns over every AIR, padding included).
    pub main_cells: usize,
    pub main_cells_per_instruction: f64,
    /// All trace cells: main, the program's cached trace and the preprocessed tables.
    pub total_cells: usize,
    pub total_cells_per_instruction: f64,
    /// Bus messages (rows times interactions over every AIR).
    pub interactions: usize,
    pub interactions_per_instruction: f64,
    pub proof_bytes: usize,
    /// Rows of each AIR's trace (name, rows) in the first segment.
    pub trace_heights: Vec<(String, usize)>,
    /// Every AIR with rows, largest main trace first: rows and main cells over every segment.
    pub air_cells: Vec<AirCells>,
    /// The process's peak resident memory (Linux's `VmHWM`), if known.
    pub peak_memory_bytes: Option<u64>,
}

/// One AIR's share of a proof.
///
/// ```no_run
/// use tessera_sdk::{ProveOptions, Sdk};
///
/// let sdk = Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-sort.elf")?;
/// let (_, report) = sdk.prove(&exe, Vec::new(), ProveOptions::default())?;
/// for air in &report.air_cells {
///     println!("{:>30} {:>9} rows {:>11} cells", air.air, air.rows, air.cells);
/// }
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AirCells {
    pub air: String,
    /// Rows over every segment, padding included.
    pub rows: usize,
    /// Main trace cells (rows times main columns).
    pub cells: usize,
}

/// What [`Sdk::prove_with_progress`] reports as it goes.
///
/// ```no_run
/// use tessera_sdk::{ProveOptions, ProveProgress, Sdk};
///
/// let sdk = Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-sort.elf")?;
/// let input = 100_000u32.to_le_bytes().to_vec();
/// sdk.prove_with_progress(&exe, input, ProveOptions::default(), &mut |progress| match progress {
///     ProveProgress::Planned { instret, segments } => {
///         println!("{instret} instructions in {segments} segments")
///     }
///     ProveProgress::Keygen { log_stacked_height } => {
///         println!("keys at 2^{log_stacked_height}")
///     }
///     ProveProgress::SegmentProven { index, segments, .. } => {
///         println!("segment {} of {segments} proven", index + 1)
///     }
/// })?;
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ProveProgress {
    /// Metered execution planned the run.
    Planned { instret: u64, segments: usize },
    /// The keys at stacked height `2^log_stacked_height` are loaded or generated now.
    Keygen { log_stacked_height: usize },
    /// Segment `index` (of `segments`, which cover `instret` instructions) is proven; it ran
    /// `instructions` instructions.
    SegmentProven {
        index: usize,
        segments: usize,
        instructions: u64,
        instret: u64,
    },
}

/// What a verified proof says.
///
/// ```no_run
/// use tessera_sdk::Sdk;
///
/// let sdk = Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let proof = sdk.read_proof_file("fib.proof")?;
/// let run = sdk.verify(&exe, &proof)?;
/// assert_eq!(run.exit_code, 0);
/// // The program the proof is of, as `Sdk::commit` computes it from the ELF.
/// assert_eq!(run.exe_commitment, sdk.commit(&exe, proof.claims.log_stacked_height)?);
/// println!("public output {}", tessera_sdk::hex(&run.public_output));
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifiedRun {
    pub exit_code: u32,
    #[serde(serialize_with = "lower_hex")]
    pub public_output: Vec<u8>,
    /// The commitment to the program, initial memory and entry point (lowercase hex of the
    /// eight field elements, little-endian u32 each).
    pub exe_commitment: String,
    /// Segments the run was proven in.
    pub segments: usize,
    /// The instructions the proof file says the run executed. NOT proven: the proof does not
    /// count instructions, so this is only the prover's word.
    pub claimed_instret: u64,
}

/// What metered execution found: the segments a run will be proven in.
///
/// ```
/// use tessera_sdk::{ProveOptions, Sdk};
///
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let plan = sdk.meter(&exe, 10u32.to_le_bytes().to_vec(), &ProveOptions::default())?;
/// assert_eq!((plan.exit_code, plan.instret), (0, 320));
/// assert_eq!(plan.output.public_output, 55u32.to_le_bytes());
/// assert_eq!(plan.segments.len(), 1);
/// assert_eq!(plan.segments[0].num_insns, 320);
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct MeterReport {
    pub exit_code: u32,
    #[serde(flatten)]
    pub output: GuestOutput,
    pub instret: u64,
    /// Wall-clock time of the metered run.
    pub seconds: f64,
    pub mhz: f64,
    pub segments: Vec<Segment>,
    /// What the run read: the input as given, with the answers to hint requests appended to
    /// the hints. Proving the run again from it needs no hint host.
    #[serde(skip)]
    pub input: GuestInput,
}

impl MeterReport {
    /// The smallest stacked height (its log, at least [`MIN_LOG_STACKED_HEIGHT`]) that holds
    /// every trace of every planned segment of a program of `program_len` instructions: each
    /// instruction AIR's rows in two power-of-two parts, the memory tables (the Poseidon2 table
    /// at its bound of two rows per Merkle row) and the program table. The fixed tables (range
    /// checker, bitwise) fit in the minimum.
    ///
    /// ```
    /// use tessera_sdk::{ProveOptions, Sdk, MIN_LOG_STACKED_HEIGHT};
    ///
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let plan = sdk.meter(&exe, 10u32.to_le_bytes().to_vec(), &ProveOptions::default())?;
    /// let lsh = plan.log_stacked_height(exe.program.instructions.len());
    /// assert_eq!(lsh, MIN_LOG_STACKED_HEIGHT);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn log_stacked_height(&self, program_len: usize) -> usize {
        let padded = |rows: u64| rows.max(1).next_power_of_two().ilog2() as usize;
        let mut lsh = padded(program_len as u64).max(MIN_LOG_STACKED_HEIGHT);
        for segment in &self.segments {
            for &rows in segment.trace_heights.iter().filter(|&&rows| rows > 0) {
                lsh = lsh.max(rows.ilog2() as usize);
            }
            let memory = segment.memory;
            lsh = lsh.max(padded(memory.leaves)).max(padded(2 * memory.nodes));
            lsh = lsh.max(padded(segment.refresh_rows));
        }
        lsh
    }
}

/// What metered cost execution found (see [`Sdk::cost`]).
///
/// ```
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = tessera_sdk::Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let cost = sdk.cost(&exe, 10u32.to_le_bytes().to_vec(), None)?;
/// assert_eq!(cost.instret, 320);
/// for (air, rows, cells) in &cost.airs {
///     println!("{air}: {rows} rows, {cells} cells");
/// }
/// assert_eq!(cost.main_cells, cost.airs.iter().map(|(_, _, cells)| cells).sum::<u64>());
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct CostReport {
    pub instret: u64,
    /// Main trace cells of the instruction AIRs, before padding.
    pub main_cells: u64,
    pub main_cells_per_instruction: f64,
    /// (AIR, rows, cells) for each instruction AIR the run uses.
    pub airs: Vec<(String, u64, u64)>,
    /// Rows of the memory tables (touched leaves and Merkle nodes).
    pub memory: MemoryRows,
    /// Main cells of the memory tables (the Poseidon2 table at its bound of two rows per
    /// Merkle node).
    pub memory_cells: u64,
    /// Bus messages of every trace, padding included (what the LogUp GKR pays for).
    pub interactions: u64,
    pub seconds: f64,
    pub mhz: f64,
}

/// A run that exited, and the context it ran in.
pub(crate) struct FinishedRun<Ctx> {
    pub exit_code: u32,
    pub output: GuestOutput,
    pub instret: u64,
    /// Wall-clock time of the run.
    pub seconds: f64,
    pub ctx: Ctx,
    /// The input as the run read it (see [`MeterReport::input`]).
    pub input: GuestInput,
}

impl<Ctx> FinishedRun<Ctx> {
    /// Guest instructions per microsecond, as the reports give it (`mhz`).
    ///
    /// ```
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = tessera_sdk::Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let report = sdk.execute(&exe, Vec::new(), None)?;
    /// let mhz = report.instret as f64 / report.seconds.max(1e-9) / 1e6;
    /// assert_eq!(report.mhz, mhz);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn mhz(&self) -> f64 {
        self.instret as f64 / self.seconds.max(1e-9) / 1e6
    }
}

/// Proves the segments of one executable (see [`Sdk::segment_prover`]).
pub type SegmentProver = VmInstance<VmConfig>;

/// The proofs of a run's segments and what they cost.
struct Proven {
    proofs: Vec<Proof<SC>>,
    heights: Vec<Vec<usize>>,
    main_cells: usize,
    exit_code: u32,
    public_output: PublicOutputProof,
    prover: SegmentProver,
    keygen_seconds: f64,
    prove_seconds: f64,
    /// Preflight, traces and STARK seconds over every segment.
    phases: [f64; 3],
}

/// Why a proof was rejected.
///
/// ```
/// use tessera_sdk::{Claims, ProofFile, Sdk, SdkError, Security, VerifyError, VmConfig};
/// use tessera_system::vm::PublicOutputProof;
///
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = Sdk::default(); // requires 100-bit proofs
/// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
/// let claims = Claims {
///     config: VmConfig::default(),
///     security: Security::InsecureTesting,
///     log_stacked_height: 16,
///     exit_code: 0,
///     public_output: PublicOutputProof { bytes: Vec::new(), top_siblings: Vec::new() },
///     instret: 0,
/// };
/// let file = ProofFile { claims, proofs: Vec::new() };
/// match sdk.verify(&exe, &file) {
///     Err(SdkError::Verify(VerifyError::WrongSecurity { found, expected })) => {
///         assert_eq!((found, expected), (Security::InsecureTesting, Security::Bits100));
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), SdkError>(())
/// ```
#[derive(Debug, Error)]
pub enum VerifyError {
    #[error("the proof was made with {found:?} parameters; this verifier requires {expected:?}")]
    WrongSecurity { found: Security, expected: Security },
    #[error("the proof claims stacked height 2^{0}, outside the accepted 2^{MIN_LOG_STACKED_HEIGHT}..=2^{MAX_LOG_STACKED_HEIGHT}")]
    BadStackedHeight(usize),
    #[error("the proof file claims exit code {claimed}, the proof says {proven}")]
    ExitCodeMismatch { claimed: u32, proven: u32 },
    #[error("the proof was made under configuration {proof} ({proof_fingerprint:.16}), this verifier's is {expected} ({expected_fingerprint:.16}): pass the prover's configuration with --config")]
    WrongConfig {
        proof: String,
        proof_fingerprint: String,
        expected: String,
        expected_fingerprint: String,
    },
    #[error("the verifier rejected the proof's shape")]
    VerifierPanicked,
    #[error(transparent)]
    Vm(#[from] VmVerificationError),
}

impl Sdk {
    pub(crate) fn machine(&self, log_stacked_height: usize) -> VirtualMachine<VmConfig> {
        VirtualMachine::new(
            self.executor.config.clone(),
            params_for(self.security, log_stacked_height),
        )
        .expect("the SDK's configuration was resolved when the SDK was made")
    }

    /// Metered execution of `exe` on `input`: the segment plan (segment sizes and instruction
    /// limit from `options`) without proving.
    ///
    /// ```no_run
    /// # use tessera_sdk::{ProveOptions, Sdk};
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-sort.elf")?;
    /// let plan = sdk.meter(&exe, 100_000u32.to_le_bytes().to_vec(), &ProveOptions::default())?;
    /// for segment in &plan.segments {
    ///     println!("{} instructions from {}", segment.num_insns, segment.instret_start);
    /// }
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn meter(
        &self,
        exe: &Arc<VmExe<F>>,
        input: impl Into<GuestInput>,
        options: &ProveOptions,
    ) -> Result<MeterReport, SdkError> {
        let (ctx, _) = self.metered_ctx(exe, options)?;
        let run = self.run_in(exe, input.into(), ctx)?;
        Ok(MeterReport {
            mhz: run.mhz(),
            exit_code: run.exit_code,
            output: run.output,
            instret: run.instret,
            seconds: run.seconds,
            segments: run.ctx.finish(),
            input: run.input,
        })
    }

    /// The context of metered execution under `options`, and the costs it charges.
    pub(crate) fn metered_ctx(
        &self,
        exe: &VmExe<F>,
        options: &ProveOptions,
    ) -> Result<(MeteredCtx, MeteringCosts), SdkError> {
        let system = &self.executor.config.system;
        let segment_instructions = options
            .segment_instructions
            .unwrap_or(system.segment_max_instructions);
        let segment_interactions = options
            .segment_interactions
            .unwrap_or(system.segment_max_interactions);
        if segment_instructions == 0 || segment_interactions == 0 {
            return Err(SdkError::Options(
                "segments need at least 1 instruction and 1 bus message".into(),
            ));
        }
        let costs = self.machine(MIN_LOG_STACKED_HEIGHT).metering_costs(exe)?;
        let limits = SegmentLimits {
            // Two power-of-two parts of at most 2^24 rows each.
            max_rows: (2 << MAX_LOG_STACKED_HEIGHT) - 1,
            // One instance each.
            max_memory_rows: 1 << MAX_LOG_STACKED_HEIGHT,
            max_interactions: segment_interactions,
            // Timestamps stay below 2^24, with room for one check interval.
            max_accesses: (1 << 24) - (1 << 20),
            max_instructions: segment_instructions,
        };
        let ctx = MeteredCtx::new(costs.clone(), limits, options.max_instructions);
        Ok((ctx, costs))
    }

    /// Runs `exe` on `input` to its exit in the execution context `ctx`.
    pub(crate) fn run_in<Ctx: ExecutionCtx>(
        &self,
        exe: &Arc<VmExe<F>>,
        input: GuestInput,
        ctx: Ctx,
    ) -> Result<FinishedRun<Ctx>, SdkError> {
        let instance = self
            .executor
            .instance_for::<Ctx>(exe)
            .map_err(VmRunError::from)?;
        let mut state = VmExecState {
            vm: instance.initial_state(self.streams(input)),
            ctx,
        };
        let start = Instant::now();
        instance.run(&mut state).map_err(VmRunError::from)?;
        Ok(FinishedRun {
            exit_code: state
                .vm
                .exit_code
                .expect("a run that returns Ok has exited"),
            output: GuestOutput::of(&state.vm),
            instret: state.vm.instret,
            seconds: start.elapsed().as_secs_f64(),
            input: state.vm.streams.recorded_input(),
            ctx: state.ctx,
        })
    }

    /// Metered cost execution: what proving the whole run would cost, without segmenting
    /// (up to `max_instructions`): the rows of every instruction AIR and their main trace
    /// cells before padding, the memory tables' rows and cells, and the bus messages of every
    /// trace (padding included; segments are only cut where a trace would exceed the largest
    /// stacked height).
    ///
    /// ```no_run
    /// # use tessera_sdk::Sdk;
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-sort.elf")?;
    /// let cost = sdk.cost(&exe, Vec::new(), None)?;
    /// println!("{:.1} main cells per instruction", cost.main_cells_per_instruction);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn cost(
        &self,
        exe: &Arc<VmExe<F>>,
        input: impl Into<GuestInput>,
        max_instructions: Option<u64>,
    ) -> Result<CostReport, SdkError> {
        let options = ProveOptions {
            max_instructions,
            ..ProveOptions::one_segment()
        };
        let plan = self.meter(exe, input, &options)?;
        let vm = self.machine(MIN_LOG_STACKED_HEIGHT);
        let rows: Vec<u64> = plan.segments.iter().fold(Vec::new(), |mut total, segment| {
            total.resize(segment.trace_heights.len(), 0);
            for (t, r) in total.iter_mut().zip(&segment.trace_heights) {
                *t += r;
            }
            total
        });
        let mut airs = Vec::new();
        let mut main_cells = 0;
        for (slot, &count) in rows.iter().enumerate() {
            let air = &vm.airs()[FIRST_EXTENSION_AIR_ID + slot * TRACE_PARTS];
            let width = BaseAir::<F>::width(air.as_ref()) as u64;
            main_cells += count * width;
            if count > 0 {
                airs.push((air.name(), count, count * width));
            }
        }
        let width = |id: usize| BaseAir::<F>::width(vm.airs()[id].as_ref()) as u64;
        let mut memory = MemoryRows::default();
        for segment in &plan.segments {
            memory.leaves += segment.memory.leaves;
            memory.nodes += segment.memory.nodes;
        }
        let memory_cells = memory.leaves * width(BOUNDARY_AIR_ID)
            + memory.nodes * (width(MERKLE_AIR_ID) + 2 * width(POSEIDON2_AIR_ID));
        Ok(CostReport {
            instret: plan.instret,
            main_cells,
            main_cells_per_instruction: main_cells as f64 / plan.instret.max(1) as f64,
            airs,
            memory,
            memory_cells,
            interactions: plan.segments.iter().map(|s| s.interactions).sum(),
            seconds: plan.seconds,
            mhz: plan.mhz,
        })
    }

    /// Proves a run of `exe` on `input` as a chain of segments of at most
    /// `options.segment_instructions` instructions each, planned by metered execution.
    /// `options.segment_instructions` instructions each, planned by metered execution.
    ///
    /// ```no_run
    /// # use tessera_sdk::{ProveOptions, Sdk};
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let (proof, report) = sdk.prove(&exe, 20u32.to_le_bytes().to_vec(), ProveOptions::default())?;
    /// println!("{} segment(s) in {:.1} s", report.segments, report.seconds);
    /// std::fs::write("fib.proof", proof.to_bytes()).unwrap();
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn prove(
        &self,
        exe: &Arc<VmExe<F>>,
        input: impl Into<GuestInput>,
        options: ProveOptions,
    ) -> Result<(ProofFile, ProveReport), SdkError> {
        self.prove_with_progress(exe, input, options, &mut |_| {})
    }

    /// [`Sdk::prove`], calling `progress` as the work goes (planned, keys, each segment).
    ///
    /// ```no_run
    /// use tessera_sdk::{ProveOptions, ProveProgress, Sdk};
    ///
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let input = 10_000_000u32.to_le_bytes().to_vec();
    /// let (proof, _) = sdk.prove_with_progress(&exe, input, ProveOptions::default(), &mut |p| {
    ///     if let ProveProgress::SegmentProven { index, segments, .. } = p {
    ///         eprintln!("segment {} of {segments} proven", index + 1);
    ///     }
    /// })?;
    /// std::fs::write("fib.proof", proof.to_bytes()).unwrap();
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn prove_with_progress(
        &self,
        exe: &Arc<VmExe<F>>,
        input: impl Into<GuestInput>,
        options: ProveOptions,
        progress: &mut dyn FnMut(ProveProgress),
    ) -> Result<(ProofFile, ProveReport), SdkError> {
        // Metered execution first: the pure handlers, so it reports the guest's faults
        // precisely (proving a run that does not exit cleanly is pointless), and it plans the
        // segments.
        let plan = self.meter(exe, input, &options)?;
        progress(ProveProgress::Planned {
            instret: plan.instret,
            segments: plan.segments.len(),
        });

        // One stacked height for every segment (the verifying key and the program commitment
        // depend on it): the smallest that holds every planned trace.
        let lsh = options
            .log_stacked_height
            .unwrap_or_else(|| plan.log_stacked_height(exe.program.instructions.len()));
        crate::commit::check_height(lsh)?;
        crate::memory::check_memory(lsh, options.memory_limit)?;
        let proven = self.prove_segments(exe, &plan, lsh, progress)?;
        let Proven {
            proofs,
            heights,
            main_cells,
            exit_code,
            public_output,
            prover,
            keygen_seconds,
            prove_seconds,
            phases: [preflight_seconds, traces_seconds, stark_seconds],
        } = proven;
        let instret = plan.instret;
        let plan_seconds = plan.seconds;
        let seconds = plan_seconds + prove_seconds;
        let vm = self.machine(lsh);

        let file = ProofFile {
            claims: Claims {
                config: self.executor.config.clone(),
                security: self.security,
                log_stacked_height: lsh,
                exit_code,
                public_output,
                instret,
            },
            proofs,
        };
        let proof_bytes = file
            .proofs
            .iter()
            .map(|p| p.encode_to_vec().map_or(0, |b| b.len()))
            .sum();
        let (mut total_cells, mut interactions) = (0, 0);
        // Per AIR: rows and main cells (common main columns: the program table's cached
        // columns are committed once per key, not per segment).
        let mut air_rows = vec![(0usize, 0usize); vm.airs().len()];
        for segment in &heights {
            for (id, (air, &height)) in prover.proving_key().per_air.iter().zip(segment).enumerate()
            {
                let width = &air.vk.params.width;
                let all_columns = width.common_main
                    + width.cached_mains.iter().sum::<usize>()
                    + width.preprocessed.unwrap_or(0);
                total_cells += all_columns * height;
                interactions += air.vk.num_interactions() * height;
                // The power-of-two parts of an extension AIR's trace count as one AIR.
                let air = vm.first_instance(id);
                air_rows[air].0 += height;
                air_rows[air].1 += width.common_main * height;
            }
        }
        let mut air_cells: Vec<AirCells> = vm
            .airs()
            .iter()
            .zip(&air_rows)
            .filter(|(_, &(rows, _))| rows > 0)
            .map(|(air, &(rows, cells))| AirCells {
                air: air.name(),
                rows,
                cells,
            })
            .collect();
        air_cells.sort_by(|a, b| b.cells.cmp(&a.cells).then_with(|| a.air.cmp(&b.air)));
        let per_instruction = |x: usize| x as f64 / instret.max(1) as f64;
        let report = ProveReport {
            exit_code,
            output: plan.output.clone(),
            instret,
            segments: heights.len(),
            log_stacked_height: lsh,
            seconds,
            khz: instret as f64 / seconds / 1e3,
            keygen_seconds,
            plan_seconds,
            prove_seconds,
            preflight_seconds,
            traces_seconds,
            stark_seconds,
            main_cells,
            main_cells_per_instruction: per_instruction(main_cells),
            total_cells,
            total_cells_per_instruction: per_instruction(total_cells),
            interactions,
            interactions_per_instruction: per_instruction(interactions),
            proof_bytes,
            trace_heights: vm
                .airs()
                .iter()
                .zip(&heights[0])
                .filter(|(_, h)| **h > 0)
                .map(|(air, &h)| (air.name(), h))
                .collect(),
            air_cells,
            peak_memory_bytes: peak_memory_bytes(),
        };
        Ok((file, report))
    }

    /// Proves every segment of `plan` with stacked height `2^lsh`, one after another: each
    /// starts from the previous one's final state (so only one segment's records and traces
    /// are in memory at a time).
    fn prove_segments(
        &self,
        exe: &Arc<VmExe<F>>,
        plan: &MeterReport,
        lsh: usize,
        progress: &mut dyn FnMut(ProveProgress),
    ) -> Result<Proven, SdkError> {
        progress(ProveProgress::Keygen {
            log_stacked_height: lsh,
        });
        let keygen_start = Instant::now();
        let prover = self.segment_prover(exe, lsh)?;
        let keygen_seconds = keygen_start.elapsed().as_secs_f64();

        let prove_start = Instant::now();
        let count = plan.segments.len();
        let segments =
            prover.prove_continuations_with(&plan.input, &plan.segments, |index, _| {
                progress(ProveProgress::SegmentProven {
                    index,
                    segments: count,
                    instructions: plan.segments[index].num_insns,
                    instret: plan.instret,
                })
            })?;
        let mut phases = [0.0; 3];
        for segment in &segments {
            let t = segment.timings;
            for (total, part) in phases.iter_mut().zip([t.preflight, t.traces, t.stark]) {
                *total += part;
            }
        }
        let last = segments.last().expect("a plan has at least one segment");
        let exit_code = last.exit_code.expect("the last segment exits");
        let public_output = last.public_output.clone();
        let main_cells = segments.iter().map(|s| s.main_cells).sum();
        let (proofs, heights) = segments.into_iter().map(|s| (s.proof, s.heights)).unzip();
        Ok(Proven {
            proofs,
            heights,
            main_cells,
            exit_code,
            public_output,
            prover,
            keygen_seconds,
            prove_seconds: prove_start.elapsed().as_secs_f64(),
            phases,
        })
    }

    /// A prover of `exe`'s segments at stacked height `2^log_stacked_height`: keys and the
    /// program commitment are prepared once, then each segment is an independent job given
    /// its (serializable) start state, so segments can be proven in any order, in parallel or
    /// on other machines.
    ///
    /// ```no_run
    /// use tessera_sdk::{ProveOptions, Sdk};
    ///
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-sort.elf")?;
    /// let input = 100_000u32.to_le_bytes().to_vec();
    /// let plan = sdk.meter(&exe, input.clone(), &ProveOptions::default())?;
    /// let starts = sdk.segment_starts(&exe, &plan)?;
    /// let lsh = plan.log_stacked_height(exe.program.instructions.len());
    /// let prover = sdk.segment_prover(&exe, lsh)?;
    /// // Any segment, from its start alone (here the last one).
    /// let last = plan.segments.len() - 1;
    /// let proven = prover
    ///     .prove_segment(starts[last].clone(), &input.into(), plan.segments[last].num_insns)?;
    /// println!("{} main trace cells", proven.main_cells);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn segment_prover(
        &self,
        exe: &Arc<VmExe<F>>,
        log_stacked_height: usize,
    ) -> Result<SegmentProver, SdkError> {
        crate::commit::check_height(log_stacked_height)?;
        let vm = self.machine(log_stacked_height);
        let keys = self.keys.keys(&vm)?;
        Ok(VmInstance::new(vm, keys, exe.clone())?)
    }

    /// Verifies that `file` proves a complete run of `exe`, and returns what it proves.
    ///
    /// ```no_run
    /// # use tessera_sdk::Sdk;
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let proof = sdk.read_proof_file("fib.proof")?;
    /// let run = sdk.verify(&exe, &proof)?;
    /// assert_eq!(run.exit_code, 0);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn verify(&self, exe: &VmExe<F>, file: &ProofFile) -> Result<VerifiedRun, SdkError> {
        let claims = &file.claims;
        // Informative only (the key derived from this SDK's configuration is what decides):
        // say plainly that the proof was made under another configuration.
        if claims.config != self.executor.config {
            return Err(VerifyError::WrongConfig {
                proof: claims.config.name(),
                proof_fingerprint: claims.config.fingerprint(),
                expected: self.executor.config.name(),
                expected_fingerprint: self.executor.config.fingerprint(),
            }
            .into());
        }
        if claims.security != self.security {
            return Err(VerifyError::WrongSecurity {
                found: claims.security,
                expected: self.security,
            }
            .into());
        }
        let lsh = claims.log_stacked_height;
        if !(MIN_LOG_STACKED_HEIGHT..=MAX_LOG_STACKED_HEIGHT).contains(&lsh) {
            return Err(VerifyError::BadStackedHeight(lsh).into());
        }
        // The verifying key is derived here from the configuration and the parameters, never
        // read from the proof.
        let vm = self.machine(lsh);
        let vk = self.keys.verifying_key(&vm)?;
        let verified = catch_unwind(AssertUnwindSafe(|| {
            verify_segments(vm.engine(), &vk, &file.proofs)
        }))
        .map_err(|_| VerifyError::VerifierPanicked)?
        .map_err(VerifyError::from)?;

        // The program's identity (table commitment and height, initial memory, entry point)
        // is derived from the ELF here, never read from a cache.
        verified
            .check_exe(&vm.exe_identity(exe)?)
            .map_err(VerifyError::from)?;
        let proven = verified.exit_code;
        if proven != claims.exit_code {
            return Err(VerifyError::ExitCodeMismatch {
                claimed: claims.exit_code,
                proven,
            }
            .into());
        }
        let public_output = claims
            .public_output
            .verify(
                tessera_system::memory::MemoryDimensions::new(vk.memory_bits),
                verified.final_root,
                vk.public_output_capacity,
            )
            .map_err(VerifyError::from)?
            .to_vec();
        Ok(VerifiedRun {
            exit_code: proven,
            public_output,
            exe_commitment: digest_hex(&verified.exe_commitment),
            segments: verified.segments,
            claimed_instret: claims.instret,
        })
    }
}

pub(crate) fn digest_hex(digest: &tessera_system::poseidon2::Digest) -> String {
    use openvm_stark_backend::p3_field::PrimeField32;
    digest
        .iter()
        .flat_map(|x| x.as_canonical_u32().to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The process's peak resident set size (`VmHWM` of `/proc/self/status`), on Linux.
///
/// ```
/// if let Some(bytes) = tessera_sdk::peak_memory_bytes() {
///     println!("peak memory {:.1} MiB", bytes as f64 / (1 << 20) as f64);
/// }
/// ```
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
