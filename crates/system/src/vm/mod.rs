//! The machine: the circuit side of a VM configuration, preflight, proving and verifying a
//! segment.
//!
//! It lives in `tessera-system`, not `tessera-arch` as the design first placed it, because the
//! machine owns the system chips (program, connector, memory, periphery), which are concrete
//! here; extensions plug in through [`CircuitExtension`] and stay unknown to this crate.
//!
//! Flow of one proof:
//! 1. [`VirtualMachine::new`] builds the AIR inventory: the system AIRs at fixed ids, then each
//!    extension's AIRs; [`VirtualMachine::keygen`] makes the keys.
//! 2. [`VirtualMachine::commit_program`] commits the program's cached trace once.
//! 3. [`VirtualMachine::execute_preflight`] runs the guest, each instruction through the chips
//!    of the extension that proves its opcode, on memory that records every access.
//! 4. [`VirtualMachine::generate_proving_ctx`] fills every trace and the public values, and
//!    refuses traces the key cannot prove ([`GenerationError`]).
//! 5. [`VirtualMachine::prove`]; a verifier calls [`verify_single`], then compares the exe
//!    commitment with the one of the program it expects and checks the public output.

mod backend;
mod extension;
mod instance;
mod machine;
pub mod mutation;
mod periphery;
mod preflight;
mod public_output;
#[cfg(test)]
mod tests;

pub use backend::{
    host_filled_traces, Cpu, CpuEngine, DeviceMatrix, ProverBackendOf, Reference, ReferenceEngine,
    VmBackend,
};
pub use extension::{
    CircuitExtension, Extensions, InitialMemory, OwnBuses, PreflightError, PreflightMemory,
    SegmentChips, SyscallIo, SystemBuses,
};
pub use instance::{ProvenSegment, SegmentTimings, VmInstance};
pub use machine::{
    split_trace, CommittedProgram, SegmentTraces, VirtualMachine, VmKeys, BITWISE_AIR_ID,
    BOUNDARY_AIR_ID, CONNECTOR_AIR_ID, FIRST_EXTENSION_AIR_ID, MERKLE_AIR_ID, POSEIDON2_AIR_ID,
    PROGRAM_AIR_ID, RANGE_CHECKER_AIR_ID, REGISTER_REFRESH_AIR_ID, REQUIRED_AIR_IDS, TRACE_PARTS,
};
pub use periphery::{
    Periphery, PeripheryBuses, PeripheryRequest, PeripheryTable, MAX_PERIPHERY_TABLES,
};
pub use preflight::{PreflightOutput, PreflightProgram, SegmentStart};
pub use public_output::PublicOutputProof;

use openvm_stark_backend::{
    keygen::types::MultiStarkVerifyingKey, p3_field::PrimeCharacteristicRing,
    p3_field::PrimeField32, proof::Proof, StarkEngine,
};
use serde::{Deserialize, Serialize};
use tessera_arch::{ConfigError, VmExecutionConfig};
use thiserror::Error;

use crate::{
    connector::ConnectorPvs,
    memory::MemoryTreeError,
    poseidon2::{compress, Digest},
};

pub use crate::{F, SC};

/// The circuit side of a VM configuration: which extensions' circuits prove its instructions.
pub trait VmCircuitConfig: VmExecutionConfig<F> {
    fn circuit_extensions(&self) -> Vec<Box<dyn CircuitExtension>>;
}

/// The verifying key of a machine: the proof system's key and the memory layout the public
/// output is checked against.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VmVerifyingKey {
    pub inner: MultiStarkVerifyingKey<SC>,
    pub memory_bits: usize,
    pub public_output_capacity: usize,
}

