//! The machine: its AIR inventory, keygen, program commitment, preflight, proving-context
//! generation with the defensive checks, and proving.

use std::{ops::Range, sync::Arc};

use openvm_stark_backend::{
    air_builders::symbolic::get_symbolic_builder,
    interaction::BusIndex,
    keygen::{
        types::{MultiStarkProvingKey, TraceWidth},
        MultiStarkKeygenBuilder,
    },
    p3_air::BaseAir,
    p3_field::PrimeCharacteristicRing,
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    p3_maybe_rayon::prelude::join,
    prover::{
        AirProvingContext, CommittedTraceData, DeviceDataTransporter, DeviceMultiStarkProvingKey,
        MatrixDimensions, ProvingContext, TraceCommitter,
    },
    AirRef, StarkEngine, SystemParams,
};
use tessera_arch::{
    bus::{MEMORY_BLOCK, REGISTER_REFRESH_SLOTS, TIMESTAMP_BITS},
    GuestInput, InteractionCosts, MemoryShape, MeteringCosts, Segment, VmExe, PC_STEP,
};

use super::{
    exe_commitment, preflight, preflight::PreflightProgram, Cpu, DeviceMatrix, ExeIdentity,
    Extensions, GenerationError, OwnBuses, Periphery, PeripheryRequest, PreflightError,
    PreflightOutput, ProgramTable, ProverBackendOf, PublicOutputProof, SegmentStart, SystemBuses,
    VirtualMachineError, VmBackend, VmCircuitConfig, VmVerifyingKey, F, MAX_PERIPHERY_TABLES, SC,
};
use crate::{
    bitwise::{BitwiseLookupAir, BITWISE_ROWS},
    connector::{connector_trace, ConnectorAir},
    memory::{
        generate_memory_traces, MemoryBoundaryAir, MemoryDimensions, MemoryMerkleAir, MemoryTree,
        MerkleBus, ADDRESS_SPACE_BITS, LEAF_BYTES, MERKLE_BUS, POSEIDON2_BUS,
    },
    poseidon2::{Digest, Poseidon2Air, Poseidon2Bus, Poseidon2Chip},
    program::{multiplicity_trace, program_trace, ProgramAir},
    range_checker::{table_rows as range_table_rows, RangeCheckerAir},
    register_refresh::RegisterRefreshAir,
};

/// AIR ids of the system chips (fixed; extensions' AIRs follow from [`FIRST_EXTENSION_AIR_ID`]).
pub const PROGRAM_AIR_ID: usize = 0;
pub const CONNECTOR_AIR_ID: usize = 1;
pub const BOUNDARY_AIR_ID: usize = 2;
pub const MERKLE_AIR_ID: usize = 3;
pub const POSEIDON2_AIR_ID: usize = 4;
pub const RANGE_CHECKER_AIR_ID: usize = 5;
pub const BITWISE_AIR_ID: usize = 6;
pub const REGISTER_REFRESH_AIR_ID: usize = 7;
pub const FIRST_EXTENSION_AIR_ID: usize = 8;
/// System AIRs every proof must contain (`add_required_air` at keygen): a proof without the
/// connector, program or memory chips would prove nothing about the run.
pub const REQUIRED_AIR_IDS: [usize; 4] = [
    PROGRAM_AIR_ID,
    CONNECTOR_AIR_ID,
    BOUNDARY_AIR_ID,
    MERKLE_AIR_ID,
];

/// How many AIR instances each extension AIR gets. A chip's trace is split over them in
/// power-of-two parts (largest first), so that a trace with a few rows more than a power of
/// two costs those rows, not a doubling: 600k rows prove as 2^19 + 2^17 rows instead of 2^20.
/// Every part is a valid trace of the same AIR (padding rows are inert), and the buses do not
/// care which instance a message comes from.
pub const TRACE_PARTS: usize = 2;

