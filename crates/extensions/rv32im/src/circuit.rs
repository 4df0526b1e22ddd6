//! The circuit side of RV32IM: its AIRs, in a fixed order, and the chips that run its
//! instructions in preflight and fill one trace per AIR.

use std::sync::Arc;

use openvm_stark_backend::{
    p3_field::{PrimeCharacteristicRing, PrimeField32},
    p3_matrix::dense::RowMajorMatrix,
    AirRef,
};
use tessera_arch::{Instruction, LocalOpcode, VmOpcode};
use tessera_system::vm::{
    CircuitExtension, Periphery, PreflightError, PreflightMemory, SegmentChips, Step, SyscallIo,
    SystemBuses, VmCircuitConfig, F, SC,
};

use crate::{
    adapters::alu_record::{preflight, AluOperand},
    *,
};

impl CircuitExtension for Rv32Im {
    fn name(&self) -> &'static str {
        "rv32im"
    }

    fn handles(&self, opcode: VmOpcode) -> bool {
        (0x100..0x200).contains(&opcode.as_usize())
    }

    fn airs(&self, b: &SystemBuses) -> Vec<AirRef<SC>> {
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
        };
        // The order of `Rv32ImChips::generate_traces`.
        let mut airs: Vec<AirRef<SC>> = BaseAluAir::all(alu).into();
        airs.extend::<[AirRef<SC>; 17]>([
            Arc::new(ShiftAir::<false> { buses: shift }),
            Arc::new(ShiftAir::<true> { buses: shift }),
            Arc::new(LessThanAir::<false> { buses: alu }),
            Arc::new(LessThanAir::<true> { buses: alu }),
            Arc::new(MulAir {
                execution,
                program,
                memory,
                range,
                bitwise,
            }),
            Arc::new(MulHAir {
                execution,
                program,
                memory,
                range,
                bitwise,
            }),
            Arc::new(DivRemAir {
                execution,
                program,
                memory,
                range,
                bitwise,
            }),
            Arc::new(LoadAir { buses: loadstore }),
            Arc::new(StoreAir { buses: loadstore }),
            Arc::new(BranchEqualAir { buses: branch }),
            Arc::new(BranchLessThanAir { buses: branch }),
            Arc::new(JalLuiAir { buses: jal }),
            Arc::new(JumpAir { execution, program }),
            Arc::new(JalrAir::<true> { buses: jalr }),
            Arc::new(JalrAir::<false> { buses: jalr }),
            Arc::new(AuipcAir { buses: auipc }),
            Arc::new(NopAir { execution, program }),
        ]);
        airs.extend(ecall.airs());
        airs
    }

    fn insn_cost(&self, instruction: &Instruction<F>) -> Option<(usize, u32)> {
        insn_cost(instruction)
    }

    fn io_costs(&self) -> Vec<(usize, u32)> {
        // By channel (`ecall::io_channel`): a byte written to fd 3 is a public-write row with a
        // read and a write of its word; a word `read` writes is a read row with one write.
        vec![(air_index::PUBLIC_WRITE, 2), (air_index::READ, 1)]
    }

    fn new_chips(&self, p: &Periphery) -> Box<dyn SegmentChips> {
        let (range, bitwise) = (p.range.clone(), p.bitwise.clone());
        Box::new(Rv32ImChips {
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
        })
    }
}

/// Index of each AIR in [`Rv32Im`]'s `airs` (the order of `Rv32ImChips::generate_traces`).
mod air_index {
    pub const ALU_ARITH_REG: usize = 0;
    pub const ALU_ARITH_IMM: usize = 1;
    pub const ALU_LOGIC_REG: usize = 2;
    pub const ALU_LOGIC_IMM: usize = 3;
    pub const SHIFT_REG: usize = 4;
    pub const SHIFT_IMM: usize = 5;
    pub const LESS_THAN_REG: usize = 6;
    pub const LESS_THAN_IMM: usize = 7;
    pub const MUL: usize = 8;
    pub const MULH: usize = 9;
    pub const DIVREM: usize = 10;
    pub const LOAD: usize = 11;
    pub const STORE: usize = 12;
    pub const BRANCH_EQUAL: usize = 13;
    pub const BRANCH_LESS_THAN: usize = 14;
    pub const JAL_LUI: usize = 15;
    pub const JUMP: usize = 16;
    pub const JALR_LINK: usize = 17;
    pub const JALR: usize = 18;
    pub const AUIPC: usize = 19;
    pub const NOP: usize = 20;
    pub const ECALL: usize = 21;
    pub const PUBLIC_WRITE: usize = 22;
    pub const READ: usize = 23;
}

