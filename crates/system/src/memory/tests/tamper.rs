//! Tampering with a run and checking why it is rejected: the assertions, column accessors, and
//! a rehash that forges a consistent tree above a change.

use super::*;

/// The host-side check (`StarkEngine::debug`: every constraint of every row, then every bus) of
/// a run: `None` if it passes, else its panic message, which locates a failed constraint ("on
/// air NAME, row N") or says "LogUp multiset equality check failed" (and prints the bus).
pub(super) fn debug_check(run: Run) -> Option<String> {
    let ctx = ProvingContext::new(contexts(run).into_iter().enumerate().collect());
    let engine = test_engine(LOG_HEIGHT);
    let panic = std::panic::catch_unwind(|| engine.debug(&airs(), &ctx)).err()?;
    Some(
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    )
}

/// The honest run after `tamper`.
pub(super) fn tampered(tamper: impl FnOnce(&mut Run)) -> Run {
    let mut run = honest().run;
    tamper(&mut run);
    run
}

/// Proves the honest run after `tamper` changed it.
pub(super) fn prove_tampered(tamper: impl FnOnce(&mut Run)) -> Result<(), String> {
    prove(tampered(tamper))
}

/// Rejected by a bus alone: the prover refuses (LogUp's sum is not zero), and the host check
/// finds every constraint satisfied.
pub(super) fn assert_unbalanced(tamper: impl Fn(&mut Run)) {
    let err = prove_tampered(&tamper).expect_err("the tampered run must be rejected");
    println!("expected bus imbalance: {err}");
    assert!(err.contains("NonZeroRootSum"), "{err}");
    let found = debug_check(tampered(&tamper)).expect("the host check must fail");
    assert!(found.contains("LogUp multiset equality"), "{found}");
}

/// Rejected by a bus and by a constraint of `air` on one of `rows`.
pub(super) fn assert_unbalanced_and_constraint(
    tamper: impl Fn(&mut Run),
    air: &str,
    rows: &[usize],
) {
    let err = prove_tampered(&tamper).expect_err("the tampered run must be rejected");
    println!("expected bus imbalance: {err}");
    assert!(err.contains("NonZeroRootSum"), "{err}");
    assert_located(
        &debug_check(tampered(&tamper)).expect("the host check must fail"),
        air,
        rows,
    );
}

/// Rejected by a constraint alone: the buses balance, the verifier rejects the proof, and the
/// host check locates the failure in `air` on one of `rows`.
pub(super) fn assert_constraint_failure(tamper: impl Fn(&mut Run), air: &str, rows: &[usize]) {
    let err = prove_tampered(&tamper).expect_err("the tampered run must be rejected");
    println!("expected constraint failure: {err}");
    assert!(err.contains("constraint"), "{err}");
    assert!(!err.contains("NonZeroRootSum"), "{err}");
    assert_located(
        &debug_check(tampered(&tamper)).expect("the host check must fail"),
        air,
        rows,
    );
}

pub(super) fn assert_located(found: &str, air: &str, rows: &[usize]) {
    println!("  located: {found}");
    assert!(found.contains(&format!("on air {air},")), "{found}");
    let row = found
        .split("row ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        row.is_some_and(|r| rows.contains(&r)),
        "expected rows {rows:?}: {found}"
    );
}

pub(super) fn merkle_cols(merkle: &mut RowMajorMatrix<F>, r: usize) -> &mut MemoryMerkleCols<F> {
    let width = MemoryMerkleCols::<F>::WIDTH;
    merkle.values[r * width..(r + 1) * width].borrow_mut()
}

pub(super) fn merkle_ref(merkle: &RowMajorMatrix<F>, r: usize) -> &MemoryMerkleCols<F> {
    let width = MemoryMerkleCols::<F>::WIDTH;
    merkle.values[r * width..(r + 1) * width].borrow()
}

pub(super) fn boundary_cols(
    boundary: &mut RowMajorMatrix<F>,
    r: usize,
) -> &mut MemoryBoundaryCols<F> {
    let width = MemoryBoundaryCols::<F>::WIDTH;
    boundary.values[r * width..(r + 1) * width].borrow_mut()
}

pub(super) fn access_cols(accesses: &mut RowMajorMatrix<F>, r: usize) -> &mut AccessCols<F> {
    let width = AccessCols::<F>::WIDTH;
    accesses.values[r * width..(r + 1) * width].borrow_mut()
}

/// A real Merkle row's node: `(height, label)` in the whole tree.
pub(super) fn node_of(c: &MemoryMerkleCols<F>) -> (usize, u32) {
    let p = c.position.map(|x| x.as_canonical_u32());
    let height = p.height as usize;
    let label = if p.top == 1 {
        p.as_label
    } else {
        (p.as_label << (DIMS.leaf_bits() - height)) | p.label
    };
    (height, label)
}

/// The Merkle row of node `(height, label)`.
pub(super) fn merkle_row(merkle: &mut RowMajorMatrix<F>, height: usize, label: u32) -> usize {
    (0..merkle.height())
        .find(|&r| {
            let c = merkle_ref(merkle, r);
            c.is_real != F::ZERO && node_of(c) == (height, label)
        })
        .unwrap_or_else(|| panic!("no Merkle row for node ({height}, {label})"))
}

/// Sets the child `(height, label)` of its parent's row: its digests and touched flag.
pub(super) fn set_child(
    merkle: &mut RowMajorMatrix<F>,
    (height, label): (usize, u32),
    initial: Digest,
    final_: Digest,
    touched: bool,
) {
    let r = merkle_row(merkle, height + 1, label >> 1);
    let side = (label & 1) as usize;
    let c = merkle_cols(merkle, r);
    c.initial[side] = initial;
    c.final_[side] = final_;
    c.touched[side] = F::from_bool(touched);
}

/// Recomputes every real row's parent digests from its children, bottom up, and copies them
/// into the parent's row: a consistent forgery of everything above a change. Returns the
/// forged roots.
pub(super) fn rehash(merkle: &mut RowMajorMatrix<F>) -> MemoryMerklePvs<F> {
    let mut rows: Vec<(usize, usize)> = (0..merkle.height())
        .filter(|&r| merkle_ref(merkle, r).is_real != F::ZERO)
        .map(|r| (node_of(merkle_ref(merkle, r)).0, r))
        .collect();
    rows.sort();
    let index: HashMap<(usize, u32), usize> = rows
        .iter()
        .map(|&(_, r)| (node_of(merkle_ref(merkle, r)), r))
        .collect();
    let mut roots = MemoryMerklePvs::default();
    for (height, r) in rows {
        let c = merkle_cols(merkle, r);
        c.parent_initial = compress(c.initial[0], c.initial[1]);
        c.parent_final = compress(c.final_[0], c.final_[1]);
        let (digests, node) = ((c.parent_initial, c.parent_final), node_of(c));
        if height == DIMS.height() {
            roots = MemoryMerklePvs {
                initial_root: digests.0,
                final_root: digests.1,
            };
            continue;
        }
        let parent = merkle_cols(merkle, index[&(height + 1, node.1 >> 1)]);
        let side = (node.1 & 1) as usize;
        parent.initial[side] = digests.0;
        parent.final_[side] = digests.1;
    }
    roots
}
