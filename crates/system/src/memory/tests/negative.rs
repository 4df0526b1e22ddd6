//! Tampered runs are rejected, each for its own reason: a bus that does not balance (the prover
//! refuses with `NonZeroRootSum`; the host check finds every constraint satisfied) or a failed
//! constraint (the verifier rejects; the host check names the AIR and row). Leaves of the
//! honest run, as (address space, index) = label at height 0: (1,0)=128 (1,1)=129 (2,32)=288
//! (2,64)=320 (2,65)=321 (2,127)=383 (3,0)=384 (3,2)=386; boundary rows 0..8 in that order.

use super::*;

const MERKLE_AIR: &str = "MemoryMerkleAir";
const BOUNDARY_AIR: &str = "MemoryBoundaryAir";

/// The index of a zero (padding) row, doubling the matrix if it has none.
fn free_row(m: &mut RowMajorMatrix<F>) -> usize {
    let width = m.width();
    let is_zero = |r: usize, m: &RowMajorMatrix<F>| {
        m.values[r * width..(r + 1) * width]
            .iter()
            .all(|x| x.is_zero())
    };
    if let Some(r) = (0..m.height()).find(|&r| is_zero(r, m)) {
        return r;
    }
    let r = m.height();
    m.values.resize(2 * m.values.len(), F::ZERO);
    r
}

/// Adds an access row that reads `data` (unchanged) from a word last accessed at `prev_ts`.
fn add_read(run: &mut Run, (space, pointer): (u32, u32), data: [u8; 4], prev_ts: u32, ts: u32) {
    let r = free_row(&mut run.accesses);
    *access_cols(&mut run.accesses, r) = AccessCols {
        address_space: F::from_u32(space),
        pointer: F::from_u32(pointer),
        prev_data: data.map(F::from_u8),
        prev_timestamp: F::from_u32(prev_ts),
        data: data.map(F::from_u8),
        timestamp: F::from_u32(ts),
        enabled: F::ONE,
    };
}

/// The row of a node in the honest Merkle trace.
fn honest_row(height: usize, label: u32) -> usize {
    merkle_row(&mut honest().run.merkle, height, label)
}

#[test]
fn wrong_initial_root_is_rejected() {
    assert_constraint_failure(|run| run.pvs.initial_root[0] += F::ONE, MERKLE_AIR, &[0]);
}

#[test]
fn wrong_final_root_is_rejected() {
    assert_constraint_failure(|run| run.pvs.final_root[5] += F::ONE, MERKLE_AIR, &[0]);
}

#[test]
fn tampered_leaf_byte_is_rejected() {
    // A touched word's initial byte: what the access received no longer matches.
    assert_unbalanced(|run| boundary_cols(&mut run.boundary, 2).initial[0] += F::ONE);
    // The untouched word of leaf (3,2) (0x10 holds 0x55; 0x14 was written), initial and final
    // alike: its memory-bus send and receive still cancel, so only the tree notices.
    assert_unbalanced(|run| {
        let leaf = boundary_cols(&mut run.boundary, 7);
        assert_eq!(leaf.initial[0], F::from_u8(0x55));
        leaf.initial[0] += F::ONE;
        leaf.final_[0] += F::ONE;
    });
}

/// The untouched word of leaf (3,2) changed, and the tree above it rehashed consistently.
fn forge_leaf(run: &mut Run) -> MemoryMerklePvs<F> {
    let leaf = boundary_cols(&mut run.boundary, 7);
    leaf.initial[0] += F::ONE;
    leaf.final_[0] += F::ONE;
    let (initial, final_) = (leaf.initial, leaf.final_);
    set_child(&mut run.merkle, (0, 386), initial, final_, true);
    rehash(&mut run.merkle)
}

