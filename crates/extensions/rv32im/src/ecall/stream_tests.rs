//! The hint stream (fd 4: reads and hint requests) and the key-value store (`openat`, `read`,
//! `close`): executed through the handler, compared with pure execution, proven with the `ecall`
//! AIRs, and tampered rows rejected. Toy proof parameters (see the test harness).

use std::{collections::BTreeMap, sync::Arc};

use openvm_stark_backend::p3_field::PrimeCharacteristicRing;
use tessera_arch::{
    address_space::MEMORY, Fault, GuestInput, HintHost, Streams, VmExecutor, VmState,
};

use super::{circuit_tests::*, io_tests::syscalls, *};
use crate::{
    encode::exe_from_words,
    test_harness::{BASE, F},
    Rv32ImConfig,
};

const WRITE: u32 = 64;
const READ: u32 = 63;
const OPENAT: u32 = 56;
const CLOSE: u32 = 57;
const AT_FDCWD: u32 = -100i32 as u32;
const ENOENT: u32 = 2u32.wrapping_neg();
const EBADF: u32 = 9u32.wrapping_neg();

/// "Hello, world" at 0x100, NUL-terminated (0x10c is zero): a hint request, and a key.
const HELLO: [(u32, u32); 3] = [
    (0x100, 0x6c6c_6548),
    (0x104, 0x77202c6f),
    (0x108, 0x646c_726f),
];

fn streams(input: &[u8], hints: &[u8], kv: &[(&[u8], &[u8])]) -> Streams {
    Streams::new(GuestInput {
        stdin: input.to_vec(),
        hints: hints.to_vec(),
        kv: kv
            .iter()
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect::<BTreeMap<_, _>>(),
    })
}

/// The run of `words` in pure execution, on `streams`.
fn pure(words: &[u32], streams: Streams) -> Result<VmState, String> {
    let mut exe = exe_from_words::<F>(BASE, words).unwrap();
    for &(pointer, value) in &HELLO {
        exe.init_memory.insert((MEMORY, pointer), value);
    }
    VmExecutor::new(Rv32ImConfig::default())
        .unwrap()
        .execute(&Arc::new(exe), streams, None)
        .map_err(|e| e.to_string())
}

/// The bytes the run's `index`-th `ecall` (a read) wrote.
fn read_bytes(executed: &Executed, index: usize) -> Vec<u8> {
    let record = &executed.records[index];
    record
        .read_words
        .iter()
        .flat_map(|w| w.data[w.start as usize..(w.start + w.len) as usize].to_vec())
        .collect()
}

#[test]
fn hints_are_read_from_fd_4_beside_the_input() {
    let words = syscalls(&[
        (READ, 4, 0x200, 8),
        (READ, 0, 0x210, 3),
        (READ, 4, 0x220, 8),
    ]);
    let streams = || streams(b"input", b"hint-bytes", &[]);
    let executed = execute_with(&words, &[], &HELLO, streams()).unwrap();
    assert_eq!(read_bytes(&executed, 0), b"hint-byt");
    assert_eq!(read_bytes(&executed, 1), b"inp");
    assert_eq!(read_bytes(&executed, 2), b"es", "the rest of the hints");
    assert_eq!(executed.run.streams.hint_position, 10);
    assert_eq!(executed.run.streams.input_position, 3);
    let state = pure(&words, streams()).unwrap();
    assert_eq!(state.memory.read_bytes(0x200, 8).unwrap(), b"hint-byt");
    assert_eq!(state.streams.positions(), executed.run.streams.positions());
    executed.prove().unwrap();
}

/// Answers a request with its bytes reversed.
fn reverse(request: &[u8]) -> Vec<u8> {
    request.iter().rev().copied().collect()
}

#[test]
fn a_hint_request_appends_the_hosts_answer_to_the_hint_stream() {
    // write(4, "Hello", 5), then read(4, 0x200, 8): the answer, "olleH".
    let words = syscalls(&[(WRITE, 4, 0x100, 5), (READ, 4, 0x200, 8)]);
    let host: Arc<dyn HintHost> = Arc::new(reverse);
    let with_host = || streams(b"", b"", &[]).with_hint_host(host.clone());
    let executed = execute_with(&words, &[], &HELLO, with_host()).unwrap();
    assert_eq!(
        executed.records[0].syscall,
        Syscall::HostWrite { fd: 4, len: 5 }
    );
    assert_eq!(read_bytes(&executed, 1), b"olleH");
    assert_eq!(executed.run.streams.recorded_input().hints, b"olleH");
    let state = pure(&words, with_host()).unwrap();
    assert_eq!(state.memory.read_bytes(0x200, 5).unwrap(), b"olleH");
    executed.prove().unwrap();

    // Without a hint host the request adds nothing: the answer must be there already (as the
    // recorded input of the first run holds it).
    let executed = execute_with(&words, &[], &HELLO, streams(b"", b"", &[])).unwrap();
    assert_eq!(
        executed.records[1].syscall,
        Syscall::Read {
            buf: 0x200,
            len: 8,
            count: 0
        }
    );
    let replay = streams(b"", b"olleH", &[]);
    let executed = execute_with(&words, &[], &HELLO, replay).unwrap();
    assert_eq!(read_bytes(&executed, 1), b"olleH");
}

