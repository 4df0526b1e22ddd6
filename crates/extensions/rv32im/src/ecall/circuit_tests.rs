//! The `ecall` AIR proves exits (terminating the segment with the exit code) and host writes,
//! and rejects tampered rows. Also the helpers of the I/O tests (`io_tests`): straight-line
//! programs of `addi` and `ecall` run through their handlers in the preflight context
//! ([`Run::execute`]) and proven with the `ecall` AIRs.
//! Toy proof parameters (see the test harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::{
    bus::{ExitBus, EXIT_BUS},
    Fault, Instruction, LocalOpcode, Streams,
};

use super::*;
use crate::{
    encode::*,
    test_harness::{
        assert_unbalanced, memory_bridge, new_run_with_memory, range_bus, BoundaryEdit, Run,
        BITWISE, EXECUTION, F, PROGRAM,
    },
    AluKind, BaseAluAir, BaseAluBuses, BaseAluChip, BaseAluOpcode,
};

pub(super) fn buses() -> EcallBuses {
    EcallBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        exit: ExitBus::new(EXIT_BUS),
        range: range_bus(),
        bitwise: BITWISE,
        public_write: tessera_arch::bus::FIRST_EXTENSION_BUS,
        read: tessera_arch::bus::FIRST_EXTENSION_BUS + 1,
    }
}

/// The traces of the `ecall` family, by index.
pub(super) const ECALLS: usize = 0;
pub(super) const PUBLIC: usize = 1;
pub(super) const READS: usize = 2;

/// A program run to its exit through the handlers of the ALU (`addi` only) and `ecall`.
pub(super) struct Executed {
    pub run: Run,
    pub alu_imm: RowMajorMatrix<F>,
    /// By [`ECALLS`], [`PUBLIC`], [`READS`].
    pub traces: Vec<RowMajorMatrix<F>>,
    pub records: Vec<EcallRecord>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub public_output: Vec<u8>,
    pub input_position: usize,
}

/// Runs `words` (with initial registers and main-memory words) on `input` until it exits; a
/// syscall the handler refuses is its fault.
pub(super) fn execute(
    words: &[u32],
    registers: &[(u32, u32)],
    data: &[(u32, u32)],
    input: &[u8],
) -> Result<Executed, Fault> {
    execute_with(words, registers, data, Streams::new(input))
}

/// [`execute`] with all the streams.
pub(super) fn execute_with(
    words: &[u32],
    registers: &[(u32, u32)],
    data: &[(u32, u32)],
    streams: Streams,
) -> Result<Executed, Fault> {
    let mut run = new_run_with_memory(words, registers, data).with_streams(streams);
    let mut alu = BaseAluChip::new(run.range.clone(), run.bitwise.clone());
    let mut ecalls = EcallChip::new(run.range.clone(), run.bitwise.clone());
    loop {
        let pc = run.pc;
        let inst: Instruction<F> = run.next_instruction();
        if BaseAluOpcode::from_global(inst.opcode).is_some() {
            alu.records.push(run.execute(pc, &inst));
            continue;
        }
        let record: EcallRecord = run.try_execute(pc, &inst)?;
        let syscall = record.syscall;
        ecalls.records.push(record);
        if let Syscall::Exit { code } = syscall {
            run.pc = pc;
            run.exit_code = Some(code);
            break;
        }
    }
    let [_, alu_imm, _, _] = alu.generate_traces::<F>();
    Ok(Executed {
        alu_imm,
        traces: ecalls.generate_traces(),
        records: ecalls.records.into_vec(),
        stdout: std::mem::take(&mut run.host_output.stdout),
        stderr: std::mem::take(&mut run.host_output.stderr),
        public_output: std::mem::take(&mut run.public_output),
        input_position: run.streams.input_position,
        run,
    })
}

impl Executed {
    pub fn prove(self) -> Result<(), String> {
        self.prove_tampered(|_, _| {}, &|_, _, _, _| {})
    }

    /// Proves with the periphery multiplicities and the memory boundary edited as in
    /// [`Run::prove_with_boundary`].
    pub fn prove_tampered(
        self,
        rebalance: impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>),
        boundary: &BoundaryEdit<'_>,
    ) -> Result<(), String> {
        let alu = BaseAluBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            bitwise: BITWISE,
        };
        let mut chips = vec![(
            Arc::new(BaseAluAir::<true> {
                buses: alu,
                kind: AluKind::Arith,
            }) as _,
            self.alu_imm,
        )];
        chips.extend(buses().airs().into_iter().zip(self.traces));
        self.run.prove_with_boundary(chips, rebalance, boundary)
    }

    /// The columns of `row` of trace `trace`.
    pub fn cols<C>(&mut self, trace: usize, row: usize) -> &mut C
    where
        [F]: BorrowMut<C>,
    {
        let t = &mut self.traces[trace];
        let width = t.width;
        t.values[row * width..(row + 1) * width].borrow_mut()
    }
}

/// Writes 5 bytes to stdout and 2 to stderr, then exits with `code`.
fn program(code: i32) -> Vec<u32> {
    vec![
        addi(10, 0, 1),
        addi(11, 0, 0x100),
        addi(12, 0, 5),
        addi(17, 0, 64),
        ECALL,
        addi(5, 10, 0), // a0 is now 5
        addi(10, 0, 2),
        addi(12, 0, 2),
        ECALL,
        addi(10, 0, code),
        addi(17, 0, 93),
        ECALL,
    ]
}

