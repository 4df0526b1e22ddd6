//! `write` to the public output and `read`: honest runs prove and end in the memory pure
//! execution computes; each class of cheating is rejected, with a control where it matters
//! (the same tampering with an allowed value proves, so the rejection is the constraint's).

use std::sync::Arc;

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
};
use tessera_arch::{
    address_space::{MEMORY, PUBLIC_VALUES, REGISTER},
    ConfigError, Fault, Streams, SystemConfig, VmExecutor, MAX_PUBLIC_OUTPUT_CAPACITY,
};

use super::{circuit_tests::*, *};
use crate::{
    encode::*,
    test_harness::{assert_constraint_fails, assert_unbalanced, new_run, BASE, F},
    Rv32ImConfig,
};

const WRITE: u32 = 64;
const READ: u32 = 63;

/// `ecall`s `(a7, a0, a1, a2)`, each after `addi`s that set its registers, then `exit(0)`.
pub(super) fn syscalls(calls: &[(u32, u32, u32, u32)]) -> Vec<u32> {
    let mut words = Vec::new();
    for &(a7, a0, a1, a2) in calls {
        words.extend([
            addi(10, 0, a0 as i32),
            addi(11, 0, a1 as i32),
            addi(12, 0, a2 as i32),
            addi(17, 0, a7 as i32),
            ECALL,
        ]);
    }
    words.extend([addi(10, 0, 0), addi(17, 0, 93), ECALL]);
    words
}

/// Checks that the memory the proof ends in (the boundary's final word of every touched
/// address) is what pure execution computes, and so are the output and the input consumed.
fn assert_matches_execution(executed: &Executed, words: &[u32], data: &[(u32, u32)], input: &[u8]) {
    let mut exe = exe_from_words::<F>(BASE, words).unwrap();
    for &(pointer, value) in data {
        exe.init_memory.insert((MEMORY, pointer), value);
    }
    let state = VmExecutor::new(Rv32ImConfig::default())
        .unwrap()
        .execute(&Arc::new(exe), Streams::new(input.to_vec()), None)
        .unwrap();
    let output = state.memory.public_output();
    assert_eq!(executed.public_output, output);
    assert_eq!(executed.input_position, state.streams.input_position);
    let mut public_words = 0;
    for word in executed.run.memory.touched() {
        let expected = match word.address_space {
            REGISTER => state.reg(word.pointer / 4).to_le_bytes(),
            MEMORY => state.memory.load::<4>(word.pointer).unwrap(),
            PUBLIC_VALUES if word.pointer == 0 => (output.len() as u32).to_le_bytes(),
            PUBLIC_VALUES => std::array::from_fn(|j| {
                let i = word.pointer as usize - 4 + j;
                output.get(i).copied().unwrap_or(0)
            }),
            space => panic!("address space {space} touched"),
        };
        assert_eq!(
            word.last.data, expected,
            "word {:#x} of address space {}",
            word.pointer, word.address_space
        );
        public_words += (word.address_space == PUBLIC_VALUES) as usize;
    }
    // The length word and every word of the output were written.
    if !output.is_empty() {
        assert_eq!(public_words, 1 + output.len().div_ceil(4));
    }
}

/// "Hello, world" at 0x100.
const HELLO: [(u32, u32); 3] = [
    (0x100, 0x6c6c_6548),
    (0x104, 0x7720_2c6f),
    (0x108, 0x646c_726f),
];

#[test]
fn public_writes_append_to_the_output() {
    let calls = [
        (WRITE, 3, 0x100, 4),  // aligned source and destination
        (WRITE, 3, 0x105, 6),  // unaligned source
        (WRITE, 3, 0x103, 0),  // nothing
        (WRITE, 3, 0x10b, 1),  // unaligned destination
        (WRITE, 3, 0x101, 3),  // both unaligned, across a destination word
        (WRITE, 1, 0x100, 5),  // the host's, in between
        (WRITE, 3, 0x100, 12), // unaligned destination, several words
    ];
    let words = syscalls(&calls);
    let executed = execute(&words, &[], &HELLO, &[]).unwrap();
    assert_eq!(executed.public_output, b"Hell, worldellHello, world");
    assert_eq!(executed.stdout, b"Hello");
    // The length word grew with every write.
    let lengths: Vec<u32> = executed
        .records
        .iter()
        .filter_map(|r| match r.syscall {
            Syscall::PublicWrite { old_length, .. } => Some(old_length),
            _ => None,
        })
        .collect();
    assert_eq!(lengths, [0, 4, 10, 10, 11, 14]);
    assert_matches_execution(&executed, &words, &HELLO, &[]);
    executed.prove().unwrap();
}

