//! The executor inventory: which executor runs which opcode.

use std::{collections::HashMap, sync::Arc};

use crate::isa::{Instruction, LocalOpcode, VmOpcode};

use super::{
    profile::ProfileCtx, Executor, ExecutorInventoryError, MeteredCtx, PreInsn, PreflightCtx,
    PureCtx, StaticProgramError,
};

/// An [`Executor`] behind a pointer. Its methods are the executor's `pre_compute` instantiated
/// for each execution mode; the blanket impl writes them, so extension authors never do.
pub trait AnyExecutor<F>: Send + Sync {
    fn pre_compute_pure(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<PureCtx>, StaticProgramError>;

    fn pre_compute_metered(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<MeteredCtx>, StaticProgramError>;

    fn pre_compute_preflight(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<PreflightCtx>, StaticProgramError>;

    fn pre_compute_profile(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<ProfileCtx>, StaticProgramError>;
}

impl<F, E: Executor<F>> AnyExecutor<F> for E {
    fn pre_compute_pure(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<PureCtx>, StaticProgramError> {
        self.pre_compute(pc, inst)
    }

    fn pre_compute_metered(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<MeteredCtx>, StaticProgramError> {
        self.pre_compute(pc, inst)
    }

    fn pre_compute_preflight(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<PreflightCtx>, StaticProgramError> {
        self.pre_compute(pc, inst)
    }

    fn pre_compute_profile(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<ProfileCtx>, StaticProgramError> {
        self.pre_compute(pc, inst)
    }
}

/// Executors of a VM configuration and the opcodes each one owns.
pub struct ExecutorInventory<F> {
    executors: Vec<Arc<dyn AnyExecutor<F>>>,
    by_opcode: HashMap<VmOpcode, usize>,
    names: HashMap<VmOpcode, String>,
}

impl<F> Default for ExecutorInventory<F> {
    fn default() -> Self {
        Self {
            executors: Vec::new(),
            by_opcode: HashMap::new(),
            names: HashMap::new(),
        }
    }
}

impl<F: 'static> ExecutorInventory<F> {
    /// Registers `executor` for `opcodes`. An opcode may belong to one executor only.
    pub fn add_executor<O: LocalOpcode>(
        &mut self,
        executor: impl Executor<F>,
        opcodes: impl IntoIterator<Item = O>,
    ) -> Result<(), ExecutorInventoryError> {
        let index = self.executors.len();
        for op in opcodes {
            let opcode = op.global();
            let name = format!("{op:?}");
            if let Some(existing) = self.names.get(&opcode) {
                return Err(ExecutorInventoryError::DuplicateOpcode {
                    opcode: opcode.as_u32(),
                    existing: existing.clone(),
                    new: name,
                });
            }
            self.by_opcode.insert(opcode, index);
            self.names.insert(opcode, name);
        }
        self.executors.push(Arc::new(executor));
        Ok(())
    }

    /// The executor of `opcode` and its index.
    pub fn executor(&self, opcode: VmOpcode) -> Option<(usize, &dyn AnyExecutor<F>)> {
        let &index = self.by_opcode.get(&opcode)?;
        Some((index, self.executors[index].as_ref()))
    }

    /// Every opcode an executor owns.
    pub fn opcodes(&self) -> impl Iterator<Item = VmOpcode> + '_ {
        self.by_opcode.keys().copied()
    }

    /// The opcode's name (its enum variant), or its number if no executor owns it.
    pub fn opcode_name(&self, opcode: VmOpcode) -> String {
        self.names
            .get(&opcode)
            .cloned()
            .unwrap_or_else(|| opcode.to_string())
    }
}
