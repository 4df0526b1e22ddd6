//! Periphery tables by type: two extensions (beside RV32IM) ask for the same table, and the
//! machine makes it once: one AIR, one bus, one chip per segment that both extensions' chips
//! share. The table is proven in every segment, and a tampered multiplicity is rejected. Toy
//! parameters (`SystemParams::new_for_testing`).

use std::sync::{
    atomic::{AtomicU32, Ordering},
    Arc, Mutex,
};

use openvm_stark_backend::{
    interaction::{BusIndex, InteractionBuilder, LookupBus},
    p3_air::{Air, BaseAir, BaseAirWithPublicValues, PairBuilder},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    AirRef, PartitionedBaseAir, SystemParams,
};
use tessera_arch::{
    ExecutorInventory, ExecutorInventoryError, GuestInput, Instruction, RecordStore, SystemConfig,
    Transpiler, VmExecutionConfig, VmExecutionExtension,
};
use tessera_system::vm::{
    verify_single, CircuitExtension, Periphery, PeripheryRequest, PeripheryTable, SegmentChips,
    SegmentStart, SystemBuses, VirtualMachine, VirtualMachineError, VmCircuitConfig,
    MAX_PERIPHERY_TABLES,
};

use tessera_system::{F, SC};

use crate::{encode::*, Rv32Im};

/// A table of the 16 nibbles: preprocessed `value`, main `multiplicity`. `K` only makes
/// distinct table types.
struct Nibbles<const K: usize = 0> {
    bus: BusIndex,
    counts: Vec<AtomicU32>,
}

#[derive(Clone, Copy)]
struct NibblesAir {
    bus: BusIndex,
}

