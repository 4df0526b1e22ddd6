//! The proof file: a versioned header, the claims, and the STARK proof.
//!
//! Layout (all integers little-endian):
//! ```text
//! magic            8 bytes  b"TESSERA\x00"
//! format version   u32      PROOF_FORMAT_VERSION
//! claims length    u32      then the claims as JSON (configuration, security, stacked height, exit code,
//!                           public output with its Merkle siblings, instructions)
//! segments         u32      then for each segment, in order:
//!   proof length   u64      then the segment's STARK proof in openvm-stark-backend's codec
//! ```
//! Nothing in the file is trusted: the verifier derives the verifying key itself from the
//! configuration and the parameters the claims name (which must be among the secure ones it
//! accepts), and checks every claim against the proof's public values.

use openvm_stark_backend::{
    codec::{Decode, Encode},
    proof::Proof,
};
use serde::{Deserialize, Serialize};
use tessera_system::{
    registry::VmConfig,
    vm::{PublicOutputProof, SC},
};
use thiserror::Error;

/// The file's magic bytes.
pub const PROOF_MAGIC: &[u8; 8] = b"TESSERA\x00";
/// The format version this build writes and reads.
/// Version 2 added the configuration to the claims.
pub const PROOF_FORMAT_VERSION: u32 = 2;

/// The proof-system parameters a proof was made with.
///
/// ```
/// use tessera_sdk::{params_for, Security};
///
/// // As the claims of a proof file name it.
/// assert_eq!(serde_json::to_string(&Security::Bits100).unwrap(), "\"bits100\"");
/// let toy = params_for(Security::InsecureTesting, 16);
/// assert_ne!(toy, params_for(Security::Bits100, 16));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// `openvm-stark-sdk`'s 100-bit application parameters.
    Bits100,
    /// Toy parameters for fast tests (`SystemParams::new_for_testing`): NOT secure.
    InsecureTesting,
}

/// What the prover claims, checked by the verifier against the proof.
///
/// ```
/// use tessera_sdk::{Claims, Security, VmConfig};
/// use tessera_system::vm::PublicOutputProof;
///
/// let claims = Claims {
///     config: VmConfig::default(),
///     security: Security::Bits100,
///     log_stacked_height: 16,
///     exit_code: 0,
///     // The revealed bytes and the Merkle siblings that tie them to the final memory root.
///     public_output: PublicOutputProof { bytes: vec![55, 0, 0, 0], top_siblings: Vec::new() },
///     instret: 320,
/// };
/// // Stored as JSON in the proof file.
/// let json = serde_json::to_value(&claims).unwrap();
/// assert_eq!(json["security"], "bits100");
/// assert_eq!(json["exit_code"], 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The configuration the prover used. A verifier derives its key from its own
    /// configuration; this says which one to use, and a mismatch is reported as such.
    pub config: VmConfig,
    pub security: Security,
    pub log_stacked_height: usize,
    pub exit_code: u32,
    pub public_output: PublicOutputProof,
    /// Instructions executed: the prover's word, not proven (`verify` reports it as
    /// `claimed_instret`).
    pub instret: u64,
}

/// A proof of one run: the claims and one STARK proof per segment, in order.
///
/// ```
/// use tessera_sdk::{Claims, ProofFile, Security, VmConfig};
/// use tessera_system::vm::PublicOutputProof;
///
/// let claims = Claims {
///     config: VmConfig::default(),
///     security: Security::Bits100,
///     log_stacked_height: 16,
///     exit_code: 0,
///     public_output: PublicOutputProof { bytes: vec![55, 0, 0, 0], top_siblings: Vec::new() },
///     instret: 320,
/// };
/// // `Sdk::prove` makes a file with one proof per segment; this one has none.
/// let file = ProofFile { claims, proofs: Vec::new() };
/// let read = ProofFile::from_bytes(&file.to_bytes()).unwrap();
/// assert_eq!(read.claims, file.claims);
/// assert!(read.proofs.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct ProofFile {
    pub claims: Claims,
    pub proofs: Vec<Proof<SC>>,
}