/// Splits `trace` (real rows first, then all-zero padding rows) into at most `parts`
/// power-of-two traces holding the real rows: each part but the last takes the largest power
/// of two that fits the rows left, the last the rest, padded with zero rows.
pub fn split_trace(
    trace: Option<RowMajorMatrix<F>>,
    parts: usize,
) -> Vec<Option<RowMajorMatrix<F>>> {
    let mut out = vec![None; parts];
    let Some(trace) = trace else { return out };
    let width = Matrix::width(&trace);
    // Real rows are never all zero (they hold a timestamp of at least 1), padding rows are;
    // keep everything up to the last non-zero row.
    let rows = trace
        .values
        .chunks_exact(width)
        .rposition(|row| row.iter().any(|v| *v != F::ZERO))
        .map_or(0, |last| last + 1);
    if rows == 0 {
        return out;
    }
    // Each part is cut off the front of the trace's own buffer: the first (the largest) is
    // not copied, only what follows it.
    let mut rest = trace.values;
    rest.truncate(rows * width);
    for (i, slot) in out.iter_mut().enumerate() {
        let left = rest.len() / width;
        if left == 0 {
            break;
        }
        let take = if i + 1 == parts || left.is_power_of_two() {
            left
        } else {
            1 << left.ilog2()
        };
        let tail = rest.split_off(take * width);
        let mut part = std::mem::replace(&mut rest, tail);
        part.resize(take.next_power_of_two() * width, F::ZERO);
        // The first part keeps the whole trace's allocation: give the rest back (allocators
        // shrink large blocks in place).
        part.shrink_to_fit();
        *slot = Some(RowMajorMatrix::new(part, width));
    }
    out
}

/// Bus messages per row of `air`: its interactions, as keygen finds them.
fn interactions_per_row(air: &AirRef<SC>) -> u32 {
    let width = TraceWidth {
        preprocessed: BaseAir::<F>::preprocessed_trace(air.as_ref()).map(|t| Matrix::width(&t)),
        cached_mains: air.cached_main_widths(),
        common_main: air.common_main_width(),
    };
    let builder = get_symbolic_builder::<F, _>(air.as_ref(), &width);
    builder.constraints().interactions.len() as u32
}

/// The proving and verifying keys of a machine.
pub struct VmKeys {
    pub pk: MultiStarkProvingKey<SC>,
    pub vk: VmVerifyingKey,
}

/// The program as a committed cached trace (committed once, reused by every proof), on the
/// device of backend `B`.
pub struct CommittedProgram<B: VmBackend = Cpu> {
    pub commitment: Digest,
    trace: CommittedTraceData<ProverBackendOf<B>>,
}

impl<B: VmBackend> CommittedProgram<B> {
    /// The table as a proof shows it: commitment and height.
    pub fn table(&self) -> ProgramTable {
        ProgramTable {
            commitment: self.commitment,
            log_height: self.trace.height().ilog2() as usize,
        }
    }
}

/// A segment's traces (on the device of backend `B`) and public values, before they meet a
/// proving key.
pub struct SegmentTraces<B: VmBackend = Cpu> {
    /// Each AIR's trace by AIR id (`None`: the AIR has no rows and is left out).
    pub traces: Vec<Option<DeviceMatrix<B>>>,
    /// Each AIR's public values by AIR id.
    pub public_values: Vec<Vec<F>>,
    /// The public output so far and its proof against the final memory root.
    pub public_output: PublicOutputProof,
    /// `Some` if the guest exited in this segment.
    pub exit_code: Option<u32>,
    /// Where the next segment starts (this segment's final state).
    pub next_start: SegmentStart,
}

impl<B: VmBackend> SegmentTraces<B> {
    /// Height of each AIR's trace (0 when absent), by AIR id.
    pub fn heights(&self) -> Vec<usize> {
        self.traces
            .iter()
            .map(|t| t.as_ref().map_or(0, MatrixDimensions::height))
            .collect()
    }

    /// Trace cells (rows times columns), main traces only, summed over AIRs.
    pub fn main_cells(&self) -> usize {
        self.traces
            .iter()
            .flatten()
            .map(|t| t.height() * t.width())
            .sum()
    }
}

/// A VM for one configuration, proving on backend `B` (by default the CPU) with one set of
/// proof-system parameters.
pub struct VirtualMachine<C, B: VmBackend = Cpu> {
    pub config: C,
    engine: B::Engine,
    buses: SystemBuses,
    extensions: Extensions,
    airs: Vec<AirRef<SC>>,
    /// The AIR ids of each extension, in order.
    extension_airs: Vec<Range<usize>>,
    /// The periphery tables the extensions asked for.
    periphery_tables: Vec<TableSlot>,
}

impl<C: VmCircuitConfig> VirtualMachine<C> {
    /// The machine of `config` proven on the CPU with `params`. Fails if two of the
    /// configuration's extensions claim the same opcode.
    pub fn new(config: C, params: SystemParams) -> Result<Self, VirtualMachineError> {
        Self::with_backend(config, params)
    }
}

