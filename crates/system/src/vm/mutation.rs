//! The column mutation checker: every column of a trace must be bound by a constraint or a bus.
//!
//! A column that nothing binds is one a cheating prover fills at will. The checker takes the
//! honest traces of a segment, changes one cell at a time (+1) in up to `rows` real rows
//! (padding rows are all zero) of each selected trace, and runs the proof system's debug
//! checker on the whole segment: the constraints of every AIR and the balance of every bus. A
//! change it accepts is reported. Cached columns (the program table) are not changed: the exe
//! commitment binds them.
//!
//! ```no_run
//! # use tessera_system::vm::{mutation::unbound_cells, SegmentTraces, VirtualMachine, VmCircuitConfig, VmKeys, F};
//! # fn example<C: VmCircuitConfig>(vm: &VirtualMachine<C>, keys: &VmKeys,
//! #     exe: &tessera_arch::VmExe<F>, traces: &SegmentTraces) {
//! // `traces` from `vm.generate_traces(exe, vm.execute_preflight(..)?)`:
//! let report = unbound_cells(vm, &keys.pk, &exe.program, traces, |_air_id| true, 8);
//! assert!(report.unbound.is_empty(), "{:?}", report.unbound);
//! # }
//! ```

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{Arc, Mutex},
};

use openvm_stark_backend::{
    air_builders::debug::{debug_constraints_and_interactions, AirProofRawInput},
    keygen::types::MultiStarkProvingKey,
    p3_field::PrimeCharacteristicRing,
    p3_matrix::{dense::RowMajorMatrix, Matrix},
};
use tessera_arch::Program;

use super::{SegmentTraces, VirtualMachine, VmCircuitConfig, F, PROGRAM_AIR_ID, SC};
use crate::program::program_trace;

/// A cell whose change no constraint and no bus rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnboundCell {
    pub air_id: usize,
    pub air: String,
    pub row: usize,
    pub column: usize,
}

/// What the checker found.
#[derive(Clone, Debug, Default)]
pub struct MutationReport {
    pub unbound: Vec<UnboundCell>,
    /// Cells changed and checked.
    pub checked: usize,
    /// The AIRs with no rows in the segment (not checked).
    pub without_rows: Vec<String>,
}

/// A turn of the checks that silence the global panic hook while the proof system's debug
/// checker panics on a violation (this checker, an extension's own rejection checks): hold it
/// for the whole check, so that no other check restores a hook this one set. Not reentrant:
/// [`unbound_cells`] takes it itself.
pub fn panic_hook_turn() -> std::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Changes each column of up to `rows` real rows of the traces of the AIRs `check` selects
/// (by AIR id), one cell at a time, and reports the changes the debug checker accepts. The
/// honest traces must pass (else it panics). The debug checker reports a violation by
/// panicking: the panic hook is silenced meanwhile, one checker at a time per process.
pub fn unbound_cells<C: VmCircuitConfig>(
    vm: &VirtualMachine<C>,
    pk: &MultiStarkProvingKey<SC>,
    program: &Program<F>,
    segment: &SegmentTraces,
    check: impl Fn(usize) -> bool,
    rows: usize,
) -> MutationReport {
    let _turn = panic_hook_turn();
    let table = Arc::new(program_trace(program));
    let traces: Vec<_> = segment
        .traces
        .iter()
        .map(|t| t.clone().map(Arc::new))
        .collect();
    let accepted = |traces: &[Option<Arc<RowMajorMatrix<F>>>]| {
        let present: Vec<usize> = (0..traces.len())
            .filter(|&id| traces[id].is_some())
            .collect();
        let airs: Vec<_> = present.iter().map(|&id| vm.airs()[id].clone()).collect();
        let pks: Vec<_> = present.iter().map(|&id| &pk.per_air[id]).collect();
        let inputs: Vec<_> = present
            .iter()
            .map(|&id| AirProofRawInput {
                cached_mains: if id == PROGRAM_AIR_ID {
                    vec![table.clone()]
                } else {
                    vec![]
                },
                common_main: traces[id].clone(),
                public_values: segment.public_values[id].clone(),
            })
            .collect();
        catch_unwind(AssertUnwindSafe(|| {
            debug_constraints_and_interactions(&airs, &pks, &inputs)
        }))
        .is_ok()
    };
    let names: Vec<String> = vm.airs().iter().map(|a| a.name()).collect();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let honest = accepted(&traces);
    let mut report = MutationReport::default();
    for (id, trace) in segment.traces.iter().enumerate() {
        let Some(trace) = trace.as_ref().filter(|_| honest && check(id)) else {
            continue;
        };
        let width = trace.width();
        let real_rows: Vec<usize> = (0..trace.height())
            .filter(|&r| {
                trace.values[r * width..(r + 1) * width]
                    .iter()
                    .any(|v| *v != F::ZERO)
            })
            .take(rows)
            .collect();
        for column in 0..width {
            for &row in &real_rows {
                let mut tampered = trace.clone();
                tampered.values[row * width + column] += F::ONE;
                let mut changed = traces.clone();
                changed[id] = Some(Arc::new(tampered));
                report.checked += 1;
                if accepted(&changed) {
                    report.unbound.push(UnboundCell {
                        air_id: id,
                        air: names[id].clone(),
                        row,
                        column,
                    });
                }
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(honest, "the honest segment fails the debug checker");
    report.without_rows = (0..names.len())
        .filter(|&id| segment.traces[id].is_none())
        .map(|id| names[id].clone())
        .collect();
    report
}
