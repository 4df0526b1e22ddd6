//! The circuit side of RV32IM: its AIRs, listed once by [`Rv32ImAir`], and the chips that run
//! its instructions in preflight and fill one trace per AIR.

use std::sync::Arc;

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
    AirRef,
};
use tessera_arch::RecordArena;
use tessera_arch::{Instruction, LocalOpcode, RecordStore};
use tessera_system::vm::{
    CircuitExtension, Periphery, SegmentChips, SystemBuses, VmCircuitConfig, F, SC,
};

use crate::*;

tessera_system::register_extension! {
    name: "rv32im",
    summary: "RISC-V RV32I base integer instruction set and the M extension",
    depends_on: [],
    instruction_set: true,
    create: || Box::new(Rv32Im),
}

impl CircuitExtension for Rv32Im {
    fn name(&self) -> &'static str {
        "rv32im"
    }

    /// The chains of the public-write and read AIRs.
    fn own_buses(&self) -> u16 {
        2
    }

    fn airs(&self, b: &SystemBuses) -> Vec<AirRef<SC>> {
        Rv32ImAir::ALL.iter().map(|air| air.air(b)).collect()
    }

    fn insn_air(&self, instruction: &Instruction<F>) -> Option<usize> {
        insn_air(instruction).map(Rv32ImAir::index)
    }

    fn io_airs(&self) -> Vec<usize> {
        // By channel (`ecall::io_channel`): a byte written to fd 3 is a public-write row, a
        // word `read` writes is a read row.
        vec![Rv32ImAir::PublicWrite.index(), Rv32ImAir::Read.index()]
    }

    fn new_chips(&self, p: &Periphery, rows: &[usize]) -> Box<dyn SegmentChips> {
        let (range, bitwise) = (p.range.clone(), p.bitwise.clone());
        let mut chips = Box::new(Rv32ImChips {
            alu: BaseAluChip::new(range.clone(), bitwise.clone()),
            shift: ShiftChip::new(range.clone(), bitwise.clone()),
            less_than: LessThanChip::new(range.clone(), bitwise.clone()),
            mul: MulChip::new(range.clone(), bitwise.clone()),
            mulh: MulHChip::new(range.clone(), bitwise.clone()),
            divrem: DivRemChip::new(range.clone(), bitwise.clone()),
            loads: LoadChip::new(range.clone(), bitwise.clone()),
            stores: StoreChip::new(range.clone()),
            branch_eq: BranchEqualChip::new(range.clone()),
            branch_lt: BranchLessThanChip::new(range.clone(), bitwise.clone()),
            jal_lui: JalLuiChip::new(range.clone(), bitwise.clone()),
            jalr: JalrChip::new(range.clone(), bitwise.clone()),
            auipc: AuipcChip::new(range.clone(), bitwise.clone()),
            nop: NopChip::default(),
            ecall: EcallChip::new(range, bitwise),
        });
        chips.reserve(|airs| airs.iter().filter_map(|a| rows.get(a.index())).sum());
        chips
    }
}

/// The AIRs of RV32IM. This enum is the one place their order is defined: a variant's
/// discriminant is its AIR's index in [`Rv32Im`]'s `airs` (see [`Rv32ImAir::index`]), `airs`
/// lists [`Rv32ImAir::ALL`], and the chips' traces are matched to the variants by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rv32ImAir {
    /// `BaseAluAir<false>` of ADD/SUB.
    AluArithReg,
    /// `BaseAluAir<true>` of ADDI.
    AluArithImm,
    /// `BaseAluAir<false>` of XOR/OR/AND.
    AluLogicReg,
    /// `BaseAluAir<true>` of XORI/ORI/ANDI.
    AluLogicImm,
    /// `ShiftAir<false>`.
    ShiftReg,
    /// `ShiftAir<true>`.
    ShiftImm,
    /// `LessThanAir<false>`.
    LessThanReg,
    /// `LessThanAir<true>`.
    LessThanImm,
    /// [`MulAir`].
    Mul,
    /// [`MulHAir`].
    MulH,
    /// [`DivRemAir`].
    DivRem,
    /// [`LoadAir`].
    Load,
    /// [`StoreAir`].
    Store,
    /// [`BranchEqualAir`].
    BranchEqual,
    /// [`BranchLessThanAir`].
    BranchLessThan,
    /// [`JalLuiAir`]: JAL and LUI with a write.
    JalLui,
    /// [`JumpAir`]: JAL and LUI without one.
    Jump,
    /// `JalrAir<true>`: JALR with a write.
    JalrLink,
    /// `JalrAir<false>`: JALR without one.
    Jalr,
    /// [`AuipcAir`].
    Auipc,
    /// [`NopAir`].
    Nop,
    /// [`EcallAir`].
    Ecall,
    /// [`PublicWriteAir`]: the public-output bytes of `ecall`s.
    PublicWrite,
    /// [`ReadAir`]: the words written by `read`s.
    Read,
}

