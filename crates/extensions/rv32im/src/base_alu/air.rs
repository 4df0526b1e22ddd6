//! The base ALU AIRs: register-register and register-immediate forms (separate AIRs, so that
//! the immediate form pays for no second register access), each in two kinds: ADD/SUB, whose
//! result bytes are range-checked two per lookup, and XOR/OR/AND, which need one lookup per
//! byte. Splitting the kinds saves two bus messages on every ADD, ADDI and SUB, the most
//! frequent instructions.

use std::borrow::Borrow;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::{Field, PrimeCharacteristicRing},
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::{
    bus::{BitwiseBus, ExecutionBus, MemoryBridge, ProgramBus, MEMORY_BLOCK},
    LocalOpcode,
};

use super::BaseAluOpcode;
use crate::adapters::{
    alu_air::{eval_reg_imm, eval_reg_reg, AdapterBuses, AdapterRow},
    registers::{RegReadCols, RegWriteCols},
};

/// Opcode flags: ADD, SUB (the third is zero) in the arithmetic kind; XOR, OR, AND in the logic
/// kind. At most one is set; none on padding rows.
pub const NUM_FLAGS: usize = 3;

/// Which opcodes an AIR proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluKind {
    /// ADD and SUB.
    Arith,
    /// XOR, OR and AND.
    Logic,
}

impl AluKind {
    /// The kind of an opcode and its flag index in that kind's rows.
    pub fn of(opcode: BaseAluOpcode) -> (Self, usize) {
        match opcode {
            BaseAluOpcode::ADD => (Self::Arith, 0),
            BaseAluOpcode::SUB => (Self::Arith, 1),
            BaseAluOpcode::XOR => (Self::Logic, 0),
            BaseAluOpcode::OR => (Self::Logic, 1),
            BaseAluOpcode::AND => (Self::Logic, 2),
        }
    }

    /// The opcodes of this kind, by flag index.
    pub fn opcodes(self) -> &'static [BaseAluOpcode] {
        match self {
            Self::Arith => &[BaseAluOpcode::ADD, BaseAluOpcode::SUB],
            Self::Logic => &[BaseAluOpcode::XOR, BaseAluOpcode::OR, BaseAluOpcode::AND],
        }
    }
}

/// `rd = rs1 op rs2`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BaseAluRegCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub rs2: RegReadCols<T>,
    pub rd: RegWriteCols<T>,
    pub flags: [T; NUM_FLAGS],
}

/// `rd = rs1 op imm`. `imm = [byte0, byte1, sign]` of the sign-extended 12-bit immediate; the
/// program's operands `f, g` are the two bytes and its `c` (the signed immediate) pins the sign.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BaseAluImmCols<T> {
    pub from_pc: T,
    pub from_timestamp: T,
    pub rs1: RegReadCols<T>,
    pub imm: [T; 3],
    pub rd: RegWriteCols<T>,
    pub flags: [T; NUM_FLAGS],
}

tessera_arch::impl_columns!(BaseAluRegCols);
tessera_arch::impl_columns!(BaseAluImmCols);

/// The buses a base ALU AIR uses.
#[derive(Clone, Copy, Debug)]
pub struct BaseAluBuses {
    pub execution: ExecutionBus,
    pub program: ProgramBus,
    pub memory: MemoryBridge,
    pub bitwise: BitwiseBus,
}

impl BaseAluBuses {
    /// The buses of the shared register adapter.
    pub fn adapter(&self) -> AdapterBuses {
        AdapterBuses {
            execution: self.execution,
            program: self.program,
            memory: self.memory,
        }
    }
}

/// The AIR of one form (`IMM = false` register-register, `IMM = true` register-immediate) and
/// one kind.
#[derive(Clone, Copy, Debug)]
pub struct BaseAluAir<const IMM: bool> {
    pub buses: BaseAluBuses,
    pub kind: AluKind,
}

impl BaseAluAir<false> {
    /// The four base ALU AIRs, in the order of [`super::BaseAluChip::generate_traces`].
    pub fn all(buses: BaseAluBuses) -> [openvm_stark_backend::AirRef<tessera_system::SC>; 4] {
        [
            std::sync::Arc::new(BaseAluAir::<false> {
                buses,
                kind: AluKind::Arith,
            }),
            std::sync::Arc::new(BaseAluAir::<true> {
                buses,
                kind: AluKind::Arith,
            }),
            std::sync::Arc::new(BaseAluAir::<false> {
                buses,
                kind: AluKind::Logic,
            }),
            std::sync::Arc::new(BaseAluAir::<true> {
                buses,
                kind: AluKind::Logic,
            }),
        ]
    }
}

impl<F: Field, const IMM: bool> BaseAir<F> for BaseAluAir<IMM> {
    fn width(&self) -> usize {
        if IMM {
            BaseAluImmCols::<F>::WIDTH
        } else {
            BaseAluRegCols::<F>::WIDTH
        }
    }
}
impl<F: Field, const IMM: bool> BaseAirWithPublicValues<F> for BaseAluAir<IMM> {}
impl<F: Field, const IMM: bool> PartitionedBaseAir<F> for BaseAluAir<IMM> {}

