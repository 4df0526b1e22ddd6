//! Chip tests: straight-line code through the instruction handlers in the preflight context,
//! on tracing memory ([`ChipRun::execute`] returns the record a handler made), then a proof of
//! the chip's traces together with the system chips (connector, program, range checker,
//! bitwise lookup) and a memory stub that plays the memory boundary: it sends every touched
//! word's initial contents at timestamp 0 and receives its final contents
//! ([`ChipRun::prove`]). Tamper with a row, prove again, and assert what rejects it
//! ([`assert_constraint_fails`](super::assert_constraint_fails),
//! [`assert_unbalanced`](super::assert_unbalanced)).
//!
//! Proofs use toy parameters (`SystemParams::new_for_testing(16)`): they check constraints and
//! buses, not security.

use std::{collections::BTreeMap, sync::Arc};

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    prover::{AirProvingContext, CommittedTraceData, TraceCommitter},
    AirRef, PartitionedBaseAir, StarkEngine, SystemParams,
};
use tessera_arch::{
    bus::*, execution::tracing_memory::TracingMemory, ExecutorInventory, Fault, HostOutput,
    Instruction, Streams, SystemConfig, Trap, VmExe, VmExecutionConfig,
};

use crate::{
    bitwise::{BitwiseLookupAir, BitwiseLookupChip},
    connector::{connector_trace, ConnectorAir, INITIAL_TIMESTAMP},
    program::{multiplicity_trace, program_trace, ProgramAir},
    range_checker::{RangeCheckerAir, RangeCheckerChip},
    vm::CpuEngine,
    F, SC,
};

/// Where a chip test's code starts.
pub const BASE: u32 = 0x1000;

/// The memory bridge chip tests' AIRs talk on (the system's, as [`crate::vm::SystemBuses`]
/// assigns it).
pub fn memory_bridge() -> MemoryBridge {
    MemoryBridge {
        memory: MemoryBus::new(MEMORY_BUS),
        range: range_bus(),
    }
}
/// The range checker's bus.
pub fn range_bus() -> RangeCheckerBus {
    RangeCheckerBus::new(RANGE_CHECKER_BUS, RANGE_CHECKER_MAX_BITS)
}
/// The execution bus.
pub const EXECUTION: ExecutionBus = ExecutionBus::new(EXECUTION_BUS);
/// The program bus.
pub const PROGRAM: ProgramBus = ProgramBus::new(PROGRAM_BUS);
/// The bitwise lookup's bus.
pub const BITWISE: BitwiseBus = BitwiseBus::new(BITWISE_BUS);

/// The memory stub. Columns: `address_space, pointer, initial[4], final[4], final_timestamp,
/// enabled`.
pub struct MemoryStubAir;
const STUB_WIDTH: usize = 12;

impl<F: Field> BaseAir<F> for MemoryStubAir {
    fn width(&self) -> usize {
        STUB_WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for MemoryStubAir {}
impl<F: Field> PartitionedBaseAir<F> for MemoryStubAir {}

impl<AB: InteractionBuilder> Air<AB> for MemoryStubAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let r: Vec<AB::Var> = main.row_slice(0).expect("row").to_vec();
        let memory = MemoryBus::new(MEMORY_BUS);
        memory.send(
            builder,
            r[0],
            r[1],
            [r[2], r[3], r[4], r[5]],
            AB::Expr::ZERO,
            r[11],
        );
        memory.receive(builder, r[0], r[1], [r[6], r[7], r[8], r[9]], r[10], r[11]);
    }
}

/// An edit of the memory stub's `(address_space, pointer, initial, final)` for each touched
/// word (see [`ChipRun::prove_with_boundary`]).
pub type BoundaryEdit<'a> = dyn Fn(u32, u32, &mut [u32; 4], &mut [u32; 4]) + 'a;

/// The initial contents of a word, by address space and pointer.
pub use tessera_arch::InitialMemory;

