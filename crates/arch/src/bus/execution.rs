use openvm_stark_backend::interaction::{BusIndex, InteractionBuilder, PermutationCheckBus};

/// The state between two instructions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ExecutionState<T> {
    pub pc: T,
    pub timestamp: T,
}

impl<T> ExecutionState<T> {
    pub fn new(pc: impl Into<T>, timestamp: impl Into<T>) -> Self {
        Self {
            pc: pc.into(),
            timestamp: timestamp.into(),
        }
    }

    fn fields(self) -> [T; 2] {
        [self.pc, self.timestamp]
    }
}

/// The execution bus: it chains instructions in the order they ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionBus(pub PermutationCheckBus);

impl ExecutionBus {
    pub const fn new(index: BusIndex) -> Self {
        Self(PermutationCheckBus::new(index))
    }

    /// An instruction row: receives the state it starts from, sends the state it ends in.
    /// `enabled` must be boolean (constrained by the caller).
    pub fn execute<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        enabled: impl Into<AB::Expr>,
        from: ExecutionState<impl Into<AB::Expr>>,
        to: ExecutionState<impl Into<AB::Expr>>,
    ) {
        let enabled = enabled.into();
        self.receive(builder, from, enabled.clone());
        self.send(builder, to, enabled);
    }

    /// Sends a state (the connector sends the initial one).
    pub fn send<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        state: ExecutionState<impl Into<AB::Expr>>,
        enabled: impl Into<AB::Expr>,
    ) {
        self.0
            .send(builder, state.fields().map(Into::into), enabled);
    }

    /// Receives a state (the connector receives the final one).
    pub fn receive<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        state: ExecutionState<impl Into<AB::Expr>>,
        enabled: impl Into<AB::Expr>,
    ) {
        self.0
            .receive(builder, state.fields().map(Into::into), enabled);
    }
}

/// The exit bus: the exiting `ecall` sends the exit code (two 16-bit halves) and the connector
/// of a terminating segment receives it, so a segment terminates if and only if the guest exited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitBus(pub PermutationCheckBus);

impl ExitBus {
    pub const fn new(index: BusIndex) -> Self {
        Self(PermutationCheckBus::new(index))
    }

    pub fn send<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        exit_code: [impl Into<AB::Expr>; 2],
        enabled: impl Into<AB::Expr>,
    ) {
        self.0.send(builder, exit_code.map(Into::into), enabled);
    }

    pub fn receive<AB: InteractionBuilder>(
        &self,
        builder: &mut AB,
        exit_code: [impl Into<AB::Expr>; 2],
        enabled: impl Into<AB::Expr>,
    ) {
        self.0.receive(builder, exit_code.map(Into::into), enabled);
    }
}
