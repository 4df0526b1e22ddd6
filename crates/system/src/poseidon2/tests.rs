//! The Poseidon2 table proves honest compressions and rejects dishonest ones. Unless a test says
//! otherwise, proofs use toy parameters (`crate::test_utils::prove_and_verify`): they check
//! constraints and buses, not security.

use std::{
    borrow::{Borrow, BorrowMut},
    sync::Arc,
    time::Instant,
};

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing, PrimeField32},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    p3_symmetric::{Permutation, PseudoCompressionFunction, TruncatedPermutation},
    prover::{AirProvingContext, DeviceDataTransporter, ProvingContext},
    AirRef, PartitionedBaseAir, StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{poseidon2_perm, BabyBearPoseidon2CpuEngine},
};
use p3_baby_bear::{default_babybear_poseidon2_16, BabyBear};
use rand::{rngs::StdRng, Rng, SeedableRng};

use super::*;
use crate::{test_utils::prove_and_verify, SC};

const BUS: Poseidon2Bus = Poseidon2Bus::new(9);

/// Test requester. Columns: `left[8], right[8], out[8], enabled` (`enabled` boolean).
struct RequesterAir;

const REQ_WIDTH: usize = 3 * POSEIDON2_CHUNK + 1;
const ENABLED: usize = 3 * POSEIDON2_CHUNK;

impl<F: Field> BaseAir<F> for RequesterAir {
    fn width(&self) -> usize {
        REQ_WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for RequesterAir {}
impl<F: Field> PartitionedBaseAir<F> for RequesterAir {}

impl<AB: InteractionBuilder> Air<AB> for RequesterAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: [AB::Var; REQ_WIDTH] = {
            let row = main.row_slice(0).expect("row");
            std::array::from_fn(|i| row[i])
        };
        let left: [AB::Var; POSEIDON2_CHUNK] = std::array::from_fn(|i| row[i]);
        let right: [AB::Var; POSEIDON2_CHUNK] = std::array::from_fn(|i| row[POSEIDON2_CHUNK + i]);
        let out: [AB::Var; POSEIDON2_CHUNK] = std::array::from_fn(|i| row[2 * POSEIDON2_CHUNK + i]);
        builder.assert_bool(row[ENABLED]);
        BUS.compress(builder, left, right, out, row[ENABLED]);
    }
}

fn random_digest(rng: &mut StdRng) -> Digest {
    std::array::from_fn(|_| BabyBear::from_u32(rng.gen_range(0..BabyBear::ORDER_U32)))
}

/// `count` requester rows of random compressions (the chip records them), padded to a power of
/// two with disabled zero rows.
fn requester_trace(
    chip: &Poseidon2Chip,
    pairs: &[(Digest, Digest)],
    disabled: usize,
    rng: &mut StdRng,
) -> RowMajorMatrix<BabyBear> {
    let mut values = Vec::new();
    for &(left, right) in pairs {
        let out = chip.compress(left, right);
        values.extend(left.into_iter().chain(right).chain(out));
        values.push(BabyBear::ONE);
    }
    // Disabled rows may hold anything: nothing is looked up.
    for _ in 0..disabled {
        for _ in 0..3 {
            values.extend(random_digest(rng));
        }
        values.push(BabyBear::ZERO);
    }
    let height = (pairs.len() + disabled).next_power_of_two();
    values.resize(height * REQ_WIDTH, BabyBear::ZERO);
    RowMajorMatrix::new(values, REQ_WIDTH)
}

/// 40 distinct random compressions, the first requested 3 more times, the all-zero input (which
/// padding rows repeat with count 0) twice, and 5 disabled rows: 50 rows, padded to 64.
fn honest_pairs(rng: &mut StdRng) -> Vec<(Digest, Digest)> {
    let mut pairs: Vec<_> = (0..40)
        .map(|_| (random_digest(rng), random_digest(rng)))
        .collect();
    pairs.extend([pairs[0]; 3]);
    pairs.extend([([BabyBear::ZERO; 8], [BabyBear::ZERO; 8]); 2]);
    pairs
}