impl<C: VmCircuitConfig, B: VmBackend> VirtualMachine<C, B> {
    /// The machine of `config` proven on backend `B` with `params`. Fails if two of the
    /// configuration's extensions claim the same opcode.
    pub fn with_backend(config: C, params: SystemParams) -> Result<Self, VirtualMachineError> {
        Self::with_engine(config, B::Engine::new(params))
    }

    /// The machine of `config` proven on backend `B` with `engine` (and its parameters).
    pub fn with_engine(config: C, engine: B::Engine) -> Result<Self, VirtualMachineError> {
        let buses = SystemBuses::default();
        let dims = MemoryDimensions::new(config.system().memory_bits as usize);
        let merkle_bus = MerkleBus::new(MERKLE_BUS);
        let poseidon2_bus = Poseidon2Bus::new(POSEIDON2_BUS);
        let mut airs: Vec<AirRef<SC>> = vec![
            Arc::new(ProgramAir { bus: buses.program }),
            Arc::new(ConnectorAir {
                execution_bus: buses.execution,
                exit_bus: buses.exit,
                range_bus: buses.range,
            }),
            Arc::new(MemoryBoundaryAir {
                memory_bus: buses.memory.memory,
                merkle_bus,
            }),
            Arc::new(MemoryMerkleAir {
                dims,
                merkle_bus,
                poseidon2_bus,
            }),
            Arc::new(Poseidon2Air::new(poseidon2_bus)),
            Arc::new(RangeCheckerAir { bus: buses.range }),
            Arc::new(BitwiseLookupAir { bus: buses.bitwise }),
            Arc::new(RegisterRefreshAir {
                execution: buses.execution,
                memory: buses.memory,
            }),
        ];
        debug_assert_eq!(airs.len(), FIRST_EXTENSION_AIR_ID);
        let extensions = Extensions::new(config.circuit_extensions())
            .map_err(|e| VirtualMachineError::Config(e.into()))?;
        // The periphery tables first: every extension's AIRs need their buses. One table per
        // type, in the order the extensions first ask.
        let mut next_bus = tessera_arch::bus::FIRST_EXTENSION_BUS;
        let mut requests: Vec<PeripheryRequest> = Vec::new();
        for request in extensions.iter().flat_map(|e| e.periphery()) {
            if requests.iter().all(|r| r.type_id != request.type_id) {
                requests.push(request);
            }
        }
        let mut buses = buses;
        let mut table_buses = Vec::new();
        for request in &requests {
            if !buses.periphery.insert(request.type_id, next_bus) {
                return Err(VirtualMachineError::TooManyPeripheryTables {
                    max: MAX_PERIPHERY_TABLES,
                });
            }
            table_buses.push(next_bus);
            next_bus += 1;
        }
        let mut extension_airs = Vec::new();
        for extension in extensions.iter() {
            let start = airs.len();
            let count = extension.own_buses();
            let own = OwnBuses {
                first: next_bus,
                count,
            };
            next_bus += count;
            for air in extension.airs(&SystemBuses { own, ..buses }) {
                airs.extend(std::iter::repeat_n(air, TRACE_PARTS));
            }
            extension_airs.push(start..airs.len());
        }
        let mut periphery_tables = Vec::new();
        for (request, bus) in requests.into_iter().zip(table_buses) {
            let table = (request.create)(bus).table;
            periphery_tables.push(TableSlot {
                request,
                bus,
                air_id: airs.len(),
                // The trace is padded to a power of two like every trace.
                rows: table.rows().next_power_of_two(),
            });
            airs.push(table.air());
        }
        Ok(Self {
            config,
            engine,
            buses,
            extensions,
            airs,
            extension_airs,
            periphery_tables,
        })
    }

    /// A segment's periphery: the system's tables and one of each table the extensions asked
    /// for, empty (their chips count the segment's lookups).
    pub fn new_periphery(&self) -> Periphery {
        let mut periphery = Periphery::system();
        periphery.tables = (self.periphery_tables.iter())
            .map(|slot| (slot.request.create)(slot.bus))
            .collect();
        periphery
    }

