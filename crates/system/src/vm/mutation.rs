//! The column mutation checker: every column of a trace must be bound by a constraint or a bus;
//! and [`rejections`], which says *what* rejects a (tampered) segment.
//!
//! Why both: a change to a result byte of an instruction row also changes the value the row
//! writes to memory, so the memory bus no longer balances, whether or not the row's AIR checks
//! anything: [`unbound_cells`] then counts the column as bound. A cheating prover controls the
//! memory chips' traces too; what it cannot fix are the instruction AIR's constraints and
//! lookups. So an AIR's negative tests should assert [`Verdict::assert_rejected_by`]: a
//! constraint of that AIR fails, or one of its messages on a bus other than memory is
//! unbalanced.
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
//! // A tampered copy of `traces` (a result byte of a row of `MyAir` changed):
//! # let tampered = traces;
//! tessera_system::vm::mutation::rejections(vm, &keys.pk, &exe.program, tampered)
//!     .assert_rejected_by("MyAir");
//! # }
//! ```

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{Arc, Mutex},
};

use openvm_stark_backend::{
    air_builders::{
        debug::{check_constraints, debug_constraints_and_interactions, AirProofRawInput},
        symbolic::SymbolicConstraints,
    },
    interaction::{
        debug::{generate_logical_interactions, LogicalInteractions},
        BusIndex,
    },
    keygen::types::MultiStarkProvingKey,
    p3_field::PrimeCharacteristicRing,
    p3_matrix::{dense::RowMajorMatrix, Matrix},
};
use tessera_arch::{bus::MEMORY_BUS, Program};

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

/// What rejects a segment: the AIRs whose constraints fail, and the buses whose messages do
/// not balance (with the AIRs that sent or received an unbalanced message).
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    pub failed_constraints: BTreeSet<String>,
    pub unbalanced: BTreeMap<BusIndex, BTreeSet<String>>,
}

impl Verdict {
    /// Nothing rejects the segment.
    pub fn accepted(&self) -> bool {
        self.failed_constraints.is_empty() && self.unbalanced.is_empty()
    }

    /// Something other than the memory bus rejects the segment: a constraint, or the
    /// balance of the execution, program, range-checker or bitwise bus.
    pub fn rejected_beyond_memory(&self) -> bool {
        !self.failed_constraints.is_empty() || self.unbalanced.keys().any(|&b| b != MEMORY_BUS)
    }

    /// Asserts [`Self::rejected_beyond_memory`] with the constraints or the (non-memory)
    /// messages of the AIR named `air` (its `name()`) among the objections.
    #[track_caller]
    pub fn assert_rejected_by(&self, air: &str) {
        assert!(
            self.rejected_beyond_memory(),
            "only the memory bus rejects it: {self:?}"
        );
        let named = self.failed_constraints.contains(air)
            || self
                .unbalanced
                .iter()
                .any(|(&bus, airs)| bus != MEMORY_BUS && airs.contains(air));
        assert!(named, "{air} does not reject it: {self:?}");
    }
}

/// What rejects a segment (tampered or not): the debug checks of every AIR with a trace,
/// constraints AIR by AIR, then the balance of each bus, with the AIRs named. The debug builder reports a failed constraint by panicking: the panic hook is
/// silenced meanwhile, one check at a time per process.
pub fn rejections<C: VmCircuitConfig>(
    vm: &VirtualMachine<C>,
    pk: &MultiStarkProvingKey<SC>,
    program: &Program<F>,
    segment: &SegmentTraces,
) -> Verdict {
    let _turn = panic_hook_turn();
    let table = program_trace(program);
    let mut verdict = Verdict::default();
    let present: Vec<usize> = (0..segment.traces.len())
        .filter(|&id| segment.traces[id].is_some())
        .collect();
    let parts = |id: usize| -> Vec<&RowMajorMatrix<F>> {
        let main = segment.traces[id].as_ref().expect("present");
        if id == PROGRAM_AIR_ID {
            vec![&table, main]
        } else {
            vec![main]
        }
    };
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut names = HashMap::new();
    for &id in &present {
        let air = &vm.airs()[id];
        names.insert(id, air.name());
        let preprocessed = pk.per_air[id]
            .preprocessed_data
            .as_ref()
            .map(|data| data.mat_view(0).to_row_major_matrix());
        let views: Vec<_> = parts(id).into_iter().map(|m| m.as_view()).collect();
        let ok = catch_unwind(AssertUnwindSafe(|| {
            check_constraints(
                air.as_ref(),
                &air.name(),
                &preprocessed.as_ref().map(|t| t.as_view()),
                &views,
                &segment.public_values[id],
            )
        }))
        .is_ok();
        if !ok {
            verdict.failed_constraints.insert(air.name());
        }
    }
    std::panic::set_hook(hook);

    let mut interactions = LogicalInteractions::<F>::default();
    for &id in &present {
        let pk = &pk.per_air[id];
        let symbolic = SymbolicConstraints::from(&pk.vk.symbolic_constraints);
        let preprocessed = pk
            .preprocessed_data
            .as_ref()
            .map(|data| data.mat_view(0).to_row_major_matrix());
        let views: Vec<_> = parts(id).into_iter().map(|m| m.as_view()).collect();
        generate_logical_interactions(
            id,
            &symbolic.interactions,
            &preprocessed.as_ref().map(|t| t.as_view()),
            &views,
            &segment.public_values[id],
            &mut interactions,
        );
    }
    for (bus, messages) in interactions.at_bus {
        for connections in messages.values() {
            let sum: F = connections.iter().map(|(_, count)| *count).sum();
            if sum != F::ZERO {
                verdict
                    .unbalanced
                    .entry(bus)
                    .or_default()
                    .extend(connections.iter().map(|(id, _)| names[id].clone()));
            }
        }
    }
    verdict
}
