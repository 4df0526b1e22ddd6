//! The load AIR: LW, LHU, LH, LBU, LB.
//!
//! The address `rs1 + offset` is computed in two 16-bit halves (the offset's low half and sign
//! come from the program's operands `f`, `g`), and the result is decomposed as
//! `shift + 4 (a0 + 2^12 a1) + 2^16 (h0 + 2^12 h1)` with `a0, h0 < 2^12`, `a1 < 4`, `h1` a bit:
//! so the address is below `2^29` (main memory), the word pointer is exact, and `shift` (one-hot)
//! is the byte offset inside the word, which alignment rules restrict.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    address_space,
    bus::{
        BitwiseBus, ExecutionBus, ExecutionState, MemoryAccessAux, MemoryBridge, ProgramBus,
        RangeCheckerBus, MEMORY_BLOCK,
    },
    LocalOpcode,
};

use super::LoadStoreOpcode;
use crate::adapters::registers::{RegReadCols, RegWriteCols};

/// The load opcodes, in the order of the flag columns.
pub const LOADS: [LoadStoreOpcode; 5] = [
    LoadStoreOpcode::LOADW,
    LoadStoreOpcode::LOADBU,
    LoadStoreOpcode::LOADHU,
    LoadStoreOpcode::LOADB,
    LoadStoreOpcode::LOADH,
];

/// The address computation shared by loads and stores.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct AddressCols<T> {
    /// The offset's low 16 bits and sign (program operands `f`, `g`).
    pub offset: [T; 2],
    /// The carry from the low half into the high half, and the discarded carry out.
    pub carries: [T; 2],
    /// `a0` (12 bits), `a1` (2 bits), `h0` (12 bits), `h1` (1 bit).
    pub limbs: [T; 4],
    /// One-hot byte offset inside the word.
    pub shift: [T; MEMORY_BLOCK],
}

/// A main-memory word access.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct MemWordCols<T> {
    pub data: [T; MEMORY_BLOCK],
    pub aux: MemoryAccessAux<T>,
}

/// `rd = extend(mem[rs1 + offset])`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct LoadCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub address: AddressCols<T>,
    pub mem: MemWordCols<T>,
    pub rd: RegWriteCols<T>,
    /// LW, LBU, LHU, LB, LH.
    pub flags: [T; 5],
    /// The loaded value's top byte for LB and LH (else 0), and its top bit.
    pub top: T,
    pub msb: T,
}

tessera_arch::impl_columns!(AddressCols);
tessera_arch::impl_columns!(MemWordCols);
tessera_arch::impl_columns!(LoadCols);

/// The buses of the load and store AIRs.
#[derive(Clone, Copy, Debug)]
pub struct LoadStoreBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub range: RangeCheckerBus,
    pub bitwise: BitwiseBus,
}

/// The load AIR.
#[derive(Clone, Copy, Debug)]
pub struct LoadAir {
    pub buses: LoadStoreBuses,
}