    /// What each instruction of `exe` costs the circuit, for metered execution: slots are the
    /// extensions' AIRs before splitting (extension by extension, in order). An instruction
    /// whose extension names no AIR for it ([`CircuitExtension::insn_air`](super::CircuitExtension::insn_air) returns `None`) is
    /// an error, not a row billed to some other AIR.
    pub fn metering_costs(&self, exe: &VmExe<F>) -> Result<MeteringCosts, VirtualMachineError> {
        let mut offsets = Vec::new();
        let mut slots = 0;
        for ids in &self.extension_airs {
            offsets.push(slots);
            slots += ids.len() / TRACE_PARTS;
        }
        let program = &exe.program;
        let insn_slots = (program.instructions.iter().enumerate())
            .map(|(index, inst)| {
                // Gaps, and opcodes no extension executes, never run: a run that reaches one
                // faults. Their slot is never charged.
                let Some((inst, owner)) = inst
                    .as_ref()
                    .and_then(|inst| Some((inst, self.extensions.owner(inst.opcode)?)))
                else {
                    return Ok(0);
                };
                let extension = &self.extensions[owner];
                let air = extension.insn_air(inst).ok_or_else(|| {
                    VirtualMachineError::UnmeteredInstruction {
                        pc: program.pc_base + PC_STEP * index as u32,
                        opcode: inst.opcode,
                        extension: extension.name(),
                    }
                })?;
                Ok((offsets[owner] + air) as u32)
            })
            .collect::<Result<_, VirtualMachineError>>()?;
        // The (first) extension with I/O channels handles the syscalls.
        let io_slots = self
            .extensions
            .iter()
            .zip(&offsets)
            .map(|(e, &offset)| {
                let airs = e.io_airs().into_iter();
                airs.map(|air| (offset + air) as u32).collect::<Vec<_>>()
            })
            .find(|io| !io.is_empty())
            .unwrap_or_default();
        let tree = self.dims();
        let messages = self.interactions_per_row();
        let fixed_heights = [
            (
                PROGRAM_AIR_ID,
                exe.program.instructions.len().next_power_of_two(),
            ),
            (CONNECTOR_AIR_ID, 1),
            (
                RANGE_CHECKER_AIR_ID,
                range_table_rows(self.buses.range.max_bits),
            ),
            (BITWISE_AIR_ID, BITWISE_ROWS),
        ];
        let table_heights = (self.periphery_tables.iter()).map(|slot| (slot.air_id, slot.rows));
        let fixed_heights: Vec<(usize, usize)> =
            fixed_heights.into_iter().chain(table_heights).collect();
        let min_height = 1u64 << self.params().l_skip;
        let interactions = InteractionCosts {
            per_slot: self
                .extension_airs
                .iter()
                .flat_map(|ids| ids.clone().step_by(TRACE_PARTS))
                .map(|id| messages[id])
                .collect(),
            boundary: messages[BOUNDARY_AIR_ID],
            merkle: messages[MERKLE_AIR_ID],
            poseidon2: messages[POSEIDON2_AIR_ID],
            refresh: messages[REGISTER_REFRESH_AIR_ID],
            fixed: fixed_heights
                .iter()
                .map(|&(id, rows)| messages[id] as u64 * (rows as u64).max(min_height))
                .sum(),
            min_height,
        };
        Ok(MeteringCosts {
            insn_slots,
            slots: slots.max(1),
            io_slots,
            interactions,
            memory: MemoryShape {
                leaf_bytes: LEAF_BYTES as u32,
                leaf_bits: tree.leaf_bits() as u32,
                address_space_bits: ADDRESS_SPACE_BITS as u32,
                // x0..x31 and the sink of writes to x0: every slot a refresh may read.
                register_bytes: REGISTER_REFRESH_SLOTS * MEMORY_BLOCK as u32,
            },
        })
    }

    /// The first AIR id of the AIR whose instance `id` is: an extension AIR's trace is split
    /// over [`TRACE_PARTS`] instances (consecutive ids); every other AIR has one.
    pub fn first_instance(&self, id: usize) -> usize {
        match self.extension_airs.iter().find(|ids| ids.contains(&id)) {
            Some(ids) => ids.start + (id - ids.start) / TRACE_PARTS * TRACE_PARTS,
            None => id,
        }
    }

    /// Bus messages per row of every AIR, by AIR id (what keygen counts as its interactions).
    pub fn interactions_per_row(&self) -> Vec<u32> {
        self.airs.iter().map(interactions_per_row).collect()
    }