fn airs() -> Vec<AirRef<SC>> {
    vec![Arc::new(RequesterAir), Arc::new(Poseidon2Air::new(BUS))]
}

/// Proves the honest requests after `tamper(requester, table)`.
fn prove(
    tamper: impl FnOnce(&mut RowMajorMatrix<BabyBear>, &mut RowMajorMatrix<BabyBear>),
) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(7);
    let chip = Poseidon2Chip::new();
    let mut requester = requester_trace(&chip, &honest_pairs(&mut rng), 5, &mut rng);
    let mut table = chip.generate_trace();
    assert_eq!(table.height(), 64);
    tamper(&mut requester, &mut table);
    prove_and_verify(airs(), vec![requester, table], 8)
}

fn table_row(table: &mut RowMajorMatrix<BabyBear>, row: usize) -> &mut [BabyBear] {
    &mut table.values[row * Poseidon2Air::WIDTH..(row + 1) * Poseidon2Air::WIDTH]
}

fn sub_cols(row: &mut [BabyBear]) -> &mut Poseidon2SubCols<BabyBear> {
    row[..Poseidon2Air::SUB_WIDTH].borrow_mut()
}

/// The table row that serves requester row `req_row`.
fn serving_row(
    requester: &RowMajorMatrix<BabyBear>,
    table: &RowMajorMatrix<BabyBear>,
    req_row: usize,
) -> usize {
    let input = &requester.values[req_row * REQ_WIDTH..req_row * REQ_WIDTH + POSEIDON2_WIDTH];
    (0..table.height())
        .find(|&r| {
            let row = &table.values[r * Poseidon2Air::WIDTH..(r + 1) * Poseidon2Air::WIDTH];
            let cols: &Poseidon2SubCols<BabyBear> = row[..Poseidon2Air::SUB_WIDTH].borrow();
            cols.inputs == input
        })
        .expect("a table row serves every request")
}

/// The prover refuses a bus that does not balance (LogUp's sum is not zero).
fn assert_unbalanced(result: Result<(), String>) {
    let err = result.unwrap_err();
    println!("expected bus imbalance: {err}");
    assert!(err.contains("NonZeroRootSum"), "{err}");
}

/// The bus balances but a constraint does not hold.
fn assert_constraint_failure(result: Result<(), String>) {
    let err = result.unwrap_err();
    println!("expected constraint failure: {err}");
    assert!(err.contains("constraint"), "{err}");
    assert!(!err.contains("NonZeroRootSum"), "{err}");
}

#[test]
fn compress_is_the_truncated_permutation() {
    let perm = default_babybear_poseidon2_16();
    let truncated =
        TruncatedPermutation::<_, 2, POSEIDON2_CHUNK, POSEIDON2_WIDTH>::new(perm.clone());
    let mut rng = StdRng::seed_from_u64(1);
    for _ in 0..100 {
        let (left, right) = (random_digest(&mut rng), random_digest(&mut rng));
        assert_eq!(compress(left, right), truncated.compress([left, right]));
        let input = compression_input(left, right);
        assert_eq!(permute(input), perm.permute(input));
        assert_eq!(permute(input), poseidon2_perm().permute(input));
    }
    let zero = [BabyBear::ZERO; POSEIDON2_CHUNK];
    assert_eq!(compress(zero, zero), truncated.compress([zero, zero]));
}

