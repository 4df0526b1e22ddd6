//! The connector's row.

use openvm_stark_backend::{p3_field::PrimeCharacteristicRing, p3_matrix::dense::RowMajorMatrix};
use p3_baby_bear::BabyBear;
use tessera_arch::bus::TIMESTAMP_LIMB_BITS;

use super::{ConnectorCols, ConnectorPvs};
use crate::range_checker::RangeCheckerChip;

/// The connector's trace and public values for a segment from `initial_pc` to `final_pc`
/// ending at `final_timestamp` (below 2^24), terminated with `exit_code` if `Some`. Records
/// the range checks of the final timestamp's limbs in `range`.
pub fn connector_trace(
    initial_pc: u32,
    final_pc: u32,
    final_timestamp: u32,
    exit_code: Option<u32>,
    range: &RangeCheckerChip,
) -> (RowMajorMatrix<BabyBear>, Vec<BabyBear>) {
    let mask = (1 << TIMESTAMP_LIMB_BITS) - 1;
    let limbs = [
        final_timestamp & mask,
        final_timestamp >> TIMESTAMP_LIMB_BITS,
    ];
    for limb in limbs {
        range.request(limb, TIMESTAMP_LIMB_BITS);
    }
    let code = exit_code.unwrap_or(0);
    let pvs = ConnectorPvs {
        initial_pc,
        final_pc,
        exit_code: [code & 0xffff, code >> 16],
        is_terminate: exit_code.is_some() as u32,
    };
    let cols = ConnectorCols {
        pvs,
        final_timestamp,
        final_timestamp_limbs: limbs,
    };
    let to_field = |values: &[u32]| values.iter().map(|&v| BabyBear::from_u32(v)).collect();
    let row: [u32; ConnectorCols::<u8>::WIDTH] = [
        cols.pvs.initial_pc,
        cols.pvs.final_pc,
        cols.pvs.exit_code[0],
        cols.pvs.exit_code[1],
        cols.pvs.is_terminate,
        cols.final_timestamp,
        cols.final_timestamp_limbs[0],
        cols.final_timestamp_limbs[1],
    ];
    (
        RowMajorMatrix::new(to_field(&row), ConnectorCols::<u8>::WIDTH),
        to_field(&row[..ConnectorPvs::<u8>::WIDTH]),
    )
}
