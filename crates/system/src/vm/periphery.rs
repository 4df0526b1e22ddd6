//! Periphery tables: lookup tables that extensions share. The system's own two, the range
//! checker and the bitwise lookup, are always there (the system chips use them); any other
//! table an extension asks for by type ([`CircuitExtension::periphery`](super::CircuitExtension::periphery)) and the machine makes
//! it once, however many extensions ask: one AIR, one bus, one chip per segment counting
//! everyone's lookups.

use std::{
    any::{Any, TypeId},
    sync::Arc,
};

use openvm_stark_backend::{interaction::BusIndex, p3_matrix::dense::RowMajorMatrix, AirRef};

use super::SystemBuses;
use crate::{bitwise::BitwiseLookupChip, range_checker::RangeCheckerChip, F, SC};

/// The most periphery tables beyond the system's two a machine may have.
pub const MAX_PERIPHERY_TABLES: usize = 8;

/// A lookup table extensions share: its AIR receives the lookups on its bus, and its chip
/// counts them during trace generation (with atomics: fillers run in parallel).
///
/// ```
/// use std::sync::{atomic::{AtomicU32, Ordering}, Arc};
/// use openvm_stark_backend::{
///     interaction::{BusIndex, InteractionBuilder, LookupBus},
///     p3_air::{Air, BaseAir, BaseAirWithPublicValues, PairBuilder},
///     p3_field::{Field, PrimeCharacteristicRing},
///     p3_matrix::{dense::RowMajorMatrix, Matrix},
///     AirRef, PartitionedBaseAir,
/// };
/// use tessera_system::{vm::PeripheryTable, F, SC};
///
/// /// The 16 nibbles (preprocessed) and how often each was looked up (main).
/// struct NibblesAir { bus: BusIndex }
/// impl<T: Field> BaseAir<T> for NibblesAir {
///     fn width(&self) -> usize { 1 }
///     fn preprocessed_trace(&self) -> Option<RowMajorMatrix<T>> {
///         Some(RowMajorMatrix::new((0..16).map(T::from_u32).collect(), 1))
///     }
/// }
/// impl<T: Field> BaseAirWithPublicValues<T> for NibblesAir {}
/// impl<T: Field> PartitionedBaseAir<T> for NibblesAir {}
/// impl<AB: InteractionBuilder + PairBuilder> Air<AB> for NibblesAir {
///     fn eval(&self, builder: &mut AB) {
///         let value = builder.preprocessed().row_slice(0).unwrap()[0];
///         let count = builder.main().row_slice(0).unwrap()[0];
///         LookupBus::new(self.bus).add_key_with_lookups(builder, [value], count);
///     }
/// }
///
/// /// Counts lookups of 4-bit values; a chip calls `look_up` as it fills its rows.
/// struct Nibbles { bus: BusIndex, counts: Vec<AtomicU32> }
/// impl Nibbles {
///     fn look_up(&self, value: u32) {
///         self.counts[value as usize].fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// impl PeripheryTable for Nibbles {
///     fn new(bus: BusIndex) -> Self {
///         Self { bus, counts: (0..16).map(|_| AtomicU32::new(0)).collect() }
///     }
///     fn air(&self) -> AirRef<SC> {
///         Arc::new(NibblesAir { bus: self.bus })
///     }
///     fn rows(&self) -> usize {
///         16
///     }
///     fn generate_trace(&self) -> RowMajorMatrix<F> {
///         let counts = self.counts.iter().map(|c| F::from_u32(c.load(Ordering::Relaxed)));
///         RowMajorMatrix::new(counts.collect(), 1)
///     }
/// }
///
/// let table = Nibbles::new(20);
/// table.look_up(3);
/// table.look_up(3);
/// let trace = table.generate_trace();
/// assert_eq!(trace.height(), table.rows());
/// assert_eq!(trace.values[3], F::TWO);
/// ```
pub trait PeripheryTable: Send + Sync + 'static {
    /// An empty table whose lookups come on `bus`.
    fn new(bus: BusIndex) -> Self
    where
        Self: Sized;
    /// Its AIR, receiving on the table's bus.
    fn air(&self) -> AirRef<SC>;
    /// Its height: a table has a fixed one (metering counts it in every segment).
    fn rows(&self) -> usize;
    /// Its trace, once every chip's lookups are counted.
    fn generate_trace(&self) -> RowMajorMatrix<F>;
}

/// An extension's request for a periphery table of type `T` ([`PeripheryRequest::of`]).
#[derive(Clone, Copy)]
pub struct PeripheryRequest {
    pub(super) type_id: TypeId,
    /// The table's type, for reports.
    pub name: &'static str,
    pub(super) create: fn(BusIndex) -> SharedTable,
}

impl PeripheryRequest {
    /// A request for the table `T`.
    pub fn of<T: PeripheryTable>() -> Self {
        Self {
            type_id: TypeId::of::<T>(),
            name: std::any::type_name::<T>(),
            create: |bus| {
                let table = Arc::new(T::new(bus));
                SharedTable {
                    any: table.clone(),
                    table,
                }
            },
        }
    }
}

/// One table, as the machine drives it and as extensions find it by type.
#[derive(Clone)]
pub(super) struct SharedTable {
    pub(super) table: Arc<dyn PeripheryTable>,
    any: Arc<dyn Any + Send + Sync>,
}

/// The buses of the periphery tables the extensions asked for, by type (in
/// [`SystemBuses::periphery`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct PeripheryBuses {
    entries: [Option<(TypeId, BusIndex)>; MAX_PERIPHERY_TABLES],
}

impl PeripheryBuses {
    pub(super) fn insert(&mut self, type_id: TypeId, bus: BusIndex) -> bool {
        match self.entries.iter_mut().find(|e| e.is_none()) {
            Some(slot) => {
                *slot = Some((type_id, bus));
                true
            }
            None => false,
        }
    }

    /// The bus of table `T`. Panics if no extension of the machine asked for `T` (a bug of
    /// the extension: its [`CircuitExtension::periphery`](super::CircuitExtension::periphery)
    /// must list it).
    pub fn get<T: PeripheryTable>(&self) -> BusIndex {
        self.entries
            .iter()
            .flatten()
            .find(|(id, _)| *id == TypeId::of::<T>())
            .map(|&(_, bus)| bus)
            .unwrap_or_else(|| {
                panic!(
                    "no extension asked for the periphery table {} (CircuitExtension::periphery)",
                    std::any::type_name::<T>()
                )
            })
    }
}

/// The periphery of one segment, shared by every extension's chips: they count the lookups
/// trace generation makes and become the multiplicity traces last.
#[derive(Clone)]
pub struct Periphery {
    pub range: Arc<RangeCheckerChip>,
    pub bitwise: Arc<BitwiseLookupChip>,
    /// The tables the extensions asked for, in the machine's order.
    pub(super) tables: Vec<SharedTable>,
}

impl Periphery {
    /// The system's two tables, on the system's buses, and no other.
    pub fn system() -> Self {
        Self {
            range: Arc::new(RangeCheckerChip::new(SystemBuses::default().range)),
            bitwise: Arc::default(),
            tables: Vec::new(),
        }
    }

    /// The table `T` of this segment, shared by every extension that asked for it. Panics if
    /// none did (see [`PeripheryBuses::get`]).
    pub fn get<T: PeripheryTable>(&self) -> Arc<T> {
        self.tables
            .iter()
            .find_map(|t| t.any.clone().downcast::<T>().ok())
            .unwrap_or_else(|| {
                panic!(
                    "no extension asked for the periphery table {} (CircuitExtension::periphery)",
                    std::any::type_name::<T>()
                )
            })
    }
}