impl Rv32ImAir {
    /// The number of RV32IM AIRs.
    pub const COUNT: usize = Self::Read as usize + 1;

    /// Every AIR, by index (checked at compile time below).
    pub const ALL: [Self; Self::COUNT] = {
        use Rv32ImAir::*;
        [
            AluArithReg,
            AluArithImm,
            AluLogicReg,
            AluLogicImm,
            ShiftReg,
            ShiftImm,
            LessThanReg,
            LessThanImm,
            Mul,
            MulH,
            DivRem,
            Load,
            Store,
            BranchEqual,
            BranchLessThan,
            JalLui,
            Jump,
            JalrLink,
            Jalr,
            Auipc,
            Nop,
            Ecall,
            PublicWrite,
            Read,
        ]
    };

    /// The AIR's index among the extension's AIRs (what metering reports).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The AIR, talking on `b`.
    pub fn air(self, b: &SystemBuses) -> AirRef<SC> {
        let (execution, program, memory, range, bitwise) =
            (b.execution, b.program, b.memory, b.range, b.bitwise);
        let alu = BaseAluBuses {
            execution,
            program,
            memory,
            bitwise,
        };
        let shift = ShiftBuses {
            execution,
            program,
            memory,
            range,
            bitwise,
        };
        let loadstore = LoadStoreBuses {
            execution,
            program,
            memory,
            range,
            bitwise,
        };
        let branch = BranchBuses {
            execution,
            program,
            memory,
            bitwise,
        };
        let jal = JalLuiBuses {
            execution,
            program,
            memory,
            bitwise,
        };
        let jalr = JalrBuses {
            execution,
            program,
            memory,
            bitwise,
        };
        let auipc = AuipcBuses {
            execution,
            program,
            memory,
            bitwise,
        };
        let ecall = EcallBuses {
            execution,
            program,
            memory,
            exit: b.exit,
            range,
            bitwise,
            public_write: b.own.get(0),
            read: b.own.get(1),
        };
        let alu_air = |imm: bool, kind: AluKind| -> AirRef<SC> {
            if imm {
                Arc::new(BaseAluAir::<true> { buses: alu, kind })
            } else {
                Arc::new(BaseAluAir::<false> { buses: alu, kind })
            }
        };
        match self {
            Self::AluArithReg => alu_air(false, AluKind::Arith),
            Self::AluArithImm => alu_air(true, AluKind::Arith),
            Self::AluLogicReg => alu_air(false, AluKind::Logic),
            Self::AluLogicImm => alu_air(true, AluKind::Logic),
            Self::ShiftReg => Arc::new(ShiftAir::<false> { buses: shift }),
            Self::ShiftImm => Arc::new(ShiftAir::<true> { buses: shift }),
            Self::LessThanReg => Arc::new(LessThanAir::<false> { buses: alu }),
            Self::LessThanImm => Arc::new(LessThanAir::<true> { buses: alu }),
            Self::Mul => Arc::new(MulAir {
                execution,
                program,
                memory,
                range,
                bitwise,
            }),
            Self::MulH => Arc::new(MulHAir {
                execution,
                program,
                memory,
                range,
                bitwise,
            }),
            Self::DivRem => Arc::new(DivRemAir {
                execution,
                program,
                memory,
                range,
                bitwise,
            }),
            Self::Load => Arc::new(LoadAir { buses: loadstore }),
            Self::Store => Arc::new(StoreAir { buses: loadstore }),
            Self::BranchEqual => Arc::new(BranchEqualAir { buses: branch }),
            Self::BranchLessThan => Arc::new(BranchLessThanAir { buses: branch }),
            Self::JalLui => Arc::new(JalLuiAir { buses: jal }),
            Self::Jump => Arc::new(JumpAir { execution, program }),
            Self::JalrLink => Arc::new(JalrAir::<true> { buses: jalr }),
            Self::Jalr => Arc::new(JalrAir::<false> { buses: jalr }),
            Self::Auipc => Arc::new(AuipcAir { buses: auipc }),
            Self::Nop => Arc::new(NopAir { execution, program }),
            Self::Ecall => Arc::new(EcallAir { buses: ecall }),
            Self::PublicWrite => Arc::new(PublicWriteAir { buses: ecall }),
            Self::Read => Arc::new(ReadAir { buses: ecall }),
        }
    }
}

