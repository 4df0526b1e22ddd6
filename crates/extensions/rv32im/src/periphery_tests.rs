//! Periphery tables by type: two extensions (beside RV32IM) ask for the same table and look
//! values up in it, and the machine makes it once: one AIR, one bus, one chip per segment that
//! both extensions' chips count into, its trace made after theirs. The proof balances only if
//! every lookup of both landed in the one table; a tampered lookup or multiplicity is rejected.
//! Toy parameters (`SystemParams::new_for_testing`).

use std::sync::{
    atomic::{AtomicU32, Ordering},
    Arc,
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

/// An extension's lookups into [`Nibbles`]: main `value, count`, one lookup per row.
#[derive(Clone, Copy)]
struct NibbleLookupAir {
    bus: BusIndex,
}

impl<T: Field> BaseAir<T> for NibbleLookupAir {
    fn width(&self) -> usize {
        2
    }
}
impl<T: Field> BaseAirWithPublicValues<T> for NibbleLookupAir {}
impl<T: Field> PartitionedBaseAir<T> for NibbleLookupAir {}
impl<AB: InteractionBuilder> Air<AB> for NibbleLookupAir {
    fn eval(&self, builder: &mut AB) {
        let row = builder.main().row_slice(0).expect("a row").to_vec();
        LookupBus::new(self.bus).lookup_key(builder, [row[0]], row[1]);
    }
}

/// An extension with no instruction of its own that asks for [`Nibbles`] (or, with `many`,
/// for one more distinct table than a machine may have) and looks up `values` in it in every
/// segment.
#[derive(Clone, Copy)]
struct Asks(&'static str, bool, &'static [u32]);

impl VmExecutionExtension<F> for Asks {
    fn extend_execution(&self, _: &mut ExecutorInventory<F>) -> Result<(), ExecutorInventoryError> {
        Ok(())
    }
    fn extend_transpiler(&self, transpiler: Transpiler<F>) -> Transpiler<F> {
        transpiler
    }
}

struct Lookups {
    table: Arc<Nibbles>,
    values: &'static [u32],
}

impl SegmentChips for Lookups {
    fn load_records(&mut self, _: &mut RecordStore) {}
    fn generate_traces(self: Box<Self>) -> Vec<Option<RowMajorMatrix<F>>> {
        let mut trace = Vec::new();
        for &value in self.values {
            self.table.counts[value as usize].fetch_add(1, Ordering::Relaxed);
            trace.extend([F::from_u32(value), F::ONE]);
        }
        trace.resize(2 * self.values.len().next_power_of_two(), F::ZERO);
        vec![Some(RowMajorMatrix::new(trace, 2))]
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
        // Every extension that asked sees the table's one bus, numbered before their own.
        let bus = buses.periphery.get::<Nibbles>();
        assert_eq!(bus, tessera_arch::bus::FIRST_EXTENSION_BUS);
        vec![Arc::new(NibbleLookupAir { bus })]
    }
    fn new_chips(&self, periphery: &Periphery, _: &[usize]) -> Box<dyn SegmentChips> {
        Box::new(Lookups {
            table: periphery.get::<Nibbles>(),
            values: self.2,
        })
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

/// Extensions that ask for [`Nibbles`]: the first looks up 3, 3 and 5, the others 15.
fn config(asking: &[&'static str]) -> Config {
    Config {
        system: SystemConfig::default(),
        asking: (asking.iter().enumerate())
            .map(|(i, &name)| Asks(name, false, if i == 0 { &[3, 3, 5] } else { &[15] }))
            .collect(),
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

    // One segment: both extensions' lookups are counted in the one table, after their
    // traces are filled.
    let keys = vm.keygen().unwrap();
    let segment = || {
        let start = SegmentStart::initial(&exe);
        let preflight = vm
            .execute_preflight(&exe, start, &GuestInput::default(), 100)
            .unwrap();
        vm.generate_traces(&exe, preflight).unwrap()
    };
    let traces = segment();
    let counts = traces.traces[table].as_ref().unwrap().values.clone();
    let mut expected = vec![F::ZERO; 16];
    expected[3] = F::TWO;
    expected[5] = F::ONE;
    expected[15] = F::ONE;
    assert_eq!(counts, expected);

    // Proven with the rest; a lookup of another value, or a multiplicity the lookups did not
    // make, is rejected.
    let program = vm.commit_program(&exe).unwrap();
    let prove = |traces| {
        let ctx = vm.generate_proving_ctx(&keys.pk, &program, traces).unwrap();
        vm.prove(&vm.device_pk(&keys.pk), ctx)
            .map_err(|e| e.to_string())
            .and_then(|proof| {
                verify_single(vm.engine(), &keys.vk, &proof).map_err(|e| e.to_string())
            })
    };
    assert_eq!(prove(traces).unwrap().exit_code, Some(7));
    let lookups = vm
        .airs()
        .iter()
        .position(|a| a.name() == "NibbleLookupAir")
        .unwrap();
    let mut other_value = segment();
    other_value.traces[lookups].as_mut().unwrap().values[0] += F::ONE;
    let mut extra_count = segment();
    extra_count.traces[table].as_mut().unwrap().values[4] += F::ONE;
    for tampered in [other_value, extra_count] {
        let error = prove(tampered).unwrap_err();
        assert!(error.contains("NonZeroRootSum"), "{error}");
    }
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
        asking: vec![Asks("many", true, &[])],
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