#[test]
fn air_outputs_equal_compress() {
    let mut rng = StdRng::seed_from_u64(2);
    let chip = Poseidon2Chip::new();
    let pairs: Vec<_> = (0..100)
        .map(|_| (random_digest(&mut rng), random_digest(&mut rng)))
        .collect();
    for &(left, right) in &pairs {
        assert_eq!(chip.compress(left, right), compress(left, right));
    }
    assert_eq!(chip.num_records(), 100);
    assert_eq!(chip.trace_height(), 128);
    let mut table = chip.generate_trace();
    assert_eq!(chip.num_records(), 0, "generate_trace takes the records");
    assert_eq!((table.width(), table.height()), (Poseidon2Air::WIDTH, 128));
    let mut served = 0;
    for r in 0..table.height() {
        let row = table_row(&mut table, r);
        let count = row[Poseidon2Air::MULTIPLICITY_COL];
        let cols = sub_cols(row);
        let input = cols.inputs;
        let left: Digest = std::array::from_fn(|i| input[i]);
        let right: Digest = std::array::from_fn(|i| input[POSEIDON2_CHUNK + i]);
        let post = cols.ending_full_rounds[POSEIDON2_HALF_FULL_ROUNDS - 1].post;
        assert_eq!(post, permute(input), "row {r}");
        assert_eq!(post[..POSEIDON2_CHUNK], compress(left, right), "row {r}");
        if r < 100 {
            assert!(pairs.contains(&(left, right)));
            assert_eq!(count, BabyBear::ONE);
            served += 1;
        } else {
            assert_eq!(input, [BabyBear::ZERO; POSEIDON2_WIDTH], "padding row {r}");
            assert_eq!(count, BabyBear::ZERO);
        }
    }
    assert_eq!(served, 100);
}

#[test]
fn chip_dedupes_requests_across_threads() {
    let chip = Poseidon2Chip::new();
    let mut rng = StdRng::seed_from_u64(3);
    let pairs: Vec<_> = (0..10)
        .map(|_| (random_digest(&mut rng), random_digest(&mut rng)))
        .collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for (i, &(left, right)) in pairs.iter().enumerate() {
                    for _ in 0..=i {
                        assert_eq!(chip.compress(left, right), compress(left, right));
                    }
                }
            });
        }
    });
    assert_eq!(chip.num_records(), 10);
    let table = chip.generate_trace();
    assert_eq!(table.height(), 16);
    for (r, row) in table.rows().enumerate() {
        let row: Vec<_> = row.collect();
        let input = &row[1..1 + POSEIDON2_WIDTH];
        let count = row[Poseidon2Air::MULTIPLICITY_COL].as_canonical_u32();
        match pairs
            .iter()
            .position(|&(l, r)| compression_input(l, r) == input)
        {
            Some(i) => assert_eq!(count, 4 * (i as u32 + 1), "row {r}"),
            None => assert_eq!(count, 0, "row {r}"),
        }
    }
}

#[test]
fn empty_chip_has_one_padding_row() {
    let table = Poseidon2Chip::new().generate_trace();
    assert_eq!((table.width(), table.height()), (Poseidon2Air::WIDTH, 1));
    assert_eq!(table.values[Poseidon2Air::MULTIPLICITY_COL], BabyBear::ZERO);
}

#[test]
fn trace_width() {
    // export + 16 inputs + 8 full rounds x (16 S-box registers + 16 post) + 13 partial rounds x
    // (1 S-box register + 1 post-S-box), then the multiplicity.
    assert_eq!(Poseidon2Air::SUB_WIDTH, 1 + 16 + 8 * 32 + 13 * 2);
    assert_eq!(Poseidon2Air::WIDTH, 300);
    assert_eq!(
        BaseAir::<BabyBear>::width(&Poseidon2Air::new(BUS)),
        Poseidon2Air::WIDTH
    );
}

#[test]
fn honest_requests_prove() {
    prove(|_, _| {}).unwrap();
}

/// Runs the host-side constraint and bus check (`Air<DebugConstraintBuilder>`) on the honest
/// requests after `tamper(requester, table)`; returns its panic message if it fails.
fn debug_check(
    tamper: impl FnOnce(&mut RowMajorMatrix<BabyBear>, &mut RowMajorMatrix<BabyBear>),
) -> Option<String> {
    let mut rng = StdRng::seed_from_u64(7);
    let chip = Poseidon2Chip::new();
    let mut requester = requester_trace(&chip, &honest_pairs(&mut rng), 5, &mut rng);
    let mut table = chip.generate_trace();
    tamper(&mut requester, &mut table);
    let engine: BabyBearPoseidon2CpuEngine = StarkEngine::new(SystemParams::new_for_testing(8));
    let ctx = ProvingContext::new(vec![
        (0, AirProvingContext::simple_no_pis(requester)),
        (1, AirProvingContext::simple_no_pis(table)),
    ]);
    let panic = std::panic::catch_unwind(|| engine.debug(&airs(), &ctx)).err()?;
    Some(
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    )
}

