//! The gadgets in tiny test AIRs: honest rows pass the debug constraint check (and prove, with
//! toy parameters), and for every constraint a tampered row violates it. [`Probe`] evaluates
//! a test AIR on one row and lists the indices of the constraints it violates (in the order
//! the AIR asserts them) and the lookups it sends, so that each negative test names the
//! constraint it breaks; the same rows are also rejected by the backend's debug check or, for
//! the byte lookups, by the prover (the bus does not balance).

use std::{
    borrow::{Borrow, BorrowMut},
    panic::{catch_unwind, AssertUnwindSafe},
    sync::Arc,
};

use openvm_stark_backend::{
    air_builders::debug::check_constraints,
    interaction::{BusIndex, Interaction, InteractionBuilder},
    p3_air::{Air, AirBuilder, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing, PrimeField32},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    AirRef, AnyAir, PartitionedBaseAir,
};
use p3_baby_bear::BabyBear;
use tessera_arch::bus::{BitwiseBus, MEMORY_BLOCK};

use super::*;
use crate::{
    bitwise::{BitwiseLookupAir, BitwiseLookupChip},
    test_utils::prove_and_verify,
    SC,
};

type F = BabyBear;
const BITWISE: BitwiseBus = BitwiseBus::new(4);

// ---------------------------------------------------------------------------------------------
// The probe: one row, constraints counted in order.

struct Probe {
    row: Vec<F>,
    next: usize,
    violated: Vec<usize>,
    interactions: Vec<Interaction<F>>,
}

impl AirBuilder for Probe {
    type F = F;
    type Expr = F;
    type Var = F;
    type M = RowMajorMatrix<F>;

    fn main(&self) -> Self::M {
        RowMajorMatrix::new(
            [self.row.clone(), self.row.clone()].concat(),
            self.row.len(),
        )
    }
    fn is_first_row(&self) -> F {
        F::ZERO
    }
    fn is_last_row(&self) -> F {
        F::ZERO
    }
    fn is_transition_window(&self, _: usize) -> F {
        F::ONE
    }
    fn assert_zero<I: Into<F>>(&mut self, x: I) {
        if x.into() != F::ZERO {
            self.violated.push(self.next);
        }
        self.next += 1;
    }
}

impl InteractionBuilder for Probe {
    fn push_interaction<E: Into<F>>(
        &mut self,
        bus_index: BusIndex,
        fields: impl IntoIterator<Item = E>,
        count: impl Into<F>,
        count_weight: u32,
    ) {
        self.interactions.push(Interaction {
            message: fields.into_iter().map(Into::into).collect(),
            count: count.into(),
            bus_index,
            count_weight,
        });
    }
    fn num_interactions(&self) -> usize {
        self.interactions.len()
    }
    fn all_interactions(&self) -> &[Interaction<F>] {
        &self.interactions
    }
}

/// The constraints `row` violates and the `(value, count)` of its byte lookups.
fn probe<A: Air<Probe>>(air: &A, row: &[F]) -> (Vec<usize>, Vec<(F, F)>) {
    let mut probe = Probe {
        row: row.to_vec(),
        next: 0,
        violated: Vec::new(),
        interactions: Vec::new(),
    };
    air.eval(&mut probe);
    let lookups = probe
        .interactions
        .iter()
        .map(|i| (i.message[0], i.count))
        .collect();
    (probe.violated, lookups)
}

/// The backend's debug constraint check of one AIR (it panics on the first violation).
fn debug_check<A>(air: &A, rows: &[Vec<F>]) -> Result<(), String>
where
    A: for<'a> Air<openvm_stark_backend::air_builders::debug::DebugConstraintBuilder<'a, SC>>
        + BaseAir<F>
        + PartitionedBaseAir<F>,
{
    let width = air.width();
    let height = rows.len().next_power_of_two();
    let mut values: Vec<F> = rows.concat();
    values.resize(height * width, F::ZERO);
    let trace = RowMajorMatrix::new(values, width);
    catch_unwind(AssertUnwindSafe(|| {
        check_constraints::<A, SC>(air, "test", &None, &[trace.as_view()], &[])
    }))
    .map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "constraint check panicked".into())
    })
}

