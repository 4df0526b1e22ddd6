//! Honest runs prove, and trace generation computes what the tree says.

use super::*;

#[test]
fn honest_run_proves() {
    let honest = honest();
    let run = &honest.run;

    // The roots: the initial image's, and the final image's computed from scratch.
    let initial = MemoryTree::new(DIMS, &honest.initial_image).unwrap();
    let fresh = MemoryTree::new(DIMS, &honest.final_image).unwrap();
    assert_eq!(run.pvs.initial_root, initial.root());
    assert_eq!(run.pvs.final_root, fresh.root());
    assert_eq!(honest.final_tree.root(), fresh.root());
    assert_ne!(run.pvs.initial_root, run.pvs.final_root);

    // 8 touched leaves; the Merkle rows are their ancestors.
    let width = MemoryBoundaryCols::<F>::WIDTH;
    let real_boundary = run
        .boundary
        .values
        .chunks_exact(width)
        .filter(|r| r[0] == F::ONE)
        .count();
    assert_eq!(real_boundary, 8);
    let real_merkle = (0..run.merkle.height())
        .filter(|&r| merkle_ref(&run.merkle, r).is_real == F::ONE)
        .count();
    println!(
        "boundary {} rows ({real_boundary} real) x {} cols, Merkle {} rows ({real_merkle} real) x {} cols, Poseidon2 {} rows",
        run.boundary.height(),
        MemoryBoundaryCols::<F>::WIDTH,
        run.merkle.height(),
        MemoryMerkleCols::<F>::WIDTH,
        honest.poseidon2.height()
    );

    // The leaf of x0 (untouched) and x1 (read): x0 keeps its bytes and timestamp 0.
    let mut boundary = run.boundary.clone();
    let x01 = boundary_cols(&mut boundary, 0);
    assert_eq!((x01.address_space, x01.leaf_index), (F::ONE, F::ZERO));
    assert_eq!(x01.initial, x01.final_);
    assert_eq!(x01.final_timestamps[0], F::ZERO);
    assert_eq!(x01.final_timestamps[1], F::from_u32(11));
    // x2 written, x3 untouched.
    let x23 = boundary_cols(&mut boundary, 1);
    assert_eq!(x23.final_[..4], [1, 2, 3, 4].map(F::from_u8));
    assert_eq!(x23.final_[4..], x23.initial[4..]);
    assert_eq!(x23.final_timestamps, [F::from_u32(2), F::ZERO]);

    // The requests trace generation recorded are exactly the Merkle rows' lookups.
    assert_eq!(honest.poseidon2.values, poseidon2_table(&run.merkle).values);
    prove(honest.run).unwrap();
}

#[test]
fn untouched_memory_proves() {
    let honest = run(initial_image(), &[]);
    assert_eq!(honest.run.merkle.height(), 1, "the root's row only");
    assert_eq!(merkle_ref(&honest.run.merkle, 0).touched, [F::ZERO; 2]);
    assert_eq!(honest.run.pvs.initial_root, honest.run.pvs.final_root);
    prove(honest.run).unwrap();
}

#[test]
fn memory_from_zero_proves() {
    // Every touched leaf starts as zero (untouched subtrees are zero subtrees).
    let honest = run(SparseMemoryImage::new(), &honest_accesses());
    assert_eq!(honest.run.pvs.initial_root, MemoryTree::empty(DIMS).root());
    prove(honest.run).unwrap();
}

#[test]
fn a_second_segment_continues_from_the_first() {
    // The final memory of one segment is the initial memory of the next.
    let first = honest();
    let second = run(
        first.final_image.clone(),
        &[Access::Write(2, 0x100, [7; 4]), Access::Read(1, 8)],
    );
    assert_eq!(second.run.pvs.initial_root, first.run.pvs.final_root);
    prove(second.run).unwrap();
}

#[test]
fn poseidon2_table_serves_repeated_compressions_once() {
    // Zero subtrees repeat: many Merkle lookups share Poseidon2 rows.
    let honest = honest();
    let merkle = &honest.run.merkle;
    let lookups = 2
        * (0..merkle.height())
            .filter(|&r| merkle_ref(merkle, r).is_real == F::ONE)
            .count();
    let width = Poseidon2Air::WIDTH;
    let served: u32 = honest
        .poseidon2
        .values
        .chunks_exact(width)
        .map(|row| row[Poseidon2Air::MULTIPLICITY_COL].as_canonical_u32())
        .sum();
    assert_eq!(served as usize, lookups);
}

/// Real parameters (`app_params_with_100_bits_security`, maximum constraint degree 3), not toy
/// ones: keygen accepts both AIRs' degrees and the honest run proves and verifies.
#[test]
fn proves_with_real_100_bit_params() {
    use openvm_stark_backend::prover::DeviceDataTransporter;
    use openvm_stark_sdk::config::{
        app_params_with_100_bits_security, baby_bear_poseidon2::BabyBearPoseidon2CpuEngine,
    };
    // The stacked height must exceed 2^10 for WHIR to have a round (see the Poseidon2 tests).
    let engine: BabyBearPoseidon2CpuEngine =
        StarkEngine::new(app_params_with_100_bits_security(11));
    let (pk, vk) = engine.keygen(&airs());
    for (air, degree) in [(0, 2), (1, 2)] {
        assert_eq!(
            vk.inner.per_air[air].max_constraint_degree, degree,
            "AIR {air}"
        );
    }
    let ctx = ProvingContext::new(contexts(honest().run).into_iter().enumerate().collect());
    let proof = engine
        .prove(&engine.device().transport_pk_to_device(&pk), ctx)
        .expect("prove");
    engine.verify(&vk, &proof).expect("verify");
}
