//! The circuit side of Zbb: its AIRs, listed once by [`ZbbAir`], the chips that run its
//! instructions in preflight and fill one trace per AIR ([`ZbbChips`]), and the registration
//! of the extension as `"zbb"`.

use std::sync::Arc;

use openvm_stark_backend::{
    interaction::InteractionBuilder,
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
    AirRef,
};
use tessera_arch::RecordArena;
use tessera_arch::{
    address_space,
    bus::{BitwiseBus, ExecutionBus, MemoryBridge, ProgramBus},
    Instruction, LocalOpcode, RecordStore,
};
use tessera_system::{
    kit::alu_air::AdapterBuses,
    vm::{CircuitExtension, Periphery, SegmentChips, SystemBuses, F, SC},
};

use crate::{
    Zbb, ZbbLogicAir, ZbbLogicChip, ZbbLogicOpcode, ZbbMinMaxAir, ZbbMinMaxChip, ZbbMinMaxOpcode,
    ZbbRotateAir, ZbbRotateChip, ZbbRotateOpcode, ZbbUnaryAir, ZbbUnaryChip, ZbbUnaryOpcode,
};

tessera_system::register_extension! {
    name: "zbb",
    summary: "RISC-V Zbb: basic bit manipulation (andn orn xnor min max minu maxu clz ctz cpop sext.b sext.h zext.h orc.b rev8 rol ror rori)",
    depends_on: ["rv32im"],
    instruction_set: false,
    create: || Box::new(Zbb),
}

/// The buses a Zbb AIR uses.
#[derive(Clone, Copy, Debug)]
pub struct ZbbBuses {
    /// Execution steps (pc, timestamp).
    pub execution: ExecutionBus,
    /// Program lookups.
    pub program: ProgramBus,
    /// Register accesses.
    pub memory: MemoryBridge,
    /// Byte-pair range checks and XOR lookups.
    pub bitwise: BitwiseBus,
}

impl ZbbBuses {
    /// The Zbb buses among the system's.
    pub fn new(b: &SystemBuses) -> Self {
        Self {
            execution: b.execution,
            program: b.program,
            memory: b.memory,
            bitwise: b.bitwise,
        }
    }

    /// The buses of the kit's register adapter.
    pub fn adapter(&self) -> AdapterBuses {
        AdapterBuses {
            execution: self.execution,
            program: self.program,
            memory: self.memory,
        }
    }
}

/// The flags of a family's row: each boolean, at most one set. Returns `is_valid` (their sum)
/// and the opcode (`sum flag_i * O::ALL[i]`, global).
pub(crate) fn eval_flags<AB: InteractionBuilder, O: LocalOpcode>(
    builder: &mut AB,
    flags: &[AB::Var],
) -> (AB::Expr, AB::Expr) {
    debug_assert_eq!(flags.len(), O::ALL.len());
    let mut is_valid = AB::Expr::ZERO;
    let mut opcode = AB::Expr::ZERO;
    for (&flag, op) in flags.iter().zip(O::ALL) {
        builder.assert_bool(flag);
        is_valid += flag.into();
        opcode += flag * AB::Expr::from_u32(op.global().as_u32());
    }
    builder.assert_bool(is_valid.clone());
    (is_valid, opcode)
}

/// The AIRs of Zbb. This enum is the one place their order is defined: a variant's
/// discriminant is its AIR's index among the extension's AIRs ([`ZbbAir::index`]), `airs`
/// lists [`ZbbAir::ALL`], and [`ZbbChips`] returns the traces in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZbbAir {
    /// [`ZbbLogicAir`]: ANDN, ORN, XNOR.
    Logic,
    /// [`ZbbMinMaxAir`]: MIN, MAX, MINU, MAXU.
    MinMax,
    /// [`ZbbUnaryAir`]: CLZ, CTZ, CPOP, SEXT.B, SEXT.H, ZEXT.H, ORC.B, REV8.
    Unary,
    /// `ZbbRotateAir<false>`: ROL, ROR.
    RotateReg,
    /// `ZbbRotateAir<true>`: RORI.
    RotateImm,
}

impl ZbbAir {
    /// The number of Zbb AIRs.
    pub const COUNT: usize = Self::RotateImm as usize + 1;

    /// Every AIR, by index (checked at compile time below).
    pub const ALL: [Self; Self::COUNT] = [
        Self::Logic,
        Self::MinMax,
        Self::Unary,
        Self::RotateReg,
        Self::RotateImm,
    ];

    /// The AIR's index among the extension's AIRs (what metering reports).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The AIR, talking on the system's buses.
    pub fn air(self, b: &SystemBuses) -> AirRef<SC> {
        let buses = ZbbBuses::new(b);
        match self {
            Self::Logic => Arc::new(ZbbLogicAir { buses }),
            Self::MinMax => Arc::new(ZbbMinMaxAir { buses }),
            Self::Unary => Arc::new(ZbbUnaryAir { buses }),
            Self::RotateReg => Arc::new(ZbbRotateAir::<false> { buses }),
            Self::RotateImm => Arc::new(ZbbRotateAir::<true> { buses }),
        }
    }

