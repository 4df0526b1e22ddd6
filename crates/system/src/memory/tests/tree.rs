//! The host tree against a naive dense computation (`memory_bits = 6`: 8 leaves per address
//! space, 32 leaves, root at height 5), paths and updates.

use std::time::Instant;

use rand::{rngs::StdRng, Rng, SeedableRng};

use super::*;

const SMALL: MemoryDimensions = MemoryDimensions::new(6);

/// A random image of `words` words in address spaces 0..4 of `2^memory_bits` bytes, some zero.
fn random_image(rng: &mut StdRng, dims: MemoryDimensions, words: usize) -> SparseMemoryImage {
    (0..words)
        .map(|_| {
            let space = rng.gen_range(0..4);
            let pointer = rng.gen_range(0..1u32 << (dims.memory_bits - 2)) * 4;
            let value = if rng.gen_bool(0.2) { 0 } else { rng.gen() };
            ((space, pointer), value)
        })
        .collect()
}

/// Every leaf of the small tree, dense, in label order.
fn dense_leaves(image: &SparseMemoryImage) -> Vec<Digest> {
    let space_bytes = 1usize << SMALL.memory_bits;
    let mut bytes = vec![0u8; 4 * space_bytes];
    for (&(space, pointer), &word) in image {
        let at = space as usize * space_bytes + pointer as usize;
        bytes[at..at + 4].copy_from_slice(&word.to_le_bytes());
    }
    bytes
        .chunks_exact(LEAF_BYTES)
        .map(|leaf| leaf_from_bytes(leaf.try_into().unwrap()))
        .collect()
}

/// The root by hashing every node of the full tree.
fn naive_root(image: &SparseMemoryImage) -> Digest {
    let mut level = dense_leaves(image);
    assert_eq!(level.len(), 1 << SMALL.height());
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|p| compress(p[0], p[1]))
            .collect();
    }
    level[0]
}

#[test]
fn root_equals_naive_computation() {
    let mut rng = StdRng::seed_from_u64(1);
    let full: SparseMemoryImage = (0..4)
        .flat_map(|space| (0..16).map(move |w| ((space, 4 * w), space * 1000 + w + 1)))
        .collect();
    let images = [
        SparseMemoryImage::new(),
        SparseMemoryImage::from([((2, 0), 1)]),
        SparseMemoryImage::from([((0, 0), 0), ((3, 60), 0xffff_ffff)]),
        full,
        random_image(&mut rng, SMALL, 5),
        random_image(&mut rng, SMALL, 20),
        random_image(&mut rng, SMALL, 60),
    ];
    for image in &images {
        let tree = MemoryTree::new(SMALL, image).unwrap();
        assert_eq!(tree.root(), naive_root(image), "{image:?}");
    }
    let zero = zero_digests(SMALL.height());
    assert_eq!(MemoryTree::empty(SMALL).root(), zero[SMALL.height()]);
    assert_eq!(naive_root(&SparseMemoryImage::new()), zero[SMALL.height()]);
}

#[test]
fn leaves_hold_little_endian_bytes() {
    let image = SparseMemoryImage::from([((2, 8), 0x0403_0201), ((2, 12), 0x0807_0605)]);
    let tree = MemoryTree::new(SMALL, &image).unwrap();
    assert_eq!(tree.leaf(2, 1), leaf_from_bytes([1, 2, 3, 4, 5, 6, 7, 8]));
    assert_eq!(tree.leaf(2, 0), [F::ZERO; 8]);
    assert_eq!(SMALL.leaf_label(2, 1), 17);
    assert_eq!(tree.node(0, 17), tree.leaf(2, 1));
}

