//! Whole programs through the machine (`VirtualMachine`): every RV32IM chip together with the
//! system chips and persistent memory, preflight through the interpreter that dispatches to
//! every chip. The proof's memory roots must commit to exactly the memory pure execution
//! ends with. Toy parameters (`SystemParams::new_for_testing`) except the test that says it
//! uses the real 100-bit parameters.

use std::sync::Arc;

use openvm_stark_backend::SystemParams;
use openvm_stark_sdk::config::app_params_with_100_bits_security;
use tessera_arch::{
    address_space::{MEMORY, REGISTER},
    SparseMemoryImage, Streams, VmExe, VmExecutor,
};
use tessera_system::{
    memory::{MemoryDimensions, MemoryTree},
    vm::{verify_single, SegmentStart, VerifiedSegment, VirtualMachine, F},
};

use crate::{encode::*, Rv32ImConfig};

const BASE: u32 = 0x1000;
const BUFFER: u32 = 0x4000;

/// Builds constants with ADDI and doubling, then runs every arithmetic family on them, with
/// the RISC-V edge cases.
fn provable_program() -> Vec<u32> {
    let mut words = Vec::new();
    let mut constant = |rd: u32, value: u32| {
        words.push(addi(rd, 0, 0));
        for bit in (0..32).rev() {
            words.push(add(rd, rd, rd));
            if value >> bit & 1 == 1 {
                words.push(addi(rd, rd, 1));
            }
        }
    };
    constant(1, 0x8000_0000); // INT_MIN
    constant(3, 0x1234_5678);
    words.extend([
        addi(2, 0, -1),
        addi(4, 0, 7),
        addi(5, 0, -7),
        add(6, 3, 4),
        sub(7, 4, 3),
        xor(8, 3, 2),
        or(9, 1, 4),
        and(10, 3, 5),
        andi(11, 3, 0x7ff),
        mul(12, 3, 3),
        mulh(13, 1, 2),
        mulhsu(14, 5, 3),
        mulhu(15, 2, 2),
        div(16, 1, 2), // INT_MIN / -1
        divu(17, 3, 4),
        rem(18, 5, 4),  // -7 % 7 = 0
        remu(19, 3, 0), // x % 0 = x
        div(20, 5, 0),  // x / 0 = -1
        rem(21, 3, 5),
        mul(4, 4, 4), // rd == rs1 == rs2
    ]);
    words
}

fn control_flow_program() -> Vec<u32> {
    vec![
        lui(10, BUFFER >> 12), // 0
        addi(11, 0, 10),       // 1: n
        addi(5, 0, 0),         // 2: a
        addi(6, 0, 1),         // 3: b
        addi(7, 0, 0),         // 4: i
        add(8, 5, 6),          // 5: loop
        addi(5, 6, 0),         // 6
        addi(6, 8, 0),         // 7
        slli(9, 7, 2),         // 8
        add(9, 9, 10),         // 9
        sw(6, 9, 0),           // 10
        addi(7, 7, 1),         // 11
        blt(7, 11, -28),       // 12: back to 5
        jal(1, 28),            // 13: call 20
        lw(12, 10, 36),        // 14
        lbu(13, 10, 1),        // 15
        auipc(14, 1),          // 16
        sltu(15, 12, 11),      // 17
        srai(16, 12, 1),       // 18
        beq(0, 0, 16),         // 19: to 23
        lh(17, 10, 4),         // 20: function
        mul(18, 17, 17),       // 21
        jalr(0, 1, 0),         // 22: return to 14
        divu(19, 12, 11),      // 23: end
    ]
}

/// `words`, then `exit(a0)`.
fn with_exit(mut words: Vec<u32>) -> Vec<u32> {
    words.extend([addi(17, 0, 93), ECALL]);
    words
}

/// Proves `words` (which must exit) on the machine and returns what the proof says, with the
/// executable.
fn prove(words: &[u32], params: SystemParams) -> (Arc<VmExe<F>>, VerifiedSegment) {
    let exe = Arc::new(exe_from_words::<F>(BASE, words).unwrap());
    let vm = VirtualMachine::new(Rv32ImConfig::default(), params).unwrap();
    let keys = vm.keygen().unwrap();
    let program = vm.commit_program(&exe).unwrap();
    let start = SegmentStart::initial(&exe);
    let preflight = vm
        .execute_preflight(&exe, start, &tessera_arch::GuestInput::default(), 100_000)
        .unwrap();
    let traces = vm.generate_traces(&exe, preflight).unwrap();
    let ctx = vm.generate_proving_ctx(&keys.pk, &program, traces).unwrap();
    let proof = vm.prove(&vm.device_pk(&keys.pk), ctx).unwrap();
    let verified = verify_single(vm.engine(), &keys.vk, &proof).unwrap();
    assert_eq!(
        verified.exe_commitment,
        vm.exe_commitment(&exe, &program).unwrap()
    );
    (exe, verified)
}

