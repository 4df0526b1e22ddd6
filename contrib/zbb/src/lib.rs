//! `tessera-zbb`: the RISC-V Zbb extension ("basic bit manipulation", ratified bitmanip spec
//! v1.0.0) for Tessera, built outside the core.
//!
//! It uses only the public API of the core crates: the extension author's kit
//! (`tessera_system::kit`: [`AluFamily`](tessera_system::kit::AluFamily) and
//! [`AluExecutor`](tessera_system::kit::AluExecutor) for execution and preflight (its handler
//! records a `kit::alu_record::AluRecord`), the register columns and the `eval_reg_reg` /
//! `eval_reg_imm` adapter in the AIRs), the machine's [`CircuitExtension`](tessera_system::vm::CircuitExtension) and
//! [`SegmentChips`](tessera_system::vm::SegmentChips), and the registry. It registers itself
//! as `"zbb"` (it depends on `"rv32im"`, whose `NOP` it transpiles writes to `x0` into), so a
//! configuration names it: `VmConfig::new(SystemConfig::default(), ["rv32im", "zbb"])`, or
//! `extensions = ["rv32im", "zbb"]` in `tessera.toml`.
//!
//! | Family | Opcodes (global) | Forms | AIR |
//! |---|---|---|---|
//! | [`ZbbLogicOpcode`] | `ANDN ORN XNOR` (`0x200..`) | register | [`ZbbLogicAir`] |
//! | [`ZbbMinMaxOpcode`] | `MIN MAX MINU MAXU` (`0x210..`) | register | [`ZbbMinMaxAir`] |
//! | [`ZbbUnaryOpcode`] | `CLZ CTZ CPOP SEXT_B SEXT_H ZEXT_H ORC_B REV8` (`0x220..`) | immediate (0) | [`ZbbUnaryAir`] |
//! | [`ZbbRotateOpcode`] | `ROL ROR` (`0x230..`) | register; `RORI` = `ROR` immediate | [`ZbbRotateAir`] `<false>`, `<true>` |
//!
//! The AIRs, in the order [`ZbbAir`] fixes, are described in each family's `air` module.
//!
//! ```
//! use std::sync::Arc;
//! use tessera_arch::{Streams, SystemConfig, VmExecutor};
//! use tessera_rv32im::encode::{addi, lui, ECALL};
//! use tessera_system::registry::VmConfig;
//! use tessera_zbb::encode;
//!
//! let config = VmConfig::new(SystemConfig::default(), ["rv32im", "zbb"]).unwrap();
//! let words = [
//!     lui(5, 0x000f0),          // x5 = 0x000f_0000
//!     encode::clz(10, 5),       // a0 = 12
//!     encode::rori(6, 5, 16),   // x6 = 0x0000_000f
//!     encode::cpop(7, 6),       // x7 = 4
//!     encode::max(10, 10, 7),   // a0 = max(12, 4)
//!     addi(17, 0, 93),          // exit(a0)
//!     ECALL,
//! ];
//! let exe = Arc::new(encode::exe_from_words(&config, 0x1000, &words).unwrap());
//! let state = VmExecutor::new(config).unwrap().execute(&exe, Streams::default(), None).unwrap();
//! assert_eq!(state.exit_code, Some(12));
//! ```

#![warn(missing_docs)]

mod circuit;
pub mod encode;
mod logic;
mod minmax;
mod rotate;
mod transpiler;
mod unary;

#[cfg(test)]
mod circuit_tests;
#[cfg(test)]
mod test_support;

use p3_field::PrimeField32;
use tessera_arch::{
    ExecutorInventory, ExecutorInventoryError, LocalOpcode, Transpiler, VmExecutionExtension,
};

pub use circuit::{ZbbAir, ZbbBuses, ZbbChips};
pub use logic::{ZbbLogicAir, ZbbLogicChip, ZbbLogicCols, ZbbLogicExecutor, ZbbLogicOpcode};
pub use minmax::{ZbbMinMaxAir, ZbbMinMaxChip, ZbbMinMaxCols, ZbbMinMaxExecutor, ZbbMinMaxOpcode};
pub use rotate::{
    ZbbRotateAir, ZbbRotateChip, ZbbRotateCoreCols, ZbbRotateExecutor, ZbbRotateImmCols,
    ZbbRotateOpcode, ZbbRotateRegCols,
};
pub use transpiler::ZbbTranspiler;
pub use unary::{ZbbUnaryAir, ZbbUnaryChip, ZbbUnaryCols, ZbbUnaryExecutor, ZbbUnaryOpcode};

// `crate::local_opcode!` in the families' `core.rs`.
pub(crate) use tessera_arch::local_opcode;

/// The Zbb extension: executors for every Zbb instruction and the transpiler that decodes
/// them; its circuit ([`tessera_system::vm::CircuitExtension`]) is in [`ZbbAir`] and
/// [`ZbbChips`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Zbb;

impl<F: PrimeField32> VmExecutionExtension<F> for Zbb {
    fn extend_execution(
        &self,
        inventory: &mut ExecutorInventory<F>,
    ) -> Result<(), ExecutorInventoryError> {
        fn all<O: LocalOpcode>() -> impl Iterator<Item = O> {
            O::ALL.iter().copied()
        }
        inventory.add_executor(ZbbLogicExecutor::default(), all::<ZbbLogicOpcode>())?;
        inventory.add_executor(ZbbMinMaxExecutor::default(), all::<ZbbMinMaxOpcode>())?;
        inventory.add_executor(ZbbUnaryExecutor::default(), all::<ZbbUnaryOpcode>())?;
        inventory.add_executor(ZbbRotateExecutor::default(), all::<ZbbRotateOpcode>())?;
        Ok(())
    }

    fn extend_transpiler(&self, transpiler: Transpiler<F>) -> Transpiler<F> {
        transpiler.with_extension(ZbbTranspiler)
    }
}