/// A row that violates exactly `constraints` and that the debug check rejects.
fn assert_rejected<A>(air: &A, row: &[F], constraints: &[usize])
where
    A: Air<Probe>
        + for<'a> Air<openvm_stark_backend::air_builders::debug::DebugConstraintBuilder<'a, SC>>
        + BaseAir<F>
        + PartitionedBaseAir<F>,
{
    assert_eq!(probe(air, row).0, constraints, "violated constraints");
    let err = debug_check(air, &[row.to_vec()]).unwrap_err();
    assert!(err.contains("air test"), "{err}");
}

fn field(v: u32) -> F {
    F::from_u32(v)
}

/// Test AIRs: no public values, one common main.
macro_rules! test_air {
    ($air:ident, $cols:ident) => {
        impl<T: Field> BaseAir<T> for $air {
            fn width(&self) -> usize {
                $cols::<T>::WIDTH
            }
        }
        impl<T: Field> BaseAirWithPublicValues<T> for $air {}
        impl<T: Field> PartitionedBaseAir<T> for $air {}
    };
}

// ---------------------------------------------------------------------------------------------
// Is-zero. Constraints: 0 condition boolean, 1 `out * x = 0`, 2 `x * inv + out = condition`.

#[repr(C)]
struct IsZeroTestCols<T> {
    x: T,
    out: T,
    condition: T,
    test: IsZeroCols<T>,
}
tessera_arch::impl_columns!(IsZeroTestCols);

struct IsZeroTestAir;
test_air!(IsZeroTestAir, IsZeroTestCols);

impl<AB: InteractionBuilder> Air<AB> for IsZeroTestAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("row").to_vec();
        let c: &IsZeroTestCols<AB::Var> = row[..].borrow();
        builder.assert_bool(c.condition);
        c.test.eval(builder, c.x, c.out, c.condition);
    }
}

fn is_zero_row(x: F, out: F, condition: F, inv: F) -> Vec<F> {
    vec![x, out, condition, inv]
}

fn honest_is_zero_row(x: F, condition: bool) -> Vec<F> {
    let test = IsZeroCols::fill(x, condition);
    let out = F::from_bool(condition && x == F::ZERO);
    is_zero_row(x, out, F::from_bool(condition), test.inv)
}

#[test]
fn is_zero_accepts_honest_rows() {
    let mut rows = Vec::new();
    for x in [F::ZERO, F::ONE, field(2), field(12345), -F::ONE] {
        for condition in [false, true] {
            let row = honest_is_zero_row(x, condition);
            assert_eq!(probe(&IsZeroTestAir, &row).0, Vec::<usize>::new());
            rows.push(row);
        }
    }
    debug_check(&IsZeroTestAir, &rows).unwrap();
    let height = rows.len().next_power_of_two();
    let mut values = rows.concat();
    values.resize(height * IsZeroTestCols::<F>::WIDTH, F::ZERO);
    let trace = RowMajorMatrix::new(values, IsZeroTestCols::<F>::WIDTH);
    prove_and_verify(vec![Arc::new(IsZeroTestAir) as AirRef<SC>], vec![trace], 4).unwrap();
}

#[test]
fn is_zero_rejects_tampered_rows() {
    let air = IsZeroTestAir;
    // 1: "zero" for a nonzero value (the inverse constraint holds: 5 * 0 + 1 = 1).
    assert_rejected(&air, &is_zero_row(field(5), F::ONE, F::ONE, F::ZERO), &[1]);
    // 2: "nonzero" for zero: no inverse of 0 exists.
    assert_rejected(&air, &is_zero_row(F::ZERO, F::ZERO, F::ONE, F::ONE), &[2]);
    // 2: a wrong inverse for a nonzero value.
    let mut row = honest_is_zero_row(field(5), true);
    row[3] += F::ONE;
    assert_rejected(&air, &row, &[2]);
    // 2: a disabled row claims a result.
    assert_rejected(&air, &is_zero_row(F::ZERO, F::ONE, F::ZERO, F::ZERO), &[2]);
    // 0: the condition is the caller's to keep boolean (a condition 2 lets `out = 2`).
    assert_rejected(&air, &is_zero_row(F::ZERO, F::TWO, F::TWO, F::ZERO), &[0]);
}