/// The memory pure execution ends with: the program's image, the final registers and the
/// `buffer_words` words at [`BUFFER`].
fn executed_image(exe: &Arc<VmExe<F>>, buffer_words: u32) -> (SparseMemoryImage, u32) {
    let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
    let state = executor.execute(exe, Streams::default(), None).unwrap();
    let mut image = exe.init_memory.clone();
    for (i, value) in state.registers().into_iter().enumerate() {
        image.insert((REGISTER, 4 * i as u32), value);
    }
    let stored = state.memory.read_bytes(BUFFER, 4 * buffer_words).unwrap();
    for (i, word) in stored.chunks(4).enumerate() {
        let value = u32::from_le_bytes(word.try_into().unwrap());
        image.insert((MEMORY, BUFFER + 4 * i as u32), value);
    }
    image.retain(|_, v| *v != 0);
    (image, state.exit_code.expect("exits"))
}

fn check_against_execution(words: &[u32], buffer_words: u32, params: SystemParams) {
    let (exe, verified) = prove(words, params);
    let dims = MemoryDimensions::new(29);
    let (image, exit_code) = executed_image(&exe, buffer_words);
    assert_eq!(verified.exit_code, Some(exit_code));
    assert_eq!(
        verified.initial_root,
        MemoryTree::new(dims, &exe.init_memory).unwrap().root(),
        "the initial root commits to the program image"
    );
    assert_eq!(
        verified.final_root,
        MemoryTree::new(dims, &image).unwrap().root(),
        "the final root commits to what execution computed"
    );
}

#[test]
fn arithmetic_chips_prove_and_agree_with_execution() {
    check_against_execution(
        &with_exit(provable_program()),
        0,
        SystemParams::new_for_testing(16),
    );
}

#[test]
fn a_program_proves_with_100_bit_parameters() {
    check_against_execution(
        &with_exit(provable_program()),
        0,
        app_params_with_100_bits_security(16),
    );
}

/// A loop with stores, a function call and return, loads of every width, comparisons, shifts
/// and AUIPC: every chip in one proof.
#[test]
fn a_loop_with_calls_and_memory_proves_and_agrees_with_execution() {
    let words = with_exit(control_flow_program());
    check_against_execution(&words, 10, SystemParams::new_for_testing(16));
    let (exe, _) = prove(&words, SystemParams::new_for_testing(16));
    let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
    let state = executor.execute(&exe, Streams::default(), None).unwrap();
    assert_eq!(state.registers()[12], 89, "fib(11) was stored last");
}

/// Syscalls whose buffers are not accessed (a host write's, an empty read's and public
/// write's) point past memory: execution does not fault, and the proof agrees with it.
#[test]
fn unaccessed_buffers_prove_what_execution_computes() {
    let words = with_exit(vec![
        lui(11, 0x20000), // buf = 2^29, just past memory
        addi(17, 0, 64),
        addi(10, 0, 1),
        addi(12, 0, 16),
        ECALL, // write(1, buf, 16)
        addi(10, 0, 3),
        addi(12, 0, 0),
        ECALL, // write(3, buf, 0)
        addi(17, 0, 63),
        addi(10, 0, 0),
        addi(12, 0, 8),
        ECALL, // read(0, buf, 8) of an empty input
        addi(10, 10, 42),
    ]);
    check_against_execution(&words, 0, SystemParams::new_for_testing(16));
}

/// Stores to 40 words 264 bytes apart (each in its own leaf, most with their own parents),
/// reads 12 input bytes and reveals them: memory for the memory tables to count.
fn memory_program() -> Vec<u32> {
    let mut words = vec![
        lui(10, BUFFER >> 12),
        addi(11, 0, 40),
        sw(11, 10, 0), // loop
        addi(10, 10, 264),
        addi(11, 11, -1),
        bne(11, 0, -12),
    ];
    for (a7, a0) in [(63, 0), (64, 3)] {
        words.extend([
            addi(10, 0, a0),
            addi(11, 0, 0x600),
            addi(12, 0, 12),
            addi(17, 0, a7),
            ECALL,
        ]);
    }
    words.extend([addi(10, 0, 0)]);
    with_exit(words)
}

