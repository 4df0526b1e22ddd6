//! The extension author's kit: what every instruction family needs and no author should
//! rewrite, because it is soundness-critical.
//!
//! - Execution: operand decoding ([`register`], [`destination`], [`immediate`],
//!   [`expect_space`], [`opcode`]) and [`AluExecutor`], the executor of every
//!   `rd = op(rs1, rs2 or imm)` family: implement [`AluFamily`] (the semantics) and it executes.
//! - Preflight: the same handler runs in the preflight context (`tessera_arch::PreflightCtx`),
//!   which timestamps its accesses (in the order the AIRs constrain) and keeps the
//!   [`alu_record::AluRecord`] it makes, the record trace generation fills a row from.
//! - Circuit: [`registers`] (the columns of one register read or write, their constraints on
//!   the memory bus with the recent-access timestamp check, and their fillers) and
//!   [`alu_air`] (the common instruction row: execution step, program lookup, timestamps).
//! - Tests: [`testing`], the test kit: single instructions in preflight, a chip proven on a few
//!   rows with a memory stub, whole segments edited as a cheating prover would, and the column
//!   mutation checker.
//!
//! The RV32IM families are built from these; so is the Zbb extension in `contrib/zbb`, which
//! lives outside the core and uses only this public API (see `docs/extensions.md`).

pub mod alu_air;
pub mod alu_record;
pub mod registers;
pub mod testing;

use alu_record::{AluOperand, AluRecord};

use p3_field::PrimeField32;
use tessera_arch::{
    address_space, ExecutionCtx, Executor, Handler, Instruction, LocalOpcode, PreInsn,
    StaticProgramError, Trap, VmExecState, X0_SINK,
};

/// Number of architectural registers.
const NUM_REGISTERS: u32 = 32;

/// The register index of a register pointer operand (`4 * index`).
pub fn register<F: PrimeField32>(
    pc: u32,
    operand: F,
    what: &str,
) -> Result<u32, StaticProgramError> {
    let ptr = operand.as_canonical_u32();
    if !ptr.is_multiple_of(4) || ptr / 4 >= NUM_REGISTERS {
        return Err(invalid(
            pc,
            format!("{what} {ptr} is not a register pointer (4 * index, index < 32)"),
        ));
    }
    Ok(ptr / 4)
}

/// The register slot a destination operand writes: `x0` goes to the sink slot.
pub fn destination<F: PrimeField32>(pc: u32, operand: F) -> Result<u32, StaticProgramError> {
    let index = register(pc, operand, "destination")?;
    Ok(if index == 0 { X0_SINK } else { index })
}

/// A signed immediate as the 32-bit two's-complement word it stands for.
pub fn immediate<F: PrimeField32>(operand: F) -> u32 {
    Instruction::<F>::signed(operand) as i32 as u32
}

/// Checks that operand `d` or `e` names the expected address space.
pub fn expect_space<F: PrimeField32>(
    pc: u32,
    operand: F,
    expected: &[u32],
    what: &str,
) -> Result<u32, StaticProgramError> {
    let space = operand.as_canonical_u32();
    if expected.contains(&space) {
        Ok(space)
    } else {
        Err(invalid(
            pc,
            format!("{what} is address space {space}, expected one of {expected:?}"),
        ))
    }
}

/// The family's opcode for `inst`, or an error if the executor was handed a foreign opcode.
pub fn opcode<O: LocalOpcode, F>(pc: u32, inst: &Instruction<F>) -> Result<O, StaticProgramError> {
    O::from_global(inst.opcode).ok_or_else(|| {
        invalid(
            pc,
            format!(
                "{} does not belong to {}",
                inst.opcode,
                std::any::type_name::<O>()
            ),
        )
    })
}

pub fn invalid(pc: u32, reason: String) -> StaticProgramError {
    StaticProgramError::InvalidInstruction { pc, reason }
}

/// An instruction family computing `rd = op(rs1, rs2 or imm)`: ALU, shifts, comparisons, M.
pub trait AluFamily: LocalOpcode + Send + Sync + 'static {
    /// The instruction's semantics: the one definition execution and trace generation share.
    fn eval(self, x: u32, y: u32) -> u32;
    /// The forms the family's circuit proves (`ADD` and `ADDI`: both; the M extension:
    /// register only; Zbb's one-operand instructions: immediate only, with immediate 0). The
    /// executor refuses the others, so that execution and proving accept the same programs.
    const FORMS: AluForms;
}