impl<T: Field> BaseAir<T> for NibblesAir {
    fn width(&self) -> usize {
        1
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<T>> {
        Some(RowMajorMatrix::new((0..16).map(T::from_u32).collect(), 1))
    }
}
impl<T: Field> BaseAirWithPublicValues<T> for NibblesAir {}
impl<T: Field> PartitionedBaseAir<T> for NibblesAir {}
impl<AB: InteractionBuilder + PairBuilder> Air<AB> for NibblesAir {
    fn eval(&self, builder: &mut AB) {
        let value = builder.preprocessed().row_slice(0).expect("a row")[0];
        let count = builder.main().row_slice(0).expect("a row")[0];
        LookupBus::new(self.bus).add_key_with_lookups(builder, [value], count);
    }
}

impl<const K: usize> PeripheryTable for Nibbles<K> {
    fn new(bus: BusIndex) -> Self {
        Self {
            bus,
            counts: (0..16).map(|_| AtomicU32::new(0)).collect(),
        }
    }
    fn air(&self) -> AirRef<SC> {
        Arc::new(NibblesAir { bus: self.bus })
    }
    fn rows(&self) -> usize {
        16
    }
    fn generate_trace(&self) -> RowMajorMatrix<F> {
        let counts = self.counts.iter();
        RowMajorMatrix::new(
            counts
                .map(|c| F::from_u32(c.load(Ordering::Relaxed)))
                .collect(),
            1,
        )
    }
}

/// Where each asking extension's chips found the table in the last segment.
static FOUND: Mutex<Vec<(&str, usize)>> = Mutex::new(Vec::new());

/// An extension with no instruction of its own that asks for [`Nibbles`] (or, with `many`,
/// for one more distinct table than a machine may have).
#[derive(Clone, Copy)]
struct Asks(&'static str, bool);

impl VmExecutionExtension<F> for Asks {
    fn extend_execution(&self, _: &mut ExecutorInventory<F>) -> Result<(), ExecutorInventoryError> {
        Ok(())
    }
    fn extend_transpiler(&self, transpiler: Transpiler<F>) -> Transpiler<F> {
        transpiler
    }
}

struct NoChips;
impl SegmentChips for NoChips {
    fn load_records(&mut self, _: &mut RecordStore) {}
    fn generate_traces(self: Box<Self>) -> Vec<Option<RowMajorMatrix<F>>> {
        Vec::new()
    }
}

impl CircuitExtension for Asks {
    fn name(&self) -> &'static str {
        self.0
    }
    fn periphery(&self) -> Vec<PeripheryRequest> {
        let mut tables = vec![PeripheryRequest::of::<Nibbles>()];
        if self.1 {
            tables.extend([
                PeripheryRequest::of::<Nibbles<1>>(),
                PeripheryRequest::of::<Nibbles<2>>(),
                PeripheryRequest::of::<Nibbles<3>>(),
                PeripheryRequest::of::<Nibbles<4>>(),
                PeripheryRequest::of::<Nibbles<5>>(),
                PeripheryRequest::of::<Nibbles<6>>(),
                PeripheryRequest::of::<Nibbles<7>>(),
                PeripheryRequest::of::<Nibbles<8>>(),
            ]);
        }
        tables
    }
    fn airs(&self, buses: &SystemBuses) -> Vec<AirRef<SC>> {
        // Every extension that asked sees the table's one bus.
        assert_eq!(
            buses.periphery.get::<Nibbles>(),
            tessera_arch::bus::FIRST_EXTENSION_BUS
        );
        Vec::new()
    }
    fn new_chips(&self, periphery: &Periphery, _: &[usize]) -> Box<dyn SegmentChips> {
        let table = periphery.get::<Nibbles>();
        FOUND
            .lock()
            .unwrap()
            .push((self.0, Arc::as_ptr(&table) as usize));
        Box::new(NoChips)
    }
    fn insn_air(&self, _: &Instruction<F>) -> Option<usize> {
        None
    }
}

/// RV32IM plus extensions that ask for tables.
struct Config {
    system: SystemConfig,
    asking: Vec<Asks>,
}

impl VmExecutionConfig<F> for Config {
    fn system(&self) -> &SystemConfig {
        &self.system
    }
    fn create_executors(&self) -> Result<ExecutorInventory<F>, ExecutorInventoryError> {
        let mut inventory = ExecutorInventory::default();
        Rv32Im.extend_execution(&mut inventory)?;
        Ok(inventory)
    }
    fn create_transpiler(&self) -> Transpiler<F> {
        Rv32Im.extend_transpiler(Transpiler::default())
    }
}

impl VmCircuitConfig for Config {
    fn circuit_extensions(&self) -> Vec<Box<dyn CircuitExtension>> {
        let mut extensions: Vec<Box<dyn CircuitExtension>> = vec![Box::new(Rv32Im)];
        extensions.extend(
            self.asking
                .iter()
                .map(|&a| Box::new(a) as Box<dyn CircuitExtension>),
        );
        extensions
    }
}

fn config(asking: &[&'static str]) -> Config {
    Config {
        system: SystemConfig::default(),
        asking: asking.iter().map(|&name| Asks(name, false)).collect(),
    }
}

#[test]
fn a_table_two_extensions_ask_for_is_made_once_and_proven() {
    let params = SystemParams::new_for_testing(16);
    let vm = VirtualMachine::new(config(&["first", "second"]), params.clone()).unwrap();
    let tables: Vec<usize> = (vm.airs().iter().enumerate())
        .filter(|(_, air)| air.name() == "NibblesAir")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(tables.len(), 1, "one AIR for the table");
    let table = tables[0];
    assert_eq!(table, vm.airs().len() - 1, "after the extensions' AIRs");

    // Metering counts the table's fixed rows in every segment.
    let words = [addi(10, 0, 7), addi(17, 0, 93), ECALL];
    let exe = Arc::new(exe_from_words::<F>(0x1000, &words).unwrap());
    let without = VirtualMachine::new(config(&[]), params).unwrap();
    let fixed = |costs: tessera_arch::MeteringCosts| costs.interactions.fixed;
    let min_height = 1u64 << vm.params().l_skip;
    assert_eq!(
        fixed(vm.metering_costs(&exe).unwrap()) - fixed(without.metering_costs(&exe).unwrap()),
        vm.interactions_per_row()[table] as u64 * 16u64.max(min_height)
    );

    // One segment: both extensions' chips get the same table.
    FOUND.lock().unwrap().clear();
    let keys = vm.keygen().unwrap();
    let preflight = vm
        .execute_preflight(
            &exe,
            SegmentStart::initial(&exe),
            &GuestInput::default(),
            100,
        )
        .unwrap();
    let traces = vm.generate_traces(&exe, preflight).unwrap();
    let found = FOUND.lock().unwrap().clone();
    assert_eq!(found.len(), 2);
    assert_eq!((found[0].0, found[1].0), ("first", "second"));
    assert_eq!(found[0].1, found[1].1, "the same table");
    assert_eq!(traces.heights()[table], 16);

    // Proven with the rest; a multiplicity the lookups did not make is rejected.
    let program = vm.commit_program(&exe).unwrap();
    let prove = |traces| {
        let ctx = vm.generate_proving_ctx(&keys.pk, &program, traces).unwrap();
        vm.prove(&vm.device_pk(&keys.pk), ctx)
            .map_err(|e| e.to_string())
            .and_then(|proof| {
                verify_single(vm.engine(), &keys.vk, &proof).map_err(|e| e.to_string())
            })
    };
    let mut tampered = vm
        .generate_traces(
            &exe,
            vm.execute_preflight(
                &exe,
                SegmentStart::initial(&exe),
                &GuestInput::default(),
                100,
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(prove(traces).unwrap().exit_code, Some(7));
    tampered.traces[table].as_mut().unwrap().values[3] += F::ONE;
    let error = prove(tampered).unwrap_err();
    assert!(error.contains("NonZeroRootSum"), "{error}");
}

#[test]
fn more_tables_than_a_machine_may_have_are_an_error() {
    // Many extensions asking for the same table make one.
    let names: Vec<&'static str> = (0..=MAX_PERIPHERY_TABLES)
        .map(|i| &*Box::leak(format!("asks-{i}").into_boxed_str()))
        .collect();
    let vm = VirtualMachine::new(config(&names), SystemParams::new_for_testing(16)).unwrap();
    let tables = vm.airs().iter().filter(|a| a.name() == "NibblesAir");
    assert_eq!(tables.count(), 1);
    // One extension asking for one more distinct table than fits is refused.
    let many = Config {
        system: SystemConfig::default(),
        asking: vec![Asks("many", true)],
    };
    assert_eq!(MAX_PERIPHERY_TABLES, 8);
    let error = VirtualMachine::new(many, SystemParams::new_for_testing(16))
        .err()
        .expect("nine tables");
    assert!(
        matches!(
            error,
            VirtualMachineError::TooManyPeripheryTables { max: 8 }
        ),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "the extensions ask for more than 8 periphery tables"
    );
}