    pub fn params(&self) -> &SystemParams {
        self.engine.params()
    }

    /// Every AIR, by AIR id.
    pub fn airs(&self) -> &[AirRef<SC>] {
        &self.airs
    }

    /// The buses the machine's chips talk on.
    pub fn buses(&self) -> &SystemBuses {
        &self.buses
    }

    pub fn engine(&self) -> &B::Engine {
        &self.engine
    }

    /// Generates the keys; the system AIRs are required in every proof.
    pub fn keygen(&self) -> Result<VmKeys, VirtualMachineError> {
        // The backend panics (instead of returning an error) when a preprocessed table does
        // not fit the stacked height; keep that a typed error.
        let generate = || {
            let mut builder = MultiStarkKeygenBuilder::new(self.engine.config().clone());
            for (id, air) in self.airs.iter().enumerate() {
                if REQUIRED_AIR_IDS.contains(&id) {
                    builder.add_required_air(air.clone());
                } else {
                    builder.add_air(air.clone());
                }
            }
            builder.generate_pk()
        };
        let pk = std::panic::catch_unwind(std::panic::AssertUnwindSafe(generate))
            .map_err(|_| {
                VirtualMachineError::Keygen(format!(
                    "a preprocessed table does not fit the stacked height 2^{}",
                    self.params().l_skip + self.params().n_stack
                ))
            })?
            .map_err(|e| VirtualMachineError::Keygen(format!("{e:?}")))?;
        Ok(self.keygen_from_pk(pk))
    }

    /// The keys around a proving key made by [`Self::keygen`] (e.g. read from a cache).
    pub fn keygen_from_pk(&self, pk: MultiStarkProvingKey<SC>) -> VmKeys {
        let vk = VmVerifyingKey {
            inner: pk.get_vk(),
            memory_bits: self.config.system().memory_bits as usize,
            public_output_capacity: self.config.system().public_output_capacity,
        };
        VmKeys { pk, vk }
    }

    /// Commits the program's cached trace.
    pub fn commit_program(
        &self,
        exe: &VmExe<F>,
    ) -> Result<CommittedProgram<B>, VirtualMachineError> {
        self.commit_program_table(program_trace(&exe.program))
    }

    /// Commits any 9-column matrix as a program table. Provers use [`Self::commit_program`];
    /// this is for adversarial tests that prove with a forged table (a verifier must reject
    /// every proof that is not of the expected program, whatever table the prover committed).
    pub fn commit_program_table(
        &self,
        trace: RowMajorMatrix<F>,
    ) -> Result<CommittedProgram<B>, VirtualMachineError> {
        let trace = B::from_host(&self.engine, trace);
        let (commitment, data) = self
            .engine
            .device()
            .commit(&[&trace])
            .map_err(|e| VirtualMachineError::Commit(format!("{e:?}")))?;
        Ok(CommittedProgram {
            commitment,
            trace: CommittedTraceData {
                commitment,
                trace,
                data: Arc::new(data),
            },
        })
    }

    /// The initial memory root of `exe` (its image in the memory tree).
    pub fn initial_root(&self, exe: &VmExe<F>) -> Result<Digest, VirtualMachineError> {
        Ok(MemoryTree::new(self.dims(), &exe.init_memory)?.root())
    }

    /// What identifies `exe` in a proof, derived from the executable alone: its program table
    /// (committed here: this costs a commitment at the stacked height), initial memory root
    /// and entry point.
    pub fn exe_identity(&self, exe: &VmExe<F>) -> Result<ExeIdentity, VirtualMachineError> {
        let program = self.commit_program(exe)?;
        Ok(ExeIdentity {
            program: program.table(),
            initial_root: self.initial_root(exe)?,
            pc_start: exe.pc_start,
        })
    }

    /// The commitment to WHICH program runs: program table, initial memory and entry point.
    pub fn exe_commitment(
        &self,
        exe: &VmExe<F>,
        program: &CommittedProgram<B>,
    ) -> Result<Digest, VirtualMachineError> {
        Ok(exe_commitment(
            program.table(),
            self.initial_root(exe)?,
            exe.pc_start,
        ))
    }

    fn dims(&self) -> MemoryDimensions {
        MemoryDimensions::new(self.config.system().memory_bits as usize)
    }