impl<F: Field> BaseAir<F> for LoadAir {
    fn width(&self) -> usize {
        LoadCols::<F>::WIDTH
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for LoadAir {}
impl<F: Field> PartitionedBaseAir<F> for LoadAir {}

/// Constrains the address of an access by `rs1` plus the offset, and returns the word pointer
/// expression and the program operand `c` (the signed offset).
pub fn eval_address<AB: InteractionBuilder>(
    builder: &mut AB,
    range: &RangeCheckerBus,
    rs1: [AB::Var; MEMORY_BLOCK],
    a: &AddressCols<AB::Var>,
    is_valid: AB::Expr,
) -> (AB::Expr, AB::Expr) {
    let [offset_low, sign] = a.offset;
    let [carry, carry_out] = a.carries;
    let [a0, a1, h0, h1] = a.limbs;
    for bit in [carry, carry_out, h1] {
        builder.assert_bool(bit);
    }
    let mut shift = AB::Expr::ZERO;
    let mut markers = AB::Expr::ZERO;
    for (k, &m) in a.shift.iter().enumerate() {
        builder.assert_bool(m);
        shift += m * AB::Expr::from_usize(k);
        markers += m.into();
    }
    builder.assert_eq(markers, is_valid.clone());
    let c = |v: u32| AB::Expr::from_u32(v);
    let word_low = a0 * c(4) + a1 * c(1 << 14);
    let high = h0 + h1 * c(1 << 12);
    // Low half: rs1_lo + offset_lo = (shift + word_low) + 2^16 carry.
    builder.assert_eq(
        rs1[0] + rs1[1] * c(256) + offset_low,
        shift + word_low.clone() + carry * c(1 << 16),
    );
    // High half: rs1_hi + 0xffff sign + carry = high + 2^16 carry_out.
    builder.assert_eq(
        rs1[2] + rs1[3] * c(256) + sign * c(0xffff) + carry,
        high.clone() + carry_out * c(1 << 16),
    );
    range.range_check(builder, a0, 12, is_valid.clone());
    range.range_check(builder, a1, 2, is_valid.clone());
    range.range_check(builder, h0, 12, is_valid);
    let pointer = word_low + high * c(1 << 16);
    let offset = offset_low - sign * c(1 << 16);
    (pointer, offset)
}

impl<AB: InteractionBuilder> Air<AB> for LoadAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let cols: &LoadCols<AB::Var> = row[..].borrow();
        let buses = &self.buses;
        let [lw, lbu, lhu, lb, lh] = cols.flags;
        for flag in cols.flags {
            builder.assert_bool(flag);
        }
        let is_valid: AB::Expr = lw + lbu + lhu + lb + lh;
        builder.assert_bool(is_valid.clone());
        let opcode = LOADS
            .iter()
            .zip(cols.flags)
            .fold(AB::Expr::ZERO, |acc, (op, flag)| {
                acc + flag * AB::Expr::from_u32(op.global().as_u32())
            });
        let (pointer, offset) = eval_address(
            builder,
            &buses.range,
            cols.rs1.data,
            &cols.address,
            is_valid.clone(),
        );

        // Alignment: words at shift 0, halves at shift 0 or 2.
        let [m0, m1, m2, m3] = cols.address.shift;
        builder.assert_zero(lw * (m1 + m2 + m3));
        builder.assert_zero((lhu + lh) * (m1 + m3));

        // The loaded value.
        let d = cols.mem.data;
        let byte = m0 * d[0] + m1 * d[1] + m2 * d[2] + m3 * d[3];
        let half_low = m0 * d[0] + m2 * d[2];
        let half_high = m0 * d[1] + m2 * d[3];
        let bytes: AB::Expr = lbu + lb;
        let halves: AB::Expr = lhu + lh;
        let signed: AB::Expr = lb + lh;
        builder.assert_eq(cols.top, lb * byte.clone() + lh * half_high.clone());
        builder.assert_bool(cols.msb);
        builder.assert_zero(cols.msb * (AB::Expr::ONE - signed.clone()));
        buses.bitwise.range_check(
            builder,
            (cols.top - cols.msb * AB::Expr::from_u32(128)) * AB::Expr::TWO,
            AB::Expr::ZERO,
            is_valid.clone(),
        );
        let fill = cols.msb * AB::Expr::from_u32(0xff);
        let rd = cols.rd.data;
        builder.assert_eq(rd[0], lw * d[0] + bytes * byte + halves.clone() * half_low);
        builder.assert_eq(rd[1], lw * d[1] + halves * half_high + lb * fill.clone());
        builder.assert_eq(rd[2], lw * d[2] + fill.clone());
        builder.assert_eq(rd[3], lw * d[3] + fill);

        let ts = cols.from_timestamp;
        cols.rs1.eval(builder, &buses.memory, ts, is_valid.clone());
        buses.memory.read(
            builder,
            AB::Expr::from_u32(address_space::MEMORY),
            pointer,
            d,
            ts + AB::Expr::ONE,
            &cols.mem.aux,
            is_valid.clone(),
        );
        cols.rd
            .eval(builder, &buses.memory, ts + AB::Expr::TWO, is_valid.clone());
        let [offset_low, sign] = cols.address.offset;
        buses.program.lookup_instruction(
            builder,
            cols.from_pc,
            opcode,
            [
                cols.rd.pointer.into(),
                cols.rs1.pointer.into(),
                offset,
                AB::Expr::from_u32(address_space::REGISTER),
                AB::Expr::from_u32(address_space::MEMORY),
                offset_low.into(),
                sign.into(),
            ],
            is_valid.clone(),
        );
        buses.execution.execute(
            builder,
            is_valid,
            ExecutionState::new(cols.from_pc, cols.from_timestamp),
            ExecutionState::<AB::Expr>::new(
                cols.from_pc + AB::Expr::from_u32(4),
                ts + AB::Expr::from_u32(3),
            ),
        );
    }
}
