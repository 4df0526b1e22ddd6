//! The bitwise table proves honest requests and rejects dishonest ones. Toy proof parameters.

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

const BUS: BitwiseBus = BitwiseBus::new(7);

/// Test requester. Columns: `x, y, z, range_enabled, xor_enabled` (flags boolean).
struct RequesterAir;

impl<F: Field> BaseAir<F> for RequesterAir {
    fn width(&self) -> usize {
        5
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for RequesterAir {}
impl<F: Field> PartitionedBaseAir<F> for RequesterAir {}

impl<AB: InteractionBuilder> Air<AB> for RequesterAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let [x, y, z, range_en, xor_en] = {
            let row = main.row_slice(0).expect("row");
            [row[0], row[1], row[2], row[3], row[4]]
        };
        builder.assert_bool(range_en);
        builder.assert_bool(xor_en);
        BUS.range_check(builder, x, y, range_en);
        BUS.xor(builder, x, y, z, xor_en);
    }
}

/// Rows `(x, y, z, range, xor)`; the chip counts every enabled request.
fn requests(rows: &[[u32; 5]], chip: &BitwiseLookupChip) -> RowMajorMatrix<BabyBear> {
    let mut values = Vec::new();
    for &[x, y, z, range, xor] in rows {
        if range == 1 {
            chip.request_range(x, y);
        }
        if xor == 1 {
            assert_eq!(chip.request_xor(x, y), z);
        }
        values.extend([x, y, z, range, xor].map(BabyBear::from_u32));
    }
    let height = rows.len().next_power_of_two();
    values.resize(5 * height, BabyBear::ZERO);
    RowMajorMatrix::new(values, 5)
}

fn honest_rows() -> Vec<[u32; 5]> {
    let mut rows = vec![
        [0, 0, 0, 1, 1],
        [255, 255, 0, 1, 1],
        [0xa5, 0x5a, 0xff, 0, 1],
        [17, 200, 0, 1, 0],
        [17, 200, 17 ^ 200, 1, 1],
        [17, 200, 17 ^ 200, 0, 1],
    ];
    for i in 0..100u32 {
        rows.push([
            i * 7 % 256,
            i * 13 % 256,
            (i * 7 % 256) ^ (i * 13 % 256),
            i % 2,
            1,
        ]);
    }
    rows
}

fn prove(
    rows: &[[u32; 5]],
    tamper: impl FnOnce(&mut RowMajorMatrix<BabyBear>, &mut RowMajorMatrix<BabyBear>),
) -> Result<(), String> {
    let chip = BitwiseLookupChip::default();
    let mut requester = requests(rows, &chip);
    let mut table = chip.generate_trace();
    tamper(&mut requester, &mut table);
    prove_and_verify(
        vec![
            Arc::new(RequesterAir),
            Arc::new(BitwiseLookupAir { bus: BUS }),
        ],
        vec![requester, table],
        16,
    )
}

/// The prover refuses a bus that does not balance (LogUp's sum is not zero).
fn assert_unbalanced(result: Result<(), String>) {
    let err = result.unwrap_err();
    assert!(err.contains("NonZeroRootSum"), "{err}");
}

#[test]
fn honest_requests_prove() {
    prove(&honest_rows(), |_, _| {}).unwrap();
}

#[test]
fn wrong_xor_result_is_rejected() {
    let err = prove(&honest_rows(), |req, _| {
        // Row 2 claims 0xa5 ^ 0x5a = 0xfe.
        req.values[2 * 5 + 2] = BabyBear::from_u32(0xfe);
    });
    assert_unbalanced(err);
}

#[test]
fn operand_out_of_range_is_rejected() {
    // 256 is not a byte; the honest chip refuses to count it, so the lookup is unmatched.
    let err = prove(&honest_rows(), |req, _| {
        req.values[3 * 5] = BabyBear::from_u32(256 + 17);
    });
    assert_unbalanced(err);
    // The field "negative" -1 is not a byte either.
    let err = prove(&honest_rows(), |req, _| {
        req.values[3 * 5 + 1] = -BabyBear::ONE;
    });
    assert_unbalanced(err);
}

#[test]
fn wrong_multiplicity_is_rejected() {
    let err = prove(&honest_rows(), |_, table| {
        table.values[0] += BabyBear::ONE;
    });
    assert_unbalanced(err);
    let err = prove(&honest_rows(), |_, table| {
        // Move a count to the other kind of request.
        let row = (0xa5 << 8 | 0x5a) * 2;
        table.values[row + 1] -= BabyBear::ONE;
        table.values[row] += BabyBear::ONE;
    });
    assert_unbalanced(err);
}

#[test]
fn non_boolean_request_flag_is_rejected() {
    let err = prove(&honest_rows(), |req, table| {
        // Enable row 3's range request twice and count it twice: the bus balances, the flag
        // constraint does not.
        req.values[3 * 5 + 3] = BabyBear::from_u32(2);
        table.values[(17 << 8 | 200) * 2] += BabyBear::ONE;
    });
    let err = err.unwrap_err();
    assert!(err.contains("constraint"), "{err}");
}

#[test]
fn chip_rejects_non_byte_requests() {
    let chip = BitwiseLookupChip::default();
    let result = std::panic::catch_unwind(|| chip.request_range(256, 0));
    assert!(result.is_err());
}

#[test]
fn table_layout() {
    let table: RowMajorMatrix<BabyBear> =
        BaseAir::<BabyBear>::preprocessed_trace(&BitwiseLookupAir { bus: BUS }).unwrap();
    assert_eq!(table.height(), BITWISE_ROWS);
    assert_eq!(table.width(), 3);
    let row = (0x12 << 8) | 0x34;
    assert_eq!(
        &table.values[3 * row..3 * row + 3],
        &[0x12, 0x34, 0x12 ^ 0x34].map(BabyBear::from_u32)
    );
}