    /// `exe` prepared for preflight (its instructions pre-computed with the configuration's
    /// executors), for any number of segments.
    pub fn preflight_program(
        &self,
        exe: Arc<VmExe<F>>,
    ) -> Result<PreflightProgram, PreflightError> {
        PreflightProgram::new(&self.config, exe)
    }

    /// Runs one segment of `exe` on `input` from `start` until the guest exits or
    /// `max_instructions` ran (the segment is then suspended), recording what trace generation
    /// needs. This prepares `exe` for the one call; [`Self::execute_preflight_of`] runs a
    /// program prepared once.
    pub fn execute_preflight(
        &self,
        exe: &VmExe<F>,
        start: SegmentStart,
        input: &GuestInput,
        max_instructions: u64,
    ) -> Result<PreflightOutput, PreflightError> {
        let program = self.preflight_program(Arc::new(exe.clone()))?;
        self.execute_preflight_of(&program, start, input, max_instructions)
    }

    /// [`Self::execute_preflight`] of a prepared program.
    #[tracing::instrument(name = "execute_preflight", skip_all)]
    pub fn execute_preflight_of(
        &self,
        program: &PreflightProgram,
        start: SegmentStart,
        input: &GuestInput,
        max_instructions: u64,
    ) -> Result<PreflightOutput, PreflightError> {
        preflight::run(
            &self.config,
            program,
            (&self.extensions, self.new_periphery()),
            (&[], 0),
            start,
            input,
            max_instructions,
        )
    }

    /// [`Self::execute_preflight`] of a segment metered execution planned: its instructions,
    /// with each chip's record arena reserved at the rows the plan counted for its AIRs. This
    /// prepares `exe` for the one call; [`Self::execute_planned_preflight_of`] runs a program
    /// prepared once.
    pub fn execute_planned_preflight(
        &self,
        exe: &VmExe<F>,
        start: SegmentStart,
        input: &GuestInput,
        segment: &Segment,
    ) -> Result<PreflightOutput, PreflightError> {
        let program = self.preflight_program(Arc::new(exe.clone()))?;
        self.execute_planned_preflight_of(&program, start, input, segment)
    }

    /// [`Self::execute_planned_preflight`] of a prepared program.
    #[tracing::instrument(name = "execute_preflight", skip_all)]
    pub fn execute_planned_preflight_of(
        &self,
        program: &PreflightProgram,
        start: SegmentStart,
        input: &GuestInput,
        segment: &Segment,
    ) -> Result<PreflightOutput, PreflightError> {
        // The plan's slots are the extensions' AIRs before splitting, extension by extension.
        // A plan is serializable (segments may be proven elsewhere), so a bad one must not make
        // preflight reserve absurd memory: no AIR gets more rows than the segment has
        // instructions, nor more than a segment's timestamps allow.
        let cap = segment.num_insns.min(1 << TIMESTAMP_BITS);
        let mut heights = segment.trace_heights.iter().map(|&h| h.min(cap) as usize);
        let rows: Vec<Vec<usize>> = self
            .extension_airs
            .iter()
            .map(|ids| heights.by_ref().take(ids.len() / TRACE_PARTS).collect())
            .collect();
        let refreshes = segment.refresh_rows.min(cap) as usize;
        preflight::run(
            &self.config,
            program,
            (&self.extensions, self.new_periphery()),
            (&rows, refreshes),
            start,
            input,
            segment.num_insns,
        )
    }