/// A committed program table as a proof shows it: the commitment and the height.
///
/// Both are needed: a cached trace's commitment binds its values, not its shape. The proof
/// system stacks a table column after column, so the 9-column table of height H and the same
/// values read as a 9-column table of height 4H commit to the same digest, and the reread rows
/// are other instructions (`docs/proving.md`, "What the verifier checks"). The verifier takes
/// the height from the proof and compares it with the one the program has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramTable {
    pub commitment: Digest,
    /// log2 of the table's rows.
    pub log_height: usize,
}

impl ProgramTable {
    pub fn rows(&self) -> usize {
        1 << self.log_height
    }
}

/// Which program runs: its table, its initial memory and its entry point, derived from an
/// executable by [`VirtualMachine::exe_identity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExeIdentity {
    pub program: ProgramTable,
    pub initial_root: Digest,
    pub pc_start: u32,
}

impl ExeIdentity {
    /// The commitment to all of it (see [`exe_commitment`]).
    pub fn commitment(&self) -> Digest {
        exe_commitment(self.program, self.initial_root, self.pc_start)
    }
}

/// The commitment to which program ran:
/// `compress(compress(program, initial_root), [pc_start, program_log_height, 0, ..])`.
pub fn exe_commitment(program: ProgramTable, initial_root: Digest, pc_start: u32) -> Digest {
    let mut entry = [F::ZERO; 8];
    entry[0] = F::from_u32(pc_start);
    entry[1] = F::from_usize(program.log_height);
    compress(compress(program.commitment, initial_root), entry)
}

/// What a verified segment proof says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedSegment {
    pub exe_commitment: Digest,
    /// The program table the segment's instructions were looked up in.
    pub program: ProgramTable,
    pub initial_pc: u32,
    pub final_pc: u32,
    /// `Some` if the segment ended with the guest's exit.
    pub exit_code: Option<u32>,
    pub initial_root: Digest,
    pub final_root: Digest,
}

/// Verifies a single-segment proof and reads its public values.
///
/// What it proves is a segment of SOME program: compare [`VerifiedSegment::exe_commitment`]
/// (or the parts of it) with what the expected executable derives to.
pub fn verify_single<E: StarkEngine<SC = SC>>(
    engine: &E,
    vk: &VmVerifyingKey,
    proof: &Proof<SC>,
) -> Result<VerifiedSegment, VmVerificationError> {
    engine
        .verify(&vk.inner, proof)
        .map_err(|e| VmVerificationError::Stark(e.to_string()))?;
    for id in REQUIRED_AIR_IDS {
        if proof.trace_vdata.get(id).is_none_or(|v| v.is_none()) {
            return Err(VmVerificationError::MissingSystemAir { air_id: id });
        }
    }
    let program = proof.trace_vdata[PROGRAM_AIR_ID]
        .as_ref()
        .and_then(|v| {
            Some(ProgramTable {
                commitment: v.cached_commitments.first().copied()?,
                log_height: v.log_height,
            })
        })
        .ok_or(VmVerificationError::MissingSystemAir {
            air_id: PROGRAM_AIR_ID,
        })?;
    let pvs = |id: usize, len: usize| -> Result<Vec<u32>, VmVerificationError> {
        let values = proof.public_values.get(id).map_or(&[][..], |v| &v[..]);
        if values.len() != len {
            return Err(VmVerificationError::UnexpectedPublicValues { air_id: id });
        }
        Ok(values.iter().map(|v| v.as_canonical_u32()).collect())
    };
    for (id, values) in proof.public_values.iter().enumerate() {
        if id != CONNECTOR_AIR_ID && id != MERKLE_AIR_ID && !values.is_empty() {
            return Err(VmVerificationError::UnexpectedPublicValues { air_id: id });
        }
    }
    let connector = pvs(CONNECTOR_AIR_ID, ConnectorPvs::<u8>::WIDTH)?;
    let roots = pvs(MERKLE_AIR_ID, 16)?;
    let digest = |words: &[u32]| -> Digest { std::array::from_fn(|i| F::from_u32(words[i])) };
    let (initial_root, final_root) = (digest(&roots[..8]), digest(&roots[8..]));
    let initial_pc = connector[0];
    let exit_code = (connector[4] == 1).then(|| connector[2] | connector[3] << 16);
    Ok(VerifiedSegment {
        exe_commitment: exe_commitment(program, initial_root, initial_pc),
        program,
        initial_pc,
        final_pc: connector[1],
        exit_code,
        initial_root,
        final_root,
    })
}