    /// The name the proof system gives the AIR (its type, without the module path).
    pub fn name(self) -> &'static str {
        match self {
            Self::Logic => "ZbbLogicAir",
            Self::MinMax => "ZbbMinMaxAir",
            Self::Unary => "ZbbUnaryAir",
            Self::RotateReg => "ZbbRotateAir<false>",
            Self::RotateImm => "ZbbRotateAir<true>",
        }
    }

    /// The AIR that gets the row of `instruction`; `None` for an opcode that is not Zbb's.
    pub fn of(instruction: &Instruction<F>) -> Option<Self> {
        let op = instruction.opcode;
        let register_form = instruction.e.as_canonical_u32() != address_space::IMMEDIATE;
        let air = if ZbbLogicOpcode::from_global(op).is_some() {
            Self::Logic
        } else if ZbbMinMaxOpcode::from_global(op).is_some() {
            Self::MinMax
        } else if ZbbUnaryOpcode::from_global(op).is_some() {
            Self::Unary
        } else if ZbbRotateOpcode::from_global(op).is_some() {
            if register_form {
                Self::RotateReg
            } else {
                Self::RotateImm
            }
        } else {
            return None;
        };
        Some(air)
    }
}

// `ALL` holds every variant once, at its own index.
const _: () = {
    let mut i = 0;
    while i < ZbbAir::COUNT {
        assert!(ZbbAir::ALL[i].index() == i);
        i += 1;
    }
};

impl CircuitExtension for Zbb {
    fn name(&self) -> &'static str {
        "zbb"
    }

    fn airs(&self, b: &SystemBuses) -> Vec<AirRef<SC>> {
        ZbbAir::ALL.iter().map(|air| air.air(b)).collect()
    }

    fn new_chips(&self, p: &Periphery, rows: &[usize]) -> Box<dyn SegmentChips> {
        let (range, bitwise) = (&p.range, &p.bitwise);
        let mut chips = Box::new(ZbbChips {
            logic: ZbbLogicChip::new(range.clone(), bitwise.clone()),
            minmax: ZbbMinMaxChip::new(range.clone(), bitwise.clone()),
            unary: ZbbUnaryChip::new(range.clone(), bitwise.clone()),
            rotate: ZbbRotateChip::new(range.clone(), bitwise.clone()),
        });
        let planned =
            |airs: &[ZbbAir]| -> usize { airs.iter().filter_map(|a| rows.get(a.index())).sum() };
        use ZbbAir::*;
        chips.logic.records.reserve(planned(&[Logic]));
        chips.minmax.records.reserve(planned(&[MinMax]));
        chips.unary.records.reserve(planned(&[Unary]));
        chips
            .rotate
            .records
            .reserve(planned(&[RotateReg, RotateImm]));
        chips
    }

    fn insn_air(&self, instruction: &Instruction<F>) -> Option<usize> {
        ZbbAir::of(instruction).map(ZbbAir::index)
    }
}

/// The chips of every Zbb family during one segment.
pub struct ZbbChips {
    /// ANDN, ORN, XNOR.
    pub logic: ZbbLogicChip,
    /// MIN, MAX, MINU, MAXU.
    pub minmax: ZbbMinMaxChip,
    /// The one-operand instructions.
    pub unary: ZbbUnaryChip,
    /// ROL, ROR, RORI.
    pub rotate: ZbbRotateChip,
}

impl SegmentChips for ZbbChips {
    fn lend_arenas(&mut self, records: &mut RecordStore) {
        records.lend(std::mem::take(&mut self.logic.records));
        records.lend(std::mem::take(&mut self.minmax.records));
        records.lend(std::mem::take(&mut self.unary.records));
        records.lend(std::mem::take(&mut self.rotate.records));
    }

    fn load_records(&mut self, records: &mut RecordStore) {
        self.logic.records = RecordArena::from(records.take());
        self.minmax.records = RecordArena::from(records.take());
        self.unary.records = RecordArena::from(records.take());
        self.rotate.records = RecordArena::from(records.take());
    }

    fn generate_traces(self: Box<Self>) -> Vec<Option<RowMajorMatrix<F>>> {
        let (rotate_reg, rotate_imm) = self.rotate.generate_traces();
        let (mut rotate_reg, mut rotate_imm) = (Some(rotate_reg), Some(rotate_imm));
        let take = |trace: &mut Option<RowMajorMatrix<F>>| trace.take().expect("one trace per AIR");
        // One arm per AIR: the compiler checks that none is missing.
        ZbbAir::ALL
            .map(|air| match air {
                ZbbAir::Logic => self.logic.generate_trace(),
                ZbbAir::MinMax => self.minmax.generate_trace(),
                ZbbAir::Unary => self.unary.generate_trace(),
                ZbbAir::RotateReg => take(&mut rotate_reg),
                ZbbAir::RotateImm => take(&mut rotate_imm),
            })
            .into_iter()
            .map(nonempty)
            .collect()
    }
}

/// `None` for a trace of padding only. Every real row holds its instruction's timestamp, which
/// is at least 1, so a trace whose values are all zero has no rows.
fn nonempty(trace: RowMajorMatrix<F>) -> Option<RowMajorMatrix<F>> {
    trace.values.iter().any(|v| *v != F::ZERO).then_some(trace)
}
