//! The range checker proves honest checks and rejects values out of range. Toy proof parameters.

use std::sync::Arc;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    PartitionedBaseAir,
};
use p3_baby_bear::BabyBear;

use super::*;
use crate::test_utils::prove_and_verify;

const MAX_BITS: usize = 12;
const BUS: RangeCheckerBus = RangeCheckerBus::new(3, MAX_BITS);

/// Test requester with one column per check width: `v4, v8, v12, enabled`; it checks
/// `v4 < 2^4`, `v8 < 2^8`, `v12 < 2^12`.
struct RequesterAir;

impl<F: Field> BaseAir<F> for RequesterAir {
    fn width(&self) -> usize {
        4
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for RequesterAir {}
impl<F: Field> PartitionedBaseAir<F> for RequesterAir {}

impl<AB: InteractionBuilder> Air<AB> for RequesterAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let [v4, v8, v12, enabled] = {
            let row = main.row_slice(0).expect("row");
            [row[0], row[1], row[2], row[3]]
        };
        builder.assert_bool(enabled);
        BUS.range_check(builder, v4, 4, enabled);
        BUS.range_check(builder, v8, 8, enabled);
        BUS.range_check(builder, v12, 12, enabled);
    }
}

fn prove(
    rows: &[[u32; 3]],
    tamper: impl FnOnce(&mut RowMajorMatrix<BabyBear>, &mut RowMajorMatrix<BabyBear>),
) -> Result<(), String> {
    let chip = RangeCheckerChip::new(BUS);
    let mut values = Vec::new();
    for &[v4, v8, v12] in rows {
        chip.request(v4, 4);
        chip.request(v8, 8);
        chip.request(v12, 12);
        values.extend([v4, v8, v12, 1].map(BabyBear::from_u32));
    }
    values.resize(4 * rows.len().next_power_of_two(), BabyBear::ZERO);
    let mut requester = RowMajorMatrix::new(values, 4);
    let mut table = chip.generate_trace();
    tamper(&mut requester, &mut table);
    prove_and_verify(
        vec![
            Arc::new(RequesterAir),
            Arc::new(RangeCheckerAir { bus: BUS }),
        ],
        vec![requester, table],
        MAX_BITS + 1,
    )
}

fn honest_rows() -> Vec<[u32; 3]> {
    let mut rows = vec![[0, 0, 0], [15, 255, 4095], [8, 128, 2048]];
    rows.extend((0..60u32).map(|i| [i % 16, i * 5 % 256, i * 71 % 4096]));
    rows
}

fn assert_unbalanced(result: Result<(), String>) {
    let err = result.unwrap_err();
    assert!(err.contains("NonZeroRootSum"), "{err}");
}

#[test]
fn honest_checks_prove() {
    prove(&honest_rows(), |_, _| {}).unwrap();
}

#[test]
fn values_out_of_range_are_rejected() {
    // 16 in 4 bits, 256 in 8 bits, 4096 in 12 bits, and p - 1 ("-1") in 8 bits.
    for (column, value) in [(0, 16u32), (1, 256), (2, 4096)] {
        assert_unbalanced(prove(&honest_rows(), |req, _| {
            req.values[4 + column] = BabyBear::from_u32(value);
        }));
    }
    assert_unbalanced(prove(&honest_rows(), |req, _| {
        req.values[4 + 1] = -BabyBear::ONE;
    }));
}

#[test]
fn a_value_cannot_borrow_a_wider_check() {
    // 255 is in the table as (255, 8) and (255, 12), but the 4-bit check asks (255, 4).
    assert_unbalanced(prove(&honest_rows(), |req, _| {
        req.values[4] = BabyBear::from_u32(255);
    }));
}

#[test]
fn wrong_multiplicity_is_rejected() {
    assert_unbalanced(prove(&honest_rows(), |_, table| {
        table.values[table_row(15, 4)] += BabyBear::ONE;
    }));
}

#[test]
fn non_boolean_enable_is_rejected() {
    let err = prove(&honest_rows(), |req, table| {
        req.values[4 + 3] = BabyBear::from_u32(2);
        for (value, bits) in [(15, 4), (255, 8), (4095, 12)] {
            table.values[table_row(value, bits)] += BabyBear::ONE;
        }
    })
    .unwrap_err();
    assert!(err.contains("constraint"), "{err}");
}

#[test]
fn table_layout() {
    let table: RowMajorMatrix<BabyBear> =
        BaseAir::<BabyBear>::preprocessed_trace(&RangeCheckerAir { bus: BUS }).unwrap();
    assert_eq!(table.height(), table_rows(MAX_BITS));
    for (value, bits) in [(0u32, 0usize), (1, 1), (3, 2), (4095, 12), (77, 9)] {
        let row = table_row(value, bits);
        assert_eq!(
            &table.values[2 * row..2 * row + 2],
            &[BabyBear::from_u32(value), BabyBear::from_usize(bits)]
        );
    }
}

#[test]
fn chip_rejects_out_of_range_requests() {
    let chip = RangeCheckerChip::new(BUS);
    assert!(std::panic::catch_unwind(|| chip.request(16, 4)).is_err());
    assert!(std::panic::catch_unwind(|| chip.request(0, 13)).is_err());
}
