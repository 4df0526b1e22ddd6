//! `tessera-rv32im`: the RV32IM extension of Tessera.
//!
//! One folder per instruction family, each with its opcode enum, its semantics (`core.rs`) and
//! its executor. [`Rv32ImTranspiler`] turns RISC-V words into VM instructions; [`Rv32Im`]
//! registers the executors; [`Rv32ImConfig`] is the VM configuration "system + RV32IM".
//!
//! ```
//! use std::sync::Arc;
//! use p3_baby_bear::BabyBear;
//! use tessera_arch::{Streams, VmExecutor};
//! use tessera_rv32im::{encode, Rv32ImConfig};
//!
//! // li a0, 7; li a7, 93; ecall  (exit with code 7)
//! let words = [encode::addi(10, 0, 7), encode::addi(17, 0, 93), encode::ECALL];
//! let exe = Arc::new(encode::exe_from_words::<BabyBear>(0x1000, &words).unwrap());
//! let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
//! let state = executor.execute(&exe, Streams::default(), None).unwrap();
//! assert_eq!(state.exit_code, Some(7));
//! assert_eq!(state.instret, 3);
//! ```

pub(crate) use tessera_system::kit as adapters;
mod auipc;
#[cfg(test)]
mod backend_tests;
mod base_alu;
mod branch;
mod circuit;
mod divrem;
mod ecall;
pub mod encode;
#[cfg(test)]
mod end_to_end_tests;
mod jal_lui;
mod jalr;
mod less_than;
mod loadstore;
mod mul;
mod mulh;
mod nop;
#[cfg(test)]
mod periphery_tests;
#[cfg(test)]
mod refresh_tests;
mod shift;
#[cfg(test)]
mod test_harness;
mod transpiler;
#[cfg(test)]
mod vm_tests;

use p3_field::PrimeField32;
use tessera_arch::{
    ExecutorInventory, ExecutorInventoryError, Fault, LocalOpcode, SystemConfig, Transpiler, Trap,
    VmExecState, VmExecutionConfig, VmExecutionExtension,
};

pub use adapters::{AluExecutor, AluFamily};
pub use auipc::{AuipcExecutor, AuipcOpcode};
pub use base_alu::{
    AluKind, AluOperand, BaseAluAir, BaseAluBuses, BaseAluChip, BaseAluExecutor, BaseAluImmCols,
    BaseAluOpcode, BaseAluRecord, BaseAluRegCols,
};
pub use branch::{BranchEqualOpcode, BranchExecutor, BranchFamily, BranchLessThanOpcode};
pub use circuit::Rv32ImAir;
pub use divrem::{DivRemAir, DivRemChip, DivRemCols, DivRemExecutor, DivRemOpcode, DivRemRecord};
pub use ecall::{
    EcallAir, EcallBuses, EcallChip, EcallCols, EcallExecutor, EcallOpcode, EcallRecord, Syscall,
    UnimpExecutor, UnimpOpcode,
};
pub use ecall::{
    LengthCols, PublicByte, PublicWriteAir, PublicWriteCols, ReadAir, ReadCols, ReadWord,
};
pub use jal_lui::{JalLuiExecutor, JalLuiOpcode};
pub use jalr::{JalrExecutor, JalrOpcode};
pub use less_than::{
    LessThanAir, LessThanBuses, LessThanChip, LessThanExecutor, LessThanImmCols, LessThanOpcode,
    LessThanRecord, LessThanRegCols,
};
pub use loadstore::{
    LoadAir, LoadChip, LoadCols, LoadRecord, LoadStoreBuses, LoadStoreExecutor, LoadStoreOpcode,
    StoreAir, StoreChip, StoreCols, StoreRecord,
};
pub use mul::{MulAir, MulChip, MulCols, MulExecutor, MulOpcode, MulRecord};
pub use mulh::{MulHAir, MulHChip, MulHCols, MulHExecutor, MulHOpcode, MulHRecord};
pub use nop::{NopExecutor, NopOpcode};
pub use shift::{
    ShiftAir, ShiftBuses, ShiftChip, ShiftExecutor, ShiftImmCols, ShiftOpcode, ShiftRecord,
    ShiftRegCols,
};
pub use transpiler::{Rv32ImTranspiler, UNIMP_WORD};
// Circuits of the control-flow families (NOP, branches, JAL/LUI, JALR, AUIPC).
pub use auipc::{AuipcAir, AuipcBuses, AuipcChip, AuipcCols, AuipcRecord};
pub use branch::{
    BranchBuses, BranchEqualAir, BranchEqualChip, BranchEqualCols, BranchLessThanAir,
    BranchLessThanChip, BranchLessThanCols, BranchRecord,
};
pub use jal_lui::{
    JalLuiAir, JalLuiBuses, JalLuiChip, JalLuiCols, JalLuiRecord, JumpAir, JumpCols,
};
pub use jalr::{JalrAir, JalrBuses, JalrChip, JalrCols, JalrLinkCols, JalrRecord};
pub use nop::{NopAir, NopChip, NopCols, NopRecord};