#[test]
fn a_hint_request_is_no_other_host_write() {
    let words = syscalls(&[(WRITE, 4, 0x100, 5)]);
    let run = || execute_with(&words, &[], &HELLO, streams(b"", b"", &[])).unwrap();
    let tampered = |tamper: &dyn Fn(&mut EcallCols<F>)| {
        let mut executed = run();
        tamper(executed.cols(ECALLS, 0));
        executed.prove()
    };
    // Claimed as stdout (fd 1) or stderr, as a tracker marker, or a hint request with stderr's
    // flag; a hint request claimed on a write to stdout.
    assert!(tampered(&|c| c.hint_request = F::ZERO).is_err());
    assert!(tampered(&|c| c.second_fd = F::ONE).is_err());
    assert!(tampered(&|c| c.cycle_tracker = F::ONE).is_err());
    assert!(tampered(&|c| {
        c.hint_request = F::ZERO;
        c.second_fd = F::from_u32(3);
    })
    .is_err());
    let stdout = syscalls(&[(WRITE, 1, 0x100, 5)]);
    let mut executed = execute(&stdout, &[], &HELLO, &[]).unwrap();
    executed.cols::<EcallCols<F>>(ECALLS, 0).hint_request = F::ONE;
    assert!(executed.prove().is_err());
}

/// openat("Hello, world") -> 5, read(5, 0x200, 8), close(5) -> 0, close(5) -> -EBADF,
/// openat("o, world") -> -ENOENT.
fn kv_program() -> Vec<u32> {
    syscalls(&[
        (OPENAT, AT_FDCWD, 0x100, 0),
        (READ, 5, 0x200, 8),
        (CLOSE, 5, 0, 0),
        (CLOSE, 5, 0, 0),
        (OPENAT, AT_FDCWD, 0x104, 0),
    ])
}

fn kv_streams() -> Streams {
    streams(b"", b"", &[(b"Hello, world", b"value"), (b"other", b"x")])
}

#[test]
fn values_of_the_key_value_store_are_opened_read_and_closed() {
    let executed = execute_with(&kv_program(), &[], &HELLO, kv_streams()).unwrap();
    let results: Vec<Syscall> = executed.records.iter().map(|r| r.syscall).collect();
    assert_eq!(
        results[..5],
        [
            Syscall::File {
                close: false,
                result: 5
            },
            Syscall::Read {
                buf: 0x200,
                len: 8,
                count: 5
            },
            Syscall::File {
                close: true,
                result: 0
            },
            Syscall::File {
                close: true,
                result: EBADF
            },
            Syscall::File {
                close: false,
                result: ENOENT
            },
        ]
    );
    assert_eq!(read_bytes(&executed, 1), b"value");
    assert!(executed.run.streams.open.is_empty());
    let state = pure(&kv_program(), kv_streams()).unwrap();
    assert_eq!(state.memory.read_bytes(0x200, 5).unwrap(), b"value");
    executed.prove().unwrap();
}

#[test]
fn reading_a_closed_value_faults_and_flags_are_checked() {
    let words = syscalls(&[(READ, 5, 0x200, 8)]);
    let fault = execute_with(&words, &[], &HELLO, kv_streams())
        .err()
        .unwrap();
    assert_eq!(fault, Fault::BadReadFd(5));
    assert!(fault.to_string().contains("not open"), "{fault}");
    // Write access, another directory: refused as Linux would (-EROFS, -EBADF).
    let words = syscalls(&[(OPENAT, AT_FDCWD, 0x100, 1), (OPENAT, 3, 0x100, 0)]);
    let executed = execute_with(&words, &[], &HELLO, kv_streams()).unwrap();
    let results: Vec<Syscall> = executed.records.iter().map(|r| r.syscall).collect();
    assert_eq!(
        results[0],
        Syscall::File {
            close: false,
            result: 30u32.wrapping_neg()
        }
    );
    assert_eq!(
        results[1],
        Syscall::File {
            close: false,
            result: EBADF
        }
    );
}

#[test]
fn tampered_file_rows_are_rejected() {
    let tampered = |row: usize, tamper: &dyn Fn(&mut EcallCols<F>)| {
        let mut executed = execute_with(&kv_program(), &[], &HELLO, kv_streams()).unwrap();
        tamper(executed.cols(ECALLS, row));
        executed.prove()
    };
    // openat claimed as close and close as openat (a7 is 56 or 57), a file call claimed as
    // an exit or a read, another answer than the one the next instruction sees.
    assert!(tampered(0, &|c| c.close = F::ONE).is_err());
    assert!(tampered(2, &|c| c.close = F::ZERO).is_err());
    assert!(tampered(0, &|c| {
        c.flags = [F::ONE, F::ZERO, F::ZERO, F::ZERO, F::ZERO];
    })
    .is_err());
    assert!(tampered(2, &|c| {
        c.flags = [F::ZERO, F::ZERO, F::ZERO, F::ONE, F::ZERO];
        c.close = F::ZERO;
    })
    .is_err());
    assert!(tampered(0, &|c| c.a0.data[0] += F::ONE).is_err());
    // The close flag on a read row.
    assert!(tampered(1, &|c| c.close = F::ONE).is_err());
}