/// Runs `words` through metered execution with `limits` and then each planned segment through
/// preflight and trace generation, and checks that metering counted the rows they produce: for
/// each instruction AIR exactly (split in two power-of-two parts, the heights of the AIR's two
/// instances); for the memory tables the touched leaves and nodes, with every register leaf
/// counted whether touched or not; the Poseidon2 table within its bound of two rows per node.
/// Returns the plan.
fn assert_metering_counts_rows(
    words: &[u32],
    input: &[u8],
    limits: tessera_arch::SegmentLimits,
) -> Vec<tessera_arch::Segment> {
    use tessera_arch::{MeteredCtx, VmExecState};
    use tessera_system::vm::{
        BOUNDARY_AIR_ID, FIRST_EXTENSION_AIR_ID, MERKLE_AIR_ID, POSEIDON2_AIR_ID, TRACE_PARTS,
    };

    let exe = Arc::new(exe_from_words::<F>(BASE, words).unwrap());
    let vm =
        VirtualMachine::new(Rv32ImConfig::default(), SystemParams::new_for_testing(16)).unwrap();
    let messages = vm.interactions_per_row();
    let keys = vm.keygen().unwrap();
    let keygen_counts: Vec<u32> = keys
        .pk
        .per_air
        .iter()
        .map(|air| air.vk.num_interactions() as u32)
        .collect();
    assert_eq!(messages, keygen_counts);
    let executor = VmExecutor::new(Rv32ImConfig::default()).unwrap();
    let instance = executor.instance_for::<MeteredCtx>(&exe).unwrap();
    let mut state = VmExecState {
        vm: instance.initial_state(Streams::new(input.to_vec())),
        ctx: MeteredCtx::new(vm.metering_costs(&exe).unwrap(), limits, None),
    };
    instance.run(&mut state).unwrap();
    let instret = state.vm.instret;
    let segments = state.ctx.finish();
    assert_eq!(segments.iter().map(|s| s.num_insns).sum::<u64>(), instret);

    let mut start = SegmentStart::initial(&exe);
    for (index, segment) in segments.iter().enumerate() {
        assert!(segment.num_insns <= limits.max_instructions);
        assert_eq!(segment.instret_start, start.instret);
        let preflight = vm
            .execute_planned_preflight(&exe, start.clone(), &input.into(), segment)
            .unwrap();
        assert_eq!(preflight.instret, segment.num_insns);
        // The accesses the handlers reported are exactly the timestamps preflight used (its
        // register refreshes aside, which metering bounds).
        let refreshes = preflight.refresh.records.len() as u64;
        let used =
            (preflight.memory.timestamp - tessera_system::connector::INITIAL_TIMESTAMP) as u64;
        assert_eq!(
            used - refreshes,
            segment.accesses - segment.refresh_rows,
            "segment {index}: accesses"
        );
        assert!(
            refreshes <= segment.refresh_rows,
            "segment {index}: refreshes"
        );
        let traces = vm.generate_traces(&exe, preflight).unwrap();
        // The plan only sizes the record arenas: without it, preflight fills the same traces.
        let unplanned = vm
            .execute_preflight(&exe, start, &input.into(), segment.num_insns)
            .unwrap();
        let unplanned = vm.generate_traces(&exe, unplanned).unwrap();
        let values = |t: &tessera_system::vm::SegmentTraces| -> Vec<Option<Vec<F>>> {
            t.traces
                .iter()
                .map(|t| t.as_ref().map(|t| t.values.clone()))
                .collect()
        };
        assert_eq!(values(&traces), values(&unplanned), "segment {index}");
        let heights = traces.heights();
        for (slot, &rows) in segment.trace_heights.iter().enumerate() {
            let first = FIRST_EXTENSION_AIR_ID + slot * TRACE_PARTS;
            let expected = match rows {
                0 => [0, 0],
                rows if rows.is_power_of_two() => [rows as usize, 0],
                rows => {
                    let big = 1usize << rows.ilog2();
                    [big, (rows as usize - big).next_power_of_two()]
                }
            };
            assert_eq!(
                heights[first..first + 2],
                expected,
                "segment {index}, slot {slot} ({} rows)",
                rows
            );
        }
        // Real rows (`is_real`, the first column, is 1) of a memory table.
        let real_rows = |air: usize| {
            let trace = traces.traces[air].as_ref().unwrap();
            let one = <F as openvm_stark_backend::p3_field::PrimeCharacteristicRing>::ONE;
            let rows = trace.values.chunks_exact(trace.width);
            rows.filter(|row| row[0] == one).count() as u64
        };
        let (leaves, nodes) = (real_rows(BOUNDARY_AIR_ID), real_rows(MERKLE_AIR_ID));
        let memory = segment.memory;
        // 16 register leaves and their ancestors up to the register space's root.
        let register_slack = (16 + 8 + 4 + 2 + 1, 15 + 26);
        assert!(
            (leaves..=leaves + register_slack.0).contains(&memory.leaves),
            "segment {index}: {leaves} touched leaves, {} counted",
            memory.leaves
        );
        assert!(
            (nodes..=nodes + register_slack.1).contains(&memory.nodes),
            "segment {index}: {nodes} touched nodes, {} counted",
            memory.nodes
        );
        assert!(heights[POSEIDON2_AIR_ID] as u64 <= (2 * memory.nodes).next_power_of_two());
        // Bus messages: every trace's rows (lifted to the minimum height) times its AIR's
        // interactions, at most the metered count (equal but for the memory tables' bounds).
        let min_height = 1usize << vm.params().l_skip;
        let interactions: u64 = heights
            .iter()
            .zip(&messages)
            .filter(|(&h, _)| h > 0)
            .map(|(&h, &m)| (h.max(min_height) * m as usize) as u64)
            .sum();
        assert!(
            interactions <= segment.interactions,
            "segment {index}: {interactions} messages, {} metered",
            segment.interactions
        );
        assert!(segment.interactions <= limits.max_interactions);
        assert!(
            memory.leaves <= limits.max_memory_rows && 2 * memory.nodes <= limits.max_memory_rows
        );
        start = traces.next_start;
    }
    segments
}

