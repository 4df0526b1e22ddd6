//! The refresh policy of preflight. The refresh AIR is proven and tampered with through the
//! whole machine (`tessera-rv32im`'s `refresh_tests`), where real runs produce its rows.

use tessera_arch::RecordArena;
use tessera_arch::{
    address_space::REGISTER,
    bus::{REGISTER_REFRESH_AGE, REGISTER_REFRESH_SLOTS},
    execution::tracing_memory::TracingMemory,
};

use super::*;

fn memory() -> TracingMemory<impl Fn(u32, u32) -> [u8; 4]> {
    TracingMemory::new(|_, pointer: u32| (pointer / 4).to_le_bytes(), 1)
}

#[test]
fn only_stale_slots_are_refreshed() {
    let mut m = memory();
    let mut records = RecordArena::default();
    // Young: nothing is stale yet (untouched slots count from timestamp 0).
    m.timestamp = REGISTER_REFRESH_AGE - 2;
    m.read(REGISTER, 4 * 5);
    refresh_stale_registers(&mut m, 0x1000, &mut records);
    assert!(records.is_empty());

    // Every slot but x5 (read at AGE - 2) is now at least AGE old.
    m.timestamp = REGISTER_REFRESH_AGE + 1;
    refresh_stale_registers(&mut m, 0x1000, &mut records);
    let pointers: Vec<u32> = records.iter().map(|r| r.pointer).collect();
    let expected: Vec<u32> = (0..REGISTER_REFRESH_SLOTS)
        .filter(|&slot| slot != 5)
        .map(|slot| 4 * slot)
        .collect();
    assert_eq!(pointers, expected);
    for r in records.iter() {
        assert_eq!(r.pc, 0x1000);
        assert_eq!(r.read.prev.timestamp, 0, "first access of the segment");
        assert_eq!(r.read.prev.data, (r.pointer / 4).to_le_bytes(), "a read");
    }
    // Each refresh took a timestamp of its own, in order.
    let timestamps: Vec<u32> = records.iter().map(|r| r.read.timestamp).collect();
    let first = REGISTER_REFRESH_AGE + 1;
    assert_eq!(
        timestamps,
        (first..first + expected.len() as u32).collect::<Vec<_>>()
    );

    // Right after, nothing is stale.
    let before = records.len();
    refresh_stale_registers(&mut m, 0x1004, &mut records);
    assert_eq!(records.len(), before);
}

#[test]
fn the_metering_bound_covers_the_worst_case() {
    use tessera_arch::execution::register_refresh_bound;
    // Worst case for a slot count: every slot refreshed as soon as it may be, over a run of
    // `accesses` instruction accesses with no register touched by them.
    for accesses in [0u64, 1, 2047, 2048, 10_000, 1 << 20] {
        let mut m = memory();
        let mut records = RecordArena::default();
        let mut instruction_accesses = 0;
        while instruction_accesses < accesses {
            refresh_stale_registers(&mut m, 0, &mut records);
            // An instruction that accesses one non-register word.
            m.read(2, 0);
            instruction_accesses += 1;
        }
        assert!(
            records.len() as u64 <= register_refresh_bound(accesses),
            "{accesses} accesses: {} refreshes, bound {}",
            records.len(),
            register_refresh_bound(accesses)
        );
    }
}