/// A run of straight-line code: the machine state the handlers work on.
///
/// ```no_run
/// # use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
/// # use tessera_system::kit::testing::{assert_constraint_fails, ChipRun, BASE};
/// # struct MyRecord;
/// # fn example(config: &impl tessera_arch::VmExecutionConfig<tessera_system::F>,
/// #     my_air: openvm_stark_backend::AirRef<tessera_system::SC>, word: u32,
/// #     fill: impl Fn(&[MyRecord]) -> openvm_stark_backend::p3_matrix::dense::RowMajorMatrix<tessera_system::F>) {
/// // `word` is an instruction of the extension; x1 = 7, x2 = 9.
/// let mut run = ChipRun::new(config, &[word], &[(1, 7), (2, 9)]);
/// let inst = run.next_instruction();
/// let record: MyRecord = run.execute(BASE, &inst);
/// let mut trace = fill(&[record]);
/// trace.values[3] += tessera_system::F::ONE; // a tampered result column
/// assert_constraint_fails(run.prove(vec![(my_air, trace)]));
/// # }
/// ```
pub struct ChipRun {
    pub exe: VmExe<F>,
    /// The initial memory (program, registers, data).
    image: tessera_arch::SparseMemoryImage,
    /// The configuration the handlers run under (its public-output capacity: see
    /// [`ChipRun::with_public_capacity`]).
    config: SystemConfig,
    pub memory: TracingMemory<InitialMemory>,
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    pub pc: u32,
    /// Set when the run ended with `exit`: the segment then terminates with this code.
    pub exit_code: Option<u32>,
    /// The private input `read` takes its bytes from, and how many it took.
    pub streams: Streams,
    /// What the run wrote to the public output (the handlers append to it).
    pub public_output: Vec<u8>,
    /// What the run wrote to the host's stdout and stderr.
    pub host_output: HostOutput,
    executed: Vec<usize>,
    /// The configuration's executors, whose handlers run the instructions.
    executors: Arc<ExecutorInventory<F>>,
}

impl ChipRun {
    /// Code `words` at [`BASE`], transpiled and executed by `config`'s extensions, with
    /// initial register values `registers` (index, value). Panics if a word does not
    /// transpile (a bug of the test).
    pub fn new(
        config: &impl VmExecutionConfig<F>,
        words: &[u32],
        registers: &[(u32, u32)],
    ) -> Self {
        Self::with_memory(config, words, registers, &[])
    }

    /// Like [`ChipRun::new`], with initial main-memory words `(pointer, value)` too.
    pub fn with_memory(
        config: &impl VmExecutionConfig<F>,
        words: &[u32],
        registers: &[(u32, u32)],
        data: &[(u32, u32)],
    ) -> Self {
        let exe = config
            .create_transpiler()
            .exe_from_words(BASE, words)
            .expect("the test's words transpile");
        let executors = config
            .create_executors()
            .expect("the configuration's executors");
        let regs: BTreeMap<u32, u32> = registers.iter().copied().collect();
        let mut image = exe.init_memory.clone();
        for (&index, &value) in &regs {
            if value != 0 {
                image.insert((tessera_arch::address_space::REGISTER, 4 * index), value);
            }
        }
        for &(pointer, value) in data {
            image.insert((tessera_arch::address_space::MEMORY, pointer), value);
        }
        let words = image.clone();
        let initial: InitialMemory = Box::new(move |space, ptr| {
            words.get(&(space, ptr)).copied().unwrap_or(0).to_le_bytes()
        });
        Self {
            exe,
            image,
            config: SystemConfig::default(),
            memory: TracingMemory::new(initial, INITIAL_TIMESTAMP),
            range: Arc::new(RangeCheckerChip::new(range_bus())),
            bitwise: Arc::new(BitwiseLookupChip::default()),
            pc: BASE,
            exit_code: None,
            streams: Streams::default(),
            public_output: Vec::new(),
            host_output: HostOutput::default(),
            executed: Vec::new(),
            executors: Arc::new(executors),
        }
    }

    /// This run with `streams` (input, hints, key-value store, hint host).
    pub fn with_streams(mut self, streams: Streams) -> Self {
        self.streams = streams;
        self
    }

    /// This run with a public output of at most `capacity` bytes (the default configuration's
    /// otherwise); a write beyond it faults.
    pub fn with_public_capacity(mut self, capacity: usize) -> Self {
        self.config.public_output_capacity = capacity;
        self
    }