    /// Turns a preflight into the traces and public values of a proof (independent of the
    /// proof-system parameters). Refuses a segment whose timestamps leave their range.
    #[tracing::instrument(name = "generate_traces", skip_all)]
    pub fn generate_traces(
        &self,
        exe: &VmExe<F>,
        preflight: PreflightOutput,
    ) -> Result<SegmentTraces<B>, GenerationError> {
        let program = &exe.program;
        let PreflightOutput {
            start,
            memory,
            mut records,
            rows,
            refresh,
            periphery,
            counts,
            final_pc,
            exit_code,
            io,
            instret,
        } = preflight;
        let Periphery {
            range,
            bitwise,
            tables,
        } = periphery.clone();
        let mut traces: Vec<Option<DeviceMatrix<B>>> = (0..self.airs.len()).map(|_| None).collect();
        let engine = &self.engine;
        let to_device = |trace| Some(B::from_host(engine, trace));
        let mut public_values: Vec<Vec<F>> = vec![Vec::new(); self.airs.len()];

        // Connector: from the entry point at INITIAL_TIMESTAMP to the final state.
        let final_timestamp = memory.timestamp;
        if final_timestamp >= 1 << TIMESTAMP_BITS {
            return Err(GenerationError::TimestampOverflow {
                timestamp: final_timestamp,
                max: 1 << TIMESTAMP_BITS,
            });
        }
        let (connector, pvs) =
            connector_trace(start.pc, final_pc, final_timestamp, exit_code, &range);
        traces[CONNECTOR_AIR_ID] = to_device(connector);
        public_values[CONNECTOR_AIR_ID] = pvs;

        // Program: execution frequencies.
        if counts.len() != program.instructions.len() {
            return Err(GenerationError::ProgramMismatch {
                committed: program.instructions.len(),
                executed: counts.len(),
            });
        }
        traces[PROGRAM_AIR_ID] = to_device(multiplicity_trace(&counts));

        // The memory tables (boundary and Merkle chips from the segment's initial memory to its
        // final memory) and the extensions' traces are independent: fill them side by side.
        // Both count lookups in the periphery, whose traces come last.
        let poseidon2 = Poseidon2Chip::new();
        let touched = memory.touched();
        let (dims, extensions, extension_airs) =
            (self.dims(), &self.extensions, &self.extension_airs);
        let extension_periphery = periphery.clone();
        let (memory_tables, extension_traces) = join(
            || {
                let _span = tracing::info_span!("memory_traces").entered();
                let mut tree = MemoryTree::new(dims, &start.memory)
                    .map_err(|e| GenerationError::Memory(e.to_string()))?;
                let traces = generate_memory_traces(&mut tree, &touched, &poseidon2);
                Ok::<_, GenerationError>((tree, traces))
            },
            || {
                let _span = tracing::info_span!("extension_traces").entered();
                extension_traces::<B>(
                    engine,
                    extensions,
                    extension_airs,
                    &extension_periphery,
                    &rows,
                    &mut records,
                )
            },
        );
        let (tree, memory_traces) = memory_tables?;
        for (id, part) in extension_traces? {
            traces[id] = part;
        }
        let mut next_start = SegmentStart {
            pc: final_pc,
            memory: start.memory,
            streams: io.positions,
            instret: start.instret + instret,
        };
        for word in &touched {
            let value = u32::from_le_bytes(word.last.data);
            let key = (word.address_space, word.pointer);
            if value == 0 {
                next_start.memory.remove(&key);
            } else {
                next_start.memory.insert(key, value);
            }
        }
        public_values[MERKLE_AIR_ID] = memory_traces.public_values_vec();
        traces[BOUNDARY_AIR_ID] = to_device(memory_traces.boundary);
        traces[MERKLE_AIR_ID] = to_device(memory_traces.merkle);
        traces[POSEIDON2_AIR_ID] = to_device(poseidon2.generate_trace());
        let capacity = self.config.system().public_output_capacity;
        let public_output = PublicOutputProof::new(&tree, next_start.public_output(capacity));

        if !refresh.records.is_empty() {
            traces[REGISTER_REFRESH_AIR_ID] = to_device(refresh.generate_trace());
        }
        // The periphery last: every chip's lookups are counted by now.
        if tables.len() != self.periphery_tables.len() {
            return Err(GenerationError::TraceCountMismatch {
                extension: "periphery",
                airs: self.periphery_tables.len(),
                traces: tables.len(),
            });
        }
        for (slot, table) in self.periphery_tables.iter().zip(&tables) {
            let trace = table.table.generate_trace();
            debug_assert_eq!(Matrix::height(&trace), slot.rows, "{}", slot.request.name);
            traces[slot.air_id] = to_device(trace);
        }
        traces[RANGE_CHECKER_AIR_ID] = to_device(range.generate_trace());
        traces[BITWISE_AIR_ID] = to_device(bitwise.generate_trace());

        Ok(SegmentTraces {
            traces,
            public_values,
            public_output,
            exit_code,
            next_start,
        })
    }