// ---------------------------------------------------------------------------------------------
// Is-equal. Constraints: 0 condition boolean, 1..=4 `out * (x_i - y_i) = 0`, 5
// `S * diff_inv + out = condition`.

#[repr(C)]
struct IsEqualTestCols<T> {
    x: [T; MEMORY_BLOCK],
    y: [T; MEMORY_BLOCK],
    out: T,
    condition: T,
    test: IsEqualCols<T>,
}
tessera_arch::impl_columns!(IsEqualTestCols);

struct IsEqualTestAir;
test_air!(IsEqualTestAir, IsEqualTestCols);

impl<AB: InteractionBuilder> Air<AB> for IsEqualTestAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("row").to_vec();
        let c: &IsEqualTestCols<AB::Var> = row[..].borrow();
        builder.assert_bool(c.condition);
        c.test.eval(
            builder,
            c.x.map(Into::into),
            c.y.map(Into::into),
            c.out,
            c.condition,
        );
    }
}

fn is_equal_row(x: u32, y: u32, condition: bool) -> Vec<F> {
    let mut row = vec![F::ZERO; IsEqualTestCols::<F>::WIDTH];
    let c: &mut IsEqualTestCols<F> = row[..].borrow_mut();
    c.x = x.to_le_bytes().map(F::from_u8);
    c.y = y.to_le_bytes().map(F::from_u8);
    c.out = F::from_bool(condition && x == y);
    c.condition = F::from_bool(condition);
    c.test = IsEqualCols::fill(&c.x, &c.y, condition);
    row
}

fn is_equal_cols(row: &mut [F]) -> &mut IsEqualTestCols<F> {
    row.borrow_mut()
}

#[test]
fn is_equal_accepts_honest_rows() {
    let mut rows = Vec::new();
    let pairs = [
        (0, 0),
        (0x1234_5678, 0x1234_5678),
        (0x100, 0x001),
        (0xffff_ffff, 0),
        (7, 8),
        (0x8000_0000, 0x0000_0080),
    ];
    for (x, y) in pairs {
        for condition in [false, true] {
            let row = is_equal_row(x, y, condition);
            assert_eq!(probe(&IsEqualTestAir, &row).0, Vec::<usize>::new());
            rows.push(row);
        }
    }
    debug_check(&IsEqualTestAir, &rows).unwrap();
    let height = rows.len().next_power_of_two();
    let mut values = rows.concat();
    values.resize(height * IsEqualTestCols::<F>::WIDTH, F::ZERO);
    let trace = RowMajorMatrix::new(values, IsEqualTestCols::<F>::WIDTH);
    prove_and_verify(vec![Arc::new(IsEqualTestAir) as AirRef<SC>], vec![trace], 4).unwrap();
}

#[test]
fn is_equal_rejects_tampered_rows() {
    let air = IsEqualTestAir;
    // 1..=4: "equal" for words that differ in one byte (each byte in turn). The inverse
    // constraint is kept satisfied with diff_inv = 0 (S * 0 + 1 = 1).
    for i in 0..MEMORY_BLOCK {
        let y = 0x4433_2211 ^ (0x80 << (8 * i));
        let mut row = is_equal_row(0x4433_2211, y, true);
        is_equal_cols(&mut row).out = F::ONE;
        is_equal_cols(&mut row).test.diff_inv = F::ZERO;
        assert_rejected(&air, &row, &[1 + i]);
    }
    // 5: "different" for equal words: S = 0 has no inverse.
    let mut row = is_equal_row(0x1234_5678, 0x1234_5678, true);
    is_equal_cols(&mut row).out = F::ZERO;
    is_equal_cols(&mut row).test.diff_inv = F::ONE;
    assert_rejected(&air, &row, &[5]);
    // 5: a wrong inverse for different words.
    let mut row = is_equal_row(7, 8, true);
    is_equal_cols(&mut row).test.diff_inv += F::ONE;
    assert_rejected(&air, &row, &[5]);
    // 5: a disabled row claims equality.
    let mut row = is_equal_row(3, 3, false);
    is_equal_cols(&mut row).out = F::ONE;
    assert_rejected(&air, &row, &[5]);
    // 0: a non-boolean condition.
    let mut row = is_equal_row(3, 3, true);
    is_equal_cols(&mut row).condition = F::TWO;
    is_equal_cols(&mut row).out = F::TWO;
    assert_rejected(&air, &row, &[0]);
}