/// What a verified chain of segment proofs says about the whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedRun {
    /// The commitment to the program table, the initial memory and the entry point of the
    /// first segment.
    pub exe_commitment: Digest,
    /// The program table every segment was proven with.
    pub program: ProgramTable,
    pub exit_code: u32,
    pub final_root: Digest,
    pub segments: usize,
}

impl VerifiedRun {
    /// Checks that this is a run of the executable `expected` identifies (derive it from the
    /// executable with [`VirtualMachine::exe_identity`], never from a cache): the program
    /// table's height, then the commitment to program, initial memory and entry point.
    pub fn check_exe(&self, expected: &ExeIdentity) -> Result<(), VmVerificationError> {
        if self.program.log_height != expected.program.log_height {
            return Err(VmVerificationError::ProgramHeight {
                expected_rows: expected.program.rows(),
                found_rows: self.program.rows(),
            });
        }
        if self.exe_commitment != expected.commitment() {
            return Err(VmVerificationError::ExeCommitmentMismatch);
        }
        Ok(())
    }
}

/// Verifies the proofs of a run's segments, in order, and every check across them: each proof
/// verifies; all prove the same program (table commitment and height); each segment starts at
/// the pc and in the memory (root) the previous one ended with; only the last terminates.
/// Returns the exe commitment (of the first segment's program, initial memory and pc), the
/// exit code and the final memory root: check it against the expected executable with
/// [`VerifiedRun::check_exe`].
pub fn verify_segments<E: StarkEngine<SC = SC>>(
    engine: &E,
    vk: &VmVerifyingKey,
    proofs: &[Proof<SC>],
) -> Result<VerifiedRun, VmVerificationError> {
    let mut previous: Option<VerifiedSegment> = None;
    let mut first = None;
    for (index, proof) in proofs.iter().enumerate() {
        let segment =
            verify_single(engine, vk, proof).map_err(|error| VmVerificationError::Segment {
                index,
                error: Box::new(error),
            })?;
        if let Some(prev) = previous {
            if segment.program.log_height != prev.program.log_height {
                return Err(VmVerificationError::ProgramHeightMismatch {
                    index,
                    expected_rows: prev.program.rows(),
                    found_rows: segment.program.rows(),
                });
            }
            if segment.program.commitment != prev.program.commitment {
                return Err(VmVerificationError::ProgramMismatch { index });
            }
            if segment.initial_pc != prev.final_pc {
                return Err(VmVerificationError::PcMismatch { index });
            }
            if segment.initial_root != prev.final_root {
                return Err(VmVerificationError::MemoryMismatch { index });
            }
        }
        let last = index + 1 == proofs.len();
        if !last && segment.exit_code.is_some() {
            return Err(VmVerificationError::EarlyTermination { index });
        }
        first.get_or_insert(segment);
        previous = Some(segment);
    }
    let (Some(first), Some(last)) = (first, previous) else {
        return Err(VmVerificationError::NoSegments);
    };
    let exit_code = last.exit_code.ok_or(VmVerificationError::NotTerminated)?;
    Ok(VerifiedRun {
        exe_commitment: first.exe_commitment,
        program: first.program,
        exit_code,
        final_root: last.final_root,
        segments: proofs.len(),
    })
}

