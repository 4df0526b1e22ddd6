//! The store AIR proves honest stores of every width and offset (and loads see them) and
//! rejects tampered rows. Toy proof parameters (see the test harness).

use std::{borrow::BorrowMut, sync::Arc};

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix};
use tessera_arch::LocalOpcode;

use super::{load_air::*, load_trace::*, store_air::*, store_trace::*, LoadStoreOpcode};
use crate::{
    encode::*,
    test_harness::{
        assert_unbalanced, memory_bridge, new_run_with_memory, range_bus, Run, BITWISE, EXECUTION,
        F, PROGRAM,
    },
};

fn buses() -> LoadStoreBuses {
    LoadStoreBuses {
        execution: EXECUTION,
        program: PROGRAM,
        memory: memory_bridge(),
        range: range_bus(),
        bitwise: BITWISE,
    }
}

fn program() -> Vec<u32> {
    vec![
        sw(2, 1, 0),
        sb(3, 1, 1),
        sh(3, 1, 2),
        sb(2, 1, 4),
        sb(2, 8, -9),  // 0x4010 - 9 = 0x4007
        sh(3, 8, -10), // 0x4006
        lw(4, 1, 0),
        lw(5, 1, 4),
        sw(3, 1, 0), // overwrite
        lw(6, 1, 0),
    ]
}

fn run() -> (Run, RowMajorMatrix<F>, RowMajorMatrix<F>) {
    let words = program();
    let registers = [(1, 0x4000), (2, 0x1122_3344), (3, 0xa1b2_c3d4), (8, 0x4010)];
    let mut run = new_run_with_memory(&words, &registers, &[(0x4004, 0xffff_ffff)]);
    let mut loads = LoadChip::new(run.range.clone(), run.bitwise.clone());
    let mut stores = StoreChip::new(run.range.clone());
    for _ in &words {
        let pc = run.pc;
        let inst = run.next_instruction();
        let op = LoadStoreOpcode::from_global(inst.opcode).expect("a load or store");
        if op.is_store() {
            stores.records.push(run.execute(pc, &inst));
        } else {
            loads.records.push(run.execute(pc, &inst));
        }
    }
    let (l, s) = (loads.generate_trace(), stores.generate_trace());
    (run, l, s)
}

fn prove(run: Run, loads: RowMajorMatrix<F>, stores: RowMajorMatrix<F>) -> Result<(), String> {
    run.prove(vec![
        (Arc::new(LoadAir { buses: buses() }), loads),
        (Arc::new(StoreAir { buses: buses() }), stores),
    ])
}

#[test]
fn honest_stores_prove_and_loads_see_them() {
    let (run, loads, stores) = run();
    let reg = |i: u32| {
        run.memory
            .touched()
            .iter()
            .find(|w| w.address_space == 1 && w.pointer == 4 * i)
            .map(|w| u32::from_le_bytes(w.last.data))
    };
    assert_eq!(reg(4), Some(0xc3d4_d444), "sw, sb at 1, sh at 2");
    assert_eq!(
        reg(5),
        Some(0xc3d4_ff44),
        "sb at 4, sb at 7, then sh at 6 over it"
    );
    assert_eq!(reg(6), Some(0xa1b2_c3d4));
    prove(run, loads, stores).unwrap();
}

fn tampered(row: usize, tamper: impl Fn(&mut StoreCols<F>)) -> Result<(), String> {
    let (run, loads, mut stores) = run();
    let width = stores.width;
    tamper(stores.values[row * width..(row + 1) * width].borrow_mut());
    prove(run, loads, stores)
}

#[test]
fn a_changed_word_is_rejected() {
    assert!(tampered(1, |c| c.data[0] += F::ONE).is_err()); // sb must keep the other bytes
    assert!(tampered(2, |c| c.data[3] += F::ONE).is_err());
    assert!(tampered(0, |c| c.prev_data[0] += F::ONE).is_err());
}

#[test]
fn the_address_and_alignment_are_bound() {
    assert!(tampered(1, |c| c.address.shift = [F::ZERO, F::ZERO, F::ONE, F::ZERO]).is_err());
    assert!(tampered(2, |c| c.address.shift = [F::ZERO, F::ONE, F::ZERO, F::ZERO]).is_err());
    assert!(tampered(0, |c| c.address.limbs[0] += F::ONE).is_err());
}

#[test]
fn flags_registers_and_padding() {
    assert!(tampered(0, |c| c.flags[0] = F::TWO).is_err());
    assert_unbalanced(tampered(3, |c| c.rs2.pointer += F::from_u32(4)));
    // 7 real rows, padded to 8.
    assert!(tampered(7, |c| {
        c.flags[2] = F::ONE;
        c.address.shift[0] = F::ONE;
    })
    .is_err());
}