/// Words at 0x200.. whose bytes show what a read leaves untouched.
fn markers() -> Vec<(u32, u32)> {
    (0..11)
        .map(|i| (0x200 + 4 * i, 0xa0a1_a2a3 + 0x0404_0404 * i))
        .collect()
}

const INPUT: &[u8] = b"abcdefghijklmnopqrstuvwxy";

#[test]
fn reads_write_the_input_to_memory() {
    let calls = [
        (READ, 0, 0x200, 8),  // aligned, whole words
        (READ, 0, 0x225, 2),  // inside one word
        (READ, 0, 0x20b, 7),  // unaligned, three words
        (READ, 0, 0x215, 0),  // nothing
        (READ, 0, 0x219, 20), // only 8 bytes left: count < len
        (READ, 0, 0x202, 4),  // the input is exhausted: count 0
        (WRITE, 3, 0x20b, 7), // what the third read wrote, to the public output
    ];
    let words = syscalls(&calls);
    let data = markers();
    let executed = execute(&words, &[], &data, INPUT).unwrap();
    let counts: Vec<u32> = executed
        .records
        .iter()
        .filter_map(|r| match r.syscall {
            Syscall::Read { count, .. } => Some(count),
            _ => None,
        })
        .collect();
    assert_eq!(counts, [8, 2, 7, 0, 8, 0]);
    assert_eq!(executed.input_position, INPUT.len());
    assert_eq!(executed.public_output, b"klmnopq");
    // One row per word: 2 + 1 + 3 + 0 + 3 + 0.
    let rows = executed.records.iter().map(|r| r.read_words.len());
    assert_eq!(rows.sum::<usize>(), 9);
    let word = |p: u32| {
        let touched = executed.run.memory.touched();
        let w = touched
            .iter()
            .find(|w| (w.address_space, w.pointer) == (MEMORY, p));
        w.unwrap().last.data
    };
    // Untouched bytes of partly written words keep their values.
    assert_eq!(word(0x224), [0xc7, b'i', b'j', 0xc4]);
    assert_eq!(word(0x208), [0xab, 0xaa, 0xa9, b'k']);
    assert_eq!(word(0x210), [b'p', b'q', 0xb1, 0xb0]);
    assert_eq!(word(0x220), [b'y', 0xc2, 0xc1, 0xc0]);
    assert_matches_execution(&executed, &words, &data, INPUT);
    executed.prove().unwrap();
}

/// The `ecall` at [`BASE`] with registers `(a7, a0, a2)` (and `a1` = 0x100), run through its
/// handler with a public output of `capacity` bytes.
fn refused(a7: u32, a0: u32, a2: u32, capacity: usize) -> Fault {
    let mut run = new_run(&[ECALL], &[(17, a7), (10, a0), (11, 0x100), (12, a2)])
        .with_public_capacity(capacity);
    let inst = run.next_instruction();
    let err = run.try_execute::<EcallRecord>(BASE, &inst).unwrap_err();
    assert!(run.public_output.is_empty());
    err
}

#[test]
fn unprovable_syscalls_are_faults_of_the_handler() {
    let cases = [
        ((5, 0, 0), Fault::UnknownSyscall(5), "unknown syscall 5"),
        ((WRITE, 7, 4), Fault::BadWriteFd(7), "file descriptor 7"),
        ((READ, 1, 4), Fault::BadReadFd(1), "file descriptor 1"),
        (
            (WRITE, 3, 1025),
            Fault::PublicOutputFull {
                capacity: 1024,
                requested: 1025,
            },
            "1025 bytes, above its capacity of 1024",
        ),
    ];
    for ((a7, a0, a2), expected, message) in cases {
        let err = refused(a7, a0, a2, 1024);
        assert_eq!(err, expected);
        assert!(err.to_string().contains(message), "{err}");
    }
}

#[test]
fn the_public_output_cannot_grow_beyond_the_circuit() {
    // The circuit's own limit on the output: no configuration has a larger capacity...
    let config = SystemConfig {
        public_output_capacity: 1 << 30,
        ..SystemConfig::default()
    };
    assert_eq!(
        config.validate(),
        Err(ConfigError::PublicOutputCapacity(1 << 30))
    );
    // ...and at the largest one, a write that would reach 2^24 bytes faults.
    assert_eq!(
        refused(WRITE, 3, 1 << 24, MAX_PUBLIC_OUTPUT_CAPACITY),
        Fault::PublicOutputFull {
            capacity: (1 << 24) - 1,
            requested: 1 << 24,
        }
    );
}