#[test]
fn paths_verify() {
    let mut rng = StdRng::seed_from_u64(2);
    let image = random_image(&mut rng, SMALL, 20);
    let tree = MemoryTree::new(SMALL, &image).unwrap();
    let leaves = dense_leaves(&image);
    let root = tree.root();
    for space in 0..4 {
        for index in 0..8 {
            let leaf = leaves[SMALL.leaf_label(space, index) as usize];
            let path = tree.path(space, index);
            assert_eq!(path.len(), SMALL.height());
            assert!(verify_path(SMALL, root, space, index, leaf, &path));

            let mut wrong_leaf = leaf;
            wrong_leaf[3] += F::ONE;
            assert!(!verify_path(SMALL, root, space, index, wrong_leaf, &path));
            let mut wrong_path = path.clone();
            wrong_path[rng.gen_range(0..SMALL.height())][0] += F::ONE;
            assert!(!verify_path(SMALL, root, space, index, leaf, &wrong_path));
            // The same leaf and path at another address.
            assert!(
                !verify_path(SMALL, root, space, index ^ 1, leaf, &path)
                    || leaf == leaves[SMALL.leaf_label(space, index ^ 1) as usize]
            );
            assert!(!verify_path(SMALL, root, space, index, leaf, &path[1..]));
            assert!(!verify_path(SMALL, root, space, index + 8, leaf, &path));
            assert!(!verify_path(SMALL, root, space + 4, index, leaf, &path));
        }
    }
}

#[test]
fn updates_match_recomputation() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut image = random_image(&mut rng, SMALL, 20);
    let mut tree = MemoryTree::new(SMALL, &image).unwrap();
    for round in 0..10 {
        // Rewrite a few leaves (some to zero, some that were zero), then compare.
        let mut leaves = Vec::new();
        for _ in 0..=round % 4 {
            let (space, index) = (rng.gen_range(0..4u32), rng.gen_range(0..8u32));
            let words: [u32; 2] = if rng.gen_bool(0.3) {
                [0, 0]
            } else {
                [rng.gen(), rng.gen()]
            };
            let mut bytes = [0u8; LEAF_BYTES];
            for (w, word) in words.iter().enumerate() {
                image.insert((space, 8 * index + 4 * w as u32), *word);
                bytes[4 * w..4 * w + 4].copy_from_slice(&word.to_le_bytes());
            }
            leaves.push(((space, index), leaf_from_bytes(bytes)));
        }
        tree.update(&leaves);
        let fresh = MemoryTree::new(SMALL, &image).unwrap();
        assert_eq!(tree.root(), fresh.root(), "round {round}");
        assert_eq!(tree.root(), naive_root(&image), "round {round}");
        for (space, index) in [(0, 0), (2, 5), (3, 7)] {
            assert_eq!(tree.path(space, index), fresh.path(space, index));
        }
    }
}

#[test]
fn image_outside_the_tree_is_rejected() {
    let cases = [
        (
            (2, 64),
            MemoryTreeError::OutOfRange {
                address_space: 2,
                pointer: 64,
            },
        ),
        (
            (4, 0),
            MemoryTreeError::OutOfRange {
                address_space: 4,
                pointer: 0,
            },
        ),
        (
            (1, 6),
            MemoryTreeError::Unaligned {
                address_space: 1,
                pointer: 6,
            },
        ),
    ];
    for ((space, pointer), err) in cases {
        let image = SparseMemoryImage::from([((space, pointer), 1)]);
        assert_eq!(MemoryTree::new(SMALL, &image).unwrap_err(), err);
    }
}

/// With 512 MiB address spaces (root at height 28) a sparse image costs (words) x (depth)
/// compressions, not the memory's size.
#[test]
fn large_sparse_memory_is_cheap() {
    let dims = MemoryDimensions::new(29);
    let mut rng = StdRng::seed_from_u64(4);
    let image = random_image(&mut rng, dims, 1000);
    let start = Instant::now();
    let mut tree = MemoryTree::new(dims, &image).unwrap();
    println!(
        "1000 words in a 2^29-byte tree: {:.3} s",
        start.elapsed().as_secs_f64()
    );
    let (&(space, pointer), &word) = image.iter().next().unwrap();
    let index = pointer / 8;
    let leaf = tree.leaf(space, index);
    let offset = pointer as usize % 8;
    assert_eq!(leaf[offset..offset + 4], word.to_le_bytes().map(F::from_u8));
    assert!(verify_path(
        dims,
        tree.root(),
        space,
        index,
        leaf,
        &tree.path(space, index)
    ));
    tree.update(&[((3, (1 << 26) - 1), [F::ONE; 8])]);
    assert!(verify_path(
        dims,
        tree.root(),
        3,
        (1 << 26) - 1,
        [F::ONE; 8],
        &tree.path(3, (1 << 26) - 1)
    ));
    assert_eq!(
        MemoryDimensions::from_config(&tessera_arch::SystemConfig::default()),
        dims
    );
}