/// The AIR and memory accesses of one execution of `inst` (see [`CircuitExtension::insn_cost`]).
fn insn_cost(inst: &Instruction<F>) -> Option<(usize, u32)> {
    use air_index::*;
    let op = inst.opcode;
    let register_form = inst.e.as_canonical_u32() != 0;
    let writes = inst.a.as_canonical_u32() != 0;
    let two_forms = |reg: usize, imm: usize| {
        if register_form {
            (reg, 3)
        } else {
            (imm, 2)
        }
    };
    Some(if let Some(o) = BaseAluOpcode::from_global(op) {
        match AluKind::of(o).0 {
            AluKind::Arith => two_forms(ALU_ARITH_REG, ALU_ARITH_IMM),
            AluKind::Logic => two_forms(ALU_LOGIC_REG, ALU_LOGIC_IMM),
        }
    } else if ShiftOpcode::from_global(op).is_some() {
        two_forms(SHIFT_REG, SHIFT_IMM)
    } else if LessThanOpcode::from_global(op).is_some() {
        two_forms(LESS_THAN_REG, LESS_THAN_IMM)
    } else if MulOpcode::from_global(op).is_some() {
        (MUL, 3)
    } else if MulHOpcode::from_global(op).is_some() {
        (MULH, 3)
    } else if DivRemOpcode::from_global(op).is_some() {
        (DIVREM, 3)
    } else if let Some(o) = LoadStoreOpcode::from_global(op) {
        (if o.is_store() { STORE } else { LOAD }, 3)
    } else if BranchEqualOpcode::from_global(op).is_some() {
        (BRANCH_EQUAL, 2)
    } else if BranchLessThanOpcode::from_global(op).is_some() {
        (BRANCH_LESS_THAN, 2)
    } else if JalLuiOpcode::from_global(op).is_some() {
        if writes {
            (JAL_LUI, 1)
        } else {
            (JUMP, 0)
        }
    } else if JalrOpcode::from_global(op).is_some() {
        if writes {
            (JALR_LINK, 2)
        } else {
            (JALR, 1)
        }
    } else if AuipcOpcode::from_global(op).is_some() {
        (AUIPC, 1)
    } else if NopOpcode::from_global(op).is_some() {
        (NOP, 0)
    } else if EcallOpcode::from_global(op).is_some() {
        // a7, a2, a1, a0 and the public-output length word, at most.
        (ECALL, 5)
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

impl SegmentChips for Rv32ImChips {
    fn execute(
        &mut self,
        m: &mut PreflightMemory,
        io: &mut SyscallIo,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<Step, PreflightError> {
        let [a, b, c] = [inst.a, inst.b, inst.c].map(|v| v.as_canonical_u32());
        let imm = Instruction::<F>::signed(inst.c) as i32;
        let operand = if inst.e.as_canonical_u32() == 0 {
            AluOperand::Immediate(imm as u32)
        } else {
            AluOperand::Register(c / 4)
        };
        let (rd, rs1) = (a / 4, b / 4);
        let op = inst.opcode;
        let next = pc.wrapping_add(4);
        if let Some(o) = BaseAluOpcode::from_global(op) {
            self.alu.records.push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = ShiftOpcode::from_global(op) {
            self.shift
                .records
                .push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = LessThanOpcode::from_global(op) {
            let record = less_than_preflight(m, pc, o, rd, rs1, operand);
            self.less_than.records.push(record);
        } else if let Some(o) = MulOpcode::from_global(op) {
            self.mul.records.push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = MulHOpcode::from_global(op) {
            self.mulh
                .records
                .push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = DivRemOpcode::from_global(op) {
            self.divrem
                .records
                .push(preflight(m, pc, o, rd, rs1, operand));
        } else if let Some(o) = LoadStoreOpcode::from_global(op) {
            if o.is_store() {
                let record = preflight_store(m, pc, o, rd, rs1, imm as u32);
                self.stores.records.push(record);
            } else {
                let record = preflight_load(m, pc, o, rd, rs1, imm as u32);
                self.loads.records.push(record);
            }
        } else if let Some(o) = BranchEqualOpcode::from_global(op) {
            let record = branch_preflight(m, pc, o, rd, rs1, imm);
            let to = record.to_pc();
            self.branch_eq.records.push(record);
            return Ok(Step::Continue(to));
        } else if let Some(o) = BranchLessThanOpcode::from_global(op) {
            let record = branch_preflight(m, pc, o, rd, rs1, imm);
            let to = record.to_pc();
            self.branch_lt.records.push(record);
            return Ok(Step::Continue(to));
        } else if let Some(o) = JalLuiOpcode::from_global(op) {
            let record = jal_lui_preflight(m, pc, o, rd, imm);
            let to = record.to_pc();
            self.jal_lui.records.push(record);
            return Ok(Step::Continue(to));
        } else if JalrOpcode::from_global(op).is_some() {
            let record = jalr_preflight(m, pc, rd, rs1, imm);
            let to = record.to_pc;
            self.jalr.records.push(record);
            return Ok(Step::Continue(to));
        } else if AuipcOpcode::from_global(op).is_some() {
            self.auipc.records.push(auipc_preflight(m, pc, rd, c));
        } else if NopOpcode::from_global(op).is_some() {
            self.nop.records.push(nop_preflight(m, pc));
        } else if EcallOpcode::from_global(op).is_some() {
            let record = ecall_preflight(m, pc, io).map_err(|e| PreflightError::Unprovable {
                pc,
                message: e.to_string(),
            })?;
            let syscall = record.syscall;
            self.ecall.records.push(record);
            if let Syscall::Exit { code } = syscall {
                return Ok(Step::Exit(code));
            }
        } else {
            return Err(PreflightError::Unprovable {
                pc,
                message: format!("{op:?} has no RV32IM chip (unimp traps in execution)"),
            });
        }
        Ok(Step::Continue(next))
    }

    fn generate_traces(self: Box<Self>) -> Vec<Option<RowMajorMatrix<F>>> {
        let mut traces: Vec<RowMajorMatrix<F>> = self.alu.generate_traces().into();
        let (shift_reg, shift_imm) = self.shift.generate_traces();
        let (lt_reg, lt_imm) = self.less_than.generate_traces();
        let (jal_link, jump) = self.jal_lui.generate_traces();
        let (jalr_link, jalr_plain) = self.jalr.generate_traces();
        traces.extend([
            shift_reg,
            shift_imm,
            lt_reg,
            lt_imm,
            self.mul.generate_trace(),
            self.mulh.generate_trace(),
            self.divrem.generate_trace(),
            self.loads.generate_trace(),
            self.stores.generate_trace(),
            self.branch_eq.generate_trace(),
            self.branch_lt.generate_trace(),
            jal_link,
            jump,
            jalr_link,
            jalr_plain,
            self.auipc.generate_trace(),
            self.nop.generate_trace(),
        ]);
        traces.extend(self.ecall.generate_traces());
        traces.into_iter().map(nonempty).collect()
    }
}

/// `None` for a trace of padding only. Every real row holds its instruction's timestamp, which
/// is at least 1, so a trace whose values are all zero has no rows.
fn nonempty(trace: RowMajorMatrix<F>) -> Option<RowMajorMatrix<F>> {
    trace.values.iter().any(|v| *v != F::ZERO).then_some(trace)
}