/// A read of 9 bytes to 0x201: rows for 0x200 (3 bytes), 0x204 (4), 0x208 (2), and a padding
/// row. The ecall row is row 0.
fn small_read() -> Executed {
    let words = syscalls(&[(READ, 0, 0x201, 9)]);
    execute(&words, &[], &markers(), INPUT).unwrap()
}

/// A write of "ell" to the public output: 3 rows and a padding row.
fn small_write() -> Executed {
    let words = syscalls(&[(WRITE, 3, 0x101, 3)]);
    execute(&words, &[], &HELLO, &[]).unwrap()
}

fn read_row(executed: &mut Executed, row: usize) -> &mut ReadCols<F> {
    executed.cols(READS, row)
}

fn public_row(executed: &mut Executed, row: usize) -> &mut PublicWriteCols<F> {
    executed.cols(PUBLIC, row)
}

fn ecall_row(executed: &mut Executed) -> &mut EcallCols<F> {
    executed.cols(ECALLS, 0)
}

/// Moves one byte-pair range check `from -> to` in the bitwise table (`to: None` drops it).
fn move_bitwise(
    from: (u32, u32),
    to: Option<(u32, u32)>,
) -> impl FnOnce(&mut RowMajorMatrix<F>, &mut RowMajorMatrix<F>) {
    // The bitwise trace is `range_count, xor_count` per pair `(x, y)`.
    let row = |(x, y): (u32, u32)| 2 * (((x << 8) | y) as usize);
    move |_, bitwise| {
        bitwise.values[row(from)] -= F::ONE;
        if let Some(to) = to {
            bitwise.values[row(to)] += F::ONE;
        }
    }
}

#[test]
fn small_runs_prove() {
    small_read().prove().unwrap();
    small_write().prove().unwrap();
}

#[test]
fn flags_are_boolean_and_pinned() {
    // The read claimed as a public write: a0 held 0, not 3, and no length word was updated.
    let mut e = small_read();
    ecall_row(&mut e).flags = [F::ZERO, F::ZERO, F::ONE, F::ZERO, F::ZERO];
    assert_unbalanced(e.prove());
    // A read flag of 2.
    let mut e = small_read();
    ecall_row(&mut e).flags[3] = F::TWO;
    assert_unbalanced(e.prove());
    // `nonempty` cleared: the bytes would be written without buffer rows.
    let mut e = small_read();
    ecall_row(&mut e).nonempty = F::ZERO;
    assert_unbalanced(e.prove());
    // A middle row claimed as the last.
    let mut e = small_read();
    read_row(&mut e, 1).is_last = F::ONE;
    assert_unbalanced(e.prove());
    // Flags of 2 that keep the buses balanced fail the boolean constraints: a padding row
    // with `is_last = 2` or a borrow of 2 in an unused column of the exit row.
    let mut e = small_read();
    read_row(&mut e, 3).is_last = F::TWO;
    assert_constraint_fails(e.prove());
    let mut e = small_read();
    e.cols::<EcallCols<F>>(ECALLS, 1).borrows[0] = F::TWO;
    assert_constraint_fails(e.prove());
}

/// The read's first word (0x200) with its second byte (input 'a') replaced by `value` in the
/// trace and the final memory, and its range check moved as a cheating prover would.
fn read_byte(value: u32) -> Result<(), String> {
    let mut e = small_read();
    let row = read_row(&mut e, 0);
    let first = row.data[0].as_canonical_u32();
    row.data[1] = F::from_u32(value);
    let honest = (first, b'a' as u32);
    let rebalance = move_bitwise(honest, (value < 256).then_some((first, value)));
    e.prove_tampered(rebalance, &|space, pointer, _, last| {
        if (space, pointer) == (MEMORY, 0x200) {
            last[1] = value;
        }
    })
}

#[test]
fn read_bytes_are_hints_but_must_be_bytes() {
    // Another byte is fine: the input is the prover's.
    read_byte(7).unwrap();
    // 256 is not a byte: only the lookup is left unbalanced.
    assert_unbalanced(read_byte(256));
}

#[test]
fn unwritten_bytes_keep_their_values() {
    // Byte 0 of 0x200 is before the buffer: changing it breaks the mask constraint even with
    // the final memory and the range check following.
    let mut e = small_read();
    let row = read_row(&mut e, 0);
    let [old, a] = [row.data[0], row.data[1]].map(|v| v.as_canonical_u32());
    row.data[0] = F::from_u32(old + 1);
    let rebalance = move_bitwise((old, a), Some((old + 1, a)));
    assert_constraint_fails(e.prove_tampered(rebalance, &|space, pointer, _, last| {
        if (space, pointer) == (MEMORY, 0x200) {
            last[0] = old + 1;
        }
    }));
    // A mask of as many bytes that starts before the first byte and stops short of the
    // word's end (so the chain's count still matches).
    let mut e = small_read();
    read_row(&mut e, 0).mask = [F::ONE, F::ONE, F::ONE, F::ZERO];
    assert_constraint_fails(e.prove());
}