#[test]
fn forged_leaf_with_rehashed_tree_changes_the_roots() {
    // Every bus balances; the forged initial root is not the public one.
    assert_constraint_failure(
        |run| {
            let forged = forge_leaf(run);
            assert_ne!(forged.initial_root, run.pvs.initial_root);
        },
        MERKLE_AIR,
        &[0],
    );
    // With the forged roots as public values the proof is valid: it proves a run from other
    // memory, which the verifier rejects by comparing the initial root with the previous
    // segment's final root (or the executable's).
    prove_tampered(|run| run.pvs = forge_leaf(run)).unwrap();
}

/// A fake leaf for (2,33) (words 0x108, 0x10c: zero memory, untouched), with an access that
/// reads 7s from 0x108 at timestamp 5, so the memory bus balances.
fn add_fake_leaf(run: &mut Run) -> Digest {
    let r = free_row(&mut run.boundary);
    let fake = leaf_from_bytes([7; 8]);
    *boundary_cols(&mut run.boundary, r) = MemoryBoundaryCols {
        is_real: F::ONE,
        address_space: F::TWO,
        leaf_index: F::from_u32(33),
        initial: fake,
        final_: fake,
        final_timestamps: [F::from_u32(5), F::ZERO],
    };
    add_read(run, (2, 0x108), [7; 4], 0, 5);
    fake
}

#[test]
fn fake_boundary_row_for_untouched_address_is_rejected() {
    // Nobody receives the fake leaf.
    assert_unbalanced(|run| {
        let _ = add_fake_leaf(run);
    });
    // Attached to the tree as the touched sibling of (2,32), everything above rehashed: the
    // initial root is no longer the public one.
    assert_constraint_failure(
        |run| {
            let fake = add_fake_leaf(run);
            set_child(&mut run.merkle, (0, 289), fake, fake, true);
            let _ = rehash(&mut run.merkle);
        },
        MERKLE_AIR,
        &[0],
    );
}

#[test]
fn two_rows_for_one_leaf_are_rejected() {
    // A second boundary row for the leaf of x0, x1, with x1's accesses played twice so that the
    // memory bus balances: the tree receives the leaf once.
    assert_unbalanced(|run| {
        let row = *boundary_cols(&mut run.boundary, 0);
        let r = free_row(&mut run.boundary);
        *boundary_cols(&mut run.boundary, r) = row;
        let x1 = [0x44, 0x33, 0x22, 0x11];
        add_read(run, (1, 4), x1, 0, 1);
        add_read(run, (1, 4), x1, 1, 11);
    });
}

#[test]
fn non_boolean_flags_are_rejected() {
    // The node (1,160) over the unchanged leaves 320, 321 counted twice (`is_real = 2`) and
    // received twice by its parent (`touched = 2`, harmless to the parent's equality constraint
    // because the node is unchanged): the buses balance, as the Poseidon2 table serves the row
    // twice.
    let (node, parent) = (honest_row(1, 160), honest_row(2, 80));
    assert_constraint_failure(
        |run| {
            let c = merkle_cols(&mut run.merkle, node);
            assert_eq!(c.parent_initial, c.parent_final);
            c.is_real = F::TWO;
            merkle_cols(&mut run.merkle, parent).touched[0] = F::TWO;
        },
        MERKLE_AIR,
        &[node, parent],
    );
    // A boundary row counted twice, with its leaf received twice and its accesses played twice.
    assert_constraint_failure(
        |run| {
            boundary_cols(&mut run.boundary, 0).is_real = F::TWO;
            let parent = merkle_row(&mut run.merkle, 1, 64);
            merkle_cols(&mut run.merkle, parent).touched[0] = F::TWO;
            let x1 = [0x44, 0x33, 0x22, 0x11];
            add_read(run, (1, 4), x1, 0, 1);
            add_read(run, (1, 4), x1, 1, 11);
        },
        BOUNDARY_AIR,
        &[0],
    );
}