// ---------------------------------------------------------------------------------------------
// Is-less-than. Constraints: 0 condition boolean, 1 lt boolean; then for limb i = 3, 2, 1, 0:
// `2 + 2 (3 - i)` marker_i boolean, `3 + 2 (3 - i)` `(condition - prefix_i) d_i = 0`; then
// `10 + i` `marker_i (d_i - diff_val) = 0`; 14 prefix boolean; 15 `(condition - prefix) lt =
// 0`; 16 `(condition - prefix) (diff_val + 1) = 0`. One byte lookup `((2 lt - 1) diff_val - 1, 0)` with count `condition`.

#[repr(C)]
struct IsLessThanTestCols<T> {
    x: [T; MEMORY_BLOCK],
    y: [T; MEMORY_BLOCK],
    lt: T,
    condition: T,
    test: IsLessThanCols<T, MEMORY_BLOCK>,
}
tessera_arch::impl_columns!(IsLessThanTestCols);

struct IsLessThanTestAir;
test_air!(IsLessThanTestAir, IsLessThanTestCols);

impl<AB: InteractionBuilder> Air<AB> for IsLessThanTestAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("row").to_vec();
        let c: &IsLessThanTestCols<AB::Var> = row[..].borrow();
        builder.assert_bool(c.condition);
        builder.assert_bool(c.lt);
        let byte = c.test.eval(
            builder,
            c.x.map(Into::into),
            c.y.map(Into::into),
            c.lt,
            c.condition,
        );
        BITWISE.range_check(builder, byte, AB::Expr::ZERO, c.condition);
    }
}

/// Marker booleanity and the equal-above constraint of limb `i`.
fn marker_bool(i: usize) -> usize {
    2 + 2 * (3 - i)
}
fn above_equal(i: usize) -> usize {
    3 + 2 * (3 - i)
}

fn bytes(v: u32) -> [i32; 4] {
    v.to_le_bytes().map(i32::from)
}

fn is_less_than_row(x: u32, y: u32, condition: bool) -> Vec<F> {
    let mut row = vec![F::ZERO; IsLessThanTestCols::<F>::WIDTH];
    let c: &mut IsLessThanTestCols<F> = row[..].borrow_mut();
    c.x = x.to_le_bytes().map(F::from_u8);
    c.y = y.to_le_bytes().map(F::from_u8);
    c.condition = F::from_bool(condition);
    if condition {
        let w = LessThanWitness::new(bytes(x), bytes(y));
        assert_eq!(w.lt, x < y);
        c.lt = F::from_bool(w.lt);
        c.test = IsLessThanCols::fill(&w);
    }
    row
}

fn lt_cols(row: &mut [F]) -> &mut IsLessThanTestCols<F> {
    row.borrow_mut()
}

const LT_PAIRS: [(u32, u32); 8] = [
    (5, 5),
    (0x1234_5678, 0x1234_5679),
    (0x1234_5679, 0x1234_5678),
    (0x0101, 0x0202),
    (0xff, 0x100),
    (0x100, 0xff),
    (0x8000_0000, 0x7fff_ffff),
    (0, 0xffff_ffff),
];