// `crate::local_opcode!` in the families' `core.rs`.
pub(crate) use tessera_arch::local_opcode;

/// Sets the pc to a jump or branch target, which must be 4-byte aligned (there are no
/// compressed instructions). On a misaligned target the jump faults and nothing is written.
#[inline(always)]
pub(crate) fn jump_to<Ctx>(s: &mut VmExecState<Ctx>, target: u32) -> Result<(), Trap> {
    if !target.is_multiple_of(4) {
        return Err(Fault::MisalignedJump { target }.into());
    }
    s.vm.pc = target;
    Ok(())
}

/// The RV32IM extension: executors for every RV32I and M instruction, `ecall` and `unimp`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rv32Im;

impl<F: PrimeField32> VmExecutionExtension<F> for Rv32Im {
    fn extend_execution(
        &self,
        inventory: &mut ExecutorInventory<F>,
    ) -> Result<(), ExecutorInventoryError> {
        fn all<O: LocalOpcode>() -> impl Iterator<Item = O> {
            O::ALL.iter().copied()
        }
        inventory.add_executor(BaseAluExecutor::default(), all::<BaseAluOpcode>())?;
        inventory.add_executor(ShiftExecutor::default(), all::<ShiftOpcode>())?;
        inventory.add_executor(LessThanExecutor::default(), all::<LessThanOpcode>())?;
        inventory.add_executor(MulExecutor::default(), all::<MulOpcode>())?;
        inventory.add_executor(MulHExecutor::default(), all::<MulHOpcode>())?;
        inventory.add_executor(DivRemExecutor::default(), all::<DivRemOpcode>())?;
        inventory.add_executor(LoadStoreExecutor, all::<LoadStoreOpcode>())?;
        inventory.add_executor(
            BranchExecutor::<BranchEqualOpcode>::default(),
            all::<BranchEqualOpcode>(),
        )?;
        inventory.add_executor(
            BranchExecutor::<BranchLessThanOpcode>::default(),
            all::<BranchLessThanOpcode>(),
        )?;
        inventory.add_executor(JalLuiExecutor, all::<JalLuiOpcode>())?;
        inventory.add_executor(JalrExecutor, all::<JalrOpcode>())?;
        inventory.add_executor(AuipcExecutor, all::<AuipcOpcode>())?;
        inventory.add_executor(EcallExecutor, all::<EcallOpcode>())?;
        inventory.add_executor(UnimpExecutor, all::<UnimpOpcode>())?;
        inventory.add_executor(NopExecutor, all::<NopOpcode>())?;
        Ok(())
    }

    fn extend_transpiler(&self, transpiler: Transpiler<F>) -> Transpiler<F> {
        transpiler.with_extension(Rv32ImTranspiler)
    }
}

/// The VM configuration "system + RV32IM".
#[derive(Clone, Debug, Default)]
pub struct Rv32ImConfig {
    pub system: SystemConfig,
    pub rv32im: Rv32Im,
}

impl<F: PrimeField32> VmExecutionConfig<F> for Rv32ImConfig {
    fn system(&self) -> &SystemConfig {
        &self.system
    }

    fn create_executors(&self) -> Result<ExecutorInventory<F>, ExecutorInventoryError> {
        let mut inventory = ExecutorInventory::default();
        self.rv32im.extend_execution(&mut inventory)?;
        Ok(inventory)
    }

    fn create_transpiler(&self) -> Transpiler<F> {
        self.rv32im.extend_transpiler(Transpiler::default())
    }
}