// `ALL` holds every variant once, at its own index.
const _: () = {
    let mut i = 0;
    while i < Rv32ImAir::COUNT {
        assert!(Rv32ImAir::ALL[i].index() == i);
        i += 1;
    }
};

/// The AIR that gets the row of `inst` (see [`CircuitExtension::insn_air`]).
fn insn_air(inst: &Instruction<F>) -> Option<Rv32ImAir> {
    use Rv32ImAir::*;
    let op = inst.opcode;
    let register_form = inst.e.as_canonical_u32() != 0;
    let writes = inst.a.as_canonical_u32() != 0;
    let two_forms = |reg: Rv32ImAir, imm: Rv32ImAir| if register_form { reg } else { imm };
    Some(if let Some(o) = BaseAluOpcode::from_global(op) {
        match AluKind::of(o).0 {
            AluKind::Arith => two_forms(AluArithReg, AluArithImm),
            AluKind::Logic => two_forms(AluLogicReg, AluLogicImm),
        }
    } else if ShiftOpcode::from_global(op).is_some() {
        two_forms(ShiftReg, ShiftImm)
    } else if LessThanOpcode::from_global(op).is_some() {
        two_forms(LessThanReg, LessThanImm)
    } else if MulOpcode::from_global(op).is_some() {
        Mul
    } else if MulHOpcode::from_global(op).is_some() {
        MulH
    } else if DivRemOpcode::from_global(op).is_some() {
        DivRem
    } else if let Some(o) = LoadStoreOpcode::from_global(op) {
        if o.is_store() {
            Store
        } else {
            Load
        }
    } else if BranchEqualOpcode::from_global(op).is_some() {
        BranchEqual
    } else if BranchLessThanOpcode::from_global(op).is_some() {
        BranchLessThan
    } else if JalLuiOpcode::from_global(op).is_some() {
        if writes {
            JalLui
        } else {
            Jump
        }
    } else if JalrOpcode::from_global(op).is_some() {
        if writes {
            JalrLink
        } else {
            Jalr
        }
    } else if AuipcOpcode::from_global(op).is_some() {
        Auipc
    } else if NopOpcode::from_global(op).is_some() {
        Nop
    } else if EcallOpcode::from_global(op).is_some() {
        Ecall
    } else {
        return None;
    })
}

impl VmCircuitConfig for Rv32ImConfig {
    fn circuit_extensions(&self) -> Vec<Box<dyn CircuitExtension>> {
        vec![Box::new(self.rv32im)]
    }
}

/// The chips of every RV32IM family during one segment.
struct Rv32ImChips {
    alu: BaseAluChip,
    shift: ShiftChip,
    less_than: LessThanChip,
    mul: MulChip,
    mulh: MulHChip,
    divrem: DivRemChip,
    loads: LoadChip,
    stores: StoreChip,
    branch_eq: BranchEqualChip,
    branch_lt: BranchLessThanChip,
    jal_lui: JalLuiChip,
    jalr: JalrChip,
    auipc: AuipcChip,
    nop: NopChip,
    ecall: EcallChip,
}