/// Proves rows of the test AIR with the bitwise table counting the lookups the probe sees
/// (only those whose value is a byte: a cheat's non-byte value finds no entry).
fn prove_lookups<A>(air: A, rows: Vec<Vec<F>>) -> Result<(), String>
where
    A: Air<Probe> + AnyAir<SC> + 'static,
{
    let chip = BitwiseLookupChip::default();
    for row in &rows {
        for (value, count) in probe(&air, row).1 {
            if count == F::ONE && value.as_canonical_u32() < 256 {
                chip.request_range(value.as_canonical_u32(), 0);
            }
        }
    }
    let width = BaseAir::<F>::width(&air);
    let height = rows.len().next_power_of_two();
    let mut values = rows.concat();
    values.resize(height * width, F::ZERO);
    prove_and_verify(
        vec![
            Arc::new(air) as AirRef<SC>,
            Arc::new(BitwiseLookupAir { bus: BITWISE }),
        ],
        vec![RowMajorMatrix::new(values, width), chip.generate_trace()],
        16,
    )
}

fn assert_unbalanced(result: Result<(), String>) {
    let err = result.unwrap_err();
    assert!(err.contains("NonZeroRootSum"), "{err}");
}

#[test]
fn is_less_than_accepts_honest_rows() {
    let mut rows = Vec::new();
    for (x, y) in LT_PAIRS {
        for condition in [false, true] {
            let row = is_less_than_row(x, y, condition);
            let (violated, lookups) = probe(&IsLessThanTestAir, &row);
            assert_eq!(violated, Vec::<usize>::new());
            let (value, count) = lookups[0];
            assert!(count == F::ZERO || value.as_canonical_u32() < 256);
            rows.push(row);
        }
    }
    // A signed top limb: -1 (0xff read signed) < 0.
    let w = LessThanWitness::new([0, 0, 0, -1], [0, 0, 0, 0]);
    assert!(w.lt && w.diff_marker[3] && w.diff_val == 1 && w.lookup_value(true) == 0);
    debug_check(&IsLessThanTestAir, &rows).unwrap();
    prove_lookups(IsLessThanTestAir, rows).unwrap();
}

#[test]
fn is_less_than_rejects_tampered_rows() {
    let air = IsLessThanTestAir;
    // marker_i boolean: x = 0x0105 vs y = 0x0100 (x > y, decided at limb 0 by d_0 = -5).
    // Markers 2 at limb 1 (equal there) and -1 at limb 0 sum to one marker, but limb 1's
    // marker also demands d_1 = diff_val (here booleanity is implied; the assertion variant
    // below has a row where it is the only objection).
    let mut row = is_less_than_row(0x0105, 0x0100, true);
    lt_cols(&mut row).test.diff_marker[1] = F::TWO;
    lt_cols(&mut row).test.diff_marker[0] = -F::ONE;
    assert_rejected(&air, &row, &[marker_bool(1), marker_bool(0), 11]);
    // (condition - prefix_i) d_i: a marker on a lower limb than the top differing one. x =
    // 0x0201 vs y = 0x0102 (x > y at limb 1), marked at limb 0 where y_0 - x_0 = 1 claims x < y.
    let mut row = is_less_than_row(0x0201, 0x0102, true);
    let c = lt_cols(&mut row);
    c.test.diff_marker = [F::ONE, F::ZERO, F::ZERO, F::ZERO];
    c.test.diff_val = F::ONE;
    c.lt = F::ONE;
    assert_rejected(&air, &row, &[above_equal(1)]);
    // marker_i (d_i - diff_val): diff_val not the marked difference. 5 < 7 claimed false with
    // diff_val = -2 (lookup value 1 is a byte).
    let mut row = is_less_than_row(5, 7, true);
    let c = lt_cols(&mut row);
    c.lt = F::ZERO;
    c.test.diff_val = -F::TWO;
    assert_rejected(&air, &row, &[10]);
    // prefix boolean: two markers on differing limbs with the same difference (0x0101 vs
    // 0x0202: d_1 = d_0 = 1). Redundant (the lowest of two markers faces `(1 - 2) d_0 = 0`,
    // and d_0 = 0 would need diff_val = 0, which the lookup refuses), kept as the plain
    // statement of one-hot; it objects together with the others.
    let mut row = is_less_than_row(0x0101, 0x0202, true);
    lt_cols(&mut row).test.diff_marker[0] = F::ONE;
    assert_rejected(&air, &row, &[above_equal(0), 14, 15, 16]);
    // (condition - prefix) lt: "less" for equal words with no marker (diff_val 1, lookup 0).
    let mut row = is_less_than_row(5, 5, true);
    let c = lt_cols(&mut row);
    c.lt = F::ONE;
    c.test.diff_val = F::ONE;
    assert_rejected(&air, &row, &[15, 16]);
    // (condition - prefix) (diff_val + 1): equal words keep "not less" but with another of the
    // 255 other values the lookup allows (here -2: lookup value 1); the result is right, the
    // witness not canonical.
    let mut row = is_less_than_row(5, 5, true);
    lt_cols(&mut row).test.diff_val = -F::TWO;
    assert_rejected(&air, &row, &[16]);
    // 0 and 1: the caller's booleanity of condition and result.
    let mut row = is_less_than_row(5, 7, true);
    lt_cols(&mut row).lt = F::TWO;
    assert_eq!(probe(&air, &row).0, [1]);
    let mut row = is_less_than_row(5, 5, false);
    lt_cols(&mut row).condition = F::TWO;
    assert_eq!(probe(&air, &row).0, [0, 16]);
}