/// Why bytes are not a proof file.
///
/// ```
/// use tessera_sdk::{ProofFile, ProofFileError};
///
/// let err = ProofFile::from_bytes(b"ELF\x7f and so on").unwrap_err();
/// assert!(matches!(err, ProofFileError::BadMagic));
/// let err = ProofFile::from_bytes(b"TESSERA\x00").unwrap_err();
/// assert_eq!(err.to_string(), "the proof file is truncated: version is missing");
/// ```
#[derive(Debug, Error)]
pub enum ProofFileError {
    #[error("not a Tessera proof file (bad magic bytes)")]
    BadMagic,
    #[error(
        "proof file format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("the proof file is truncated: {0} is missing")]
    Truncated(&'static str),
    #[error("the proof file's claims are malformed: {0}")]
    BadClaims(String),
    #[error("the proof file's STARK proof is malformed: {0}")]
    BadProof(String),
    #[error("the proof file has {0} bytes after its end")]
    TrailingBytes(usize),
}

impl ProofFile {
    /// The file's bytes.
    ///
    /// ```
    /// # use tessera_sdk::{Claims, ProofFile, Security, VmConfig};
    /// # let claims = Claims {
    /// #     config: VmConfig::default(),
    /// #     security: Security::Bits100,
    /// #     log_stacked_height: 16,
    /// #     exit_code: 0,
    /// #     public_output: tessera_system::vm::PublicOutputProof {
    /// #         bytes: 55u32.to_le_bytes().to_vec(),
    /// #         top_siblings: Vec::new(),
    /// #     },
    /// #     instret: 320,
    /// # };
    /// # let file = ProofFile { claims, proofs: Vec::new() };
    /// use tessera_sdk::PROOF_FORMAT_VERSION;
    ///
    /// let bytes = file.to_bytes(); // `file` as `Sdk::prove` returns it
    /// assert_eq!(&bytes[..8], b"TESSERA\x00");
    /// assert_eq!(bytes[8..12], PROOF_FORMAT_VERSION.to_le_bytes());
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let claims = serde_json::to_vec(&self.claims).expect("claims serialize");
        let mut out = Vec::new();
        out.extend_from_slice(PROOF_MAGIC);
        out.extend_from_slice(&PROOF_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(claims.len() as u32).to_le_bytes());
        out.extend_from_slice(&claims);
        out.extend_from_slice(&(self.proofs.len() as u32).to_le_bytes());
        for proof in &self.proofs {
            let proof = proof.encode_to_vec().expect("writing to a Vec cannot fail");
            out.extend_from_slice(&(proof.len() as u64).to_le_bytes());
            out.extend_from_slice(&proof);
        }
        out
    }

    /// Parses a proof file.
    ///
    /// ```
    /// # use tessera_sdk::{Claims, ProofFile, Security, VmConfig};
    /// # let claims = Claims {
    /// #     config: VmConfig::default(),
    /// #     security: Security::Bits100,
    /// #     log_stacked_height: 16,
    /// #     exit_code: 0,
    /// #     public_output: tessera_system::vm::PublicOutputProof {
    /// #         bytes: 55u32.to_le_bytes().to_vec(),
    /// #         top_siblings: Vec::new(),
    /// #     },
    /// #     instret: 320,
    /// # };
    /// # let file = ProofFile { claims, proofs: Vec::new() };
    /// use tessera_sdk::ProofFileError;
    ///
    /// let bytes = file.to_bytes(); // or `std::fs::read("fib.proof")`
    /// let read = ProofFile::from_bytes(&bytes).unwrap();
    /// assert_eq!(read.claims.public_output.bytes, 55u32.to_le_bytes());
    /// // Nothing may follow the last proof.
    /// let mut longer = bytes.clone();
    /// longer.push(0);
    /// assert!(matches!(ProofFile::from_bytes(&longer), Err(ProofFileError::TrailingBytes(1))));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProofFileError> {
        let mut rest = bytes;
        let magic = take(&mut rest, 8, "magic")?;
        if magic != PROOF_MAGIC {
            return Err(ProofFileError::BadMagic);
        }
        let version = u32::from_le_bytes(take(&mut rest, 4, "version")?.try_into().unwrap());
        if version != PROOF_FORMAT_VERSION {
            return Err(ProofFileError::UnsupportedVersion {
                found: version,
                supported: PROOF_FORMAT_VERSION,
            });
        }
        let len = u32::from_le_bytes(take(&mut rest, 4, "claims length")?.try_into().unwrap());
        let claims = take(&mut rest, len as usize, "claims")?;
        let claims: Claims =
            serde_json::from_slice(claims).map_err(|e| ProofFileError::BadClaims(e.to_string()))?;
        let count = u32::from_le_bytes(take(&mut rest, 4, "segment count")?.try_into().unwrap());
        let mut proofs = Vec::new();
        for _ in 0..count {
            let len = u64::from_le_bytes(take(&mut rest, 8, "proof length")?.try_into().unwrap());
            let len = usize::try_from(len).map_err(|_| ProofFileError::Truncated("proof"))?;
            let proof = take(&mut rest, len, "proof")?;
            proofs.push(
                Proof::<SC>::decode_from_bytes(proof)
                    .map_err(|e| ProofFileError::BadProof(e.to_string()))?,
            );
        }
        if !rest.is_empty() {
            return Err(ProofFileError::TrailingBytes(rest.len()));
        }
        Ok(Self { claims, proofs })
    }
}

fn take<'a>(
    rest: &mut &'a [u8],
    len: usize,
    what: &'static str,
) -> Result<&'a [u8], ProofFileError> {
    if rest.len() < len {
        return Err(ProofFileError::Truncated(what));
    }
    let (head, tail) = rest.split_at(len);
    *rest = tail;
    Ok(head)
}
