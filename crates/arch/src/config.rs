//! VM configuration: the system part every VM has, and the traits an extension set implements.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{
    execution::{ExecutorInventory, ExecutorInventoryError},
    transpiler::Transpiler,
};

/// The part of a VM configuration that does not depend on extensions.
///
/// In a configuration file every field is optional (the default below) and an unknown field
/// is an error that names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemConfig {
    /// Main memory is `2^memory_bits` bytes, addresses `0..2^memory_bits`.
    pub memory_bits: u32,
    /// Maximum number of bytes the guest may reveal as public output.
    pub public_output_capacity: usize,
    /// At most this many instructions per segment of a proof (runs are proven as chains of
    /// segments); the bus-message limit below usually cuts a segment first.
    pub segment_max_instructions: u64,
    /// Bus messages (interactions, padding included) per segment. The LogUp GKR, most of the
    /// proving time, runs over the next power of two above a segment's total, so segments are
    /// cut below a power of two: `2^24 - 1` (the default) fits 2^20 instructions of a simple
    /// loop (15 messages each) and cuts memory-heavy code (18 messages) earlier, instead of
    /// letting it pay for a GKR of 2^25. Peak proving memory grows about linearly with it (about
    /// 3.5 GB at the default, right for a 24 GiB machine). On this 2-core machine larger
    /// segments prove *slower* per instruction (2^25: 62 vs 72 kHz); on machines with many
    /// cores and 64 GiB or more, try `2^25 - 1` with a `segment_max_instructions` of 2^22 and
    /// keep what measures faster.
    #[serde(default = "default_segment_max_interactions")]
    pub segment_max_interactions: u64,
}

fn default_segment_max_interactions() -> u64 {
    (1 << 24) - 1
}

impl Default for SystemConfig {
    /// 512 MiB of main memory (29-bit addresses, which leaves headroom below the 31-bit field
    /// for address arithmetic in constraints) and 1 KiB of public output.
    fn default() -> Self {
        Self {
            memory_bits: 29,
            public_output_capacity: 1024,
            segment_max_instructions: 1 << 21,
            segment_max_interactions: default_segment_max_interactions(),
        }
    }
}

/// The smallest and largest main memory: 4 KiB to 512 MiB. Addresses of at most 29 bits leave
/// room below the 31-bit field for address arithmetic in constraints.
pub const MEMORY_BITS_RANGE: std::ops::RangeInclusive<u32> = 12..=29;

impl SystemConfig {
    /// Size of main memory in bytes (saturating for out-of-range `memory_bits`, which
    /// [`SystemConfig::validate`] rejects).
    pub fn memory_size(&self) -> u64 {
        1u64.checked_shl(self.memory_bits).unwrap_or(u64::MAX)
    }

    /// Checks the configuration's values.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !MEMORY_BITS_RANGE.contains(&self.memory_bits) {
            return Err(ConfigError::MemoryBits(self.memory_bits));
        }
        if self.segment_max_instructions == 0 || self.segment_max_interactions == 0 {
            return Err(ConfigError::SegmentSize);
        }
        if self.public_output_capacity > MAX_PUBLIC_OUTPUT_CAPACITY {
            return Err(ConfigError::PublicOutputCapacity(
                self.public_output_capacity,
            ));
        }
        Ok(())
    }
}

/// The largest public output a proof can hold: the circuit keeps its length word below 2^24.
pub const MAX_PUBLIC_OUTPUT_CAPACITY: usize = (1 << 24) - 1;

/// A VM configuration that cannot be used.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("memory_bits = {0}: main memory must be 2^12 to 2^29 bytes")]
    MemoryBits(u32),
    #[error("segment_max_instructions and segment_max_interactions must be at least 1")]
    SegmentSize,
    #[error("public_output_capacity = {0}: the circuit proves at most {MAX_PUBLIC_OUTPUT_CAPACITY} bytes of public output (its length word stays below 2^24)")]
    PublicOutputCapacity(usize),
    #[error(transparent)]
    Inventory(#[from] ExecutorInventoryError),
}

/// What a VM configuration provides for execution: its executors and its transpiler.
pub trait VmExecutionConfig<F> {
    fn system(&self) -> &SystemConfig;
    fn create_executors(&self) -> Result<ExecutorInventory<F>, ExecutorInventoryError>;
    fn create_transpiler(&self) -> Transpiler<F>;
}

/// One extension's contribution to execution. A configuration is the system plus a list of
/// extensions; its [`VmExecutionConfig`] calls each extension in turn.
pub trait VmExecutionExtension<F> {
    /// Adds the extension's executors to the inventory.
    fn extend_execution(
        &self,
        inventory: &mut ExecutorInventory<F>,
    ) -> Result<(), ExecutorInventoryError>;

    /// Adds the extension's transpiler to the transpiler.
    fn extend_transpiler(&self, transpiler: Transpiler<F>) -> Transpiler<F>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_bits_are_validated() {
        assert_eq!(SystemConfig::default().validate(), Ok(()));
        for bits in [0, 11, 30, 32, 64, u32::MAX] {
            let config = SystemConfig {
                memory_bits: bits,
                ..Default::default()
            };
            assert_eq!(config.validate(), Err(ConfigError::MemoryBits(bits)));
            assert!(config.memory_size() >= 1, "no panic for {bits}");
        }
        let empty_segments = SystemConfig {
            segment_max_instructions: 0,
            ..Default::default()
        };
        assert_eq!(empty_segments.validate(), Err(ConfigError::SegmentSize));
    }
}