#[test]
fn is_less_than_lookup_decides_the_sign() {
    // Every constraint holds, only the byte lookup objects: 7 < 5 claimed with the marked
    // difference -2 as diff_val (lookup value (2 - 1)(-2) - 1 = -3).
    let mut row = is_less_than_row(7, 5, true);
    lt_cols(&mut row).lt = F::ONE;
    assert_eq!(probe(&IsLessThanTestAir, &row).0, Vec::<usize>::new());
    let mut rows = vec![is_less_than_row(1, 2, true), row];
    assert_unbalanced(prove_lookups(IsLessThanTestAir, rows.clone()));
    // A marker on an equal limb with diff_val 0: lookup value -1.
    rows[1] = is_less_than_row(0x0100, 0x0100, true);
    lt_cols(&mut rows[1]).test.diff_marker[0] = F::ONE;
    lt_cols(&mut rows[1]).test.diff_val = F::ZERO;
    assert_eq!(probe(&IsLessThanTestAir, &rows[1]).0, Vec::<usize>::new());
    assert_unbalanced(prove_lookups(IsLessThanTestAir, rows));
}

// ---------------------------------------------------------------------------------------------
// Assert-less-than. Constraints: 0 condition boolean; for limb i = 3, 2, 1, 0: `1 + 2 (3 - i)`
// marker_i boolean, `2 + 2 (3 - i)` `(condition - prefix_i) d_i = 0`; 9 `prefix = condition`.
// One byte lookup `(sum marker_i d_i - condition, 0)` with count `condition`.

#[repr(C)]
struct AssertLessThanTestCols<T> {
    x: [T; MEMORY_BLOCK],
    y: [T; MEMORY_BLOCK],
    condition: T,
    test: AssertLessThanCols<T, MEMORY_BLOCK>,
}
tessera_arch::impl_columns!(AssertLessThanTestCols);

struct AssertLessThanTestAir;
test_air!(AssertLessThanTestAir, AssertLessThanTestCols);

impl<AB: InteractionBuilder> Air<AB> for AssertLessThanTestAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("row").to_vec();
        let c: &AssertLessThanTestCols<AB::Var> = row[..].borrow();
        builder.assert_bool(c.condition);
        let byte = c.test.eval(
            builder,
            c.x.map(Into::into),
            c.y.map(Into::into),
            c.condition,
        );
        BITWISE.range_check(builder, byte, AB::Expr::ZERO, c.condition);
    }
}