impl Rv32ImChips {
    /// Reserves each chip's record arena for the rows `planned` counts for its AIRs (one record
    /// per row; an `ecall`'s buffer rows come from its one record).
    fn reserve(&mut self, planned: impl Fn(&[Rv32ImAir]) -> usize) {
        use Rv32ImAir::*;
        let alu = planned(&[AluArithReg, AluArithImm, AluLogicReg, AluLogicImm]);
        self.alu.records.reserve(alu);
        self.shift.records.reserve(planned(&[ShiftReg, ShiftImm]));
        self.less_than
            .records
            .reserve(planned(&[LessThanReg, LessThanImm]));
        self.mul.records.reserve(planned(&[Mul]));
        self.mulh.records.reserve(planned(&[MulH]));
        self.divrem.records.reserve(planned(&[DivRem]));
        self.loads.records.reserve(planned(&[Load]));
        self.stores.records.reserve(planned(&[Store]));
        self.branch_eq.records.reserve(planned(&[BranchEqual]));
        self.branch_lt.records.reserve(planned(&[BranchLessThan]));
        self.jal_lui.records.reserve(planned(&[JalLui, Jump]));
        self.jalr.records.reserve(planned(&[JalrLink, Jalr]));
        self.auipc.records.reserve(planned(&[Auipc]));
        self.nop.records.reserve(planned(&[Nop]));
        self.ecall.records.reserve(planned(&[Ecall]));
    }
}

impl SegmentChips for Rv32ImChips {
    fn lend_arenas(&mut self, records: &mut RecordStore) {
        records.lend(std::mem::take(&mut self.alu.records));
        records.lend(std::mem::take(&mut self.shift.records));
        records.lend(std::mem::take(&mut self.less_than.records));
        records.lend(std::mem::take(&mut self.mul.records));
        records.lend(std::mem::take(&mut self.mulh.records));
        records.lend(std::mem::take(&mut self.divrem.records));
        records.lend(std::mem::take(&mut self.loads.records));
        records.lend(std::mem::take(&mut self.stores.records));
        records.lend(std::mem::take(&mut self.branch_eq.records));
        records.lend(std::mem::take(&mut self.branch_lt.records));
        records.lend(std::mem::take(&mut self.jal_lui.records));
        records.lend(std::mem::take(&mut self.jalr.records));
        records.lend(std::mem::take(&mut self.auipc.records));
        records.lend(std::mem::take(&mut self.nop.records));
        records.lend(std::mem::take(&mut self.ecall.records));
    }

