//! Keys and commitments without proving: `keygen` (generate and cache the keys a proof at a
//! stacked height needs) and `commit` (the exe commitment a proof of an executable carries).

use std::{path::PathBuf, sync::Arc};

use serde::Serialize;
use tessera_arch::{GuestInput, VmExe};

use crate::{
    verifying_key_digest, ProveOptions, Sdk, SdkError, F, MAX_LOG_STACKED_HEIGHT,
    MIN_LOG_STACKED_HEIGHT,
};

/// What [`Sdk::keygen`] produced.
///
/// ```no_run
/// use tessera_sdk::{pinned_verifying_key_digest, Sdk};
///
/// let report = Sdk::default().keygen(16)?;
/// assert_eq!(report.log_stacked_height, 16);
/// if let Some(pk) = &report.proving_key {
///     println!("proving key cached in {} ({:.1} s)", pk.display(), report.seconds);
/// }
/// // The default configuration's keys are pinned.
/// assert_eq!(Some(report.verifying_key_sha256.as_str()), pinned_verifying_key_digest(16));
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct KeygenReport {
    pub log_stacked_height: usize,
    /// Where the proving and verifying keys are cached (`None` without a key cache).
    pub proving_key: Option<PathBuf>,
    pub verifying_key: Option<PathBuf>,
    /// SHA-256 of the verifying key (lowercase hex), as pinned for the default configuration.
    pub verifying_key_sha256: String,
    pub seconds: f64,
}

impl Sdk {
    /// The stacked height (log2) a proof of `exe` on `input` uses: `options`'
    /// `log_stacked_height` if set, else the smallest that holds the run's planned traces (what
    /// [`Sdk::prove`] picks).
    ///
    /// ```
    /// use tessera_sdk::{ProveOptions, Sdk, MIN_LOG_STACKED_HEIGHT};
    ///
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let input = 10u32.to_le_bytes().to_vec();
    /// // A run this short fits the smallest stacked height.
    /// let lsh = sdk.log_stacked_height_for(&exe, input.clone(), &ProveOptions::default())?;
    /// assert_eq!(lsh, MIN_LOG_STACKED_HEIGHT);
    /// // A height set in the options is the one used.
    /// let options = ProveOptions { log_stacked_height: Some(20), ..ProveOptions::default() };
    /// assert_eq!(sdk.log_stacked_height_for(&exe, input, &options)?, 20);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn log_stacked_height_for(
        &self,
        exe: &Arc<VmExe<F>>,
        input: impl Into<GuestInput>,
        options: &ProveOptions,
    ) -> Result<usize, SdkError> {
        let lsh = match options.log_stacked_height {
            Some(lsh) => lsh,
            None => self
                .meter(exe, input, options)?
                .log_stacked_height(exe.program.instructions.len()),
        };
        check_height(lsh)?;
        Ok(lsh)
    }

    /// Generates the proving and verifying keys of this configuration at stacked height
    /// `2^log_stacked_height` and caches them (or loads them from the cache).
    ///
    /// ```no_run
    /// let sdk = tessera_sdk::Sdk::default();
    /// let report = sdk.keygen(18).unwrap();
    /// println!("vk sha256 {}", report.verifying_key_sha256);
    /// ```
    pub fn keygen(&self, log_stacked_height: usize) -> Result<KeygenReport, SdkError> {
        check_height(log_stacked_height)?;
        let start = std::time::Instant::now();
        let vm = self.machine(log_stacked_height);
        let keys = self.key_store().keys(&vm)?;
        Ok(KeygenReport {
            log_stacked_height,
            proving_key: self.key_store().path(&vm, "pk"),
            verifying_key: self.key_store().path(&vm, "vk"),
            verifying_key_sha256: verifying_key_digest(&keys.vk),
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// The exe commitment of `exe` at stacked height `2^log_stacked_height` (lowercase hex of
    /// its 8 field elements, little-endian): what a proof of a run of `exe` carries and what
    /// `verify` reports, so that a verifier can pin the program it accepts.
    ///
    /// ```
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = tessera_sdk::Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let commitment = sdk.commit(&exe, 16)?;
    /// assert_eq!(commitment.len(), 64); // 8 field elements of 4 bytes, in hex
    /// // A verifier pins the program: `sdk.verify(&exe, &proof)?.exe_commitment == commitment`.
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn commit(&self, exe: &VmExe<F>, log_stacked_height: usize) -> Result<String, SdkError> {
        check_height(log_stacked_height)?;
        let vm = self.machine(log_stacked_height);
        let program = vm.commit_program(exe)?;
        Ok(crate::prove::digest_hex(&vm.exe_commitment(exe, &program)?))
    }
}

/// Refuses a stacked height outside what the SDK proves (its keys and pins cover these).
pub(crate) fn check_height(lsh: usize) -> Result<(), SdkError> {
    if (MIN_LOG_STACKED_HEIGHT..=MAX_LOG_STACKED_HEIGHT).contains(&lsh) {
        Ok(())
    } else {
        Err(SdkError::Options(format!(
            "log stacked height {lsh} is outside {MIN_LOG_STACKED_HEIGHT}..={MAX_LOG_STACKED_HEIGHT}"
        )))
    }
}