#[test]
fn debug_builder_locates_failures() {
    assert_eq!(debug_check(|_, _| {}), None);
    let err = debug_check(|_, table| {
        sub_cols(table_row(table, 5)).partial_rounds[6].sbox.0[0] += BabyBear::ONE;
    })
    .unwrap();
    assert!(err.contains("on air Poseidon2Air,row 5"), "{err}");
    let err = debug_check(|req, table| {
        req.values[7 * REQ_WIDTH + ENABLED] = BabyBear::from_u32(2);
        let r = serving_row(req, table, 7);
        table_row(table, r)[Poseidon2Air::MULTIPLICITY_COL] += BabyBear::ONE;
    })
    .unwrap();
    assert!(err.contains("on air RequesterAir,row 7"), "{err}");
    let err = debug_check(|_, table| {
        table_row(table, 0)[Poseidon2Air::MULTIPLICITY_COL] += BabyBear::ONE;
    })
    .unwrap();
    assert!(err.contains("LogUp multiset equality"), "{err}");
}

#[test]
fn wrong_output_is_rejected() {
    assert_unbalanced(prove(|req, _| {
        req.values[3 * REQ_WIDTH + 2 * POSEIDON2_CHUNK + 5] += BabyBear::ONE;
    }));
}

#[test]
fn wrong_input_is_rejected() {
    assert_unbalanced(prove(|req, _| {
        req.values[REQ_WIDTH + 11] += BabyBear::ONE;
    }));
}

/// The sub-AIR's `export` flag is pinned to 1 (the sub-AIR leaves it free).
#[test]
fn export_flag_is_pinned() {
    assert_constraint_failure(prove(|_, table| {
        sub_cols(table_row(table, 2)).export = BabyBear::ZERO;
    }));
    // A padding row too.
    assert_constraint_failure(prove(|_, table| {
        sub_cols(table_row(table, 63)).export = BabyBear::TWO;
    }));
}

#[test]
fn tampered_permutation_column_is_rejected() {
    // A partial round's S-box register (x^3): inputs and outputs untouched, so the bus balances.
    assert_constraint_failure(prove(|_, table| {
        sub_cols(table_row(table, 5)).partial_rounds[6].sbox.0[0] += BabyBear::ONE;
    }));
    // A full round's post-state.
    assert_constraint_failure(prove(|_, table| {
        sub_cols(table_row(table, 0)).beginning_full_rounds[2].post[9] += BabyBear::ONE;
    }));
}

#[test]
fn wrong_output_served_by_the_table_is_rejected() {
    // The requester and the table agree on a wrong digest: the bus balances, the permutation
    // constraints of the table do not.
    assert_constraint_failure(prove(|req, table| {
        let r = serving_row(req, table, 0);
        // Request row 0 is requested 4 times (rows 0, 40, 41, 42): change them all.
        for req_row in [0, 40, 41, 42] {
            req.values[req_row * REQ_WIDTH + 2 * POSEIDON2_CHUNK] += BabyBear::ONE;
        }
        sub_cols(table_row(table, r)).ending_full_rounds[POSEIDON2_HALF_FULL_ROUNDS - 1].post[0] +=
            BabyBear::ONE;
    }));
}

#[test]
fn wrong_multiplicity_is_rejected() {
    assert_unbalanced(prove(|_, table| {
        table_row(table, 0)[Poseidon2Air::MULTIPLICITY_COL] += BabyBear::ONE;
    }));
    // A padding row (count 0) claiming a request nobody made.
    assert_unbalanced(prove(|_, table| {
        table_row(table, 63)[Poseidon2Air::MULTIPLICITY_COL] = BabyBear::ONE;
    }));
    // The row requested 4 times counting 3.
    assert_unbalanced(prove(|req, table| {
        let r = serving_row(req, table, 0);
        table_row(table, r)[Poseidon2Air::MULTIPLICITY_COL] -= BabyBear::ONE;
    }));
}