fn assert_lt_row(x: u32, y: u32, condition: bool) -> Vec<F> {
    let mut row = vec![F::ZERO; AssertLessThanTestCols::<F>::WIDTH];
    let c: &mut AssertLessThanTestCols<F> = row[..].borrow_mut();
    c.x = x.to_le_bytes().map(F::from_u8);
    c.y = y.to_le_bytes().map(F::from_u8);
    c.condition = F::from_bool(condition);
    if condition {
        c.test = AssertLessThanCols::fill(&LessThanWitness::new(bytes(x), bytes(y)));
    }
    row
}

fn assert_cols(row: &mut [F]) -> &mut AssertLessThanTestCols<F> {
    row.borrow_mut()
}

#[test]
fn assert_less_than_accepts_honest_rows() {
    let mut rows = Vec::new();
    for (x, y) in LT_PAIRS {
        rows.push(assert_lt_row(x, y, false));
        if x < y {
            let row = assert_lt_row(x, y, true);
            let (violated, lookups) = probe(&AssertLessThanTestAir, &row);
            assert_eq!(violated, Vec::<usize>::new());
            assert!(lookups[0].0.as_canonical_u32() < 256);
            rows.push(row);
        }
    }
    debug_check(&AssertLessThanTestAir, &rows).unwrap();
    prove_lookups(AssertLessThanTestAir, rows).unwrap();
}

#[test]
fn assert_less_than_rejects_tampered_rows() {
    let air = AssertLessThanTestAir;
    // marker_i boolean, the only objection: x = 0x0105 > y = 0x0100. Markers 2 (limb 1, equal)
    // and -1 (limb 0) sum to the condition, every limb above is equal, and the marked sum
    // 2 * 0 + (-1)(-5) = 5 gives the byte 4: without booleanity x < y would be "proven".
    let mut row = assert_lt_row(0x0105, 0x0100, false);
    let c = assert_cols(&mut row);
    c.condition = F::ONE;
    c.test.diff_marker[1] = F::TWO;
    c.test.diff_marker[0] = -F::ONE;
    assert_rejected(&air, &row, &[1 + 2 * 2, 1 + 2 * 3]);
    assert_eq!(probe(&air, &row).1, [(field(4), F::ONE)]);
    // (condition - prefix_i) d_i: the marker below the top differing limb (0x0201 vs 0x0102,
    // marked at limb 0 where y_0 - x_0 = 1).
    let mut row = assert_lt_row(0x0201, 0x0102, false);
    let c = assert_cols(&mut row);
    c.condition = F::ONE;
    c.test.diff_marker[0] = F::ONE;
    assert_rejected(&air, &row, &[2 + 2 * 2]);
    // prefix = condition: no marker on an enabled row (equal words, lookup value -1 aside).
    let mut row = assert_lt_row(5, 5, false);
    assert_cols(&mut row).condition = F::ONE;
    assert_rejected(&air, &row, &[9]);
    // ... and a marker on a disabled row.
    let mut row = assert_lt_row(5, 5, false);
    assert_cols(&mut row).test.diff_marker[0] = F::ONE;
    assert_rejected(&air, &row, &[9]);
    // 0: a non-boolean condition.
    let mut row = assert_lt_row(5, 6, true);
    assert_cols(&mut row).condition = F::TWO;
    assert_eq!(probe(&air, &row).0, [0, 2 + 2 * 3, 9]);
}

#[test]
fn assert_less_than_lookup_decides_the_sign() {
    // Every constraint holds for 7 < 5 marked at limb 0; the lookup value -2 - 1 objects.
    let mut row = assert_lt_row(7, 5, false);
    let c = assert_cols(&mut row);
    c.condition = F::ONE;
    c.test.diff_marker[0] = F::ONE;
    assert_eq!(probe(&AssertLessThanTestAir, &row).0, Vec::<usize>::new());
    assert_unbalanced(prove_lookups(
        AssertLessThanTestAir,
        vec![assert_lt_row(1, 2, true), row],
    ));
}
