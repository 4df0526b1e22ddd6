//! The load AIR proves honest loads of every width, sign and offset and rejects tampered rows.
//! Toy proof parameters (see the test harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::LocalOpcode;

use super::{load_air::*, load_trace::*, LoadStoreOpcode};
use crate::{
    encode::*,
    test_harness::{
        assert_unbalanced, memory_bridge, new_run_with_memory, range_bus, Run, BITWISE, EXECUTION,
        F, PROGRAM,
    },
};

fn air() -> LoadAir {
    LoadAir {
        buses: LoadStoreBuses {
            execution: EXECUTION,
            program: PROGRAM,
            memory: memory_bridge(),
            range: range_bus(),
            bitwise: BITWISE,
        },
    }
}

const DATA: [(u32, u32); 3] = [
    (0x4000, 0x8081_82f3),
    (0x4004, 0x1234_5678),
    (0x1fff_fffc, 0xdead_beef),
];

fn program() -> Vec<u32> {
    vec![
        lw(2, 1, 0),
        lw(3, 1, 4),
        lb(4, 1, 3),
        lbu(5, 1, 3),
        lh(6, 1, 2),
        lhu(7, 1, 2),
        lb(9, 8, -13),     // 0x4010 - 13 = 0x4003
        lhu(10, 8, -16),   // 0x4000
        lw(11, 8, -12),    // 0x4004
        lb(12, 1, 0),      // 0xf3: negative byte
        lh(13, 1, 0),      // 0x82f3
        lw(14, 15, 0x7fc), // the last word of memory: 0x1fff_f800 + 0x7fc
        lbu(16, 15, 0x7ff),
    ]
}

fn registers() -> Vec<(u32, u32)> {
    vec![(1, 0x4000), (8, 0x4010), (15, 0x1fff_f800)]
}

fn run() -> (Run, RowMajorMatrix<F>) {
    let words = program();
    let mut run = new_run_with_memory(&words, &registers(), &DATA);
    let mut chip = LoadChip::new(run.range.clone(), run.bitwise.clone());
    for _ in &words {
        let pc = run.pc;
        let inst = run.next_instruction();
        let op = LoadStoreOpcode::from_global(inst.opcode).expect("a load");
        assert!(!op.is_store());
        chip.records.push(run.execute(pc, &inst));
    }
    let trace = chip.generate_trace();
    (run, trace)
}

#[test]
fn honest_loads_prove() {
    let (run, trace) = run();
    let loaded: Vec<u32> = (2..17)
        .filter_map(|i| {
            run.memory
                .touched()
                .iter()
                .find(|w| w.address_space == 1 && w.pointer == 4 * i)
                .map(|w| u32::from_le_bytes(w.last.data))
        })
        .collect();
    assert_eq!(
        loaded,
        [
            0x8081_82f3,
            0x1234_5678,
            0xffff_ff80,
            0x80,
            0xffff_8081,
            0x8081,
            0x4010,
            0xffff_ff80,
            0x82f3,
            0x1234_5678,
            0xffff_fff3,
            0xffff_82f3,
            0xdead_beef,
            0x1fff_f800,
            0xde
        ]
    );
    run.prove(vec![(Arc::new(air()), trace)]).unwrap();
}

fn tampered(row: usize, tamper: impl Fn(&mut LoadCols<F>)) -> Result<(), String> {
    let (run, mut trace) = run();
    let width = trace.width;
    tamper(trace.values[row * width..(row + 1) * width].borrow_mut());
    run.prove(vec![(Arc::new(air()), trace)])
}

#[test]
fn a_changed_value_is_rejected() {
    assert!(tampered(2, |c| c.rd.data[1] = F::ZERO).is_err()); // lb without sign extension
    assert!(tampered(3, |c| c.rd.data[0] += F::ONE).is_err());
    assert!(tampered(4, |c| c.msb = F::ZERO).is_err());
}

#[test]
fn the_address_is_bound() {
    // Another byte of the same word.
    assert!(tampered(2, |c| {
        c.address.shift = [F::ZERO, F::ZERO, F::ONE, F::ZERO];
    })
    .is_err());
    // Another word.
    assert!(tampered(0, |c| c.address.limbs[0] += F::ONE).is_err());
    // A wrapped high half claimed as the address's top bits (2^29 and above is outside memory).
    assert!(tampered(11, |c| c.address.limbs[3] = F::TWO).is_err());
    assert_unbalanced(tampered(0, |c| c.address.offset[0] += F::from_u32(4)));
}

#[test]
fn alignment_is_enforced() {
    // LW at shift 2 of the same word: the alignment constraint objects.
    assert!(tampered(0, |c| c.address.shift = [F::ZERO, F::ZERO, F::ONE, F::ZERO]).is_err());
}

#[test]
fn flags_and_padding() {
    assert!(tampered(0, |c| c.flags[0] = F::TWO).is_err());
    assert_unbalanced(tampered(3, |c| {
        c.flags[1] = F::ZERO;
        c.flags[3] = F::ONE;
    }));
    // 13 real rows, padded to 16.
    assert!(tampered(14, |c| {
        c.flags[0] = F::ONE;
        c.address.shift[0] = F::ONE;
    })
    .is_err());
}