/// `read(0, 0x201, len)` with `len` in register a2 from the start (not set by the program) and
/// 6 bytes read; then `a2` is claimed to be `claimed_len` (in the trace and the initial memory)
/// with `slack`, the bytes of `claimed_len - 6`, and their range checks moved.
fn read_with_len(claimed_len: u32, slack: [u32; 4]) -> Result<(), String> {
    let words = vec![
        addi(10, 0, 0),
        addi(11, 0, 0x201),
        addi(17, 0, READ as i32),
        ECALL,
        addi(10, 0, 0),
        addi(17, 0, 93),
        ECALL,
    ];
    let mut e = execute(&words, &[(12, 6)], &markers(), INPUT).unwrap();
    let c = ecall_row(&mut e);
    c.a2.data[0] = F::from_u32(claimed_len);
    c.slack = slack.map(F::from_u32);
    // The exit reads a2 too.
    e.cols::<EcallCols<F>>(ECALLS, 1).a2.data[0] = F::from_u32(claimed_len);
    // The honest slack is 0: the pair (count[2], slack[0]) = (0, 0) moves.
    let to = slack[0] < 256;
    e.prove_tampered(
        move_bitwise((0, 0), to.then_some((0, slack[0]))),
        &|space, pointer, initial, last| {
            if (space, pointer) == (REGISTER, 4 * 12) {
                initial[0] = claimed_len;
                last[0] = claimed_len;
            }
        },
    )
}

#[test]
fn count_is_at_most_len() {
    // Control: with len 7 the 6 bytes prove.
    read_with_len(7, [1, 0, 0, 0]).unwrap();
    // len 5 < count 6: the slack would be -1, which is no byte.
    assert_unbalanced(read_with_len(5, [F::NEG_ONE.as_canonical_u32(), 0, 0, 0]));
}

#[test]
fn output_bytes_are_the_source_bytes() {
    // The last byte ('l', at output position 2: word 4, byte 2) replaced in the trace and the
    // final public output.
    let mut e = small_write();
    public_row(&mut e, 2).byte = F::from_u8(b'X');
    assert_constraint_fails(e.prove_tampered(|_, _| {}, &|space, pointer, _, last| {
        if (space, pointer) == (PUBLIC_VALUES, 4) {
            last[2] = b'X' as u32;
        }
    }));
    // A source byte that is not the one memory holds.
    let mut e = small_write();
    public_row(&mut e, 0).src_data[1] += F::ONE;
    assert_unbalanced(e.prove());
}

#[test]
fn the_length_word_grows_by_len() {
    // The length claimed as 4 after writing 3 bytes, in the trace and the final memory.
    let mut e = small_write();
    ecall_row(&mut e).length.data[0] = F::from_u32(4);
    let rebalance = move_bitwise((3, 0), Some((4, 0)));
    assert_constraint_fails(e.prove_tampered(rebalance, &|space, pointer, _, last| {
        if (space, pointer) == (PUBLIC_VALUES, 0) {
            last[0] = 4;
        }
    }));
    // The old length claimed as other than memory holds.
    let mut e = small_write();
    ecall_row(&mut e).length.prev_data[0] = F::ONE;
    assert_unbalanced(e.prove());
}

#[test]
fn buffer_rows_cannot_be_dropped() {
    let mut e = small_read();
    e.traces[READS].values[ReadCols::<F>::WIDTH..2 * ReadCols::<F>::WIDTH].fill(F::ZERO);
    assert_unbalanced(e.prove());
    let mut e = small_write();
    let width = PublicWriteCols::<F>::WIDTH;
    e.traces[PUBLIC].values[width..2 * width].fill(F::ZERO);
    assert_unbalanced(e.prove());
}

