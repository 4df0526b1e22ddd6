//! The public output, proven against a segment's final memory root.
//!
//! The output lives in its own address space ([`PUBLIC_VALUES`]): a length word, then the
//! bytes. Nothing but the proven `write` to fd 3 touches that space, so its subtree is fixed
//! by the bytes alone; the proof carries the bytes and the two sibling digests above the
//! address-space subtree, and the verifier recomputes the subtree from the bytes and hashes
//! up to the final root.

use serde::{Deserialize, Serialize};
use tessera_arch::{
    address_space::{PUBLIC_OUTPUT_DATA, PUBLIC_OUTPUT_LENGTH, PUBLIC_VALUES},
    SparseMemoryImage,
};

use super::VmVerificationError;
use crate::{
    memory::{verify_path, MemoryDimensions, MemoryTree, ADDRESS_SPACE_BITS},
    poseidon2::Digest,
};

/// The public output and the digests that tie it to a final memory root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicOutputProof {
    pub bytes: Vec<u8>,
    /// Siblings of the public-output subtree on its path to the root, bottom first.
    pub top_siblings: Vec<[u32; 8]>,
}

impl PublicOutputProof {
    /// The proof for `bytes` in the final memory `tree`.
    pub fn new(tree: &MemoryTree, bytes: Vec<u8>) -> Self {
        let path = tree.path(PUBLIC_VALUES, 0);
        let below = path.len() - ADDRESS_SPACE_BITS;
        Self {
            bytes,
            top_siblings: path[below..].iter().map(digest_to_u32).collect(),
        }
    }

    /// Checks the bytes against `final_root` and returns them.
    pub fn verify(
        &self,
        dims: MemoryDimensions,
        final_root: Digest,
        capacity: usize,
    ) -> Result<&[u8], VmVerificationError> {
        if self.bytes.len() > capacity {
            return Err(VmVerificationError::PublicOutputTooLong {
                len: self.bytes.len(),
                capacity,
            });
        }
        if self.top_siblings.len() != ADDRESS_SPACE_BITS {
            return Err(VmVerificationError::PublicOutputMismatch);
        }
        let tree = MemoryTree::new(dims, &image(&self.bytes))
            .map_err(|_| VmVerificationError::PublicOutputMismatch)?;
        let mut path = tree.path(PUBLIC_VALUES, 0);
        let below = path.len() - ADDRESS_SPACE_BITS;
        for (slot, sibling) in path[below..].iter_mut().zip(&self.top_siblings) {
            *slot = digest_from_u32(sibling)?;
        }
        let leaf = tree.leaf(PUBLIC_VALUES, 0);
        if verify_path(dims, final_root, PUBLIC_VALUES, 0, leaf, &path) {
            Ok(&self.bytes)
        } else {
            Err(VmVerificationError::PublicOutputMismatch)
        }
    }
}

/// The public-output address space holding `bytes`.
fn image(bytes: &[u8]) -> SparseMemoryImage {
    let mut image = SparseMemoryImage::new();
    image.insert((PUBLIC_VALUES, PUBLIC_OUTPUT_LENGTH), bytes.len() as u32);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        image.insert(
            (PUBLIC_VALUES, PUBLIC_OUTPUT_DATA + 4 * i as u32),
            u32::from_le_bytes(word),
        );
    }
    image.retain(|_, word| *word != 0);
    image
}

fn digest_to_u32(digest: &Digest) -> [u32; 8] {
    use openvm_stark_backend::p3_field::PrimeField32;
    digest.map(|x| x.as_canonical_u32())
}

fn digest_from_u32(words: &[u32; 8]) -> Result<Digest, VmVerificationError> {
    use openvm_stark_backend::p3_field::{PrimeCharacteristicRing, PrimeField32};
    use p3_baby_bear::BabyBear;
    if words.iter().any(|&w| w >= BabyBear::ORDER_U32) {
        return Err(VmVerificationError::PublicOutputMismatch);
    }
    Ok(words.map(BabyBear::from_u32))
}
