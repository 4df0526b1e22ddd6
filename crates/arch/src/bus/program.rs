use openvm_stark_backend::interaction::{BusIndex, InteractionBuilder, LookupBus};

/// The program bus: instruction rows look `(pc, opcode, a, b, c, d, e, f, g)` up in the
/// program table, which is committed once per program (a cached trace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramBus(pub LookupBus);

impl ProgramBus {
    pub const fn new(index: BusIndex) -> Self {
        Self(LookupBus::new(index))
    }

    /// Constrains that the program has `opcode` with `operands` (`a..g`) at `pc`, where
    /// `enabled` is non-zero.
    pub fn lookup_instruction<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        pc: impl Into<AB::Expr>,
        opcode: impl Into<AB::Expr>,
        operands: [impl Into<AB::Expr>; 7],
        enabled: impl Into<AB::Expr>,
    ) {
        let fields = [pc.into(), opcode.into()]
            .into_iter()
            .chain(operands.map(Into::into));
        self.0.lookup_key(builder, fields, enabled);
    }
}