#[test]
fn buffer_timestamps_follow_the_ecall() {
    // Rows may sit anywhere in the trace (the chain orders them): swapping two whole rows
    // proves.
    let mut e = small_read();
    let width = ReadCols::<F>::WIDTH;
    let (first, rest) = e.traces[READS].values.split_at_mut(width);
    first.swap_with_slice(&mut rest[..width]);
    e.prove().unwrap();
    // But swapping only their timestamps reorders the accesses.
    let mut e = small_read();
    let t0 = read_row(&mut e, 0).timestamp;
    let t1 = std::mem::replace(&mut read_row(&mut e, 1).timestamp, t0);
    read_row(&mut e, 0).timestamp = t1;
    assert_unbalanced(e.prove());
    // A byte copied a timestamp late (skipping one).
    let mut e = small_write();
    public_row(&mut e, 1).timestamp += F::ONE;
    assert_unbalanced(e.prove());
    // An ecall that claims to end later than its buffer rows.
    let mut e = small_write();
    ecall_row(&mut e).to_timestamp += F::ONE;
    assert_unbalanced(e.prove());
}

#[test]
fn padding_rows_stay_inert() {
    // Row 3 of both buffer traces is padding.
    let mut e = small_read();
    read_row(&mut e, 3).is_last = F::ONE;
    assert_constraint_fails(e.prove());
    let mut e = small_read();
    read_row(&mut e, 3).start[0] = F::ONE;
    assert_constraint_fails(e.prove());
    let mut e = small_write();
    public_row(&mut e, 3).dst_offset[2] = F::ONE;
    assert_constraint_fails(e.prove());
    let mut e = small_write();
    public_row(&mut e, 3).is_valid = F::ONE;
    assert_unbalanced(e.prove());
}

#[test]
fn buffer_pointers_are_the_chain_s() {
    let mut e = small_read();
    read_row(&mut e, 1).pointer += F::from_u32(4);
    assert_unbalanced(e.prove());
    let mut e = small_write();
    public_row(&mut e, 1).src_pointer += F::from_u32(4);
    assert_unbalanced(e.prove());
    let mut e = small_write();
    public_row(&mut e, 1).dst_pointer += F::from_u32(4);
    assert_unbalanced(e.prove());
    // The one-hot offset moved within the word (the pointer stays).
    let mut e = small_write();
    let row = public_row(&mut e, 0);
    row.src_offset = [F::ONE, F::ZERO, F::ZERO, F::ZERO];
    row.byte = row.src_data[0];
    assert_unbalanced(e.prove());
}

/// Widths, interactions per row and constraint degrees (the numbers the documentation
/// states).
#[test]
fn shape() {
    use openvm_stark_backend::{
        air_builders::symbolic::{get_symbolic_builder, SymbolicRapBuilder},
        keygen::types::TraceWidth,
        p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    };
    fn measure<A>(air: &A) -> (usize, usize, usize)
    where
        A: BaseAir<F> + BaseAirWithPublicValues<F> + Air<SymbolicRapBuilder<F>>,
    {
        let width = TraceWidth {
            preprocessed: None,
            cached_mains: vec![],
            common_main: air.width(),
        };
        let constraints = get_symbolic_builder(air, &width).constraints();
        (
            air.width(),
            constraints.interactions.len(),
            constraints.max_constraint_degree(),
        )
    }
    let buses = buses();
    assert_eq!(measure(&EcallAir { buses }), (67, 38, 3));
    assert_eq!(measure(&PublicWriteAir { buses }), (30, 10, 2));
    assert_eq!(measure(&ReadAir { buses }), (25, 8, 2));
}

/// The whole machine (real memory boundary and Merkle roots) proves and verifies a run that
/// reads its input and writes part of it to the public output.
#[test]
fn the_machine_proves_reads_and_public_writes() {
    use openvm_stark_backend::SystemParams;
    use tessera_system::vm::{verify_single, SegmentStart, VirtualMachine};

    let words = syscalls(&[
        (READ, 0, 0x201, 9),
        (WRITE, 3, 0x203, 5),
        (WRITE, 3, 0x200, 2),
    ]);
    let exe = Arc::new(exe_from_words::<F>(BASE, &words).unwrap());
    let vm =
        VirtualMachine::new(Rv32ImConfig::default(), SystemParams::new_for_testing(16)).unwrap();
    let keys = vm.keygen().unwrap();
    let program = vm.commit_program(&exe).unwrap();
    let preflight = vm
        .execute_preflight(&exe, SegmentStart::initial(&exe), &INPUT.into(), 1 << 20)
        .unwrap();
    assert_eq!(preflight.io.public_output, b"cdefg\0a");
    let traces = vm.generate_traces(&exe, preflight).unwrap();
    let ctx = vm.generate_proving_ctx(&keys.pk, &program, traces).unwrap();
    let proof = vm.prove(&vm.device_pk(&keys.pk), ctx).unwrap();
    let verified = verify_single(vm.engine(), &keys.vk, &proof).unwrap();
    assert_eq!(verified.exit_code, Some(0));
}