    /// Runs `inst` at `pc` through its executor's handler in the preflight context, on this
    /// run's memory, as the machine's preflight does (without register refreshes: the test owns
    /// the timeline), and returns the record it made. The machine state the handler sees is
    /// this run's memory (its registers and every word written so far), input, public output
    /// and host output; what the handler changes of them stays. A fault (a misaligned jump)
    /// still returns the record the handler made before it, which is what the circuit is asked
    /// to prove: the tests of such rows need it.
    pub fn execute<R: Send + 'static>(&mut self, pc: u32, inst: &Instruction<F>) -> R {
        let (_, records) = self.run_handler(pc, inst);
        one_record(records)
    }

    /// Like [`ChipRun::execute`], but a fault of the handler is returned instead of a record (an
    /// `exit` is no fault: it returns its record).
    pub fn try_execute<R: Send + 'static>(
        &mut self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<R, Fault> {
        match self.run_handler(pc, inst) {
            (Err(Trap::Fault(fault)), _) => Err(fault),
            (Ok(()) | Err(Trap::Exit), records) => Ok(one_record(records)),
        }
    }

    /// Runs the handler of `inst` at `pc`: its result and the records of type `R` it made.
    fn run_handler<R: Send + 'static>(
        &mut self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> (Result<(), Trap>, Vec<R>) {
        use tessera_arch::{address_space, PreflightCtx, VmExecState, VmState};
        let mut image = self.image.clone();
        for word in self.memory.touched() {
            image.insert(
                (word.address_space, word.pointer),
                u32::from_le_bytes(word.last.data),
            );
        }
        let mut regs = [0; tessera_arch::execution::NUM_REGISTER_SLOTS];
        for (index, slot) in regs.iter_mut().enumerate().take(32) {
            *slot = u32::from_le_bytes(self.memory.peek(address_space::REGISTER, 4 * index as u32));
        }
        let mut guest_memory = tessera_arch::GuestMemory::new(&self.config, &image);
        guest_memory
            .append_public_output(&self.public_output)
            .expect("the public output so far fits its capacity");
        let vm = VmState {
            pc,
            instret: 0,
            regs,
            memory: guest_memory,
            streams: std::mem::take(&mut self.streams),
            host_output: std::mem::take(&mut self.host_output),
            exit_code: None,
        };
        let placeholder: InitialMemory = Box::new(|_, _| [0; 4]);
        let memory = std::mem::replace(&mut self.memory, TracingMemory::new(placeholder, 0));
        let mut state = VmExecState {
            vm,
            ctx: PreflightCtx::new(memory, 1, u64::MAX),
        };
        state.ctx.begin_instruction(pc);
        let (_, executor) = self
            .executors
            .executor(inst.opcode)
            .expect("an opcode of the configuration");
        let pre = executor
            .pre_compute_preflight(pc, inst)
            .expect("a valid instruction");
        let result = (pre.handler)(&mut state, &pre);
        let VmExecState { vm, mut ctx } = state;
        self.memory = ctx.memory;
        self.streams = vm.streams;
        self.host_output = vm.host_output;
        self.public_output = vm.memory.public_output().to_vec();
        (result, ctx.records.take::<R>())
    }

    /// The instruction at the current pc; marks it executed and advances the pc.
    pub fn next_instruction(&mut self) -> Instruction<F> {
        let index = self.exe.program.index_of(self.pc).expect("pc in program");
        self.executed.push(index);
        self.pc += 4;
        self.exe.program.instructions[index].expect("instruction")
    }

    /// Proves the run: the chips' AIRs and traces plus the system chips. `Err` names the stage
    /// that refused (the prover for unbalanced buses, the verifier for failed constraints).
    pub fn prove(self, chips: Vec<(AirRef<SC>, RowMajorMatrix<F>)>) -> Result<(), String> {
        self.prove_with(chips, |_, _| {})
    }

    /// Like [`ChipRun::prove`], but `rebalance` may edit the range-checker and bitwise
    /// multiplicity traces first: a cheating prover controls them too, so a test that tampers
    /// with a looked-up value can rebalance the lookup and show that a constraint still
    /// rejects the row.
    pub fn prove_with(
        self,
        chips: Vec<(AirRef<SC>, RowMajorMatrix<F>)>,
        rebalance: impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>),
    ) -> Result<(), String> {
        self.prove_inner(
            chips,
            rebalance,
            &|_, _, _, _| {},
            SystemParams::new_for_testing(16),
        )
    }

    /// Like [`ChipRun::prove_with`], but `boundary` may first edit the initial and final contents
    /// the memory stub claims for each touched word `(address_space, pointer, initial,
    /// final)`. A cheating prover claims the final memory too (and a test may stand for a
    /// program with other initial contents), so a test that tampers with a written value can
    /// keep the memory bus balanced and show that the chip's own constraints or lookups
    /// reject it.
    pub fn prove_with_boundary(
        self,
        chips: Vec<(AirRef<SC>, RowMajorMatrix<F>)>,
        rebalance: impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>),
        boundary: &BoundaryEdit<'_>,
    ) -> Result<(), String> {
        self.prove_inner(
            chips,
            rebalance,
            boundary,
            SystemParams::new_for_testing(16),
        )
    }

    fn prove_inner(
        self,
        chips: Vec<(AirRef<SC>, RowMajorMatrix<F>)>,
        rebalance: impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>),
        boundary: &BoundaryEdit<'_>,
        params: SystemParams,
    ) -> Result<(), String> {
        let ChipRun {
            exe,
            memory,
            range,
            bitwise,
            pc,
            exit_code,
            executed,
            ..
        } = self;
        // Connector: from BASE at INITIAL_TIMESTAMP to (pc, final timestamp), terminating if
        // the run exited.
        let (connector, public_values) =
            connector_trace(BASE, pc, memory.timestamp, exit_code, &range);
        let mut stub = Vec::new();
        for word in memory.touched() {
            let mut initial = word.initial.map(u32::from);
            let mut last = word.last.data.map(u32::from);
            boundary(word.address_space, word.pointer, &mut initial, &mut last);
            stub.extend([word.address_space, word.pointer]);
            stub.extend(initial);
            stub.extend(last);
            stub.extend([word.last.timestamp, 1]);
        }
        let stub_height = (stub.len() / STUB_WIDTH).next_power_of_two();
        let mut stub: Vec<F> = stub.into_iter().map(F::from_u32).collect();
        stub.resize(stub_height * STUB_WIDTH, F::ZERO);

        let program = program_trace(&exe.program);
        let mut counts = vec![0u32; exe.program.instructions.len()];
        for index in executed {
            counts[index] += 1;
        }
        let engine = CpuEngine::new(params);
        let (commitment, data) = engine
            .device()
            .commit(&[&program])
            .map_err(|e| format!("{e:?}"))?;
        let cached = CommittedTraceData {
            commitment,
            trace: program,
            data: Arc::new(data),
        };

        let mut airs: Vec<AirRef<SC>> = vec![
            Arc::new(ConnectorAir {
                execution_bus: EXECUTION,
                exit_bus: ExitBus::new(EXIT_BUS),
                range_bus: range_bus(),
            }),
            Arc::new(ProgramAir { bus: PROGRAM }),
        ];
        let mut contexts = vec![
            AirProvingContext::simple(connector, public_values),
            AirProvingContext::new(vec![cached], multiplicity_trace(&counts), vec![]),
        ];
        airs.push(Arc::new(MemoryStubAir));
        contexts.push(AirProvingContext::simple_no_pis(RowMajorMatrix::new(
            stub, STUB_WIDTH,
        )));
        for (air, trace) in chips {
            airs.push(air);
            contexts.push(AirProvingContext::simple_no_pis(trace));
        }
        // The periphery traces last: every chip's requests are counted by now.
        let mut range_trace = range.generate_trace();
        let mut bitwise_trace = bitwise.generate_trace();
        rebalance(&mut range_trace, &mut bitwise_trace);
        airs.push(Arc::new(RangeCheckerAir { bus: range_bus() }));
        contexts.push(AirProvingContext::simple_no_pis(range_trace));
        airs.push(Arc::new(BitwiseLookupAir { bus: BITWISE }));
        contexts.push(AirProvingContext::simple_no_pis(bitwise_trace));
        engine
            .run_test(airs, contexts)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The one record an instruction made.
fn one_record<R>(mut records: Vec<R>) -> R {
    assert_eq!(
        records.len(),
        1,
        "one record of {}",
        std::any::type_name::<R>()
    );
    records.pop().expect("one record")
}