/// The operand forms of an [`AluFamily`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluForms {
    /// `rd = op(rs1, rs2)` only.
    Register,
    /// `rd = op(rs1, imm)` only.
    Immediate,
    /// Both.
    Both,
}

impl AluForms {
    /// The address spaces operand `e` may name.
    pub const fn spaces(self) -> &'static [u32] {
        match self {
            Self::Register => &[address_space::REGISTER],
            Self::Immediate => &[address_space::IMMEDIATE],
            Self::Both => &[address_space::REGISTER, address_space::IMMEDIATE],
        }
    }
}

/// Executor of every [`AluFamily`]. Operands: `a = 4 * rd`, `b = 4 * rs1`, `c = 4 * rs2` or a
/// signed immediate, `d = 1`, `e = 1` (register) or `0` (immediate).
pub struct AluExecutor<O>(std::marker::PhantomData<O>);

impl<O> Default for AluExecutor<O> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<F: PrimeField32, O: AluFamily + Send + Sync> Executor<F> for AluExecutor<O> {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        pc: u32,
        inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        let op: O = opcode(pc, inst)?;
        expect_space(pc, inst.d, &[address_space::REGISTER], "operand d")?;
        let is_imm =
            expect_space(pc, inst.e, O::FORMS.spaces(), "operand e")? == address_space::IMMEDIATE;
        let rd = destination(pc, inst.a)?;
        let rs1 = register(pc, inst.b, "rs1")?;
        let c = if is_imm {
            immediate(inst.c)
        } else {
            register(pc, inst.c, "rs2")?
        };
        Ok(PreInsn::new(
            alu_handler::<Ctx, O>(op.local(), is_imm),
            rd,
            rs1,
            c,
        ))
    }
}

fn alu_rr<Ctx: ExecutionCtx, O: AluFamily, const OP: usize>(
    s: &mut VmExecState<Ctx>,
    i: &PreInsn<Ctx>,
) -> Result<(), Trap> {
    let x = s.read_reg(i.b);
    let y = s.read_reg(i.c);
    s.write_reg(i.a, O::ALL[OP].eval(x, y));
    record_alu::<Ctx, O, OP>(s, i, AluOperand::Register(i.c));
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}

fn alu_ri<Ctx: ExecutionCtx, O: AluFamily, const OP: usize>(
    s: &mut VmExecState<Ctx>,
    i: &PreInsn<Ctx>,
) -> Result<(), Trap> {
    let x = s.read_reg(i.b);
    s.write_reg(i.a, O::ALL[OP].eval(x, i.c));
    record_alu::<Ctx, O, OP>(s, i, AluOperand::Immediate(i.c));
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}

/// The record of an ALU-like instruction, from its accesses: `rs1`, `rs2` (register form),
/// `rd`. An instruction writing `x0` has no row (the transpiler turns it into `NOP`), so no
/// record: preflight then reports that no chip proves it.
#[inline(always)]
fn record_alu<Ctx: ExecutionCtx, O: AluFamily, const OP: usize>(
    s: &mut VmExecState<Ctx>,
    i: &PreInsn<Ctx>,
    operand: AluOperand,
) {
    if i.a == X0_SINK {
        return;
    }
    let (rd, rs1) = (i.a, i.b);
    s.record(|log, _| {
        let register = matches!(operand, AluOperand::Register(_));
        AluRecord {
            from_pc: log.from_pc,
            from_timestamp: log.from_timestamp,
            opcode: O::ALL[OP],
            rd,
            rs1,
            operand,
            rs1_read: log.access(0),
            rs2_read: register.then(|| log.access(1)),
            rd_write: log.access(1 + register as usize),
        }
    });
}

/// The handler specialised for one opcode and form, so that the opcode test is done here, once.
fn alu_handler<Ctx: ExecutionCtx, O: AluFamily>(local: u32, is_imm: bool) -> Handler<Ctx> {
    macro_rules! pick {
        ($($n:literal)*) => {
            match (local, is_imm) {
                $(($n, false) => alu_rr::<Ctx, O, $n>, ($n, true) => alu_ri::<Ctx, O, $n>,)*
                _ => unreachable!("families have at most 8 opcodes"),
            }
        };
    }
    pick!(0 1 2 3 4 5 6 7)
}
