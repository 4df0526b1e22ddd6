//! Proving helpers for chip tests. Tests prove with toy parameters
//! (`SystemParams::new_for_testing`, little proof-of-work, low security): they check
//! constraints and buses, not security, and they say so.

use openvm_stark_backend::{
    p3_matrix::dense::RowMajorMatrix, prover::AirProvingContext, AirRef, StarkEngine, SystemParams,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2CpuEngine;
use p3_baby_bear::BabyBear;

use crate::SC;

/// The engine of chip tests.
pub type TestEngine = BabyBearPoseidon2CpuEngine;
/// Its prover backend.
pub type TestBackend = <TestEngine as StarkEngine>::PB;

/// The test engine with toy parameters for traces of up to `2^log_height` rows.
pub fn test_engine(log_height: usize) -> TestEngine {
    StarkEngine::new(SystemParams::new_for_testing(log_height))
}

/// Keygen, prove and verify `airs` with one main trace each (no public values), with toy
/// parameters sized for traces of up to `2^log_height` rows. `Err` names the failing stage.
pub fn prove_and_verify(
    airs: Vec<AirRef<SC>>,
    traces: Vec<RowMajorMatrix<BabyBear>>,
    log_height: usize,
) -> Result<(), String> {
    let ctxs = traces
        .into_iter()
        .map(AirProvingContext::simple_no_pis)
        .collect();
    prove_and_verify_contexts(&test_engine(log_height), airs, ctxs)
}

/// Keygen, prove and verify with proving contexts built by the caller (cached traces, public
/// values).
pub fn prove_and_verify_contexts(
    engine: &TestEngine,
    airs: Vec<AirRef<SC>>,
    ctxs: Vec<AirProvingContext<TestBackend>>,
) -> Result<(), String> {
    engine
        .run_test(airs, ctxs)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