#[test]
fn non_boolean_enable_is_rejected() {
    // Enable request row 7 twice and count it twice: the bus balances, `enabled` is not boolean.
    assert_constraint_failure(prove(|req, table| {
        req.values[7 * REQ_WIDTH + ENABLED] = BabyBear::from_u32(2);
        let r = serving_row(req, table, 7);
        table_row(table, r)[Poseidon2Air::MULTIPLICITY_COL] += BabyBear::ONE;
    }));
}

/// Keygen, prove and verify the requester and the table for `pairs` with the real app
/// parameters (100-bit security) at stacked height `2^log_stacked_height`; returns the prove time
/// in seconds.
fn prove_with_app_params(pairs: &[(Digest, Digest)], log_stacked_height: usize) -> f64 {
    let engine: BabyBearPoseidon2CpuEngine =
        StarkEngine::new(app_params_with_100_bits_security(log_stacked_height));
    let mut rng = StdRng::seed_from_u64(5);
    let chip = Poseidon2Chip::new();
    let requester = requester_trace(&chip, pairs, 0, &mut rng);
    let start = Instant::now();
    let table = chip.generate_trace();
    println!(
        "  table trace generation ({} rows): {:.3} s",
        table.height(),
        start.elapsed().as_secs_f64()
    );
    let airs = airs();
    let (pk, vk) = engine.keygen(&airs);
    assert_eq!(engine.params().max_constraint_degree, 3);
    assert_eq!(
        vk.inner.per_air[1].max_constraint_degree, 3,
        "Poseidon2Air degree"
    );
    let d_pk = engine.device().transport_pk_to_device(&pk);
    let ctx = ProvingContext::new(vec![
        (0, AirProvingContext::simple_no_pis(requester)),
        (1, AirProvingContext::simple_no_pis(table)),
    ]);
    let start = Instant::now();
    let proof = engine.prove(&d_pk, ctx).expect("prove");
    let seconds = start.elapsed().as_secs_f64();
    engine.verify(&vk, &proof).expect("verify");
    seconds
}

/// Real parameters (`app_params_with_100_bits_security`), not toy ones: the AIR has degree 3 (the
/// app preset's maximum) and a small trace proves and verifies.
#[test]
fn proves_with_real_100_bit_params() {
    let mut rng = StdRng::seed_from_u64(6);
    let pairs: Vec<_> = (0..200)
        .map(|_| (random_digest(&mut rng), random_digest(&mut rng)))
        .collect();
    // The app preset needs `log_stacked_height > WHIR_MAX_LOG_FINAL_POLY_LEN` (10): at 10 or
    // less WHIR has no rounds and the CPU prover panics ("capacity overflow" in
    // `prove_whir_opening_cpu`). 256 rows at stacked height 2^11.
    prove_with_app_params(&pairs, 11);
}

/// Prove times of the table at 2^12 and 2^16 rows (plus an equally tall requester), real
/// parameters, stacked height = trace height. Run with
/// `cargo test --release -p tessera-system --lib poseidon2::tests::prove_times -- --ignored --nocapture`.
#[test]
#[ignore = "timing; slow"]
fn prove_times() {
    let mut rng = StdRng::seed_from_u64(8);
    for log_rows in [12, 16] {
        let pairs: Vec<_> = (0..1usize << log_rows)
            .map(|_| (random_digest(&mut rng), random_digest(&mut rng)))
            .collect();
        for _ in 0..2 {
            let seconds = prove_with_app_params(&pairs, log_rows);
            println!("2^{log_rows} compressions (table {} x 2^{log_rows} + requester {REQ_WIDTH} x 2^{log_rows}): prove {seconds:.2} s", Poseidon2Air::WIDTH);
        }
    }
}