/// "Hello, world" at 0x100.
const HELLO: [(u32, u32); 3] = [
    (0x100, 0x6c6c_6548),
    (0x104, 0x77202c6f),
    (0x108, 0x646c_726f),
];

fn run(code: i32) -> Executed {
    execute(&program(code), &[], &HELLO, &[]).unwrap()
}

#[test]
fn exit_terminates_the_segment_with_its_code() {
    for code in [0, 42, -1] {
        let executed = run(code);
        assert_eq!(executed.run.exit_code, Some(code as u32));
        executed.prove().unwrap();
    }
}

#[test]
fn host_writes_go_to_the_host_unproven() {
    let executed = run(0);
    assert_eq!(executed.stdout, b"Hello");
    assert_eq!(executed.stderr, b"He");
    assert!(executed.public_output.is_empty());
    // No buffer rows: the buffer is not read.
    assert!(executed.traces[PUBLIC].values.iter().all(|v| *v == F::ZERO));
    assert_eq!(executed.records[0].a1_read, None);
}

#[test]
fn the_claimed_exit_code_and_termination_must_match_the_exit() {
    let mut executed = run(42);
    executed.run.exit_code = Some(43);
    assert_unbalanced(executed.prove());
    let mut executed = run(42);
    executed.run.exit_code = None;
    assert_unbalanced(executed.prove());
}

fn tampered(row: usize, tamper: impl Fn(&mut EcallCols<F>)) -> Result<(), String> {
    let mut executed = run(42);
    tamper(executed.cols(ECALLS, row));
    executed.prove()
}

#[test]
fn tampered_rows_are_rejected() {
    // The exit row (row 2) claimed as a write, and a write claimed as the exit.
    assert!(tampered(2, |c| c.flags =
        [F::ZERO, F::ONE, F::ZERO, F::ZERO, F::ZERO])
    .is_err());
    assert!(tampered(0, |c| c.flags =
        [F::ONE, F::ZERO, F::ZERO, F::ZERO, F::ZERO])
    .is_err());
    // Another register, another exit code, another new a0, stderr for stdout.
    assert!(tampered(2, |c| c.a0.pointer += F::from_u32(4)).is_err());
    assert!(tampered(2, |c| c.a0.prev_data[0] += F::ONE).is_err());
    assert!(tampered(0, |c| c.a0.data[0] += F::ONE).is_err());
    assert!(tampered(0, |c| c.second_fd = F::ONE).is_err());
    assert!(tampered(0, |c| c.flags[1] = F::TWO).is_err());
    // A host write claimed as a public write (a0 holds 1, not 3).
    assert!(tampered(0, |c| c.flags =
        [F::ZERO, F::ZERO, F::ONE, F::ZERO, F::ZERO])
    .is_err());
    // An exit that claims a later timestamp.
    assert!(tampered(2, |c| c.to_timestamp += F::ONE).is_err());
    // Padding (3 rows, padded to 4).
    assert!(tampered(3, |c| c.flags[1] = F::ONE).is_err());
}

/// With x5 = 0x7d00: the cycle tracker opens and closes "Hello" (writes to fds 0x7d00 and
/// 0x7d01), then the program exits.
fn tracker_run() -> Executed {
    let words = [
        addi(10, 5, 0),
        addi(11, 0, 0x100),
        addi(12, 0, 5),
        addi(17, 0, 64),
        ECALL,
        addi(10, 5, 1),
        ECALL,
        addi(10, 0, 0),
        addi(17, 0, 93),
        ECALL,
    ];
    execute(&words, &[(5, 0x7d00)], &HELLO, &[]).unwrap()
}

#[test]
fn cycle_tracker_markers_are_proven_host_writes() {
    let executed = tracker_run();
    // Nothing reaches the host's output.
    assert!(executed.stdout.is_empty() && executed.stderr.is_empty());
    let syscalls: Vec<Syscall> = executed.records.iter().map(|r| r.syscall).collect();
    assert_eq!(
        syscalls[..2],
        [
            Syscall::HostWrite { fd: 0x7d00, len: 5 },
            Syscall::HostWrite { fd: 0x7d01, len: 5 }
        ]
    );
    tracker_run().prove().unwrap();

    let tampered = |row: usize, tamper: &dyn Fn(&mut EcallCols<F>)| {
        let mut executed = tracker_run();
        tamper(executed.cols(ECALLS, row));
        executed.prove()
    };
    // The start marker claimed as stdout or stderr, or as the end marker; the end marker
    // claimed as the start; a tracker flag on the exit row.
    assert!(tampered(0, &|c| c.cycle_tracker = F::ZERO).is_err());
    assert!(tampered(0, &|c| c.second_fd = F::ONE).is_err());
    assert!(tampered(1, &|c| c.second_fd = F::ZERO).is_err());
    assert!(tampered(2, &|c| c.cycle_tracker = F::ONE).is_err());
    // An fd of 0x7e00: the second byte is not the tracker's.
    assert!(tampered(0, &|c| c.a0.prev_data[1] += F::ONE).is_err());
}

#[test]
fn a_write_to_a_neighbour_of_the_tracker_fds_faults() {
    for fd in [0x7cff, 0x7d02, 0x17d00] {
        let words = [addi(10, 5, 0), addi(12, 0, 1), addi(17, 0, 64), ECALL];
        let err = execute(&words, &[(5, fd)], &HELLO, &[]).err();
        assert_eq!(err, Some(Fault::BadWriteFd(fd)), "{fd:#x}");
    }
}