    fn load_records(&mut self, records: &mut RecordStore) {
        fn take<R: Send + 'static>(records: &mut RecordStore) -> RecordArena<R> {
            RecordArena::from(records.take::<R>())
        }
        self.alu.records = take(records);
        self.shift.records = take(records);
        self.less_than.records = take(records);
        self.mul.records = take(records);
        self.mulh.records = take(records);
        self.divrem.records = take(records);
        self.loads.records = take(records);
        self.stores.records = take(records);
        self.branch_eq.records = take(records);
        self.branch_lt.records = take(records);
        self.jal_lui.records = take(records);
        self.jalr.records = take(records);
        self.auipc.records = take(records);
        self.nop.records = take(records);
        self.ecall.records = take(records);
    }

    fn generate_traces(self: Box<Self>) -> Vec<Option<RowMajorMatrix<F>>> {
        use Rv32ImAir::*;
        // The chips that fill several AIRs' traces at once, each trace named after its AIR.
        let [mut alu_arith_reg, mut alu_arith_imm, mut alu_logic_reg, mut alu_logic_imm] =
            self.alu.generate_traces().map(Some);
        let (shift_reg, shift_imm) = self.shift.generate_traces();
        let (mut shift_reg, mut shift_imm) = (Some(shift_reg), Some(shift_imm));
        let (less_than_reg, less_than_imm) = self.less_than.generate_traces();
        let (mut less_than_reg, mut less_than_imm) = (Some(less_than_reg), Some(less_than_imm));
        let (jal_lui, jump) = self.jal_lui.generate_traces();
        let (mut jal_lui, mut jump) = (Some(jal_lui), Some(jump));
        let (jalr_link, jalr) = self.jalr.generate_traces();
        let (mut jalr_link, mut jalr) = (Some(jalr_link), Some(jalr));
        let ecall_traces: [_; 3] = self.ecall.generate_traces().try_into().unwrap_or_else(|_| {
            unreachable!(
                "EcallChip::generate_traces returns the ecall, public-write and read traces"
            )
        });
        let [mut ecall, mut public_write, mut read] = ecall_traces.map(Some);
        // `ALL` lists each AIR once, so each trace is taken once.
        let take = |trace: &mut Option<RowMajorMatrix<F>>| trace.take().expect("one trace per AIR");
        // One arm per AIR: the compiler checks that none is missing.
        Rv32ImAir::ALL
            .map(|air| match air {
                AluArithReg => take(&mut alu_arith_reg),
                AluArithImm => take(&mut alu_arith_imm),
                AluLogicReg => take(&mut alu_logic_reg),
                AluLogicImm => take(&mut alu_logic_imm),
                ShiftReg => take(&mut shift_reg),
                ShiftImm => take(&mut shift_imm),
                LessThanReg => take(&mut less_than_reg),
                LessThanImm => take(&mut less_than_imm),
                Mul => self.mul.generate_trace(),
                MulH => self.mulh.generate_trace(),
                DivRem => self.divrem.generate_trace(),
                Load => self.loads.generate_trace(),
                Store => self.stores.generate_trace(),
                BranchEqual => self.branch_eq.generate_trace(),
                BranchLessThan => self.branch_lt.generate_trace(),
                JalLui => take(&mut jal_lui),
                Jump => take(&mut jump),
                JalrLink => take(&mut jalr_link),
                Jalr => take(&mut jalr),
                Auipc => self.auipc.generate_trace(),
                Nop => self.nop.generate_trace(),
                Ecall => take(&mut ecall),
                PublicWrite => take(&mut public_write),
                Read => take(&mut read),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The name the backend gives each variant's AIR (its type, without the module path).
    fn expected_name(air: Rv32ImAir) -> &'static str {
        use Rv32ImAir::*;
        match air {
            AluArithReg | AluLogicReg => "BaseAluAir<false>",
            AluArithImm | AluLogicImm => "BaseAluAir<true>",
            ShiftReg => "ShiftAir<false>",
            ShiftImm => "ShiftAir<true>",
            LessThanReg => "LessThanAir<false>",
            LessThanImm => "LessThanAir<true>",
            Mul => "MulAir",
            MulH => "MulHAir",
            DivRem => "DivRemAir",
            Load => "LoadAir",
            Store => "StoreAir",
            BranchEqual => "BranchEqualAir",
            BranchLessThan => "BranchLessThanAir",
            JalLui => "JalLuiAir",
            Jump => "JumpAir",
            JalrLink => "JalrAir<true>",
            Jalr => "JalrAir<false>",
            Auipc => "AuipcAir",
            Nop => "NopAir",
            Ecall => "EcallAir",
            PublicWrite => "PublicWriteAir",
            Read => "ReadAir",
        }
    }

    #[test]
    fn all_lists_every_air_at_its_index() {
        let indices: Vec<usize> = Rv32ImAir::ALL.iter().map(|a| a.index()).collect();
        assert_eq!(indices, (0..Rv32ImAir::COUNT).collect::<Vec<_>>());
        assert_eq!(Rv32ImAir::COUNT, 24);
    }

    #[test]
    fn airs_follow_the_enum() {
        let airs = Rv32Im.airs(&SystemBuses::default());
        assert_eq!(airs.len(), Rv32ImAir::COUNT);
        for (air, built) in Rv32ImAir::ALL.into_iter().zip(&airs) {
            assert_eq!(built.name(), expected_name(air), "{air:?}");
        }
    }

    /// The chips return one trace per AIR (`None`: no rows in an empty segment).
    #[test]
    fn chips_return_one_trace_per_air() {
        let periphery = Periphery::system();
        let traces = Rv32Im.new_chips(&periphery, &[]).generate_traces();
        assert_eq!(traces.len(), Rv32ImAir::COUNT);
        assert!(traces.iter().all(Option::is_none));
    }
}
