//! VM configuration: the system part every VM has, and the traits an extension set implements.

use serde::{Deserialize, Serialize};

use crate::{
    execution::{ExecutorInventory, ExecutorInventoryError},
    transpiler::Transpiler,
};

/// The part of a VM configuration that does not depend on extensions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemConfig {
    /// Main memory is `2^memory_bits` bytes, addresses `0..2^memory_bits`.
    pub memory_bits: u32,
    /// Maximum number of bytes the guest may reveal as public output.
    pub public_output_capacity: usize,
}

impl Default for SystemConfig {
    /// 512 MiB of main memory (29-bit addresses, which leaves headroom below the 31-bit field
    /// for address arithmetic in constraints) and 1 KiB of public output.
    fn default() -> Self {
        Self {
            memory_bits: 29,
            public_output_capacity: 1024,
        }
    }
}

impl SystemConfig {
    /// Size of main memory in bytes.
    pub fn memory_size(&self) -> u64 {
        1u64 << self.memory_bits
    }
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