/// Errors of building and using a machine.
#[derive(Debug, Error)]
pub enum VirtualMachineError {
    #[error("keygen failed: {0}")]
    Keygen(String),
    #[error("committing the program failed: {0}")]
    Commit(String),
    #[error("the prover failed: {0}")]
    Prover(String),
    #[error("the program's memory image does not fit the memory tree: {0}")]
    Memory(MemoryTreeError),
    #[error(transparent)]
    Preflight(#[from] PreflightError),
    #[error(transparent)]
    Generation(#[from] GenerationError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("preflight and metered execution disagree on where the run ends: segment {index} of the plan (exited there: {exited})")]
    PlanMismatch { index: usize, exited: bool },
    #[error("the instruction at pc {pc:#x} ({opcode:?}) has no AIR: extension {extension} executes it but names no AIR for its row (CircuitExtension::insn_air)")]
    UnmeteredInstruction {
        pc: u32,
        opcode: tessera_arch::VmOpcode,
        extension: &'static str,
    },
    #[error("the extensions ask for more than {max} periphery tables")]
    TooManyPeripheryTables { max: usize },
    #[error("the run did not exit within {max_instructions} instructions: it needs more than one segment")]
    NotOneSegment { max_instructions: u64 },
}

impl From<MemoryTreeError> for VirtualMachineError {
    fn from(error: MemoryTreeError) -> Self {
        Self::Memory(error)
    }
}

/// Traces the proving key cannot prove, caught before the prover runs.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum GenerationError {
    #[error("trace of {air} has {height} rows, above the maximum {max} of these parameters")]
    TraceHeightTooLarge {
        air: String,
        height: usize,
        max: usize,
    },
    #[error("trace heights violate linear constraint {index} of the proving key: {value} >= {threshold}")]
    LinearConstraint {
        index: usize,
        value: u64,
        threshold: u32,
    },
    #[error(
        "the segment's final timestamp {timestamp} is not below {max}: split the run into segments"
    )]
    TimestampOverflow { timestamp: u32, max: u32 },
    #[error("the committed program has {committed} rows, the execution counts {executed}")]
    ProgramMismatch { committed: usize, executed: usize },
    #[error("{extension}: {airs} AIR instances but {traces} traces")]
    TraceCountMismatch {
        extension: &'static str,
        airs: usize,
        traces: usize,
    },
    #[error("memory: {0}")]
    Memory(String),
}

/// Why a proof was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum VmVerificationError {
    #[error("the STARK proof does not verify: {0}")]
    Stark(String),
    #[error("the proof lacks system AIR {air_id}")]
    MissingSystemAir { air_id: usize },
    #[error("AIR {air_id} has unexpected public values")]
    UnexpectedPublicValues { air_id: usize },
    #[error("the proof is of another program (exe commitment differs)")]
    ExeCommitmentMismatch,
    #[error("the proof's program table has {found_rows} rows, the program's has {expected_rows}: a program table read at another height is another program")]
    ProgramHeight {
        expected_rows: usize,
        found_rows: usize,
    },
    #[error("segment {index}'s program table has {found_rows} rows, the previous segment's has {expected_rows}: a program table read at another height is another program")]
    ProgramHeightMismatch {
        index: usize,
        expected_rows: usize,
        found_rows: usize,
    },
    #[error("the run did not terminate: the last segment was suspended (a partial run)")]
    NotTerminated,
    #[error("segment {index}: {error}")]
    Segment {
        index: usize,
        error: Box<VmVerificationError>,
    },
    #[error("the proof has no segments")]
    NoSegments,
    #[error("segment {index} proves another program than segment 0")]
    ProgramMismatch { index: usize },
    #[error("segment {index} does not start at the pc where segment {} ended", index - 1)]
    PcMismatch { index: usize },
    #[error("segment {index} does not start with the memory segment {} ended with", index - 1)]
    MemoryMismatch { index: usize },
    #[error("segment {index} terminates, but segments follow it")]
    EarlyTermination { index: usize },
    #[error("the public output is {len} bytes, above the capacity {capacity}")]
    PublicOutputTooLong { len: usize, capacity: usize },
    #[error("the claimed public output does not match the proof's final memory")]
    PublicOutputMismatch,
}