impl<AB: InteractionBuilder, const IMM: bool> Air<AB> for BaseAluAir<IMM> {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window has a row").to_vec();
        let buses = &self.buses;
        if IMM {
            let cols: &BaseAluImmCols<AB::Var> = row[..].borrow();
            let [byte0, byte1, sign] = cols.imm;
            let sign_byte = sign * AB::Expr::from_u32(0xff);
            let y = [byte0.into(), byte1.into(), sign_byte.clone(), sign_byte];
            let x = cols.rs1.data.map(Into::into);
            let (is_valid, opcode) = eval_core(
                builder,
                &buses.bitwise,
                self.kind,
                cols.flags,
                x,
                y,
                cols.rd.data,
            );
            let imm = byte0 + byte1 * AB::Expr::from_u32(256) - sign * AB::Expr::from_u32(1 << 16);
            let row = AdapterRow {
                from_pc: cols.from_pc,
                from_timestamp: cols.from_timestamp,
                opcode,
                is_valid,
            };
            eval_reg_imm(
                builder,
                &buses.adapter(),
                row,
                &cols.rs1,
                [imm, byte0.into(), byte1.into()],
                &cols.rd,
            );
        } else {
            let cols: &BaseAluRegCols<AB::Var> = row[..].borrow();
            let x = cols.rs1.data.map(Into::into);
            let y = cols.rs2.data.map(Into::into);
            let (is_valid, opcode) = eval_core(
                builder,
                &buses.bitwise,
                self.kind,
                cols.flags,
                x,
                y,
                cols.rd.data,
            );
            let row = AdapterRow {
                from_pc: cols.from_pc,
                from_timestamp: cols.from_timestamp,
                opcode,
                is_valid,
            };
            eval_reg_reg(
                builder,
                &buses.adapter(),
                row,
                &cols.rs1,
                &cols.rs2,
                &cols.rd,
            );
        }
    }
}

/// The arithmetic of `z = x op y` on bytes (`x`, `y` are bytes: they come from memory or from
/// the committed program). Returns `is_valid` (the sum of the flags) and the opcode expression.
///
/// ADD and SUB are checked limb by limb with boolean carries (SUB as `z + y = x`) and
/// range-check the bytes of `z` two per lookup. XOR, OR and AND look `(x_i, y_i, x_i ^ y_i)` up
/// in the bitwise table, from which `z_i` follows (`x | y = (x + y + (x ^ y)) / 2`,
/// `x & y = (x + y - (x ^ y)) / 2`), and the lookup range-checks `z_i` too.
fn eval_core<AB: InteractionBuilder>(
    builder: &mut AB,
    bitwise: &BitwiseBus,
    kind: AluKind,
    flags: [AB::Var; NUM_FLAGS],
    x: [AB::Expr; MEMORY_BLOCK],
    y: [AB::Expr; MEMORY_BLOCK],
    z: [AB::Var; MEMORY_BLOCK],
) -> (AB::Expr, AB::Expr) {
    for flag in flags {
        builder.assert_bool(flag);
    }
    let is_valid = flags.iter().fold(AB::Expr::ZERO, |acc, &f| acc + f);
    builder.assert_bool(is_valid.clone());
    let opcode = kind
        .opcodes()
        .iter()
        .zip(flags)
        .fold(AB::Expr::ZERO, |acc, (op, flag)| {
            acc + flag * AB::Expr::from_u32(op.global().as_u32())
        });
    match kind {
        AluKind::Arith => {
            let [add, sub, unused] = flags;
            builder.assert_zero(unused);
            let inv_256 = AB::F::from_u32(256).inverse();
            let mut carry_add = AB::Expr::ZERO;
            let mut carry_sub = AB::Expr::ZERO;
            for i in 0..MEMORY_BLOCK {
                // ADD: x_i + y_i + carry = z_i + 256 carry'.
                carry_add = (x[i].clone() + y[i].clone() + carry_add - z[i]) * inv_256;
                builder.assert_zero(add * carry_add.clone() * (carry_add.clone() - AB::Expr::ONE));
                // SUB: z_i + y_i + carry = x_i + 256 carry'.
                carry_sub = (z[i] + y[i].clone() + carry_sub - x[i].clone()) * inv_256;
                builder.assert_zero(sub * carry_sub.clone() * (carry_sub.clone() - AB::Expr::ONE));
            }
            for pair in z.chunks_exact(2) {
                bitwise.range_check(builder, pair[0], pair[1], is_valid.clone());
            }
        }
        AluKind::Logic => {
            let [xor, or, and] = flags;
            for i in 0..MEMORY_BLOCK {
                let two_z = z[i] * AB::Expr::TWO;
                let sum = x[i].clone() + y[i].clone();
                let x_xor_y = xor * z[i] + or * (two_z.clone() - sum.clone()) + and * (sum - two_z);
                bitwise.xor(
                    builder,
                    x[i].clone(),
                    y[i].clone(),
                    x_xor_y,
                    is_valid.clone(),
                );
            }
        }
    }
    (is_valid, opcode)
}
