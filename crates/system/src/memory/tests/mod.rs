//! Tests of the memory commitment and chips. Proofs use toy parameters
//! (`crate::test_utils`, `SystemParams::new_for_testing`): they check constraints and buses, not
//! security.

mod honest;
mod negative;
mod tamper;
mod tree;

use tamper::*;

use std::{
    borrow::{Borrow, BorrowMut},
    collections::HashMap,
    sync::Arc,
};

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing, PrimeField32},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    prover::{AirProvingContext, ProvingContext},
    AirRef, PartitionedBaseAir, StarkEngine,
};
use p3_baby_bear::BabyBear;
use tessera_arch::{
    bus::{MemoryBus, MEMORY_BLOCK, MEMORY_BUS},
    execution::tracing_memory::{AccessRecord, TracingMemory},
    SparseMemoryImage,
};

use super::*;
use crate::{
    poseidon2::{compress, Digest, Poseidon2Air, Poseidon2Bus, Poseidon2Chip},
    test_utils::{prove_and_verify_contexts, test_engine, TestBackend},
    SC,
};

type F = BabyBear;

/// Address spaces of 1 KiB (the public output's size): 128 leaves each, root at height 9.
const DIMS: MemoryDimensions = MemoryDimensions::new(10);
/// Toy parameters sized for traces of up to 2^10 rows.
const LOG_HEIGHT: usize = 10;
const MEMORY: MemoryBus = MemoryBus::new(MEMORY_BUS);
const MERKLE: MerkleBus = MerkleBus::new(MERKLE_BUS);
const POSEIDON2: Poseidon2Bus = Poseidon2Bus::new(POSEIDON2_BUS);

/// A test AIR that plays memory accesses as instructions would: each row receives a word's
/// previous contents and timestamp and sends its new ones. (Unlike `MemoryBridge` it does not
/// check that timestamps grow: these tests are about the boundary and the tree.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
struct AccessCols<T> {
    address_space: T,
    pointer: T,
    prev_data: [T; MEMORY_BLOCK],
    prev_timestamp: T,
    data: [T; MEMORY_BLOCK],
    timestamp: T,
    enabled: T,
}
tessera_arch::impl_columns!(AccessCols);

struct AccessAir;

impl<F: Field> BaseAir<F> for AccessAir {
    fn width(&self) -> usize {
        AccessCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for AccessAir {}
impl<F: Field> PartitionedBaseAir<F> for AccessAir {}

impl<AB: InteractionBuilder> Air<AB> for AccessAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let c: AccessCols<AB::Var> = {
            let row = main.row_slice(0).expect("row");
            *(*row).borrow()
        };
        builder.assert_bool(c.enabled);
        MEMORY.receive(
            builder,
            c.address_space,
            c.pointer,
            c.prev_data,
            c.prev_timestamp,
            c.enabled,
        );
        MEMORY.send(
            builder,
            c.address_space,
            c.pointer,
            c.data,
            c.timestamp,
            c.enabled,
        );
    }
}

fn airs() -> Vec<AirRef<SC>> {
    vec![
        Arc::new(MemoryBoundaryAir {
            memory_bus: MEMORY,
            merkle_bus: MERKLE,
        }),
        Arc::new(MemoryMerkleAir {
            dims: DIMS,
            merkle_bus: MERKLE,
            poseidon2_bus: POSEIDON2,
        }),
        Arc::new(Poseidon2Air::new(POSEIDON2)),
        Arc::new(AccessAir),
    ]
}

/// One memory access of the test run.
#[derive(Clone, Copy, Debug)]
enum Access {
    Read(u32, u32),
    Write(u32, u32, [u8; 4]),
}

/// Registers, main memory and public output, a few non-zero words each.
fn initial_image() -> SparseMemoryImage {
    SparseMemoryImage::from([
        ((1, 4), 0x1122_3344),
        ((1, 8), 7),
        ((1, 12), 9),
        ((2, 0x100), 0xdead_beef),
        ((2, 0x104), 0x0102_0304),
        ((2, 0x200), 5),
        ((2, 0x3fc), 0xffff_ffff),
        ((3, 0x10), 0x55),
    ])
}

/// Touches 8 leaves: words read and never changed, a leaf with only one touched word (in each
/// address space), a word written with its old value, a word accessed three times, a word made
/// zero, a read of zero memory, the last leaf of an address space.
fn honest_accesses() -> Vec<Access> {
    use Access::*;
    vec![
        Read(1, 4),                    // x1, unchanged; x0 (same leaf) untouched
        Write(1, 8, [1, 2, 3, 4]),     // x2; x3 (same leaf) untouched
        Read(2, 0x100),                // both words of leaf 0x20
        Write(2, 0x104, [9, 9, 9, 9]), //
        Read(2, 0x104),                //
        Write(2, 0x200, [5, 0, 0, 0]), // its old value: unchanged
        Read(2, 0x208),                // zero memory, unchanged
        Write(2, 0x3fc, [0; 4]),       // last leaf of the space, made zero
        Write(3, 0, [0x2a, 0, 0, 0]),  // public output; 0x4 untouched
        Write(3, 0x14, [1, 1, 1, 1]),  // next to a non-zero word
        Read(1, 4),                    // x1 again
    ]
}