#[test]
fn tampered_merkle_digest_is_rejected() {
    // An untouched child (the zero leaf 289 next to 288), changed in both trees: the lookup of
    // the parent's compression fails.
    let tamper_sibling = |run: &mut Run| {
        let r = merkle_row(&mut run.merkle, 1, 144);
        let node = merkle_cols(&mut run.merkle, r);
        assert_eq!(node.touched, [F::ONE, F::ZERO]);
        node.initial[1][0] += F::ONE;
        node.final_[1][0] += F::ONE;
    };
    assert_unbalanced(tamper_sibling);
    // A parent digest: neither its compression nor its parent's receive matches.
    assert_unbalanced(|run| {
        let r = merkle_row(&mut run.merkle, 4, 18);
        merkle_cols(&mut run.merkle, r).parent_initial[3] += F::ONE;
    });
    // The root's digest, with the public value changed alike.
    assert_unbalanced(|run| {
        merkle_cols(&mut run.merkle, 0).parent_final[0] += F::ONE;
        run.pvs.final_root[0] += F::ONE;
    });
    // The sibling change rehashed up to the root: the initial root is not the public one.
    assert_constraint_failure(
        |run| {
            tamper_sibling(run);
            let _ = rehash(&mut run.merkle);
        },
        MERKLE_AIR,
        &[0],
    );
}

#[test]
fn wrong_label_or_height_is_rejected() {
    // A node claiming another position: its children and its parent no longer match.
    assert_unbalanced(|run| {
        let r = merkle_row(&mut run.merkle, 1, 144);
        merkle_cols(&mut run.merkle, r).position.label += F::ONE;
    });
    assert_unbalanced(|run| {
        let r = merkle_row(&mut run.merkle, 1, 144);
        merkle_cols(&mut run.merkle, r).position.height += F::ONE;
    });
    assert_unbalanced(|run| {
        let r = merkle_row(&mut run.merkle, 3, 48);
        merkle_cols(&mut run.merkle, r).position.as_label += F::ONE;
    });
    // The top node over address spaces 2 and 3 posing as a node of address space 1's subtree
    // (`top = 0`), which would give address space 1 the leaves of spaces 2 and 3: the root
    // receives only `top = 1` there.
    assert_unbalanced(|run| {
        let r = merkle_row(&mut run.merkle, DIMS.leaf_bits() + 1, 1);
        let node = merkle_cols(&mut run.merkle, r);
        node.position.top = F::ZERO;
        node.position.as_label = F::ONE;
    });
    // The root's label does not enter its children's positions (top nodes count in
    // `as_label`), so only the root's constraint catches it.
    assert_constraint_failure(
        |run| merkle_cols(&mut run.merkle, 0).position.label = F::ONE,
        MERKLE_AIR,
        &[0],
    );
    // The root one level higher: its children's positions move too.
    assert_unbalanced_and_constraint(
        |run| merkle_cols(&mut run.merkle, 0).position.height += F::ONE,
        MERKLE_AIR,
        &[0],
    );
    // A second root (the next row claiming `is_root`): it sends nothing, so its parent's
    // receive fails; the transition and root constraints fail too.
    assert_unbalanced_and_constraint(
        |run| merkle_cols(&mut run.merkle, 1).is_root = F::ONE,
        MERKLE_AIR,
        &[0, 1],
    );
}

#[test]
fn untouched_child_that_differs_between_trees_is_rejected() {
    // The final tree gets a 1 in the zero leaf 289, which no access wrote; everything above is
    // rehashed and the public final root is the forged one: only the equality constraint of
    // the untouched child fails.
    let node = honest_row(1, 144);
    assert_constraint_failure(
        |run| {
            merkle_cols(&mut run.merkle, node).final_[1][0] = F::ONE;
            let forged = rehash(&mut run.merkle);
            assert_eq!(forged.initial_root, run.pvs.initial_root);
            run.pvs = forged;
        },
        MERKLE_AIR,
        &[node],
    );
    // Marked touched instead: nobody sends it.
    assert_unbalanced(|run| {
        let c = merkle_cols(&mut run.merkle, node);
        c.final_[1][0] = F::ONE;
        c.touched[1] = F::ONE;
        run.pvs = rehash(&mut run.merkle);
    });
}