    /// The proving context of a segment's traces, after checking that the proving key can
    /// prove them: every height within the maximum and every linear trace-height constraint
    /// satisfied.
    pub fn generate_proving_ctx(
        &self,
        pk: &MultiStarkProvingKey<SC>,
        program: &CommittedProgram<B>,
        traces: SegmentTraces<B>,
    ) -> Result<ProvingContext<ProverBackendOf<B>>, GenerationError> {
        if traces.traces.len() != self.airs.len() {
            return Err(GenerationError::TraceCountMismatch {
                extension: "all",
                airs: self.airs.len(),
                traces: traces.traces.len(),
            });
        }
        // The multiplicities must line up with the committed program's rows.
        let executed = traces.traces[PROGRAM_AIR_ID]
            .as_ref()
            .map_or(0, MatrixDimensions::height);
        if executed != program.trace.height() {
            return Err(GenerationError::ProgramMismatch {
                committed: program.trace.height(),
                executed,
            });
        }
        self.check_heights(pk, &traces.heights())?;
        let mut per_trace = Vec::new();
        for (id, (trace, pvs)) in traces
            .traces
            .into_iter()
            .zip(traces.public_values)
            .enumerate()
        {
            let Some(trace) = trace else { continue };
            let cached = if id == PROGRAM_AIR_ID {
                vec![program.trace.clone()]
            } else {
                vec![]
            };
            per_trace.push((id, AirProvingContext::new(cached, trace, pvs)));
        }
        Ok(ProvingContext::new(per_trace))
    }

    /// The defensive checks of [`Self::generate_proving_ctx`] on trace heights.
    pub fn check_heights(
        &self,
        pk: &MultiStarkProvingKey<SC>,
        heights: &[usize],
    ) -> Result<(), GenerationError> {
        let params = self.params();
        let max = 1usize << (params.l_skip + params.n_stack);
        for (id, &height) in heights.iter().enumerate() {
            if height > max {
                return Err(GenerationError::TraceHeightTooLarge {
                    air: self.airs[id].name(),
                    height,
                    max,
                });
            }
        }
        let floor = 1u64 << params.l_skip;
        for (index, constraint) in pk.trace_height_constraints.iter().enumerate() {
            let value: u64 = constraint
                .coefficients
                .iter()
                .zip(heights)
                .filter(|(_, &h)| h > 0)
                .map(|(&c, &h)| c as u64 * (h as u64).max(floor))
                .sum();
            if value >= constraint.threshold as u64 {
                return Err(GenerationError::LinearConstraint {
                    index,
                    value,
                    threshold: constraint.threshold,
                });
            }
        }
        Ok(())
    }

    /// Proves a segment.
    pub fn prove(
        &self,
        pk: &DeviceMultiStarkProvingKey<ProverBackendOf<B>>,
        ctx: ProvingContext<ProverBackendOf<B>>,
    ) -> Result<openvm_stark_backend::proof::Proof<SC>, VirtualMachineError> {
        self.engine
            .prove(pk, ctx)
            .map_err(|e| VirtualMachineError::Prover(format!("{e:?}")))
    }

    /// The proving key on the prover's device.
    pub fn device_pk(
        &self,
        pk: &MultiStarkProvingKey<SC>,
    ) -> DeviceMultiStarkProvingKey<ProverBackendOf<B>> {
        self.engine.device().transport_pk_to_device(pk)
    }
}

/// A periphery table of the machine: the request that makes it, its bus, its AIR id and its
/// trace's height.
struct TableSlot {
    request: PeripheryRequest,
    bus: BusIndex,
    air_id: usize,
    rows: usize,
}

/// A trace (or its absence) and the AIR id it goes to.
type AirTrace<B> = (usize, Option<DeviceMatrix<B>>);

/// Every extension's traces, each AIR's split into its instances, by AIR id: made by the
/// backend from the records the extension's handlers left (`rows`: each extension's planned
/// row counts, empty without a plan).
fn extension_traces<B: VmBackend>(
    engine: &B::Engine,
    extensions: &Extensions,
    extension_airs: &[Range<usize>],
    periphery: &Periphery,
    rows: &[Vec<usize>],
    records: &mut tessera_arch::RecordStore,
) -> Result<Vec<AirTrace<B>>, GenerationError> {
    let mut out = Vec::new();
    for (index, (extension, ids)) in extensions.iter().zip(extension_airs).enumerate() {
        let planned = rows.get(index).map_or(&[][..], |r| &r[..]);
        let parts = B::extension_traces(engine, extension.as_ref(), periphery, planned, records);
        if parts.len() != ids.len() {
            return Err(GenerationError::TraceCountMismatch {
                extension: extension.name(),
                airs: ids.len(),
                traces: parts.len(),
            });
        }
        out.extend(ids.clone().zip(parts));
    }
    Ok(out)
}