fn word(image: &SparseMemoryImage, space: u32, pointer: u32) -> [u8; 4] {
    image
        .get(&(space, pointer))
        .copied()
        .unwrap_or(0)
        .to_le_bytes()
}

/// A run's traces and public values, before the Poseidon2 table (built from the Merkle rows).
struct Run {
    boundary: RowMajorMatrix<F>,
    merkle: RowMajorMatrix<F>,
    pvs: MemoryMerklePvs<F>,
    accesses: RowMajorMatrix<F>,
}

/// What an honest run produces besides its traces.
struct Honest {
    run: Run,
    /// The Poseidon2 table of the compressions trace generation requested.
    poseidon2: RowMajorMatrix<F>,
    initial_image: SparseMemoryImage,
    final_image: SparseMemoryImage,
    final_tree: MemoryTree,
}

/// Executes `accesses` on `image` with a `TracingMemory` and generates the memory traces.
fn run(image: SparseMemoryImage, accesses: &[Access]) -> Honest {
    let initial = image.clone();
    let mut memory = TracingMemory::new(move |space, pointer| word(&initial, space, pointer), 1);
    let mut final_image = image.clone();
    let mut rows = Vec::new();
    for &access in accesses {
        let (space, pointer, record, data): (u32, u32, AccessRecord, [u8; 4]) = match access {
            Access::Read(space, pointer) => {
                let (data, record) = memory.read(space, pointer);
                (space, pointer, record, data)
            }
            Access::Write(space, pointer, data) => {
                final_image.insert((space, pointer), u32::from_le_bytes(data));
                (space, pointer, memory.write(space, pointer, data), data)
            }
        };
        rows.push(AccessCols {
            address_space: F::from_u32(space),
            pointer: F::from_u32(pointer),
            prev_data: record.prev.data.map(F::from_u8),
            prev_timestamp: F::from_u32(record.prev.timestamp),
            data: data.map(F::from_u8),
            timestamp: F::from_u32(record.timestamp),
            enabled: F::ONE,
        });
    }
    let width = AccessCols::<F>::WIDTH;
    let mut values = F::zero_vec(rows.len().next_power_of_two() * width);
    for (row, cols) in values.chunks_exact_mut(width).zip(rows) {
        *<[F] as BorrowMut<AccessCols<F>>>::borrow_mut(row) = cols;
    }

    let mut tree = MemoryTree::new(DIMS, &image).expect("image fits");
    let chip = Poseidon2Chip::new();
    let traces = generate_memory_traces(&mut tree, &memory.touched(), &chip);
    Honest {
        run: Run {
            boundary: traces.boundary,
            merkle: traces.merkle,
            pvs: traces.public_values,
            accesses: RowMajorMatrix::new(values, width),
        },
        poseidon2: chip.generate_trace(),
        initial_image: image,
        final_image,
        final_tree: tree,
    }
}

fn honest() -> Honest {
    run(initial_image(), &honest_accesses())
}

/// The Poseidon2 table serving every compression the Merkle rows look up (`is_real` times).
fn poseidon2_table(merkle: &RowMajorMatrix<F>) -> RowMajorMatrix<F> {
    let chip = Poseidon2Chip::new();
    for row in merkle.rows() {
        let row: Vec<F> = row.collect();
        let c: &MemoryMerkleCols<F> = row[..].borrow();
        for _ in 0..c.is_real.as_canonical_u32() {
            let _ = chip.compress(c.initial[0], c.initial[1]);
            let _ = chip.compress(c.final_[0], c.final_[1]);
        }
    }
    chip.generate_trace()
}

/// The proving contexts of a run, with a Poseidon2 table for its Merkle rows.
fn contexts(run: Run) -> Vec<AirProvingContext<TestBackend>> {
    let poseidon2 = poseidon2_table(&run.merkle);
    let pvs = run
        .pvs
        .initial_root
        .into_iter()
        .chain(run.pvs.final_root)
        .collect();
    vec![
        AirProvingContext::simple_no_pis(run.boundary),
        AirProvingContext::simple(run.merkle, pvs),
        AirProvingContext::simple_no_pis(poseidon2),
        AirProvingContext::simple_no_pis(run.accesses),
    ]
}

/// Keygen, prove and verify a run (toy parameters).
fn prove(run: Run) -> Result<(), String> {
    prove_and_verify_contexts(&test_engine(LOG_HEIGHT), airs(), contexts(run))
}
