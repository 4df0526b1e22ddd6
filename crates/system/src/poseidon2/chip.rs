use std::{
    borrow::BorrowMut,
    collections::HashMap,
    mem::MaybeUninit,
    sync::{Mutex, PoisonError},
};

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
    p3_maybe_rayon::prelude::*,
};
use p3_baby_bear::{BabyBear, GenericPoseidon2LinearLayersBabyBear};
use p3_poseidon2_air::generate_trace_rows_for_perm;

use super::{
    compression_input, permute, truncate, Digest, Poseidon2Air, Poseidon2SubCols,
    POSEIDON2_HALF_FULL_ROUNDS, POSEIDON2_PARTIAL_ROUNDS, POSEIDON2_ROUND_CONSTANTS,
    POSEIDON2_SBOX_DEGREE, POSEIDON2_SBOX_REGISTERS, POSEIDON2_WIDTH,
};

/// Shards of the request map (a power of two), so that threads rarely wait on each other.
const SHARDS: usize = 64;

type Input = [BabyBear; POSEIDON2_WIDTH];

/// A distinct permutation input: how often it was requested, and its compression.
struct Record {
    count: u32,
    output: Digest,
}

/// Records the compressions of trace generation (from any thread) and produces the trace of
/// [`Poseidon2Air`]. Identical inputs share one row, whose multiplicity counts the requests.
pub struct Poseidon2Chip {
    shards: Box<[Mutex<HashMap<Input, Record>>]>,
}

impl Default for Poseidon2Chip {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

fn shard(input: &Input) -> usize {
    // A cheap mix of every element (inputs may share their left or right half).
    let mut h = 0u32;
    for x in input {
        h = (h ^ x.as_canonical_u32()).wrapping_mul(0x9e37_79b9);
    }
    (h >> (32 - SHARDS.trailing_zeros())) as usize
}

impl Poseidon2Chip {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one request of `compress(left, right)` and returns the digest.
    pub fn compress(&self, left: Digest, right: Digest) -> Digest {
        self.request(compression_input(left, right))
    }

    /// Records one request of the compression of the permutation input `input` (`left ||
    /// right`) and returns the digest.
    pub fn request(&self, input: Input) -> Digest {
        let shard = &self.shards[shard(&input)];
        {
            let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(record) = map.get_mut(&input) {
                record.count += 1;
                return record.output;
            }
        }
        // A new input: permute without holding the lock. Another thread may insert it
        // meanwhile; both requests are still counted.
        let output = truncate(permute(input));
        let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(input)
            .or_insert(Record { count: 0, output })
            .count += 1;
        output
    }

    /// Distinct inputs recorded so far (the trace's non-padding rows).
    pub fn num_records(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    /// Rows of the trace [`Self::generate_trace`] would produce now: the distinct inputs
    /// rounded up to a power of two (at least 1).
    pub fn trace_height(&self) -> usize {
        self.num_records().next_power_of_two()
    }

    /// The main trace of [`Poseidon2Air`]: one row per distinct input (sorted by input), with its
    /// request count, then padding rows (the all-zero input, count 0) up to a power of two.
    /// The records are taken: the chip is empty afterwards.
    pub fn generate_trace(&self) -> RowMajorMatrix<BabyBear> {
        let mut records: Vec<(Input, u32)> = self
            .shards
            .iter()
            .flat_map(|s| {
                std::mem::take(&mut *s.lock().unwrap_or_else(PoisonError::into_inner))
                    .into_iter()
                    .map(|(input, record)| (input, record.count))
            })
            .collect();
        records.sort_unstable_by_key(|&(input, _)| input);
        generate_trace(&records)
    }
}

/// The trace of `(input, count)` rows, padded to a power of two with zero-input rows of count 0.
pub(super) fn generate_trace(records: &[(Input, u32)]) -> RowMajorMatrix<BabyBear> {
    let width = Poseidon2Air::WIDTH;
    let height = records.len().next_power_of_two();
    let mut values = BabyBear::zero_vec(height * width);
    let (used, padding) = values.split_at_mut(records.len() * width);
    used.par_chunks_mut(width)
        .zip(records.par_iter())
        .for_each(|(row, (input, count))| fill_row(row, *input, *count));
    if let Some((first, rest)) = padding.split_at_mut_checked(width) {
        fill_row(first, [BabyBear::ZERO; POSEIDON2_WIDTH], 0);
        rest.par_chunks_mut(width)
            .for_each(|row| row.copy_from_slice(first));
    }
    RowMajorMatrix::new(values, width)
}

/// Writes the permutation columns of `input` and the multiplicity `count` into `row`.
fn fill_row(row: &mut [BabyBear], input: Input, count: u32) {
    assert!(
        count < BabyBear::ORDER_U32,
        "Poseidon2 input requested {count} times: multiplicity overflows the field"
    );
    let (sub_row, multiplicity) = row.split_at_mut(Poseidon2Air::SUB_WIDTH);
    // SAFETY: `MaybeUninit<BabyBear>` has the layout of `BabyBear`, and the generator only
    // writes initialized values through it.
    let sub_row = unsafe { &mut *(sub_row as *mut [BabyBear] as *mut [MaybeUninit<BabyBear>]) };
    let cols: &mut Poseidon2SubCols<MaybeUninit<BabyBear>> = sub_row.borrow_mut();
    generate_trace_rows_for_perm::<
        BabyBear,
        GenericPoseidon2LinearLayersBabyBear,
        POSEIDON2_WIDTH,
        POSEIDON2_SBOX_DEGREE,
        POSEIDON2_SBOX_REGISTERS,
        POSEIDON2_HALF_FULL_ROUNDS,
        POSEIDON2_PARTIAL_ROUNDS,
    >(cols, input, &POSEIDON2_ROUND_CONSTANTS);
    multiplicity[0] = BabyBear::from_u32(count);
}