/// Metered execution counts the rows preflight produces, for a run that uses every chip, cut
/// by the instruction limit.
#[test]
fn metered_execution_counts_the_rows_of_every_air() {
    let limits = tessera_arch::SegmentLimits {
        max_rows: 1 << 20,
        max_memory_rows: 1 << 20,
        max_interactions: 1 << 30,
        max_accesses: 1 << 20,
        max_instructions: 23,
    };
    let segments = assert_metering_counts_rows(&with_exit(control_flow_program()), &[], limits);
    assert!(segments.len() >= 4, "{} segments", segments.len());
}

/// The same run cut by the bus-message limit: every segment's traces stay within it.
#[test]
fn metered_execution_cuts_segments_at_the_interaction_limit() {
    let unlimited = tessera_arch::SegmentLimits {
        max_rows: 1 << 20,
        max_memory_rows: 1 << 20,
        max_interactions: 1 << 30,
        max_accesses: 1 << 20,
        // Checks every instruction.
        max_instructions: 64,
    };
    let words = with_exit(control_flow_program());
    let whole = assert_metering_counts_rows(&words, &[], unlimited);
    assert_eq!(whole.len(), 2);
    // Half of what the first segment's instruction and memory tables add to the fixed tables.
    let exe = exe_from_words::<F>(BASE, &words).unwrap();
    let vm =
        VirtualMachine::new(Rv32ImConfig::default(), SystemParams::new_for_testing(16)).unwrap();
    let fixed = vm.metering_costs(&exe).unwrap().interactions.fixed;
    let limits = tessera_arch::SegmentLimits {
        max_interactions: fixed + (whole[0].interactions - fixed) / 2,
        ..unlimited
    };
    let segments = assert_metering_counts_rows(&words, &[], limits);
    assert!(segments.len() > whole.len(), "{segments:?}");
}

/// A run that touches much memory, cut by the memory tables' limit: every segment's tables
/// stay within it, and metering counts their rows.
#[test]
fn metered_execution_cuts_segments_at_the_memory_limit() {
    let limits = tessera_arch::SegmentLimits {
        max_rows: 1 << 20,
        max_memory_rows: 400,
        max_interactions: 1 << 30,
        max_accesses: 1 << 20,
        // Checks every 10 instructions.
        max_instructions: 640,
    };
    let input = b"hello, world".to_vec();
    let segments = assert_metering_counts_rows(&memory_program(), &input, limits);
    assert!(segments.len() >= 2, "{segments:?}");
    // Without the limit, one segment.
    let unlimited = tessera_arch::SegmentLimits {
        max_memory_rows: 1 << 20,
        ..limits
    };
    assert_eq!(
        assert_metering_counts_rows(&memory_program(), &input, unlimited).len(),
        1
    );
}
