use openvm_stark_backend::{
    p3_field::{Field, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use tessera_arch::Program;

/// Columns of the cached program trace: `pc, opcode, a, b, c, d, e, f, g`.
pub const PROGRAM_WIDTH: usize = 9;

/// The cached trace of a program: one row per slot of `program.instructions` (gaps and padding
/// up to a power of two are all-zero rows: no chip has opcode 0, so no row can look them up).
pub fn program_trace<F: PrimeField32>(program: &Program<F>) -> RowMajorMatrix<F> {
    let height = program_trace_height(program);
    let mut values = vec![F::ZERO; height * PROGRAM_WIDTH];
    for (i, inst) in program.instructions.iter().enumerate() {
        let Some(inst) = inst else { continue };
        let pc = program.pc_base + tessera_arch::PC_STEP * i as u32;
        let row = &mut values[i * PROGRAM_WIDTH..(i + 1) * PROGRAM_WIDTH];
        row[0] = F::from_u32(pc);
        row[1] = F::from_u32(inst.opcode.as_u32());
        row[2..].copy_from_slice(&[inst.a, inst.b, inst.c, inst.d, inst.e, inst.f, inst.g]);
    }
    RowMajorMatrix::new(values, PROGRAM_WIDTH)
}

/// Rows of `program`'s table: its slots, padded to a power of two. The verifier checks a proof's
/// program table against this height (a cached trace's commitment does not bind its height:
/// see `docs/proving.md`, "What the verifier checks").
pub fn program_trace_height<F>(program: &Program<F>) -> usize {
    program.instructions.len().next_power_of_two()
}

/// The multiplicity column from per-instruction execution counts (index = slot of
/// `program.instructions`), padded like [`program_trace`].
pub fn multiplicity_trace<F: Field>(counts: &[u32]) -> RowMajorMatrix<F> {
    let height = counts.len().next_power_of_two();
    let mut values: Vec<F> = counts.iter().map(|&c| F::from_u32(c)).collect();
    values.resize(height, F::ZERO);
    RowMajorMatrix::new(values, 1)
}
